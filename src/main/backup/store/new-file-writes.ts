import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import path from 'node:path';

/**
 * Creates a new file holding given bytes, for the writer threads (whole-file-worker.ts), or
 * streamed (StreamedNewFile, streamed-new-file.ts); big files go around the page cache (Linux O_DIRECT) when the
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
 *   is removed first. So does a process that cannot have the staging memory (address space
 *   limits, `ulimit -v`). Elsewhere (macOS, Windows) there is no O_DIRECT and every write is ordinary.
 * - Files are created new (O_EXCL, the caller's mode), as every write of the store is.
 * - Durability is unchanged: the commit's syncfs (or fsync per file) still flushes the device's
 *   cache and the files' sizes; O_DIRECT only moves when the data is written.
 */
export class NewFileWrites {
  private direct: boolean;
  private staging: Uint8Array | undefined;
  private directCount = 0;
  private readonly system: DirectWriteSystem;

  /** `system` is for tests (DirectWriteSystem). */
  constructor(options: { readonly direct?: boolean; readonly system?: DirectWriteSystem } = {}) {
    this.direct = (options.direct ?? true) && O_DIRECT !== undefined;
    this.system = options.system ?? nodeDirectWriteSystem;
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

  /** False when the file system refused O_DIRECT or no staging memory could be had (nothing is left behind then). */
  private createDirect(file: string, bytes: Uint8Array, mode: number): boolean {
    try {
      this.staging ??= this.system.alignedMemory(STAGING_BYTES);
    } catch {
      this.direct = false;
      return false;
    }
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
      this.writeDirect(fd, bytes, this.staging);
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

  private writeDirect(fd: number, bytes: Uint8Array, staging: Uint8Array): void {
    for (let done = 0; done < bytes.length; ) {
      const length = Math.min(STAGING_BYTES, bytes.length - done);
      staging.set(bytes.subarray(done, done + length), 0);
      const blocks = Math.ceil(length / BLOCK_BYTES) * BLOCK_BYTES;
      staging.fill(0, length, blocks);
      // A short write leaves an unaligned remainder, which the next write refuses (EINVAL): the
      // file is then written again the ordinary way (createDirect).
      for (let at = 0; at < blocks; ) at += this.system.writeSync(fd, staging, at, blocks - at, done + at);
      done += length;
    }
    if (bytes.length % BLOCK_BYTES !== 0) fs.ftruncateSync(fd, bytes.length);
  }
}

/** The part of a FileHandle StreamedNewFile uses (streamed-new-file.ts). */
export interface StreamedHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ readonly bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The calls whose failures this machine's disk and memory never show (a logical block over 4 KiB,
 * an I/O error, a short address space). Production always uses nodeDirectWriteSystem; the tests
 * pass one that refuses (new-file-writes.test.ts), so every fallback below is exercised.
 */
export interface DirectWriteSystem {
  /** `bytes` of memory starting on a page boundary; throws (RangeError) when the address space is short (`ulimit -v`). */
  alignedMemory(bytes: number): Uint8Array;
  /** fs.writeSync at a position: NewFileWrites' direct writes. */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** fs/promises' open: StreamedNewFile's files. */
  open(file: string, flags: number | string, mode?: number): Promise<StreamedHandle>;
}

/** Below this a file is written the ordinary way: every photo and video is above it. */
export const DIRECT_MIN_BYTES = 1024 * 1024;
/** Staging per thread: a whole photo (the writer's whole files are at most 8 MiB) in one write. */
const STAGING_BYTES = 8 * 1024 * 1024;
const WASM_PAGE_BYTES = 64 * 1024;
/** A multiple of every common logical block size (512 and 4096 bytes). */
export const BLOCK_BYTES = 4096;
/**
 * WebAssembly's memory constructor, the one way in JavaScript to get memory that starts on a page
 * boundary (the project's TypeScript libraries do not declare WebAssembly, so it is typed here).
 */
const wasm = (globalThis as unknown as { readonly WebAssembly: { readonly Memory: new (descriptor: { readonly initial: number }) => { readonly buffer: ArrayBuffer } } }).WebAssembly;
export const O_DIRECT: number | undefined = fs.constants.O_DIRECT;
export const OPEN_DIRECT = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (O_DIRECT ?? 0);

/** What production calls: Node's fs and WebAssembly memories. */
export const nodeDirectWriteSystem: DirectWriteSystem = {
  // `bytes` a multiple of WASM_PAGE_BYTES.
  alignedMemory: (bytes) => new Uint8Array(new wasm.Memory({ initial: bytes / WASM_PAGE_BYTES }).buffer),
  writeSync: (fd, buffer, offset, length, position) => fs.writeSync(fd, buffer, offset, length, position),
  open: (file, flags, mode) => fsPromises.open(file, flags, mode),
};

/**
 * File systems whose O_DIRECT writes go to a local disk: ext2/3/4 (measured, bench/README.md) and
 * XFS (the file system O_DIRECT was made for). Not btrfs (unmeasured; its checksummed direct writes
 * have had kernel bugs), not network or FUSE file systems (NFS and SMB send each direct write to the
 * server and wait; FUSE may emulate it), not tmpfs (memory: nothing to go around).
 */
const LOCAL_DIRECT_FILE_SYSTEMS: ReadonlySet<number> = new Set([0xef53, 0x58465342]);

/**
 * Whether `file`'s folder is on a file system in LOCAL_DIRECT_FILE_SYSTEMS (one statfs, ~µs, per
 * big file). Synchronous: for the writer threads (NewFileWrites), never the main thread.
 */
function onLocalDisk(file: string): boolean {
  try {
    return LOCAL_DIRECT_FILE_SYSTEMS.has(Number(fs.statfsSync(path.dirname(file)).type));
  } catch {
    return false;
  }
}

/** onLocalDisk through the thread pool, for the main thread, which a hung network share must not block. */
export async function onLocalDiskAsync(file: string): Promise<boolean> {
  try {
    return LOCAL_DIRECT_FILE_SYSTEMS.has(Number((await fsPromises.statfs(path.dirname(file))).type));
  } catch {
    return false;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
}

/** What a file system says when it does not take O_DIRECT, or not with this alignment. */
export function refused(error: unknown): boolean {
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
