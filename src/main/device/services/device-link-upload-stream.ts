import type { ByteReader } from '../codec';
import { DeviceLinkBlockCode, MAX_REMOTE_ERROR_BYTES, MAX_STREAM_NAME_BYTES, MAX_UPLOAD_BLOCK_BYTES, UPLOAD_PIECE_BYTES } from './device-link-stream-format';
import { ServiceError, toServiceError } from './service-error';
import { UploadRecordScanner } from './upload-record-scanner';

/**
 * The raw, unframed file stream DeviceLink puts between two plist messages from device to host
 * (protocol.md §3.1), for DLMessageUploadFiles (§3.6.2). It streams: an upload of up to about
 * 8 MiB (a photo) is taken whole once it has arrived (upload-record-scanner.ts), anything bigger
 * piece by piece. The other direction is device-link-download-stream.ts.
 */
/** The device reported (REMOTE_ERROR) that one file of an upload failed; the stream goes on. */
export class RemoteFileError extends ServiceError {
  constructor(
    readonly destinationPath: string,
    readonly remoteMessage: string,
    /** Bytes of the file that arrived before the error (some devices end good files this way, §3.6.2). */
    readonly bytesReceived: number,
  ) {
    super('device-refused', `The device could not send ${destinationPath}: ${remoteMessage || 'no reason given'}.`);
    this.name = 'RemoteFileError';
  }
}

export interface IncomingFile {
  /** The device-side name (opaque; for display and filtering only). */
  readonly deviceName: string;
  /** Where the file goes, relative to the backup root (validate before use: §8.5 path safety). */
  readonly destinationPath: string;
  /** Content bytes received so far. */
  readonly bytesReceived: number;
  /**
   * The content, piece by piece, each a copy the consumer may keep. Consume it (or call `skip`)
   * before asking for the next file. Ends normally after SUCCESS; throws RemoteFileError if the
   * device gave up on this file (the upload goes on with the next one) or another ServiceError if
   * the stream is broken.
   */
  chunks(): AsyncIterable<Buffer>;
  /**
   * chunks() without the copies: each piece is lent to `use` (it may sit in reused read memory,
   * codec/read-buffer-pool.ts), which copies what it keeps before it returns; the iteration yields
   * what `use` returned. The loop body never sees a piece, so it may wait for anything.
   */
  lentPieces<T>(use: (piece: Buffer) => T): AsyncIterable<T>;
  /**
   * The whole content at once, without waiting, when the file arrived complete and has not been
   * read yet (the usual case up to ~8 MiB), lent to `use` for the length of the call (copy what
   * you keep, as the file writer does); `{ value }` is what `use` returned. Undefined when the
   * file is not complete yet: then chunks() or lentPieces() is the way.
   */
  withCompleteContent<T>(use: (pieces: readonly Buffer[]) => T): { readonly value: T } | undefined;
  /** Reads and drops the rest of this file's content; a device-side failure is not an error here. */
  skip(): Promise<void>;
}

interface ReceiveFilesOptions {
  /** Per-read timeout (0 = wait forever, which is what a slow device needs, §3.10). */
  readonly timeoutMs?: number;
}

/**
 * Iterates the files of one DLMessageUploadFiles stream until its `u32 0` end marker. Leaving the
 * loop early still reads the rest of the stream (dropping it), so the connection stays in step
 * for the status response that must follow.
 */
