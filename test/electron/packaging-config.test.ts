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
});
