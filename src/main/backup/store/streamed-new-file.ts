import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import { BLOCK_BYTES, type DirectWriteSystem, nodeDirectWriteSystem, O_DIRECT, onLocalDiskAsync, OPEN_DIRECT, refused, type StreamedHandle } from './new-file-writes';

/**
 * A new file written a piece at a time (streamed uploads over 8 MiB, videos: store-fs.ts), around
 * the page cache where the file system takes it, as NewFileWrites does for whole files. Whole
 * 4 KiB blocks go out as they fill; the bytes of a last, partial block wait in the staging memory
 * (page-aligned, taken from a few kept for reuse and given back when the file is closed: each
 * WebAssembly memory reserves gigabytes of address space until it is collected) until the next
 * piece or `close`, which pads that block with zeros and cuts the file to its length.
 *
 * Falls back to ordinary writes, never failing the file, when the file system refuses O_DIRECT at
 * open or at a write (EINVAL: a logical block over 4 KiB, an unaligned remainder after a short
 * write), or when no staging memory can be had.
 *
 * What makes it hard to misuse: after any append fails (a write error, a second append while one
 * is being written, `close` during an append) the file is failed for good: every later append and
 * `close` throw that first error, so a file missing bytes is never published by a commit that
 * ignored it. `close` publishes (writes what is carried); `abandon` only closes. Either closes the
 * file exactly once, after any append in flight has settled, whatever was thrown.
 */
export class StreamedNewFile {
  /** Page-aligned staging memory while the file is written around the page cache; undefined once it is not. */
  private staging: Uint8Array | undefined;
  /** Bytes at the start of `staging` not written yet (less than a block between appends). */
  private carried = 0;
  /** Where the next byte goes in the file (a whole number of blocks while direct). */
  private position = 0;
  /** The append being written, if any. */
  private appending: Promise<void> | undefined;
  /** The first failure, rethrown by every later append and close. */
  private failure: { readonly error: unknown } | undefined;
  /** `close` or `abandon` was called: nothing more is written. */
  private ended = false;
  /** The handle's close, started once. */
  private closing: Promise<void> | undefined;

  private constructor(
    private handle: StreamedHandle,
    staging: Uint8Array | undefined,
    private readonly file: string,
    private readonly system: DirectWriteSystem,
  ) {
    this.staging = staging;
  }

  /**
   * Creates `file` (O_EXCL, `mode`); throws what fs throws (EEXIST when the name is taken).
   * `system` is for tests (DirectWriteSystem).
   */
  static async create(file: string, mode: number, system: DirectWriteSystem = nodeDirectWriteSystem): Promise<StreamedNewFile> {
    // statfs through the thread pool: this runs on the main thread, where a hung network share must not block the app.
    const staging = O_DIRECT !== undefined && (await onLocalDiskAsync(file)) ? takeStreamStaging(system) : undefined;
    if (staging !== undefined) {
      try {
        return new StreamedNewFile(await system.open(file, OPEN_DIRECT, mode), staging, file, system);
      } catch (error) {
        giveBackStreamStaging(system, staging);
        if (!refused(error)) throw error;
        // Linux refuses O_DIRECT only after creating the file (O_EXCL: it was not there before).
        await fsPromises.rm(file, { force: true });
      }
    }
    return new StreamedNewFile(await system.open(file, 'wx', mode), undefined, file, system);
  }

  /** Whether this file is being written around the page cache now (tests). */
  get isDirect(): boolean {
    return this.staging !== undefined;
  }

  /** Appends `bytes`, which the caller leaves unchanged until the promise settles (as for any write). */
  async append(bytes: Uint8Array): Promise<void> {
    if (this.ended) throw new Error('StreamedNewFile: the file is closed.');
    if (this.failure !== undefined) throw this.failure.error;
    if (this.appending !== undefined) throw this.fail(new Error('StreamedNewFile: an append is still being written.'));
    const appending = this.write(bytes);
    this.appending = appending;
    try {
      await appending;
    } catch (error) {
      throw this.fail(error);
    } finally {
      this.appending = undefined;
    }
  }

  /**
   * Writes what is carried (padded to a block, the file then cut to its length) and closes the
   * file. Throws, the file closed, if any append failed or one is still being written.
   */
  async close(): Promise<void> {
    if (this.ended) throw new Error('StreamedNewFile: the file is closed.');
    this.ended = true;
    try {
      if (this.appending !== undefined) {
        this.fail(new Error('StreamedNewFile: closed while an append is still being written.'));
        await this.appending.catch(() => undefined);
      }
      if (this.failure !== undefined) throw this.failure.error;
      if (this.staging !== undefined && this.carried > 0) {
        const content = this.position + this.carried;
        this.staging.fill(0, this.carried, BLOCK_BYTES);
        if (await this.writeDirect(BLOCK_BYTES)) await this.handle.truncate(content);
      }
    } catch (error) {
      throw this.fail(error);
    } finally {
      await this.release();
    }
  }

