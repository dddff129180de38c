/**
 * The shape docs/architecture.md and the README claim, checked on every run rather than by
 * review: no import cycles anywhere in src/, and the layer order codec → usbmux → lockdown →
 * services → device manager → backup → restore/browser/photos/reader → core → adapters (cli, web, electron). The renderer, the
 * shared contract and the simulator have eslint rules of their own (eslint.config.mjs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCycles, layerViolations, readImportGraph } from './import-graph';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the import graph of src/', () => {
  const graph = readImportGraph(REPO_ROOT);

  it('reads the modules and their imports', () => {
    expect(graph.edges.get('src/main/cli/main.ts')).toContain('src/main/cli/command-help.ts');
    expect(graph.packages.get('src/main/device/lockdown/x509.ts')).toContain('@peculiar/x509');
  });

  it('has no import cycle', () => {
    expect(importCycles(graph.edges)).toEqual([]);
  });

  it('imports only down the layers, and no adapter imports another', () => {
    expect(layerViolations(graph.edges)).toEqual([]);
  });
});

describe('package.json dependencies', () => {
  const graph = readImportGraph(REPO_ROOT);
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  /** The packages the app and the CLI load (the simulator runs only under tsx, for tests, sim and demo). */
  const shipped = new Set<string>();
  for (const [file, specifiers] of graph.packages) {
    if (file.startsWith('src/simulator/')) continue;
    for (const specifier of specifiers) {
      if (specifier.startsWith('node:')) continue;
      const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
      // Electron's own module comes with the Electron runtime, not from node_modules.
      if (name !== 'electron') shipped.add(name);
    }
  }

  it('hold exactly what the app and the CLI import: build- and test-only packages are devDependencies', () => {
    expect([...shipped].sort()).toEqual(Object.keys(manifest.dependencies).sort());
  });
});

describe('one decoder per format', () => {
  it('reads archived MBFile records (Manifest.db file records) in one module only', () => {
    // The catalog, the browser and the store each had their own; they disagreed on a missing date.
    const decoders = [...readImportGraph(REPO_ROOT).edges.keys()].filter((file) => {
      if (!file.startsWith('src/main/')) return false;
      const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
      return text.includes('$objects') && text.includes('EncryptionKey');
    });
    expect(decoders).toEqual(['src/main/backup/store/manifest-db.ts']);
  });
});

describe('one DeviceLink loop', () => {
  it('is the only place backup and restore read DeviceLink requests in a loop (their handler tables differ)', () => {
    // backup-encryption.ts reads the one reply to a password change, not a stream of requests.
    const readers = [...readImportGraph(REPO_ROOT).edges.keys()].filter((file) => {
      if (!/^src\/main\/(backup|restore)\//.test(file) || file.endsWith('backup-encryption.ts')) return false;
      return fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').includes('receiveMessage()');
    });
    expect(readers).toEqual([]);
  });
});

describe('one backup orchestration', () => {
  it('is core\'s runBackupJob, used by the app\'s job queue and by the CLI alike', () => {
    // The CLI had its own copy (password retry, engine call) that drifted from the app's.
    const edges = readImportGraph(REPO_ROOT).edges;
    const users = [...edges].filter(([, imports]) => imports.includes('src/main/core/backup-job.ts')).map(([file]) => file);
    expect(users).toEqual(expect.arrayContaining(['src/main/core/backup-service.ts', 'src/main/cli/commands/backup-command.ts']));
  });
});

describe('one photo import orchestration', () => {
  it('is core\'s runPhotoImportJob, used by the app\'s job queue and by the CLI alike', () => {
    // The CLI called the importer itself, with request rules of its own the app did not share.
    const edges = readImportGraph(REPO_ROOT).edges;
    const users = [...edges].filter(([, imports]) => imports.includes('src/main/core/photo-import-job.ts')).map(([file]) => file);
    expect(users).toEqual(expect.arrayContaining(['src/main/core/backup-service.ts', 'src/main/cli/commands/photos-command.ts']));
  });
});

describe('the checks themselves', () => {
  it('find a cycle through three modules and one module importing itself', () => {
    const edges = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['d']],
      ['e', ['a']],
    ]);
    expect(importCycles(edges)).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('refuse an upward import, an adapter importing another, and a folder in no layer', () => {
    const edges = new Map([
      ['src/main/device/usbmux/usbmux-client.ts', ['src/main/device/codec/index.ts', 'src/main/backup/engine/index.ts']],
      ['src/main/web/bridge.ts', ['src/main/core/app-core.ts', 'src/main/cli/main.ts']],
      ['src/main/misc/helper.ts', []],
    ]);
    expect(layerViolations(edges)).toEqual([
      'src/main/device/usbmux/usbmux-client.ts imports src/main/backup/engine/index.ts: src/main/device/usbmux/ sits below src/main/backup/',
      'src/main/web/bridge.ts imports src/main/cli/main.ts: one adapter never imports another (both go through src/main/core)',
      'src/main/misc/helper.ts is in no layer: add its folder to LAYERS in test/structure/import-graph.ts',
    ]);
  });
});
