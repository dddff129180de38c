import {
  type PlistValue,
  PlistReal,
  ReadTimeoutError,
  isPlistDict,
  plistInteger,
  plistString,
} from '../../../main/device/codec';
import type { DeviceLink } from './device-link';
import { BLOCK_CODE, type DownloadBlock, DownloadStreamReader } from './file-stream';
import { HostGoneError, HostProtocolError, MB_ERROR, MobileBackupError } from './mb-error';
import { UploadStreamWriter } from './upload-stream';

/**
 * "Ask the computer to do X": the file-system primitives the device drives on the host over
 * DeviceLink (protocol.md §3.5, §3.6), one method per DL message, each waiting for the host's
 * DLMessageStatusResponse. Paths are relative to the host's backup root (`<UDID>/…`).
 */

/** Host status codes the device understands (§3.7). */
export const HOST_STATUS = { ok: 0, notFound: -6, exists: -7, multiStatus: -13 } as const;

export interface HostStatus {
  readonly code: number;
  readonly description: string | undefined;
  readonly payload: PlistValue | undefined;
}

export interface HostFileFailure {
  readonly code: number;
  readonly message: string;
}

export interface UploadItem {
  /** Device-side name, shown by hosts only (§3.6.2), e.g. `HomeDomain-Library/SMS/sms.db`. */
  readonly deviceName: string;
  readonly hostPath: string;
  /** The bytes in chunks; a plain iterable when they can be read without waiting. */
  readonly content: () => AsyncIterable<Buffer> | Iterable<Buffer>;
}

function isAsyncIterable(value: AsyncIterable<Buffer> | Iterable<Buffer>): value is AsyncIterable<Buffer> {
  return Symbol.asyncIterator in value;
}

export interface HostDirectoryEntry {
  readonly type: 'directory' | 'regular' | 'unknown';
  readonly size: number;
}

/** One file arriving in a DownloadFiles stream; read `chunks()` before the next file can arrive. */
export class IncomingFile {
  private finished = false;
  private failure: string | undefined;

  constructor(private readonly stream: DownloadStreamReader) {}

  /** Why the host could not send the file, once `chunks()` has been read to the end. */
  get error(): string | undefined {
    return this.failure;
  }

  async *chunks(): AsyncGenerator<Buffer> {
    while (!this.finished) {
      const block: DownloadBlock = await this.stream.nextBlock();
      if (block.kind === 'data') {
        yield block.bytes;
        continue;
      }
      this.finished = true;
      if (block.kind === 'error') this.failure = block.message;
    }
  }

  /** Reads whatever the consumer left unread, to keep the stream in step. */
  async drain(): Promise<void> {
    for await (const _chunk of this.chunks()) {
      // discarded on purpose
    }
  }
}

export interface HostDriveHooks {
  /** After every file that fully crossed the link (either direction), for the unplug-after-files fault. */
  readonly onFileTransferred?: () => void;
  /** Before each new DL request, when the host is between messages (where a pulled cable is clean). */
  readonly beforeRequest?: () => void;
}

const PURGE_URGENCY = 4;

export class HostDrive {
  constructor(
    private readonly link: DeviceLink,
    private readonly hooks: HostDriveHooks = {},
  ) {}

  /**
   * DLMessageDownloadFiles (§3.6.1): the host streams each path back; `consume` gets every file
   * in order. Returns the failures the host reported, keyed by path.
   */
  async downloadFiles(
    paths: readonly string[],
    progress: number,
    consume: (path: string, file: IncomingFile) => Promise<void>,
  ): Promise<Map<string, HostFileFailure>> {
    await this.request(['DLMessageDownloadFiles', [...paths], {}, new PlistReal(progress), 0]);
    const stream = new DownloadStreamReader(this.link.reader);
    const failures = new Map<string, HostFileFailure>();
    let consumerError: unknown;
    for (let path = await stream.nextPath(); path !== undefined; path = await stream.nextPath()) {
      const file = new IncomingFile(stream);
      if (consumerError === undefined) {
        try {
          await consume(path, file);
        } catch (error) {
          if (error instanceof HostGoneError || error instanceof HostProtocolError) throw error;
          consumerError = error;
        }
      }
      await file.drain();
      if (file.error !== undefined) failures.set(path, { code: HOST_STATUS.notFound, message: file.error });
      else this.hooks.onFileTransferred?.();
    }
    const status = await this.receiveStatus();
    if (consumerError !== undefined) throw consumerError;
    if (status.code === HOST_STATUS.multiStatus && isPlistDict(status.payload)) {
      for (const [path, detail] of Object.entries(status.payload)) {
        const dict = isPlistDict(detail) ? detail : {};
        failures.set(path, {
          code: toStatusCode(plistInteger(dict['DLFileErrorCode']) ?? -1),
          message: plistString(dict['DLFileErrorString']) ?? 'unknown error',
        });
      }
    } else if (status.code !== HOST_STATUS.ok) {
      throw new MobileBackupError(MB_ERROR.driveError, `Error downloading files from the computer: ${status.description ?? status.code}`);
    }
    // Paths the host never got to (libimobiledevice stops at its first failure) are simply not in
    // the stream; callers compare what arrived with what they asked for.
    return failures;
  }

