import { type DeviceLinkMessage, type DeviceLinkOutcome, runDeviceLinkLoop, ServiceError } from '../../device/services';
import { BackupError } from '../backup-error';
import { type BackgroundGroup, backgroundGroupOf, putBackPlaced, settleWrites } from './background-work';
import type { DriveContext } from './drive-context';
import { handleDriveRequest } from './drive-handlers';
import { idleTimeoutOf, stoppedRespondingError } from './idle-timeout';

/**
 * The backup's side of the DL loop (services/device-link-loop.ts, shared with restore): its
 * handler table is drive-handlers.ts. A broken or lying stream ends the loop with a BackupError
 * saying what happened.
 */
export async function runDriveLoop(context: DriveContext): Promise<DeviceLinkOutcome> {
  const { deviceLink, progress } = context;
  let pendingGroup: BackgroundGroup | undefined;
  try {
    return await runDeviceLinkLoop(deviceLink, {
      async beforeEach(message) {
        // "Progress after this step" (§3.5): reached once the request below is served.
        progress.stepAnnounced(message.progress, message.kind === 'DLMessageUploadFiles' ? message.totalSizeHint : undefined);
        // Background writes (uploads) or renames (moves) may still be running: only more of the same
        // kind may be queued behind them (each kept in order), anything else waits until they are done.
        const group = backgroundGroupOf(message.kind);
        if (group === undefined || group !== pendingGroup) await settleWrites(context);
        pendingGroup = group;
        // Uploads placed ahead (placed-ahead.ts) are only for uploads and the moves that claim them:
        // anything else sees every file under the name the phone gave it.
        if (group === undefined) {
          await putBackPlaced(context);
          if (!keepsPlacing(message)) context.placedAhead.disarm();
        }
      },
      async serve(request) {
        // An answer made ahead is only ever this request's (listing-ahead.ts).
        context.listingAhead.startRequest(request);
        const effect = await handleDriveRequest(request, context);
        // The one rule for the path cache (store/known-tree.ts): a request that may have removed
        // or replaced anything leaves nothing known. (The background writer invalidates it
        // itself when one of its renames removes a folder.)
        if (effect === 'changed') context.paths.known.invalidate();
        progress.stepFinished();
        progress.report();
      },
    });
  } catch (error) {
    throw asBackupError(error);
  }
}

/**
 * Requests after which uploads may still be placed ahead: they read, or make the folders of §7.2
 * step 7 (`U`, `U/<xx>`, `U/Snapshot`, `U/Snapshot/<xx>`), so they cannot put anything where a
 * placed file would go. Any other request (a copy, a removal, a deeper folder) stops placing.
 */
function keepsPlacing(message: DeviceLinkMessage): boolean {
  switch (message.kind) {
    case 'DLMessageDownloadFiles':
    case 'DLContentsOfDirectory':
    case 'DLMessageGetFreeDiskSpace':
    case 'DLMessagePurgeDiskSpace':
      return true;
    case 'DLMessageCreateDirectory': {
      const parts = message.path.split('/');
      return parts.length <= 2 || (parts.length === 3 && parts[1] === 'Snapshot');
    }
    default:
      return false;
  }
}

/** Turns a services-layer failure into the backup layer's error with a sentence for a person. */
export function asBackupError(error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  if (error instanceof ServiceError) {
    if (error.code === 'connection-closed') {
      return new BackupError('disconnected', 'The connection to the iPhone was lost during the backup (was the cable unplugged?). The previous backup is unchanged.', { cause: error });
    }
    if (error.code === 'timeout') return stoppedRespondingError('backup', idleTimeoutOf(error), 'The previous backup is unchanged.', error);
    return new BackupError('protocol', 'The iPhone sent something the backup protocol does not allow, so the backup was stopped.', { cause: error, detail: error.message });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new BackupError('io', `The backup failed on this computer: ${detail}`, { cause: error });
}
