import { InPlaceFileSender, isLocalFile, type LocalFile } from './device-link-file-sender';
import { DeviceLinkBlockCode, DOWNLOAD_BLOCK_BYTES, FIRST_SEND_BYTES, SEND_GATHER_BYTES } from './device-link-stream-format';
import { type ServiceChannel, writeToChannel } from './service-channel';
import { ServiceError } from './service-error';

/**
 * The raw, unframed file stream DeviceLink puts between two plist messages from host to device
 * (protocol.md §3.1), for DLMessageDownloadFiles (§3.6.1): each file the device asked for as its
 * path, FILE_DATA blocks and a SUCCESS or LOCAL_ERROR block, then `u32 0`. The other direction is
 * device-link-upload-stream.ts.
 */
type LocalContent = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | LocalFile;
/**
 * Opens a file the device asked for; throwing (ENOENT…) makes it a LOCAL_ERROR entry. Content read
 * already may come as a plain array of pieces; an open file as a LocalFile, read in place (and closed).
 */
export type OpenLocalFile = (path: string) => Promise<LocalContent> | LocalContent;

interface DownloadFailure {
  readonly path: string;
  /** What we told the device (the LOCAL_ERROR text). */
  readonly message: string;
  /** What `openFile` or the file's iterator threw: the caller maps it to a §3.7 status code. */
  readonly error: unknown;
}

export interface DownloadResult {
  readonly filesSent: number;
  readonly bytesSent: number;
  readonly failures: readonly DownloadFailure[];
}

export function encodeStreamPath(path: string): Buffer {
  const bytes = Buffer.from(path, 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([header, bytes]);
}

/** One `u32 (n+1)` + code + payload block (§3.6.1 steps 2–4). */
export function encodeStreamBlock(code: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length + 1, 0);
  header[4] = code;
  return Buffer.concat([header, payload]);
}

/** Four zero bytes: no more files (also required after an empty path list, §3.6.1). */
const END_OF_STREAM = Buffer.alloc(4);

/**
 * Streams the requested files to the device in order, each as path, 32 KiB FILE_DATA blocks and a
 * SUCCESS terminator, or a LOCAL_ERROR block when it cannot be read; then the final `u32 0`.
 * The status response that follows is the caller's (it builds the multi-status from `failures`).
 * Bytes go out in writes growing from FIRST_SEND_BYTES to SEND_GATHER_BYTES (StreamOutbox), never one per block or file.
 */
export async function sendFilesToDevice(
  channel: ServiceChannel,
  paths: readonly string[],
  openFile: OpenLocalFile,
  onBytes?: (path: string, bytesSent: number) => void,
): Promise<DownloadResult> {
  const failures: DownloadFailure[] = [];
  const outbox = new StreamOutbox(channel);
  let inPlace: InPlaceFileSender | undefined;
  let bytesSent = 0;
  for (const path of paths) {
    await outbox.add(encodeStreamPath(path));
    let fileBytes = 0;
    try {
      const source = await openFile(path);
      if (isLocalFile(source)) {
        try {
          // Its path (and whatever came before) goes out first: the blocks follow it on the wire.
          await outbox.flush();
          inPlace ??= new InPlaceFileSender(channel);
          const before = bytesSent;
          await inPlace.send(source.fileHandle, (sent) => {
            bytesSent = before + sent;
            onBytes?.(path, sent);
          });
        } finally {
          await source.fileHandle.close();
        }
      } else {
        for await (const chunk of source) {
          if (chunk.length === 0) continue;
          await outbox.add(encodeDataBlocks(chunk));
          fileBytes += chunk.length;
          bytesSent += chunk.length;
          onBytes?.(path, fileBytes);
        }
      }
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'connection-closed') throw error;
      const message = describeLocalError(error);
      failures.push({ path, message, error });
      await outbox.add(encodeStreamBlock(DeviceLinkBlockCode.LOCAL_ERROR, Buffer.from(message, 'utf8')));
      continue;
    }
    await outbox.add(encodeStreamBlock(DeviceLinkBlockCode.SUCCESS));
  }
  await outbox.add(END_OF_STREAM);
  await outbox.flush();
  return { filesSent: paths.length - failures.length, bytesSent, failures };
}

/** A chunk of a file as consecutive FILE_DATA blocks of at most 32 KiB, in one new buffer (the chunk is copied, never kept). */
function encodeDataBlocks(chunk: Uint8Array): Buffer {
  const blocks = Math.ceil(chunk.length / DOWNLOAD_BLOCK_BYTES);
  const encoded = Buffer.allocUnsafe(chunk.length + blocks * 5);
  let at = 0;
  for (let offset = 0; offset < chunk.length; offset += DOWNLOAD_BLOCK_BYTES) {
    const end = Math.min(chunk.length, offset + DOWNLOAD_BLOCK_BYTES);
    encoded.writeUInt32BE(end - offset + 1, at);
    encoded[at + 4] = DeviceLinkBlockCode.FILE_DATA;
    encoded.set(chunk.subarray(offset, end), at + 5);
    at += 5 + end - offset;
  }
  return encoded;
}

/**
 * Gathers encoded stream pieces (each a buffer of its own, never a view of a caller's memory) and
 * writes them in one socket write once `gather` bytes have built up, and at `flush`. `gather`
 * starts at FIRST_SEND_BYTES and doubles with each write up to SEND_GATHER_BYTES, so the device
 * starts on the first files at once and later writes stay few.
 */
class StreamOutbox {
  private pieces: Buffer[] = [];
  private size = 0;
  private gather = FIRST_SEND_BYTES;

  constructor(private readonly channel: ServiceChannel) {}

  async add(piece: Buffer): Promise<void> {
    this.pieces.push(piece);
    this.size += piece.length;
    if (this.size >= this.gather) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pieces.length === 0) return;
    const bytes = this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.size);
    this.pieces = [];
    this.size = 0;
    this.gather = Math.min(SEND_GATHER_BYTES, this.gather * 2);
    await writeToChannel(this.channel, bytes);
  }
}

/** The device shows this text; strerror-like wording is what it expects (§3.6.1 step 4). */
function describeLocalError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  if (code === 'ENOTDIR') return 'Not a directory';
  if (code === 'EIO') return 'Input/output error';
  return error instanceof Error && error.message ? error.message : 'Input/output error';
}
