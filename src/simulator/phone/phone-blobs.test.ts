import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BlobStore } from './phone-blobs';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function store(): BlobStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-blobs-'));
  dirs.push(dir);
  let next = 0;
  return new BlobStore(dir, () => `${(next += 1)}.bin`);
}

describe('BlobStore', () => {
  it('removes retired blobs whose background unlink is still under way when it is told to remove them now', async () => {
    const blobs = store();
    const names: string[] = [];
    for (let i = 0; i < 5; i += 1) names.push((await blobs.write(Buffer.from(`blob ${i}`))).name);
    // Keep libuv's thread pool busy so the background unlinks are queued, not finished, when the
    // synchronous removal runs: the state a simulator closing mid-restore meets by chance.
    const busy = Array.from({ length: 8 }, () => new Promise((resolve) => crypto.pbkdf2('x', 'y', 200_000, 32, 'sha256', resolve)));
    // Five retired at once: two start unlinking in the background, three wait their turn.
    for (const name of names) blobs.retire(name);
    blobs.removeRetiredSync();
    expect(fs.readdirSync(blobs.dir)).toEqual([]);
    await Promise.all(busy);
    await blobs.settled();
    expect(fs.readdirSync(blobs.dir)).toEqual([]);
  });

  it('settles once every retired blob is gone, and keeps the blobs nobody retired', async () => {
    const blobs = store();
    const kept = await blobs.write(Buffer.from('kept'));
    const gone = await blobs.write(Buffer.from('gone'));
    blobs.retire(gone.name);
    await blobs.settled();
    expect(fs.readdirSync(blobs.dir)).toEqual([kept.name]);
  });
});
