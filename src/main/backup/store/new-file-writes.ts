import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import path from 'node:path';

/**
 * Creates a new file holding given bytes, for the writer threads (whole-file-worker.ts), or
 * streamed (StreamedNewFile, below); big files go around the page cache (Linux O_DIRECT) when the
 * file system takes it.
 *
 * Why: on the `large` phone the kernel's copy of every byte into the page cache inside `write`
 * was ~47 % of the Lifeboat process's CPU samples (bench/README.md, "Large"), on the two cores
 * the phone needs too, and the commit's syncfs (durable-tree.ts) then waits for all of it to
 * reach the disk anyway. With O_DIRECT the disk takes the bytes straight from our memory.
 *
 * What makes it safe to use (nothing is asked of the caller):
 * - Only files of DIRECT_MIN_BYTES or more (photos, videos): a small file would wait for the disk.
 * - O_DIRECT needs memory, offset and length aligned to the device's block. The bytes are copied
 *   into staging memory of this object's own, which starts on a page (a WebAssembly memory; Node's
 *   Buffers do not), and written in whole 4 KiB blocks; the last block is padded with zeros and
 *   the file cut to its length (ftruncate), so no byte past the content is ever kept.
 * - Only on a local disk's file system (onLocalDisk): an NFS or SMB share takes O_DIRECT but sends
 *   every write to the server and waits for it, uncached, which nobody has measured here.
 * - A file system that refuses O_DIRECT (EINVAL at open or at a write: FUSE, some network file
 *   systems) gets an ordinary write of that file and of every later one; a half-written direct file
 *   is removed first. Elsewhere (macOS, Windows) there is no O_DIRECT and every write is ordinary.
 * - Files are created new (O_EXCL, the caller's mode), as every write of the store is.
 * - Durability is unchanged: the commit's syncfs (or fsync per file) still flushes the device's
 *   cache and the files' sizes; O_DIRECT only moves when the data is written.
 */
export class NewFileWrites {
  private direct: boolean;
  private staging: Uint8Array | undefined;
  private directCount = 0;

  constructor(options: { readonly direct?: boolean } = {}) {
    this.direct = (options.direct ?? true) && O_DIRECT !== undefined;
  }

  /** Files written around the page cache so far (tests, the benchmark's notes). */
  get directFiles(): number {
    return this.directCount;
  }

  /**
   * Creates `file` (O_EXCL, `mode`) holding `bytes`. Throws the errno error fs throws (EEXIST when
   * the name is taken); whatever it created is removed again when it fails.
   */
  create(file: string, bytes: Uint8Array, mode: number): void {
    if (this.direct && bytes.length >= DIRECT_MIN_BYTES && onLocalDisk(file) && this.createDirect(file, bytes, mode)) return;
    const fd = fs.openSync(file, 'wx', mode);
    try {
      writeAll(fd, bytes);
      fs.closeSync(fd);
    } catch (error) {
      discard(fd, file);
      throw error;
    }
  }

  /** False when the file system refused O_DIRECT (nothing is left behind then). */
  private createDirect(file: string, bytes: Uint8Array, mode: number): boolean {
    let fd: number;
    try {
      fd = fs.openSync(file, OPEN_DIRECT, mode);
    } catch (error) {
      if (!refused(error)) throw error;
      // Linux refuses O_DIRECT only after creating the file (O_EXCL: it was not there before).
      fs.rmSync(file, { force: true });
      this.direct = false;
      return false;
    }
    try {
      this.writeDirect(fd, bytes);
      fs.closeSync(fd);
      this.directCount += 1;
      return true;
    } catch (error) {
      discard(fd, file);
      if (!refused(error)) throw error;
      this.direct = false;
      return false;
    }
  }

