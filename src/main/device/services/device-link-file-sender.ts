import type { FileHandle } from 'node:fs/promises';
import net from 'node:net';
import { DeviceLinkBlockCode, DOWNLOAD_BLOCK_BYTES, DOWNLOAD_READ_BYTES } from './device-link-stream-format';
import { type ServiceChannel, writeToChannel } from './service-channel';

/**
 * A local file for sendFilesToDevice to read itself (protocol.md §3.6.1), in place: open it, hand
 * it over, and the stream reads it and closes it, whatever happens.
 */
export interface LocalFile {
  readonly fileHandle: FileHandle;
}

export function isLocalFile(content: unknown): content is LocalFile {
  return typeof content === 'object' && content !== null && 'fileHandle' in content;
}

/**
 * A small local file, opened synchronously, for sendFilesToDevice to read whole at once straight
 * into the memory it gathers the stream in (StreamOutbox.fileData), then close, whatever happens:
 * at most `size` bytes are sent. For the tens of thousands of small files of a restore, each of
 * which cost a new buffer of its size and a second copy of it before.
 */
export class SmallLocalFile {
  constructor(
    readonly fd: number,
    readonly size: number,
  ) {}
}

/** FILE_DATA blocks per read: DOWNLOAD_READ_BYTES of content, in 32 KiB blocks. */
const BLOCKS_PER_READ = DOWNLOAD_READ_BYTES / DOWNLOAD_BLOCK_BYTES;
const BLOCK_HEADER_BYTES = 5;
const SLOT_BYTES = BLOCK_HEADER_BYTES + DOWNLOAD_BLOCK_BYTES;
/** One region is read while the one before is being written. */
const REGIONS = 2;

interface Region {
  /** BLOCKS_PER_READ slots, each a block header followed by room for one block's content. */
  readonly bytes: Buffer;
  /** The content part of each slot: what one readv fills. */
  readonly contentSlots: readonly Buffer[];
}

/**
 * Sends files as FILE_DATA blocks read straight into place: each read (one readv of 1 MiB) fills
 * the content parts of 32 slots whose 5-byte headers sit between them, so the region goes to the
 * socket as it is. Reading through a stream and encoding the blocks cost a new 1 MiB buffer per
 * read and a second copy of every byte: 0.5 s of the main thread for the 88 MB Manifest.db that
 * every incremental backup of the `large` phone sends (while the phone waits for it). Two regions
 * of reused memory, each taken again only once the socket has written it (not merely accepted it),
 * on a network socket (TLS or not) only: that one has copied the bytes into the kernel (or
 * encrypted them) by then, while another stream (an in-process pair in tests) may still hold the
 * very buffer it was given; there each read gets memory of its own.
 */
export class InPlaceFileSender {
  private readonly free: Region[] = [];
  private regionsMade = 0;
  private waiting: ((region: Region) => void) | undefined;
  private readonly reuse: boolean;

  constructor(private readonly channel: ServiceChannel) {
    this.reuse = channel.socket instanceof net.Socket;
  }

  /** Streams the content of `file` as FILE_DATA blocks (no terminator); returns its length. Does not close it. */
  async send(file: FileHandle, onBytes: (fileBytes: number) => void): Promise<number> {
    let position = 0;
    for (;;) {
      const region = await this.takeRegion();
      let bytesRead: number;
      try {
        ({ bytesRead } = await file.readv(region.contentSlots as Buffer[], position));
      } catch (error) {
        this.release(region);
        throw error;
      }
      if (bytesRead === 0) {
        this.release(region);
        return position;
      }
      // readv fills the slots in order, so a short read (the end of the file) fills a prefix of them.
      let at = 0;
      for (let remaining = bytesRead; remaining > 0; ) {
        const length = Math.min(DOWNLOAD_BLOCK_BYTES, remaining);
        region.bytes.writeUInt32BE(length + 1, at);
        region.bytes[at + 4] = DeviceLinkBlockCode.FILE_DATA;
        at += length === DOWNLOAD_BLOCK_BYTES ? SLOT_BYTES : BLOCK_HEADER_BYTES + length;
        remaining -= length;
      }
      position += bytesRead;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        this.release(region);
      };
      try {
        await writeToChannel(this.channel, region.bytes.subarray(0, at), release);
      } catch (error) {
        release();
        throw error;
      }
      onBytes(position);
    }
  }

  private takeRegion(): Promise<Region> {
    if (!this.reuse) return Promise.resolve(makeRegion());
    const region = this.free.pop();
    if (region !== undefined) return Promise.resolve(region);
    if (this.regionsMade < REGIONS) {
      this.regionsMade += 1;
      return Promise.resolve(makeRegion());
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  private release(region: Region): void {
    if (!this.reuse) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting !== undefined) waiting(region);
    else this.free.push(region);
  }
}

function makeRegion(): Region {
  const bytes = Buffer.allocUnsafeSlow(BLOCKS_PER_READ * SLOT_BYTES);
  const contentSlots = Array.from({ length: BLOCKS_PER_READ }, (_unused, index) => bytes.subarray(index * SLOT_BYTES + BLOCK_HEADER_BYTES, (index + 1) * SLOT_BYTES));
  return { bytes, contentSlots };
}
