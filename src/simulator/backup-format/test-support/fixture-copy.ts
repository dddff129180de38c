import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * A private copy of a shared fixture file for one test file, removed when that file is done:
 * SQLite creates -shm/-wal files beside a WAL-mode database even when reading, and the shared
 * fixtures must never be modified. Call it at the top of the test file (it registers the afterAll
 * that removes the copy; each run used to leave a 3 MB folder in the temporary directory).
 */
export function privateFixtureCopy(source: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-fixture-'));
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
  const copy = path.join(folder, path.basename(source));
  fs.copyFileSync(source, copy);
  return copy;
}
