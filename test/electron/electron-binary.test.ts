import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locateElectronBinary } from '../../src/main/electron/electron-binary';

/** A throwaway project with a fake electron package, so both answers are exercised on any machine. */
describe('locating the Electron binary', () => {
  let root: string;
  let pkg: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    pkg = path.join(root, 'node_modules', 'electron');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), '{"name":"probe"}');
    fs.writeFileSync(path.join(pkg, 'package.json'), '{"name":"electron","main":"index.js"}');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('says why when the download was skipped, and points at the demo', () => {
    const result = locateElectronBinary(root, {});
    expect(result.found).toBe(false);
    expect(!result.found && result.reason).toMatch(/not installed.*npm run demo/s);
  });

  it('finds the binary named by path.txt, or under ELECTRON_OVERRIDE_DIST_PATH', () => {
    fs.writeFileSync(path.join(pkg, 'path.txt'), 'electron');
    expect(locateElectronBinary(root, {}).found).toBe(false);
    fs.mkdirSync(path.join(pkg, 'dist'));
    fs.writeFileSync(path.join(pkg, 'dist', 'electron'), '');
    expect(locateElectronBinary(root, {})).toEqual({ found: true, executablePath: path.join(pkg, 'dist', 'electron') });
    const elsewhere = path.join(root, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, 'electron'), '');
    expect(locateElectronBinary(root, { ELECTRON_OVERRIDE_DIST_PATH: elsewhere })).toEqual({ found: true, executablePath: path.join(elsewhere, 'electron') });
  });

  it('says so when electron is not installed at all', () => {
    fs.rmSync(pkg, { recursive: true });
    expect(locateElectronBinary(root, {})).toMatchObject({ found: false, reason: expect.stringContaining('not installed') });
  });
});
