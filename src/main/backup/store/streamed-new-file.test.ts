import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failingWrites, onLocalDisk, openFdsIn, refusingDirectWrites, refusingMemory, takesDirect } from '../../../../test/helpers/direct-write-systems';
import { nodeStoreFs } from './store-fs';
import { StreamedNewFile } from './streamed-new-file';
import type { DirectWriteSystem } from './new-file-writes';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-streamed-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Streams `pieces` into a new file in `dir` and checks it holds exactly their bytes (and its mode). */
async function streamAndCheck(name: string, pieces: readonly Buffer[], system?: DirectWriteSystem): Promise<StreamedNewFile> {
  const file = path.join(dir, name);
  const streamed = await StreamedNewFile.create(file, 0o600, system);
  for (const piece of pieces) await streamed.append(piece);
  await streamed.close();
  const content = Buffer.concat(pieces);
  expect(fs.statSync(file).size, name).toBe(content.length);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readFileSync(file).equals(content), name).toBe(true);
  return streamed;
}

describe('StreamedNewFile', () => {
  it('writes a file appended in pieces of any size with exactly its bytes, around the page cache where the disk allows', async () => {
    // As the engine streams a video (1 MiB pieces, a partial last one), and unaligned pieces too.
    const layouts = [[1 << 20, 1 << 20, 123_457], [1, 4095, 4096, 4097, 0, (1 << 20) + 5, 3 << 20], [4096 * 3], [], [10]];
    for (const [index, layout] of layouts.entries()) {
      const file = path.join(dir, `streamed-${index}`);
      const streamed = await StreamedNewFile.create(file, 0o600);
      expect(streamed.isDirect).toBe(takesDirect(dir));
      await streamed.abandon();
      fs.rmSync(file);
      await streamAndCheck(`streamed-${index}`, layout.map((size) => randomBytes(size)));
    }
  });

  it.skipIf(!onLocalDisk(os.tmpdir()))('writes the exact bytes the ordinary way when the file system takes O_DIRECT at open and refuses a write', async () => {
    const cases: ReadonlyArray<{ readonly layout: readonly number[]; readonly taken: number; readonly short?: boolean }> = [
      { layout: [1 << 20, 1 << 20, 123_457], taken: 0 }, // the first write
      { layout: [1 << 20, 1 << 20, 123_457], taken: 1 }, // mid-stream, after direct blocks
      { layout: [3 << 20, 5], taken: 1 }, // within one append, a second staging memory's worth
      { layout: [4097], taken: 1 }, // close's padded last block
      { layout: [5000, 7], taken: 1, short: true }, // the remainder after a short write
      { layout: [10], taken: 1, short: true }, // a short write of the padded block wrote zeros past the content
    ];
    for (const [index, { layout, taken, short }] of cases.entries()) {
      const system = refusingDirectWrites(taken, short);
      const file = path.join(dir, `probe-${index}`);
      const probe = await StreamedNewFile.create(file, 0o600, system);
      expect(probe.isDirect).toBe(true);
      await probe.abandon();
      fs.rmSync(file);
      const streamed = await streamAndCheck(`refused-${index}`, layout.map((size) => randomBytes(size)), system);
      expect(streamed.isDirect).toBe(false);
    }
    expect(openFdsIn(dir)).toBe(0);
  });

  it('writes the ordinary way when no page-aligned staging memory can be had (address space limits)', async () => {
    const system = refusingMemory();
    const streamed = await StreamedNewFile.create(path.join(dir, 'probe'), 0o600, system);
    expect(streamed.isDirect).toBe(false);
    await streamed.abandon();
    await streamAndCheck('plain', [randomBytes(1 << 20), randomBytes(4097)], system);
  });

  it.each([
    ['around the page cache where the disk allows', undefined],
    ['the ordinary way', refusingMemory()],
  ])('after a failed write (%s), throws that error at every later append and at close, and closes the file', async (_, base) => {
    const file = path.join(dir, 'failed');
    const streamed = await StreamedNewFile.create(file, 0o600, failingWrites(1, base));
    await streamed.append(randomBytes((1 << 20) + 5));
    const error = await streamed.append(randomBytes(1 << 20)).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ code: 'EIO' });
    await expect(streamed.append(randomBytes(10))).rejects.toBe(error);
    await expect(streamed.close()).rejects.toBe(error);
    expect(openFdsIn(dir)).toBe(0);
    await streamed.abandon();
    expect(openFdsIn(dir)).toBe(0);
  });

  it('refuses a name that is taken, a second append while one is being written (failing the file), and any after close', async () => {
    fs.writeFileSync(path.join(dir, 'taken'), 'before');
    await expect(StreamedNewFile.create(path.join(dir, 'taken'), 0o600)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readFileSync(path.join(dir, 'taken'), 'utf8')).toBe('before');
    const streamed = await StreamedNewFile.create(path.join(dir, 'busy'), 0o600);
    const first = streamed.append(randomBytes(1 << 20));
    await expect(streamed.append(randomBytes(10))).rejects.toThrow(/still being written/);
    await first;
    // The refused bytes are missing from the file: it must not be published.
    await expect(streamed.close()).rejects.toThrow(/still being written/);
    await expect(streamed.append(randomBytes(10))).rejects.toThrow(/closed/);
    await expect(streamed.close()).rejects.toThrow(/closed/);
    const done = await StreamedNewFile.create(path.join(dir, 'done'), 0o600);
    await done.close();
    await expect(done.append(randomBytes(10))).rejects.toThrow(/closed/);
    expect(openFdsIn(dir)).toBe(0);
  });

  it('closes the file exactly once when close is called during an append', async () => {
    const streamed = await StreamedNewFile.create(path.join(dir, 'closing'), 0o600);
    const appending = streamed.append(randomBytes(3 << 20));
    await expect(streamed.close()).rejects.toThrow(/closed while an append/);
    await appending;
    expect(openFdsIn(dir)).toBe(0);
    await streamed.abandon();
    await expect(streamed.close()).rejects.toThrow(/closed/);
  });
});

describe("the store's streamed files (store-fs.ts)", () => {
  it('never publish a file whose write was refused, and abort closes and removes it', async () => {
    const target = path.join(dir, 'video');
    const file = await nodeStoreFs.createFile(target);
    const first = file.write(randomBytes(1 << 20));
    await expect(file.write(randomBytes(10))).rejects.toThrow(/still being written/);
    await first;
    await expect(file.commit()).rejects.toThrow(/still being written/);
    expect(fs.existsSync(target)).toBe(false);
    await file.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(openFdsIn(dir)).toBe(0);
  });

  it('close the file when commit is called during a write, and abort then removes it', async () => {
    const target = path.join(dir, 'video');
    const file = await nodeStoreFs.createFile(target);
    const writing = file.write(randomBytes(3 << 20));
    await expect(file.commit()).rejects.toThrow(/closed while an append/);
    await writing;
    expect(fs.existsSync(target)).toBe(false);
    await file.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(openFdsIn(dir)).toBe(0);
  });

  it('publish a whole file on commit', async () => {
    const target = path.join(dir, 'video');
    const content = randomBytes((2 << 20) + 3);
    const file = await nodeStoreFs.createFile(target);
    await file.write(content.subarray(0, 1 << 20));
    await file.write(content.subarray(1 << 20));
    await file.commit();
    await file.abort();
    expect(fs.readFileSync(target).equals(content)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['video']);
    expect(openFdsIn(dir)).toBe(0);
  });
});
