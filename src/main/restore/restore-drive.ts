import fs from 'node:fs/promises';
import path from 'node:path';
import type { PlistDict, PlistValue } from '../device/codec';
import { type DeviceLinkClient, type DeviceLinkOutcome, type DeviceLinkRequest, runDeviceLinkLoop } from '../device/services';
import { BackupError } from '../backup/backup-error';
import { DL_STATUS, sendDownloadStatus, statusForError } from '../backup/engine/status-codes';
import type { ConfinedPaths } from '../backup/store';
import { DownloadBatch } from './download-batch';

/**
 * The host side of a restore's DeviceLink requests (protocol.md §3.6, §7.3), read-only: the
 * phone reads the backup through DownloadFiles and may look at folders and free space; anything
 * that would write next to the backup is refused (we send RestoreDontCopyBackup, so a phone
 * has no reason to ask). Paths `<SRC>/…` map onto the chosen folder through ConfinedPaths, so a
 * snapshot or an archive restores as if it were `<root>/<UDID>`.
 */

interface RestoreDriveContext {
  readonly deviceLink: DeviceLinkClient;
  readonly paths: ConfinedPaths;
  /**
   * The most bytes to send of the file at `devicePath` (a content file's recorded size), or
   * undefined for a file the backup's list does not size (the plists, Manifest.db): those are
   * sent as long as they were when opened, never more.
   */
  maxBytesOf?(devicePath: string): number | undefined;
  /** Called for each file the phone received, once its request is served (the count a restore reports). */
  onFileSent(devicePath: string, bytes: number): void;
  /**
   * Called as the next file's bytes start, for the one before it, so progress counts files as they
   * go: a small phone's whole restore may be one request, and counting only at its end showed
   * "Files 0" beside megabytes copied. A file that failed half-way is counted here; onFileSent's is exact.
   */
  onFileStreamed?(devicePath: string): void;
  onBytes(bytes: number): void;
  /** A request and the phone's percent once it is served (§3.5); `bytes` when it moves a known amount. */
  onStep(percentAfter: number | undefined, bytes?: number): void;
  onStepDone(): void;
}

const READ_ONLY = 'Lifeboat keeps the backup read-only during a restore';

/**
 * Serves the phone's requests until its final DLMessageProcessMessage or a DLMessageDisconnect:
 * the DL loop shared with backup (services/device-link-loop.ts) over the restore's read-only table.
 */
export function runRestoreDrive(context: RestoreDriveContext): Promise<DeviceLinkOutcome> {
  return runDeviceLinkLoop(context.deviceLink, {
    async serve(request) {
      // DownloadFiles announces its step itself, once it knows the files' sizes.
      if (request.kind !== 'DLMessageDownloadFiles') context.onStep(request.progress);
      await handleRestoreRequest(request, context);
      context.onStepDone();
    },
  });
}

async function handleRestoreRequest(message: DeviceLinkRequest, context: RestoreDriveContext): Promise<void> {
  const { deviceLink } = context;
  switch (message.kind) {
    case 'DLMessageDownloadFiles':
      return sendFiles(message.paths, message.progress, context);
    case 'DLMessageGetFreeDiskSpace': {
      // §3.6.3: the phone asks before a copy it will not make; answer truthfully anyway.
      try {
        const stats = await fs.statfs(path.dirname(context.paths.base));
        await deviceLink.sendStatusResponse(DL_STATUS.ok, undefined, Number(stats.bavail) * Number(stats.bsize));
      } catch (error) {
        const status = statusForError(error);
        await deviceLink.sendStatusResponse(status.code, status.description);
      }
      return;
    }
    case 'DLContentsOfDirectory': {
      const target = await context.paths.resolveChecked(message.path);
      try {
        await deviceLink.sendStatusResponse(DL_STATUS.ok, undefined, await listDirectory(target));
      } catch (error) {
        const status = statusForError(error);
        await deviceLink.sendStatusResponse(status.code, status.description, {});
      }
      return;
    }
    case 'DLMessageUploadFiles':
      // The stream must still be read to stay in step (§3.6.2); nothing of it is kept.
      for await (const file of deviceLink.receiveFiles()) await file.skip();
      await deviceLink.sendStatusResponse(DL_STATUS.generic, READ_ONLY, {});
      return;
    case 'DLMessageCreateDirectory':
    case 'DLMessageMoveItems':
    case 'DLMessageMoveFiles':
    case 'DLMessageRemoveItems':
    case 'DLMessageRemoveFiles':
    case 'DLMessageCopyItem':
    case 'DLMessagePurgeDiskSpace':
      await deviceLink.sendStatusResponse(DL_STATUS.generic, READ_ONLY, {});
      return;
    case 'unknown':
      if (message.name === 'DLMessageStatusResponse') {
        throw new BackupError('protocol', 'The iPhone sent a status response where a request belongs, so the restore was stopped.');
      }
      await deviceLink.sendStatusResponse(DL_STATUS.generic, 'Operation not supported');
      return;
    case 'DLMessageVersionExchange':
    case 'DLMessageDeviceReady':
      throw new BackupError('protocol', `The iPhone sent ${message.kind} in the middle of a restore, which the protocol does not allow; the restore was stopped.`);
  }
}

/** §3.6.1: small files read whole as their turn comes, big ones in 1 MiB pieces, sent as 32 KiB blocks (missing ones as LOCAL_ERROR), then 0 or -13 Multi status. */
async function sendFiles(devicePaths: readonly string[], percentAfter: number | undefined, context: RestoreDriveContext): Promise<void> {
  // A content file longer than its row (or growing while read) is sent only up to the recorded size.
  const batch = await DownloadBatch.prepare(devicePaths, context.paths, (devicePath) => context.maxBytesOf?.(devicePath));
  context.onStep(percentAfter, batch.bytes);
  let lastPathBytes = 0;
  let lastPath: string | undefined;
  const result = await context.deviceLink.sendFiles(
    devicePaths,
    (devicePath) => batch.content(devicePath),
    (devicePath, bytesSent) => {
      if (devicePath !== lastPath) {
        if (lastPath !== undefined) context.onFileStreamed?.(lastPath);
        lastPath = devicePath;
        lastPathBytes = 0;
      }
      context.onBytes(bytesSent - lastPathBytes);
      lastPathBytes = bytesSent;
    },
  );
  // A link met in the stream stops the restore here, before the phone hears a status.
  batch.throwIfRefused();
  const failed = new Set(result.failures.map((failure) => failure.path));
  for (const devicePath of devicePaths) if (!failed.has(devicePath)) context.onFileSent(devicePath, 0);
  await sendDownloadStatus(context.deviceLink, result.failures);
}

async function listDirectory(target: string): Promise<PlistDict> {
  const listing: Record<string, PlistValue> = {};
  for (const entry of await fs.readdir(target, { withFileTypes: true })) {
    const stat = await fs.lstat(path.join(target, entry.name));
    listing[entry.name] = {
      DLFileType: stat.isDirectory() ? 'DLFileTypeDirectory' : stat.isFile() ? 'DLFileTypeRegular' : 'DLFileTypeUnknown',
      DLFileSize: stat.isFile() ? stat.size : 0,
      DLFileModificationDate: stat.mtime,
    };
  }
  return listing;
}
