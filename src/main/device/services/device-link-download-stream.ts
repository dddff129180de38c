import fs from 'node:fs';
import { InPlaceFileSender, isLocalFile, type LocalFile, SmallLocalFile } from './device-link-file-sender';
import { DeviceLinkBlockCode } from './device-link-stream-format';
import { StreamOutbox } from './device-link-stream-outbox';
import type { ServiceChannel } from './service-channel';
import { ServiceError } from './service-error';

/**
 * The raw, unframed file stream DeviceLink puts between two plist messages from host to device
 * (protocol.md §3.1), for DLMessageDownloadFiles (§3.6.1): each file the device asked for as its
 * path, FILE_DATA blocks and a SUCCESS or LOCAL_ERROR block, then `u32 0`. The other direction is
 * device-link-upload-stream.ts.
 */
type LocalContent = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | LocalFile | SmallLocalFile;
/**
 * Opens a file the device asked for; throwing (ENOENT…) makes it a LOCAL_ERROR entry. Content read
 * already may come as a plain array of pieces; an open file as a LocalFile, read in place (and closed);
 * a small one opened synchronously as a SmallLocalFile, read at once into the stream (and closed).
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

/**
 * Streams the requested files to the device in order, each as path, 32 KiB FILE_DATA blocks and a
 * SUCCESS terminator, or a LOCAL_ERROR block when it cannot be read; then the final `u32 0`.
 * The status response that follows is the caller's (it builds the multi-status from `failures`).
 * Bytes go out in writes growing from FIRST_SEND_BYTES to SEND_GATHER_BYTES (StreamOutbox), never one per block or file.
 * Content `openFile` returns at once (not a promise), as an array, is sent without waiting on
 * anything: a restore's tens of thousands of small files each cost several promises before.
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
    outbox.path(path);
    let fileBytes = 0;
    try {
      const opened = openFile(path);
      const source = opened instanceof Promise ? await opened : opened;
      if (source instanceof SmallLocalFile) {
        try {
          fileBytes = outbox.fileData(source.fd, source.size);
        } finally {
          fs.closeSync(source.fd);
        }
        bytesSent += fileBytes;
        if (fileBytes > 0) onBytes?.(path, fileBytes);
      } else if (isLocalFile(source)) {
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
      } else if (Array.isArray(source)) {
        for (const chunk of source as readonly Uint8Array[]) {
          if (chunk.length === 0) continue;
          outbox.data(chunk);
          fileBytes += chunk.length;
          bytesSent += chunk.length;
          onBytes?.(path, fileBytes);
        }
      } else {
        for await (const chunk of source) {
          if (chunk.length === 0) continue;
          outbox.data(chunk);
          fileBytes += chunk.length;
          bytesSent += chunk.length;
          onBytes?.(path, fileBytes);
          if (outbox.due) await outbox.flush();
        }
      }
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'connection-closed') throw error;
      const message = describeLocalError(error);
      failures.push({ path, message, error });
      outbox.block(DeviceLinkBlockCode.LOCAL_ERROR, Buffer.from(message, 'utf8'));
      if (outbox.due) await outbox.flush();
      continue;
    }
    outbox.block(DeviceLinkBlockCode.SUCCESS);
    if (outbox.due) await outbox.flush();
  }
  outbox.end();
  await outbox.flush();
  return { filesSent: paths.length - failures.length, bytesSent, failures };
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