  private writeDirect(fd: number, bytes: Uint8Array): void {
    const staging = (this.staging ??= alignedMemory(STAGING_BYTES));
    for (let done = 0; done < bytes.length; ) {
      const length = Math.min(STAGING_BYTES, bytes.length - done);
      staging.set(bytes.subarray(done, done + length), 0);
      const blocks = Math.ceil(length / BLOCK_BYTES) * BLOCK_BYTES;
      staging.fill(0, length, blocks);
      // A short write leaves an unaligned remainder, which the next write refuses (EINVAL): the
      // file is then written again the ordinary way (createDirect).
      for (let at = 0; at < blocks; ) at += fs.writeSync(fd, staging, at, blocks - at, done + at);
      done += length;
    }
    if (bytes.length % BLOCK_BYTES !== 0) fs.ftruncateSync(fd, bytes.length);
  }
}

/**
 * A new file written a piece at a time (streamed uploads over 8 MiB, videos: store-fs.ts), around
 * the page cache where the file system takes it, as NewFileWrites does for whole files. Whole
 * 4 KiB blocks go out as they fill; the bytes of a last, partial block wait in the staging memory
 * (page-aligned, taken from a few kept for reuse and given back at `close`: each WebAssembly memory
 * reserves gigabytes of address space until it is collected) until the next piece or `close`, which
 * pads that block with zeros and cuts the file to its length. One append at a time, none after
 * `close`: both throw, since they would use staging memory that is in use or given back. A file
 * system that refuses O_DIRECT at open gets ordinary writes; one that takes it at open and then
 * refuses an aligned block (a logical block over 4 KiB) fails the file like any write error.
 */
export class StreamedNewFile {
  private staging: Uint8Array | undefined;
  /** Bytes at the start of `staging` not written yet (less than a block). */
  private carried = 0;
  /** Where the next block goes in the file (a whole number of blocks when direct). */
  private position = 0;
  private busy = false;
  private closed = false;

  private constructor(
    private readonly handle: fsPromises.FileHandle,
    private readonly direct: boolean,
  ) {}

  /** Creates `file` (O_EXCL, `mode`); throws what fs throws (EEXIST when the name is taken). */
  static async create(file: string, mode: number): Promise<StreamedNewFile> {
    if (O_DIRECT !== undefined && onLocalDisk(file)) {
      try {
        return new StreamedNewFile(await fsPromises.open(file, OPEN_DIRECT, mode), true);
      } catch (error) {
        if (!refused(error)) throw error;
        // Linux refuses O_DIRECT only after creating the file (O_EXCL: it was not there before).
        await fsPromises.rm(file, { force: true });
      }
    }
    return new StreamedNewFile(await fsPromises.open(file, 'wx', mode), false);
  }

  /** Whether this file goes around the page cache (tests). */
  get isDirect(): boolean {
    return this.direct;
  }

  /** Appends `bytes`, which the caller leaves unchanged until the promise settles (as for any write). */
  async append(bytes: Uint8Array): Promise<void> {
    this.refuseOverlap();
    this.busy = true;
    try {
      if (!this.direct) {
        for (let done = 0; done < bytes.length; ) done += (await this.handle.write(bytes, done, bytes.length - done, this.position + done)).bytesWritten;
        this.position += bytes.length;
        return;
      }
      const staging = (this.staging ??= spareStreamStaging.pop() ?? alignedMemory(STREAM_STAGING_BYTES));
      for (let done = 0; done < bytes.length; ) {
        const length = Math.min(bytes.length - done, STREAM_STAGING_BYTES - this.carried);
        staging.set(bytes.subarray(done, done + length), this.carried);
        done += length;
        const filled = this.carried + length;
        const blocks = filled - (filled % BLOCK_BYTES);
        await this.writeStaged(blocks);
        staging.copyWithin(0, blocks, filled);
        this.carried = filled - blocks;
      }
    } finally {
      this.busy = false;
    }
  }

