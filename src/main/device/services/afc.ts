import {
  AfcError,
  AfcLinkType,
  AfcLockOperation,
  type AfcLockOperationValue,
  AfcOpenMode,
  type AfcOpenModeValue,
  AfcOperation,
  AfcStatus,
  MAX_AFC_REPLY_BYTES,
  encodeAfcPacket,
  encodeAfcPath,
  parseKeyValuePairs,
  readAfcPacket,
  replyBody,
  splitNulStrings,
  u64le,
} from './afc-protocol';
import { type AfcDeviceInfo, type AfcFileInfo, dateToNanoseconds, toDeviceInfo, toFileInfo } from './afc-info';
import { type AfcWalkEntry, type WriteSource, readFileChunks, readFileToBuffer, walkTree, writeFileFrom } from './afc-files';
import { type ServiceChannel, writeToChannel } from './service-channel';
import { ServiceError } from './service-error';

/** idevicebackup2 reads 64 KiB per FileRead (§4.2); larger reads are allowed up to the reply cap. */
const AFC_DEFAULT_READ_BYTES = 64 * 1024;
/** Bytes per FileWrite packet, as libimobiledevice sends them. */
const AFC_WRITE_CHUNK_BYTES = 32 * 1024;

/** An open file on the device (u64, non-zero, per connection). */
export type AfcHandle = bigint;

type AfcSeekOrigin = 'start' | 'current' | 'end';
const WHENCE: Readonly<Record<AfcSeekOrigin, number>> = { start: 0, current: 1, end: 2 };

interface LockRetryOptions {
  /** idevicebackup2 tries 50 times, 200 ms apart, while another host holds the sync lock (§4.5). */
  readonly attempts?: number;
  readonly delayMs?: number;
}

interface ReplyExpectation {
  readonly what: string;
  readonly path?: string;
  readonly expect: number;
  readonly maxBytes?: number;
}

/**
 * AFC (`com.apple.afc`, protocol.md §4): file access inside the device's media jail. One request at
 * a time; calls made concurrently are queued, so every reply is matched to its request.
 */
export class AfcClient {
  static readonly SERVICE_NAME = 'com.apple.afc';

  private packetNumber = 0n;
  private queue: Promise<unknown> = Promise.resolve();
  private broken: ServiceError | undefined;

  constructor(
    readonly channel: ServiceChannel,
    private readonly timeoutMs = 0,
  ) {}

  /** Entry names of a folder, without `.` and `..` (§4.2). */
  async readDirectory(path: string): Promise<string[]> {
    const body = await this.call(AfcOperation.READ_DIRECTORY, encodeAfcPath(path), undefined, { what: 'Listing', path, expect: AfcOperation.DATA });
    return splitNulStrings(body).filter((name) => name !== '.' && name !== '..');
  }

  async getFileInfo(path: string): Promise<AfcFileInfo> {
    const body = await this.call(AfcOperation.GET_FILE_INFO, encodeAfcPath(path), undefined, { what: 'Reading the details of', path, expect: AfcOperation.DATA });
    return toFileInfo(parseKeyValuePairs(body), path);
  }

  async getDeviceInfo(): Promise<AfcDeviceInfo> {
    const body = await this.call(AfcOperation.GET_DEVICE_INFO, Buffer.alloc(0), undefined, { what: 'Reading the device storage details', expect: AfcOperation.DATA });
    return toDeviceInfo(parseKeyValuePairs(body));
  }

  async open(path: string, mode: AfcOpenModeValue = AfcOpenMode.READ_ONLY): Promise<AfcHandle> {
    const body = await this.call(AfcOperation.FILE_OPEN, Buffer.concat([u64le(mode), encodeAfcPath(path)]), undefined, {
      what: 'Opening',
      path,
      expect: AfcOperation.FILE_OPEN_RESULT,
    });
    if (body.length < 8) throw this.breakWith(new ServiceError('protocol', `The device opened ${path} without returning a file handle.`));
    return body.readBigUInt64LE(0);
  }

  /** Up to `length` bytes from the current position; an empty buffer at the end of the file. */
  async read(handle: AfcHandle, length = AFC_DEFAULT_READ_BYTES): Promise<Buffer> {
    if (!Number.isInteger(length) || length <= 0 || length > MAX_AFC_REPLY_BYTES) {
      throw new ServiceError('invalid-argument', `An AFC read must ask for 1 to ${MAX_AFC_REPLY_BYTES} bytes, not ${length}.`);
    }
    return this.call(AfcOperation.FILE_READ, u64le(handle, length), undefined, { what: 'Reading from a file', expect: AfcOperation.DATA, maxBytes: length });
  }