export async function* receiveFilesFromDevice(
  reader: ByteReader,
  options: ReceiveFilesOptions = {},
): AsyncGenerator<IncomingFile, void, undefined> {
  const timeoutMs = options.timeoutMs ?? 0;
  let finished = false;
  let broken = false;
  let current: UploadedFile | undefined;
  const scanner = new UploadRecordScanner(reader);
  try {
    for (;;) {
      const complete = scanner.scan();
      if (complete === 'end') {
        finished = true;
        return;
      }
      if (complete !== undefined && 'waitFor' in complete) {
        await reader.waitForBuffered(complete.waitFor, timeoutMs).catch((error: unknown) => {
          throw toServiceError(error, 'reading the next uploaded file');
        });
        continue;
      }
      if (complete !== undefined) {
        current = new UploadedFile(reader, timeoutMs, complete.deviceName, complete.destinationPath, complete.blockLengths);
        yield current;
        // Usually taken whole already; a consumer that did not gets it read and dropped here.
        if (current.state !== 'done') await current.skip();
        current = undefined;
        continue;
      }
      const deviceName = await readStreamName(reader, timeoutMs, 'the name of the next uploaded file', true);
      if (deviceName === undefined) {
        finished = true;
        return;
      }
      const destinationPath = await readStreamName(reader, timeoutMs, `the destination of ${deviceName}`, false);
      if (destinationPath === undefined || destinationPath === '') {
        throw new ServiceError('protocol', `The device sent ${deviceName} without a destination path.`);
      }
      current = new UploadedFile(reader, timeoutMs, deviceName, destinationPath);
      yield current;
      await current.skip();
      current = undefined;
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // Early exit by the consumer (break/return): drain so the next DL message lines up.
    if (!finished && !broken) {
      if (current && current.state !== 'broken') await current.skip();
      if (current?.state !== 'broken') {
        for (;;) {
          const name = await readStreamName(reader, timeoutMs, 'the name of the next uploaded file', true);
          if (name === undefined) break;
          const destination = (await readStreamName(reader, timeoutMs, `the destination of ${name}`, false)) ?? '';
          await new UploadedFile(reader, timeoutMs, name, destination).skip();
        }
      }
    }
  }
}

/** `u32 len` + UTF-8 name; `undefined` for the end marker (a zero length where a name may end the stream). */
async function readStreamName(reader: ByteReader, timeoutMs: number, what: string, zeroEnds: boolean): Promise<string | undefined> {
  try {
    const length = await reader.readUInt32BE(timeoutMs);
    if (length === 0) return zeroEnds ? undefined : '';
    if (length > MAX_STREAM_NAME_BYTES) {
      throw new ServiceError('too-large', `The device announced ${what} of ${length} bytes; names longer than ${MAX_STREAM_NAME_BYTES} bytes are refused.`);
    }
    return (await reader.readExactly(length, timeoutMs)).toString('utf8');
  } catch (error) {
    throw toServiceError(error, `reading ${what}`);
  }
}

type FileState = 'pending' | 'reading' | 'done' | 'broken';

class UploadedFile implements IncomingFile {
  state: FileState = 'pending';
  private received = 0;
  private dataRemaining = 0;

  constructor(
    private readonly reader: ByteReader,
    private readonly timeoutMs: number,
    readonly deviceName: string,
    readonly destinationPath: string,
    /** When the whole record is buffered (UploadRecordScanner): its FILE_DATA payload lengths. */
    private readonly completeBlockLengths?: readonly number[],
  ) {}

  get bytesReceived(): number {
    return this.received;
  }

  chunks(): AsyncIterable<Buffer> {
    this.startReading();
    // A complete record is read like any other (its blocks are buffered, so no read waits).
    return this.readBlocks(async (max) => {
      const piece = await this.reader.readSome(max, this.timeoutMs);
      return { length: piece.length, value: piece };
    });
  }

  lentPieces<T>(use: (piece: Buffer) => T): AsyncIterable<T> {
    this.startReading();
    return this.readBlocks((max) => this.reader.lendSome(max, (piece) => ({ length: piece.length, value: use(piece) }), this.timeoutMs));
  }

  /** The content of a complete record, block headers and SUCCESS consumed (§3.6.2), lent to `use`. */
  withCompleteContent<T>(use: (pieces: readonly Buffer[]) => T): { readonly value: T } | undefined {
    if (this.state !== 'pending' || this.completeBlockLengths === undefined) return undefined;
    this.state = 'done';
    // Each FILE_DATA block: a 5-byte header (u32 length + code) skipped, its payload lent.
    const runs = this.completeBlockLengths.map((take) => ({ skip: 5, take }));
    for (const run of runs) this.received += run.take;
    const value = this.reader.lendBufferedRuns(runs, use);
    const successLength = this.reader.peekUInt32BE(0) as number;
    this.reader.skipBuffered(4 + successLength);
    return { value };
  }

  async skip(): Promise<void> {
    if (this.state === 'done') return;
    // Already buffered whole: take it and drop it, without a read per block.
    if (this.state === 'pending' && this.withCompleteContent(() => undefined) !== undefined) return;
    if (this.state === 'broken') throw new ServiceError('protocol', `The upload stream broke while reading ${this.destinationPath}.`);
    if (this.state === 'pending') this.state = 'reading';
    // Dropped pieces are never kept, so they can be lent rather than copied.
    try {
      for await (const _length of this.readBlocks((max) => this.reader.lendSome(max, (piece) => ({ length: piece.length, value: piece.length }), this.timeoutMs))) {
        // dropped
      }
    } catch (error) {
      if (!(error instanceof RemoteFileError)) throw error;
    }
  }

  private startReading(): void {
    if (this.state !== 'pending') {
      throw new ServiceError('invalid-argument', `The content of ${this.destinationPath} was already read; it can be read only once.`);
    }
    this.state = 'reading';
  }

  /** The blocks of the content, each FILE_DATA piece read by `readPiece` (copied or lent), as it returns them. */
  private async *readBlocks<T>(readPiece: (max: number) => Promise<{ readonly length: number; readonly value: T }>): AsyncGenerator<T, void, undefined> {
    const what = `the upload of ${this.destinationPath}`;
    try {
      for (;;) {
        // Finish the data block a consumer may have stopped in the middle of before the next header.
        while (this.dataRemaining > 0) {
          // Pieces as they arrived: never gathered here. Lent ones are views of reused read memory.
          const piece = await readPiece(Math.min(this.dataRemaining, UPLOAD_PIECE_BYTES));
          this.dataRemaining -= piece.length;
          this.received += piece.length;
          yield piece.value;
        }
        const length = await this.reader.readUInt32BE(this.timeoutMs);
        if (length === 0) throw new ServiceError('protocol', `The device sent an empty block in ${what}.`);
        if (length > MAX_UPLOAD_BLOCK_BYTES) {
          throw new ServiceError('too-large', `The device announced a block of ${length} bytes in ${what}; the limit is ${MAX_UPLOAD_BLOCK_BYTES}.`);
        }
        const code = (await this.reader.readExactly(1, this.timeoutMs))[0];
        const payloadLength = length - 1;
        if (code === DeviceLinkBlockCode.FILE_DATA) {
          this.dataRemaining = payloadLength;
        } else if (code === DeviceLinkBlockCode.SUCCESS) {
          await this.discard(payloadLength);
          this.state = 'done';
          return;
        } else if (code === DeviceLinkBlockCode.REMOTE_ERROR) {
          const kept = await this.reader.readExactly(Math.min(payloadLength, MAX_REMOTE_ERROR_BYTES), this.timeoutMs);
          await this.discard(payloadLength - kept.length);
          this.state = 'done';
          throw new RemoteFileError(this.destinationPath, kept.toString('utf8'), this.received);
        } else {
          throw new ServiceError('protocol', `The device sent an unknown block code 0x${(code ?? 0).toString(16)} in ${what}.`);
        }
      }
    } catch (error) {
      if (this.state !== 'done') this.state = 'broken';
      throw toServiceError(error, `receiving ${what}`);
    }
  }

  private async discard(count: number): Promise<void> {
    let remaining = count;
    while (remaining > 0) {
      remaining -= (await this.reader.readExactly(Math.min(remaining, UPLOAD_PIECE_BYTES), this.timeoutMs)).length;
    }
  }
}