  /** Writes what is carried (padded to a block, the file then cut to its length) and closes the file. */
  async close(): Promise<void> {
    this.refuseOverlap();
    this.busy = true;
    this.closed = true;
    try {
      if (this.direct && this.carried > 0) {
        const staging = this.staging as Uint8Array;
        staging.fill(0, this.carried, BLOCK_BYTES);
        await this.writeStaged(BLOCK_BYTES);
        await this.handle.truncate(this.position - BLOCK_BYTES + this.carried);
        this.carried = 0;
      }
    } finally {
      if (this.staging !== undefined && spareStreamStaging.length < SPARE_STREAM_STAGING) spareStreamStaging.push(this.staging);
      this.staging = undefined;
      await this.handle.close();
    }
  }

  private refuseOverlap(): void {
    if (this.closed) throw new Error('StreamedNewFile: the file is closed.');
    if (this.busy) throw new Error('StreamedNewFile: an append is still being written.');
  }

  /** Writes staging[0, length) (whole blocks) at the file's position. */
  private async writeStaged(length: number): Promise<void> {
    const staging = this.staging as Uint8Array;
    for (let at = 0; at < length; ) at += (await this.handle.write(staging, at, length - at, this.position + at)).bytesWritten;
    this.position += length;
  }
}

/** Below this a file is written the ordinary way: every photo and video is above it. */
export const DIRECT_MIN_BYTES = 1024 * 1024;
/** Staging per thread: a whole photo (the writer's whole files are at most 8 MiB) in one write. */
const STAGING_BYTES = 8 * 1024 * 1024;
const WASM_PAGE_BYTES = 64 * 1024;
/** Staging per streamed file: the engine appends 1 MiB at a time (gathered-content.ts). */
const STREAM_STAGING_BYTES = 2 * 1024 * 1024;
/** Streamed files' staging memories kept for the next file (the engine streams one or two at a time). */
const SPARE_STREAM_STAGING = 4;
const spareStreamStaging: Uint8Array[] = [];
/** A multiple of every common logical block size (512 and 4096 bytes). */
const BLOCK_BYTES = 4096;
/**
 * WebAssembly's memory constructor, the one way in JavaScript to get memory that starts on a page
 * boundary (the project's TypeScript libraries do not declare WebAssembly, so it is typed here).
 */
const wasm = (globalThis as unknown as { readonly WebAssembly: { readonly Memory: new (descriptor: { readonly initial: number }) => { readonly buffer: ArrayBuffer } } }).WebAssembly;
const O_DIRECT: number | undefined = fs.constants.O_DIRECT;
const OPEN_DIRECT = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (O_DIRECT ?? 0);

/** `bytes` of memory starting on a page boundary (a multiple of WASM_PAGE_BYTES). */
function alignedMemory(bytes: number): Uint8Array {
  return new Uint8Array(new wasm.Memory({ initial: bytes / WASM_PAGE_BYTES }).buffer);
}

/**
 * File systems whose O_DIRECT writes go to a local disk: ext2/3/4 (measured, bench/README.md) and
 * XFS (the file system O_DIRECT was made for). Not btrfs (unmeasured; its checksummed direct writes
 * have had kernel bugs), not network or FUSE file systems (NFS and SMB send each direct write to the
 * server and wait; FUSE may emulate it), not tmpfs (memory: nothing to go around).
 */
const LOCAL_DIRECT_FILE_SYSTEMS: ReadonlySet<number> = new Set([0xef53, 0x58465342]);

/** Whether `file`'s folder is on a file system in LOCAL_DIRECT_FILE_SYSTEMS (one statfs, ~µs, per big file). */
function onLocalDisk(file: string): boolean {
  try {
    return LOCAL_DIRECT_FILE_SYSTEMS.has(Number(fs.statfsSync(path.dirname(file)).type));
  } catch {
    return false;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
}

/** What a file system says when it does not take O_DIRECT, or not with this alignment. */
function refused(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EINVAL';
}

/** Closes and removes a file this object created, after a failure whose own error is the one to report. */
function discard(fd: number, file: string): void {
  try {
    fs.closeSync(fd);
  } catch {
    // The failure being reported is the write's.
  }
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // As in the ordinary path before: the failure being reported matters more than the leftover.
  }
}