  /** Closes the file without writing anything more (the caller removes it). Safe at any time and more than once. */
  async abandon(): Promise<void> {
    this.ended = true;
    await this.appending?.catch(() => undefined);
    await this.release();
  }

  /** Keeps the first failure; returns `error` to be thrown. */
  private fail(error: unknown): unknown {
    this.failure ??= { error };
    return error;
  }

  /** Gives the staging memory back and closes the handle, once (no append is in flight). */
  private release(): Promise<void> {
    this.closing ??= (async () => {
      if (this.staging !== undefined) giveBackStreamStaging(this.system, this.staging);
      this.staging = undefined;
      await this.handle.close();
    })();
    return this.closing;
  }

  private async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length && this.staging !== undefined) {
      const staging = this.staging;
      const length = Math.min(bytes.length - done, STREAM_STAGING_BYTES - this.carried);
      staging.set(bytes.subarray(done, done + length), this.carried);
      done += length;
      this.carried += length;
      const blocks = this.carried - (this.carried % BLOCK_BYTES);
      if (await this.writeDirect(blocks)) {
        staging.copyWithin(0, blocks, this.carried);
        this.carried -= blocks;
      }
    }
    if (done < bytes.length) {
      await writeFully(this.handle, bytes.subarray(done), this.position);
      this.position += bytes.length - done;
    }
  }

  /**
   * Writes staging[0, length) (whole blocks) at the file's position. False when the file system
   * refused it and everything carried has been written the ordinary way instead (fallBack).
   */
  private async writeDirect(length: number): Promise<boolean> {
    try {
      await writeFully(this.handle, (this.staging as Uint8Array).subarray(0, length), this.position);
      this.position += length;
      return true;
    } catch (error) {
      if (!refused(error)) throw error;
    }
    await this.fallBack();
    return false;
  }

  /**
   * The file system took O_DIRECT at open but refused a write: the same file, reopened without it
   * (not created: it is ours), gets what is carried at `position` and every later byte the
   * ordinary way. Earlier direct blocks stay; nothing was written at or past `position` but,
   * after a short write of the padded last block, zeros past the content, which the cut removes.
   */
  private async fallBack(): Promise<void> {
    const staging = this.staging as Uint8Array;
    const ordinary = await this.system.open(this.file, fs.constants.O_WRONLY);
    // Swapped first, so whichever handle is open is the one `release` closes, exactly once.
    const direct = this.handle;
    this.handle = ordinary;
    this.staging = undefined;
    try {
      await direct.close();
      await writeFully(ordinary, staging.subarray(0, this.carried), this.position);
      this.position += this.carried;
      this.carried = 0;
      await ordinary.truncate(this.position);
    } finally {
      giveBackStreamStaging(this.system, staging);
    }
  }
}

async function writeFully(handle: StreamedHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < bytes.length; ) at += (await handle.write(bytes, at, bytes.length - at, position + at)).bytesWritten;
}

/** Streamed files' staging memories kept for the next file, per system (so a test's refusing system gets none of Node's). */
const spareStreamStaging = new WeakMap<DirectWriteSystem, Uint8Array[]>();

/** A staging memory for a streamed file, or undefined when none can be had (the file is then written the ordinary way). */
function takeStreamStaging(system: DirectWriteSystem): Uint8Array | undefined {
  const spare = spareStreamStaging.get(system)?.pop();
  if (spare !== undefined) return spare;
  try {
    return system.alignedMemory(STREAM_STAGING_BYTES);
  } catch {
    return undefined;
  }
}

function giveBackStreamStaging(system: DirectWriteSystem, staging: Uint8Array): void {
  let spares = spareStreamStaging.get(system);
  if (spares === undefined) spareStreamStaging.set(system, (spares = []));
  if (spares.length < SPARE_STREAM_STAGING) spares.push(staging);
}

/** Staging per streamed file: the engine appends 1 MiB at a time (gathered-content.ts). */
const STREAM_STAGING_BYTES = 2 * 1024 * 1024;
/** Streamed files' staging memories kept for the next file (the engine streams one or two at a time). */
const SPARE_STREAM_STAGING = 4;
