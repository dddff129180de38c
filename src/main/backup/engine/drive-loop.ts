import { ServiceError, readBackupResult } from '../../device/services';
import { BackupError } from '../backup-error';
import { type BackgroundGroup, backgroundGroupOf, settleWrites } from './background-work';
import type { DriveContext } from './drive-context';
import { handleDriveRequest } from './drive-handlers';
import { idleTimeoutOf, stoppedRespondingError } from './idle-timeout';

/** How the device ended the operation (§3.6.10). */
export interface DriveOutcome {
  /** The final ErrorCode (0 = success); undefined when the device disconnected without one. */
  readonly errorCode: number | undefined;
  readonly errorDescription: string | undefined;
  readonly disconnectReason: string | undefined;
}

/**
 * The DL loop (protocol.md §7.1 step 11): serve the device's requests one at a time until its
 * final DLMessageProcessMessage or a DLMessageDisconnect. A broken or lying stream ends the loop
 * with a BackupError saying what happened.
 */
export async function runDriveLoop(context: DriveContext): Promise<DriveOutcome> {
  const { deviceLink, progress } = context;
  let pendingGroup: BackgroundGroup | undefined;
  for (;;) {
    let message;
    try {
      message = await deviceLink.receiveMessage();
    } catch (error) {
      throw asBackupError(error);
    }
    // "Progress after this step" (§3.5): reached once the request below is served.
    progress.stepAnnounced(message.progress, message.kind === 'DLMessageUploadFiles' ? message.totalSizeHint : undefined);
    // Background writes (uploads) or renames (moves) may still be running: only more of the same
    // kind may be queued behind them (each kept in order), anything else waits until they are done.
    const group = backgroundGroupOf(message.kind);
    if (group === undefined || group !== pendingGroup) await settleWrites(context);
    pendingGroup = group;
    switch (message.kind) {
      case 'DLMessageProcessMessage': {
        const result = readBackupResult(message.message);
        return { errorCode: result.errorCode, errorDescription: result.errorDescription, disconnectReason: undefined };
      }
      case 'DLMessageDisconnect':
        return { errorCode: undefined, errorDescription: undefined, disconnectReason: message.reason };
      default: {
        let effect;
        try {
          effect = await handleDriveRequest(message, context);
        } catch (error) {
          throw asBackupError(error);
        }
        // The one rule for the path cache (store/known-tree.ts): a request that may have removed
        // or replaced anything leaves nothing known. (The background writer invalidates it
        // itself when one of its renames removes a folder.)
        if (effect === 'changed') context.paths.known.invalidate();
        progress.stepFinished();
        progress.report();
      }
    }
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