  /** Writes all of `data`, in 32 KiB packets (the bytes travel as payload after the handle, §4.1). */
  async write(handle: AfcHandle, data: Uint8Array): Promise<void> {
    for (let offset = 0; offset < data.length; offset += AFC_WRITE_CHUNK_BYTES) {
      const piece = data.subarray(offset, offset + AFC_WRITE_CHUNK_BYTES);
      await this.call(AfcOperation.FILE_WRITE, u64le(handle), piece, { what: 'Writing to a file', expect: AfcOperation.STATUS });
    }
  }

  async seek(handle: AfcHandle, offset: number | bigint, origin: AfcSeekOrigin = 'start'): Promise<void> {
    const header = Buffer.concat([u64le(handle, WHENCE[origin]), signed64(offset)]);
    await this.call(AfcOperation.FILE_SEEK, header, undefined, { what: 'Seeking in a file', expect: AfcOperation.STATUS });
  }

  async tell(handle: AfcHandle): Promise<number> {
    const body = await this.call(AfcOperation.FILE_TELL, u64le(handle), undefined, { what: 'Asking the position in a file', expect: AfcOperation.FILE_TELL_RESULT });
    if (body.length < 8) throw this.breakWith(new ServiceError('protocol', 'The device answered FileTell without a position.'));
    return Number(body.readBigUInt64LE(0));
  }

  async close(handle: AfcHandle): Promise<void> {
    await this.call(AfcOperation.FILE_CLOSE, u64le(handle), undefined, { what: 'Closing a file', expect: AfcOperation.STATUS });
  }

  /** ftruncate on an open file. */
  async setFileSize(handle: AfcHandle, size: number | bigint): Promise<void> {
    await this.call(AfcOperation.FILE_SET_SIZE, u64le(handle, size), undefined, { what: 'Resizing a file', expect: AfcOperation.STATUS });
  }

  /** truncate by path: u64 size then the path (§4.2). */
  async truncate(path: string, size: number | bigint): Promise<void> {
    await this.call(AfcOperation.TRUNCATE, Buffer.concat([u64le(size), encodeAfcPath(path)]), undefined, { what: 'Resizing', path, expect: AfcOperation.STATUS });
  }

  async makeDirectory(path: string): Promise<void> {
    await this.call(AfcOperation.MAKE_DIRECTORY, encodeAfcPath(path), undefined, { what: 'Creating the folder', path, expect: AfcOperation.STATUS });
  }

  /** Removes a file or an empty folder. */
  async removePath(path: string): Promise<void> {
    await this.call(AfcOperation.REMOVE_PATH, encodeAfcPath(path), undefined, { what: 'Removing', path, expect: AfcOperation.STATUS });
  }

  /** Removes a folder and everything in it (iOS 6+, §4.2). */
  async removePathAndContents(path: string): Promise<void> {
    await this.call(AfcOperation.REMOVE_PATH_AND_CONTENTS, encodeAfcPath(path), undefined, { what: 'Removing', path, expect: AfcOperation.STATUS });
  }

  async renamePath(from: string, to: string): Promise<void> {
    await this.call(AfcOperation.RENAME_PATH, Buffer.concat([encodeAfcPath(from), encodeAfcPath(to)]), undefined, { what: 'Renaming', path: from, expect: AfcOperation.STATUS });
  }

  /** One non-blocking flock attempt; status 19 (OP_WOULD_BLOCK) means someone else holds it. */
  async lock(handle: AfcHandle, operation: AfcLockOperationValue): Promise<void> {
    await this.call(AfcOperation.FILE_LOCK, u64le(handle, operation), undefined, { what: 'Locking a file', expect: AfcOperation.STATUS });
  }

