import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(REPO_ROOT, 'package.json'));

interface BuilderConfig {
  /** Normalised by getConfig to [{ filter: [...] }]. */
  files: { filter: string[] }[];
  asarUnpack: string[];
  npmRebuild: boolean;
  mac: { target: string[] };
  win: { target: string[] };
  linux: { target: string[] };
  deb: { depends: string[] };
  electronFuses?: Record<string, boolean>;
}

/**
 * electron-builder's own loader and schema check the config (what `npm run package` would do
 * first); the packaging itself needs the Electron download and is not run here.
 */
describe('packaging configuration', () => {
  it('passes electron-builder validation and packs what the app loads', async () => {
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
      validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    const config = await getConfig(REPO_ROOT, path.join(REPO_ROOT, 'electron-builder.yml'), null);
    await validateConfiguration(config, new DebugLogger(false));

    expect(config.files.flatMap((entry) => entry.filter)).toEqual(expect.arrayContaining(['package.json', 'dist/main/**', 'dist/preload/**', 'dist/renderer/**', 'assets/tray/**']));
    expect(config.npmRebuild).toBe(true);
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3/**');
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.deb.depends).toContain('usbmuxd');
    for (const icon of ['assets/icon.png', 'assets/tray/tray-idle.png', 'assets/tray/tray-busy@2x.png', 'assets/tray/tray-error.png']) {
      expect(fs.readFileSync(path.join(REPO_ROOT, icon)).subarray(1, 4).toString('ascii'), icon).toBe('PNG');
    }
  });

  it('flips the Electron fuses that let someone else run code as Lifeboat', async () => {
    const { getConfig } = require('app-builder-lib/out/util/config/config') as {
      getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
    };
    const config = await getConfig(REPO_ROOT, path.join(REPO_ROOT, 'electron-builder.yml'), null);
    // Key names from app-builder-lib's FuseOptionsV1 (scheme.json); validation above refuses unknown ones.
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('starts the app from the bundle the build writes', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string; type: string; scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.main).toBe('dist/main/electron/main.js');
    // ESM main: the bundle is ESM, and package.json decides how Electron loads a .js file.
    expect(pkg.type).toBe('module');
    expect(pkg.scripts.start).toContain('scripts/start-electron.ts');
    expect(pkg.dependencies['better-sqlite3']).toBeDefined();
    expect(fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'build-electron.ts'), 'utf8')).toContain("'main', 'electron', 'main.js'");
  });

  it('has release instructions that name the variables the installed electron-builder reads', () => {
    const release = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'release.md'), 'utf8');
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/release.md)');
    // Notarization: every APPLE_* variable the doc names is one electron-builder's schema documents.
    const scheme = JSON.parse(fs.readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as {
      definitions: Record<string, { properties: Record<string, { description?: string }> }>;
    };
    const notarize = scheme.definitions.MacConfiguration?.properties.notarize?.description ?? '';
    const appleVariables = [...new Set(release.match(/APPLE_[A-Z_]+/g))];
    expect(appleVariables).toEqual(expect.arrayContaining(['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER']));
    for (const variable of appleVariables) expect(notarize, variable).toContain(variable);
    // Windows: the Azure and signtool options the doc names exist in the schema.
    const azure = Object.keys(scheme.definitions.WindowsAzureSigningConfiguration?.properties ?? {});
    expect(azure).toEqual(expect.arrayContaining(['publisherName', 'endpoint', 'certificateProfileName', 'codeSigningAccountName']));
    expect(Object.keys(scheme.definitions.WindowsSigntoolConfiguration?.properties ?? {})).toContain('certificateSubjectName');
    for (const heading of ['## macOS', '## Windows', '## Linux']) expect(release).toContain(heading);
  });

  it('packs the worker-thread bundles the build writes beside the main bundle', async () => {
    const { getConfig } = require('app-builder-lib/out/util/config/config') as {
      getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig & { asar?: unknown }>;
    };
    const config = await getConfig(REPO_ROOT, path.join(REPO_ROOT, 'electron-builder.yml'), null);
    const { THREAD_MODULES } = await import('../../src/main/backup/store/module-worker');
    const build = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'build-electron.ts'), 'utf8');
    // Each thread is bundled to `<name>.js` in the main bundle's folder (dist/main/electron), which `files` packs.
    expect(build).toContain('`${name}.js`');
    expect(config.files.flatMap((entry) => entry.filter)).toContain('dist/main/**');
    expect(Object.keys(THREAD_MODULES).sort()).toEqual(['backup-reader-worker', 'heic-thread', 'previous-listing-worker', 'whole-file-worker']);
    // The fuses check the asar's integrity and load the app only from it: the archive must be on.
    expect(config.asar).not.toBe(false);
  });
});