  /** Downloads small files (plists, at most a few MB) into memory; missing ones are absent from the map. */
  async downloadSmallFiles(paths: readonly string[], progress = 0): Promise<Map<string, Buffer>> {
    const contents = new Map<string, Buffer>();
    await this.downloadFiles(paths, progress, async (path, file) => {
      const parts: Buffer[] = [];
      for await (const chunk of file.chunks()) parts.push(chunk);
      if (file.error === undefined) contents.set(path, Buffer.concat(parts));
    });
    return contents;
  }

  /**
   * DLMessageUploadFiles (§3.6.2): streams each item's content to its host path. The stream is
   * gathered into large writes; a file's bytes may still be buffered when its hook runs, but all
   * of them are sent before the host's reply is awaited.
   */
  async uploadFiles(items: readonly UploadItem[], progress: number, totalBytes = 0): Promise<void> {
    await this.request(['DLMessageUploadFiles', {}, new PlistReal(progress), totalBytes]);
    const stream = new UploadStreamWriter((pieces) => this.link.writeRawPieces(pieces));
    for (const item of items) {
      stream.fileHeader(item.deviceName, item.hostPath);
      try {
        const content = item.content();
        if (isAsyncIterable(content)) {
          for await (const chunk of content) {
            stream.fileData(chunk);
            if (stream.isFull) await stream.flush();
          }
        } else {
          // Small files read synchronously: no promise per chunk, only per write.
          for (const chunk of content) {
            stream.fileData(chunk);
            if (stream.isFull) await stream.flush();
          }
        }
        stream.endBlock(BLOCK_CODE.success);
      } catch (error) {
        if (error instanceof HostGoneError) throw error;
        // The phone could not read the file: tell the host instead of desynchronising the stream.
        stream.endBlock(BLOCK_CODE.remoteError, Buffer.from(`Error reading ${item.deviceName}: ${(error as Error).message}`));
      }
      this.hooks.onFileTransferred?.();
      if (stream.isFull) await stream.flush();
    }
    stream.streamEnd();
    await stream.flush();
    const status = await this.receiveStatus();
    if (status.code !== HOST_STATUS.ok) {
      throw new MobileBackupError(MB_ERROR.multipleUploadErrors, `Multiple errors uploading files: ${status.description ?? status.code}`);
    }
  }

  /** DLMessageCreateDirectory (§3.6.5); "already exists" is success. */
  async createDirectory(path: string): Promise<void> {
    await this.request(['DLMessageCreateDirectory', path]);
    const status = await this.receiveStatus();
    if (status.code !== HOST_STATUS.ok && status.code !== HOST_STATUS.exists) {
      throw new MobileBackupError(MB_ERROR.driveError, `Error creating directory ${path} on the computer: ${status.description ?? status.code}`);
    }
  }

  /** DLMessageMoveItems (§3.6.7): renames each source to its destination, replacing it. */
  async moveItems(moves: ReadonlyArray<readonly [string, string]>, progress: number): Promise<void> {
    await this.request(['DLMessageMoveItems', Object.fromEntries(moves), {}, new PlistReal(progress)]);
    const status = await this.receiveStatus();
    if (status.code !== HOST_STATUS.ok) {
      throw new MobileBackupError(MB_ERROR.driveError, `Error moving files on the computer: ${status.description ?? status.code}`);
    }
  }