  /** Takes a lock, waiting while another program holds it, as idevicebackup2 does for the sync lock. */
  async lockWithRetry(handle: AfcHandle, operation: AfcLockOperationValue = AfcLockOperation.EXCLUSIVE, options: LockRetryOptions = {}): Promise<void> {
    const attempts = options.attempts ?? 50;
    const delayMs = options.delayMs ?? 200;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.lock(handle, operation);
        return;
      } catch (error) {
        const busy = error instanceof AfcError && error.status === AfcStatus.OP_WOULD_BLOCK;
        if (!busy || attempt >= attempts) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  async makeLink(type: 'hard' | 'symbolic', target: string, linkName: string): Promise<void> {
    const kind = type === 'hard' ? AfcLinkType.HARD : AfcLinkType.SYMBOLIC;
    await this.call(AfcOperation.MAKE_LINK, Buffer.concat([u64le(kind), encodeAfcPath(target), encodeAfcPath(linkName)]), undefined, {
      what: 'Creating the link',
      path: linkName,
      expect: AfcOperation.STATUS,
    });
  }

  /** u64 nanoseconds since the epoch then the path. */
  async setFileModTime(path: string, modified: Date): Promise<void> {
    await this.call(AfcOperation.SET_FILE_MOD_TIME, Buffer.concat([u64le(dateToNanoseconds(modified)), encodeAfcPath(path)]), undefined, {
      what: 'Setting the modification time of',
      path,
      expect: AfcOperation.STATUS,
    });
  }

  /** Streams a file's content, `chunkBytes` per request; the handle is closed however the loop ends. */
  readFile(path: string, chunkBytes = AFC_DEFAULT_READ_BYTES): AsyncIterable<Buffer> {
    return readFileChunks(this, path, chunkBytes);
  }

  /** A small file whole (plists of iTunes_Control, §4.5); refuses files above `limitBytes`. */
  readFileToBuffer(path: string, limitBytes = 16 * 1024 * 1024): Promise<Buffer> {
    return readFileToBuffer(this, path, limitBytes);
  }

  /** Creates or replaces a file with the bytes of `source`. */
  writeFile(path: string, source: WriteSource): Promise<number> {
    return writeFileFrom(this, path, source);
  }

  /** Every entry under `directory`, depth first, names sorted; symlinks are listed, not followed. */
  walk(directory: string): AsyncIterable<AfcWalkEntry> {
    return walkTree(this, directory);
  }

  /** Closes the connection; queued requests fail with connection-closed. */
  closeConnection(): void {
    this.broken ??= new ServiceError('connection-closed', 'The file connection to the device was closed.');
    this.channel.close();
  }

  /** Serialises requests: one in flight per connection so replies cannot be mismatched. */
  private call(operation: number, headerData: Buffer, payload: Uint8Array | undefined, expectation: ReplyExpectation): Promise<Buffer> {
    const run = this.queue.then(() => this.exchange(operation, headerData, payload, expectation));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async exchange(operation: number, headerData: Buffer, payload: Uint8Array | undefined, expectation: ReplyExpectation): Promise<Buffer> {
    if (this.broken) throw this.broken;
    this.packetNumber += 1n;
    const packetNumber = this.packetNumber;
    const target = expectation.path === undefined ? expectation.what : `${expectation.what} ${expectation.path}`;
    try {
      await writeToChannel(this.channel, encodeAfcPacket(packetNumber, operation, headerData, payload));
    } catch (error) {
      throw this.breakWith(error instanceof ServiceError ? error : new ServiceError('connection-closed', `${target} failed: the connection dropped.`, { cause: error }));
    }
    let reply;
    try {
      reply = await readAfcPacket(this.channel.reader, Math.max(8, expectation.maxBytes ?? MAX_AFC_REPLY_BYTES), this.timeoutMs);
    } catch (error) {
      throw this.breakWith(error as ServiceError);
    }
    if (reply.packetNumber !== packetNumber) {
      throw this.breakWith(new ServiceError('protocol', `${target}: the device answered packet ${reply.packetNumber} instead of ${packetNumber}.`));
    }
    const body = replyBody(reply);
    if (reply.operation === AfcOperation.STATUS) {
      // §4.1: an empty STATUS is an I/O error, not success.
      if (body.length < 8) throw this.breakWith(new ServiceError('protocol', `${target}: the device sent a status reply without its code.`));
      const status = body.readBigUInt64LE(0);
      if (status !== 0n) throw new AfcError(status > 0xffffn ? 0xffff : Number(status), expectation.what, expectation.path);
      if (expectation.expect === AfcOperation.STATUS) return body;
      throw this.breakWith(new ServiceError('protocol', `${target}: the device answered with a bare success instead of data.`));
    }
    if (reply.operation !== expectation.expect) {
      throw this.breakWith(new ServiceError('protocol', `${target}: the device answered with AFC operation ${reply.operation}, not ${expectation.expect}.`));
    }
    return body;
  }

  /** After a framing failure the stream is out of step: refuse every later request with the same error. */
  private breakWith(error: ServiceError): ServiceError {
    this.broken ??= error;
    return error;
  }
}

function signed64(value: number | bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64LE(BigInt(value), 0);
  return bytes;
}

