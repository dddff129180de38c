import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KnownTree } from './known-tree';
import { TEMP_PREFIX } from './store-fs';
import { BackgroundFileWriter } from './whole-file-writer';
import { FLUSH_DELAY_MS, laneIndex } from './writer-lanes';

let dir: string;
let writer: BackgroundFileWriter | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-writer-'));
});

afterEach(async () => {
  await writer?.close();
  writer = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(options: { maxFilesQueued?: number; maxBytesQueued?: number; threads?: number; known?: KnownTree } = {}): BackgroundFileWriter {
  writer = new BackgroundFileWriter({ tempPrefix: TEMP_PREFIX, ...options });
  return writer;
}

function leftovers(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((name) => path.basename(name).startsWith(TEMP_PREFIX));
}

describe('BackgroundFileWriter', () => {
  it('writes many files across folders with their exact content, and counts them', async () => {
    const w = open({ maxFilesQueued: 16, maxBytesQueued: 256 * 1024 });
    const expected = new Map<string, Buffer>();
    for (let index = 0; index < 600; index += 1) {
      const folder = path.join(dir, (index % 7).toString(16).padStart(2, '0'));
      if (!fs.existsSync(folder)) fs.mkdirSync(folder);
      // Sizes from empty to past one batch buffer, so big files and batch edges are covered.
      const content = Buffer.alloc((index * 997) % 200_000, index % 251);
      const target = path.join(folder, `file-${index}`);
      expected.set(target, content);
      // Some arrive in the pieces the socket delivered them in.
      const half = content.length >> 1;
      await w.write(target, index % 3 === 0 ? [content.subarray(0, half), content.subarray(half)] : content);
    }
    await w.settle();
    expect(w.failure).toBeUndefined();
    expect(w.filesWritten).toBe(600);
    expect(w.bytesWritten).toBe([...expected.values()].reduce((sum, content) => sum + content.length, 0));
    for (const [target, content] of expected) expect(fs.readFileSync(target).equals(content), target).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });

  it('copies the content before write() returns, even when it must wait for room (lent read memory)', async () => {
    const w = open({ maxFilesQueued: 2, maxBytesQueued: 64 * 1024 });
    const lent = Buffer.alloc(48 * 1024, 1);
    const targets = [0, 1, 2, 3].map((index) => path.join(dir, `lent-${index}`));
    const waits: Promise<void>[] = [];
    for (const target of targets) {
      lent.fill(1);
      const queued = w.write(target, [lent.subarray(0, 1000), lent.subarray(1000)]);
      // The socket reuses its memory as soon as the writer returns, waiting or not.
      lent.fill(0xee);
      if (queued !== undefined) waits.push(queued);
    }
    expect(waits.length).toBeGreaterThan(0);
    await Promise.all(waits);
    await w.settle();
    for (const target of targets) expect(fs.readFileSync(target).equals(Buffer.alloc(48 * 1024, 1)), target).toBe(true);
  });

  it('replaces a hard-linked file by a new one, leaving the other link untouched', async () => {
    const older = path.join(dir, 'older');
    const target = path.join(dir, 'shared');
    fs.writeFileSync(older, 'previous snapshot');
    fs.linkSync(older, target);
    const w = open();
    await w.write(target, Buffer.from('new content'));
    await w.settle();
    expect(fs.readFileSync(target, 'utf8')).toBe('new content');
    expect(fs.readFileSync(older, 'utf8')).toBe('previous snapshot');
    expect(fs.statSync(target).ino).not.toBe(fs.statSync(older).ino);
    expect(leftovers(dir)).toEqual([]);
  });

  it('replaces a planted symbolic link instead of writing through it', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-outside-'));
    try {
      const victim = path.join(outside, 'victim');
      fs.writeFileSync(victim, 'keep me');
      const target = path.join(dir, 'link');
      fs.symlinkSync(victim, target);
      const w = open();
      await w.write(target, Buffer.from('from the device'));
      await w.settle();
      expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
      expect(fs.lstatSync(target).isSymbolicLink()).toBe(false);
      expect(fs.readFileSync(target, 'utf8')).toBe('from the device');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('keeps the order of writes to one name, and says which are pending', async () => {
    const target = path.join(dir, 'twice');
    const w = open();
    await w.write(target, Buffer.from('first'));
    await w.write(target, Buffer.from('second'));
    expect(w.isPending(target)).toBe(true);
    await w.settle();
    expect(w.isPending(target)).toBe(false);
    expect(fs.readFileSync(target, 'utf8')).toBe('second');
  });

  it('says a write is pending while its batch is on a thread, not only while it is queued', async () => {
    const w = open({ threads: 1 });
    const targets = Array.from({ length: 64 }, (_unused, index) => path.join(dir, `f${index}`));
    // 64 files fill a batch, which goes to the thread at once; its answer cannot arrive before we await.
    for (const target of targets) expect(w.write(target, Buffer.from(target))).toBeUndefined();
    expect(w.batchesPosted).toBe(1);
    expect(targets.every((target) => w.isPending(target))).toBe(true);
    expect(w.isPending(path.join(dir, 'never-written'))).toBe(false);
    await w.settle();
    expect(targets.some((target) => w.isPending(target))).toBe(false);
  });

  it('sends the files of one folder to one thread, as path.dirname groups them', () => {
    const files = ['a/b/one', 'a/b/two', 'a/c/one', 'x/one', 'x/two', 'loose'].map((name) => path.join(dir, name));
    const byFolder = new Map<string, Set<number>>();
    for (const file of files) {
      const lanes = byFolder.get(path.dirname(file)) ?? new Set<number>();
      lanes.add(laneIndex(file, 7));
      byFolder.set(path.dirname(file), lanes);
    }
    expect([...byFolder.values()].every((lanes) => lanes.size === 1)).toBe(true);
    // The folder, not the name, decides: different folders may go to different threads.
    expect(new Set(['a/b', 'a/c', 'x', 'y', 'z'].map((folder) => laneIndex(path.join(dir, folder, 'f'), 7))).size).toBeGreaterThan(1);
  });

  it('keeps that order when writes have to wait for room', async () => {
    const w = open({ maxFilesQueued: 3, maxBytesQueued: 40 * 1024 });
    const targets = ['a', 'b'].map((name) => path.join(dir, name));
    let waited = 0;
    for (let round = 0; round < 40; round += 1) {
      for (const target of targets) {
        const queued = w.write(target, Buffer.alloc(10_000 + round, round));
        if (queued !== undefined) {
          waited += 1;
          await queued;
        }
      }
    }
    await w.settle();
    expect(waited).toBeGreaterThan(10);
    for (const target of targets) expect(fs.readFileSync(target).equals(Buffer.alloc(10_039, 39)), target).toBe(true);
  });

  it('reports the first failure with its errno code and writes nothing after it', async () => {
    const w = open({ threads: 1 });
    await w.write(path.join(dir, 'before'), Buffer.from('ok'));
    await w.write(path.join(dir, 'no-such-folder', 'file'), Buffer.from('lost'));
    await w.write(path.join(dir, 'after'), Buffer.from('never'));
    await w.settle();
    expect(w.failure).toMatchObject({ code: 'ENOENT', path: path.join(dir, 'no-such-folder', 'file') });
    expect(fs.existsSync(path.join(dir, 'before'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'after'))).toBe(false);
    // Later writes are accepted and dropped, so the engine can finish reading the stream.
    await w.write(path.join(dir, 'later'), Buffer.from('dropped'));
    await w.settle();
    expect(fs.existsSync(path.join(dir, 'later'))).toBe(false);
  });

  it('removes its temporary file when the rename over the name fails', async () => {
    const target = path.join(dir, 'a-folder');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'x');
    const w = open();
    await w.write(target, Buffer.from('cannot replace a folder'));
    await w.settle();
    expect(['EISDIR', 'ENOTEMPTY', 'EEXIST']).toContain((w.failure as NodeJS.ErrnoException | undefined)?.code);
    expect(leftovers(dir)).toEqual([]);
    expect(fs.readFileSync(path.join(target, 'inside'), 'utf8')).toBe('x');
  });

  it('runs queued renames in order after the writes, replacing a folder in the way and invalidating the path cache', async () => {
    const known = new KnownTree();
    const w = open({ known });
    await w.write(path.join(dir, 'a'), Buffer.from('moved twice'));
    await w.settle();
    known.addFolder(path.join(dir, 'folder-in-the-way'));
    known.addOwnFile(path.join(dir, 'a'));
    fs.mkdirSync(path.join(dir, 'folder-in-the-way'));
    fs.writeFileSync(path.join(dir, 'folder-in-the-way', 'old'), 'x');
    w.rename(path.join(dir, 'a'), path.join(dir, 'b'));
    w.rename(path.join(dir, 'b'), path.join(dir, 'folder-in-the-way'));
    await w.settle();
    expect(w.failure).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'folder-in-the-way'), 'utf8')).toBe('moved twice');
    expect(known.snapshot()).toEqual({ folders: [], ownFiles: [] });
  });

  it('leaves the path cache alone when renames replace only files', async () => {
    const known = new KnownTree();
    const w = open({ known });
    await w.write(path.join(dir, 'a'), Buffer.from('a'));
    await w.write(path.join(dir, 'b'), Buffer.from('b'));
    await w.settle();
    known.addFolder(dir);
    w.rename(path.join(dir, 'a'), path.join(dir, 'b'));
    await w.settle();
    expect(w.failure).toBeUndefined();
    expect(known.snapshot().folders).toEqual([dir]);
  });

  it('bounds the renames it holds: 5,000 queued as the engine does cost no memory per rename, and land in order', async () => {
    const w = open({ threads: 1 });
    const count = 5_000;
    for (let index = 0; index < count; index += 1) fs.writeFileSync(path.join(dir, `from-${index}`), String(index));
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    let waits = 0;
    for (let index = 0; index < count; index += 1) {
      const queued = w.rename(path.join(dir, `from-${index}`), path.join(dir, `to-${index}`));
      if (queued !== undefined) {
        waits += 1;
        await queued;
      }
      // Sampled once per batch of renames (memoryUsage() also reads the RSS, which is slow).
      if (index % 64 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
    await w.settle();
    expect(w.failure).toBeUndefined();
    // Unbounded, every 64 renames went to the thread with a 128 KiB buffer of their own: 10 MB here.
    expect(peak - before).toBeLessThan(4 * 1024 * 1024);
    expect(waits).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(dir, `to-${count - 1}`), 'utf8')).toBe(String(count - 1));
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('from-'))).toEqual([]);
  });

  it('sends what is queued for a busy thread in one batch, not one batch per turn of the event loop', async () => {
    const w = open({ threads: 1 });
    // A big file first keeps the one thread busy for a while.
    expect(w.write(path.join(dir, 'big'), Buffer.alloc(8 * 1024 * 1024, 7))).toBeUndefined();
    for (let index = 0; index < 200; index += 1) {
      await w.write(path.join(dir, `small-${index}`), Buffer.from(`file ${index}`));
      // The next file arrives in a later turn, as uploads from the socket do.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await w.settle();
    expect(w.failure).toBeUndefined();
    expect(w.filesWritten).toBe(201);
    expect(fs.readFileSync(path.join(dir, 'small-199'), 'utf8')).toBe('file 199');
    // One batch per turn before: 201 batches.
    expect(w.batchesPosted).toBeLessThan(50);
  });

  it('sends files arriving one per turn to an idle thread in full batches, and a lone file after FLUSH_DELAY_MS', async () => {
    // Only the writer's timer is faked: the batches that go out are then the full ones, whatever the machine's speed.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const w = open({ threads: 1 });
      for (let index = 0; index < 200; index += 1) {
        expect(w.write(path.join(dir, `small-${index}`), Buffer.from(`file ${index}`))).toBeUndefined();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      // 200 files of 64 per batch: three full batches so far. Posting at the end of a turn whenever
      // the thread had fewer than two batches made more, as many as one per file on a fast disk.
      expect(w.batchesPosted).toBe(3);
      vi.advanceTimersByTime(FLUSH_DELAY_MS);
      expect(w.batchesPosted).toBe(4);
      await vi.waitFor(() => expect(w.filesWritten).toBe(200));
      expect(fs.readFileSync(path.join(dir, 'small-199'), 'utf8')).toBe('file 199');
      // A lone file goes once its batch has waited, without anyone settling the writer.
      w.write(path.join(dir, 'lone'), Buffer.from('lone'));
      vi.advanceTimersByTime(FLUSH_DELAY_MS - 1);
      expect(w.batchesPosted).toBe(4);
      vi.advanceTimersByTime(1);
      await vi.waitFor(() => expect(w.filesWritten).toBe(201));
      expect(w.failure).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends a run of files too big to share a batch buffer (photos) in a few batches, not one each', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const w = open({ threads: 1 });
      const photos = Array.from({ length: 20 }, (_unused, index) => Buffer.alloc(300 * 1024, index + 1));
      for (const [index, photo] of photos.entries()) expect(w.write(path.join(dir, `photo-${index}`), photo)).toBeUndefined();
      // 6 MB: one batch of 4 MiB went; a batch (a post and a reply) per photo before.
      expect(w.batchesPosted).toBe(1);
      await w.settle();
      expect(w.batchesPosted).toBe(2);
      expect(w.failure).toBeUndefined();
      for (const [index, photo] of photos.entries()) expect(fs.readFileSync(path.join(dir, `photo-${index}`)).equals(photo), `photo-${index}`).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('makes a rename of a missing file the writer\'s failure', async () => {
    const w = open();
    w.rename(path.join(dir, 'never-written'), path.join(dir, 'anywhere'));
    await w.settle();
    expect(w.failure).toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a path with a NUL character, which would split in the message to its thread', async () => {
    const w = open();
    expect(() => w.write(path.join(dir, 'a\0/etc/passwd'), Buffer.from('x'))).toThrow(/NUL/);
    expect(() => w.rename(path.join(dir, 'a'), path.join(dir, 'b\0c'))).toThrow(/NUL/);
  });

  it('refuses writes once closed', async () => {
    const w = open();
    await w.close();
    expect(() => w.write(path.join(dir, 'late'), Buffer.from('x'))).toThrow(/closed/);
  });
});