  /** DLMessageRemoveItems (§3.6.8). Missing paths are fine; returns the host's status otherwise. */
  async removeItems(paths: readonly string[], progress: number): Promise<HostStatus> {
    await this.request(['DLMessageRemoveItems', [...paths], {}, new PlistReal(progress)]);
    const status = await this.receiveStatus();
    return status.code === HOST_STATUS.notFound ? { ...status, code: HOST_STATUS.ok } : status;
  }

  /** DLMessageCopyItem (§3.6.9). */
  async copyItem(source: string, destination: string): Promise<HostStatus> {
    await this.request(['DLMessageCopyItem', source, destination]);
    return this.receiveStatus();
  }

  /** DLContentsOfDirectory (§3.6.6); a missing directory lists as empty. */
  async contentsOfDirectory(path: string): Promise<Map<string, HostDirectoryEntry>> {
    await this.request(['DLContentsOfDirectory', path]);
    const status = await this.receiveStatus();
    const entries = new Map<string, HostDirectoryEntry>();
    if (status.code !== HOST_STATUS.ok || !isPlistDict(status.payload)) return entries;
    for (const [name, detail] of Object.entries(status.payload)) {
      const dict = isPlistDict(detail) ? detail : {};
      const type = plistString(dict['DLFileType']);
      entries.set(name, {
        type: type === 'DLFileTypeDirectory' ? 'directory' : type === 'DLFileTypeRegular' ? 'regular' : 'unknown',
        size: plistInteger(dict['DLFileSize']) ?? 0,
      });
    }
    return entries;
  }

  /** DLMessageGetFreeDiskSpace (§3.6.3); undefined when the host cannot tell. */
  async freeDiskSpace(): Promise<number | undefined> {
    await this.request(['DLMessageGetFreeDiskSpace']);
    const status = await this.receiveStatus();
    if (status.code !== HOST_STATUS.ok) return undefined;
    return plistInteger(status.payload);
  }

  /**
   * DLMessagePurgeDiskSpace (§3.6.4, DeviceLink 400 only). Older hosts (libimobiledevice 1.3.0)
   * never answer it, so give up after `timeoutMs` instead of waiting forever. True when purged.
   */
  async purgeDiskSpace(bytes: number, timeoutMs: number): Promise<boolean> {
    await this.request(['DLMessagePurgeDiskSpace', bytes, PURGE_URGENCY]);
    try {
      const status = await this.receiveStatus(timeoutMs);
      return status.code === HOST_STATUS.ok;
    } catch (error) {
      if (error instanceof ReadTimeoutError) return false;
      throw error;
    }
  }

  /** The final DLMessageProcessMessage of an operation (§3.6.10). */
  async finish(errorCode: number, errorDescription?: string, content?: string): Promise<void> {
    await this.link.sendProcessMessage({
      MessageName: 'Response',
      ErrorCode: errorCode,
      ...(errorDescription !== undefined ? { ErrorDescription: errorDescription } : {}),
      ...(content !== undefined ? { Content: content } : {}),
    });
  }

  private async request(items: readonly PlistValue[]): Promise<void> {
    this.hooks.beforeRequest?.();
    await this.link.send(items);
  }

  private async receiveStatus(timeoutMs?: number): Promise<HostStatus> {
    const message = await this.link.receive(timeoutMs);
    if (message.name === 'DLMessageDisconnect') throw new HostGoneError('The computer disconnected in the middle of the operation.');
    if (message.name === 'DLMessageProcessMessage' && isPlistDict(message.items[1]) && message.items[1]['MessageName'] === 'CancelBackup') {
      // Some hosts (Netimobiledevice) cancel a running backup with a CancelBackup request (§3.4).
      throw new MobileBackupError(MB_ERROR.cancelled, 'Backup cancelled by the computer');
    }
    if (message.name !== 'DLMessageStatusResponse') {
      throw new HostProtocolError(`Expected DLMessageStatusResponse from the computer, got ${message.name}.`);
    }
    const description = plistString(message.items[2]);
    return {
      code: toStatusCode(plistInteger(message.items[1]) ?? -1),
      description: description === undefined || description === '___EmptyParameterString___' ? undefined : description,
      payload: message.items[3],
    };
  }
}

/** Hosts send negative codes as 32- or 64-bit two's complement (§0.1): keep the low 32 bits, signed. */
function toStatusCode(value: number): number {
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(value))));
}
