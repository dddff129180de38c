import type { DeviceLinkClient } from './device-link';
import type { DeviceLinkMessage } from './device-link-messages';
import { readBackupResult } from './mobilebackup2';

/** How the device ended a mobilebackup2 operation (§3.6.10). */
export interface DeviceLinkOutcome {
  /** The final ErrorCode (0 = success); undefined when the device disconnected without one. */
  readonly errorCode: number | undefined;
  readonly errorDescription: string | undefined;
  readonly disconnectReason: string | undefined;
}

/** A request the host serves: every message but the two that end the loop. */
export type DeviceLinkRequest = Exclude<DeviceLinkMessage, { readonly kind: 'DLMessageProcessMessage' | 'DLMessageDisconnect' }>;

interface DeviceLinkHandlers {
  /** Called for every message as it arrives, the final one included, before it is served. */
  readonly beforeEach?: (message: DeviceLinkMessage) => Promise<void> | void;
  /** Serves one request, status response included (each side has its own table of handlers). */
  readonly serve: (request: DeviceLinkRequest) => Promise<void>;
}

/**
 * The DL loop (protocol.md §7.1 step 11, §7.3), the one backup and restore share, as
 * pymobiledevice3's `dl_loop` is: serve the device's requests one at a time until its final
 * DLMessageProcessMessage or a DLMessageDisconnect. What a request does is the caller's handler
 * table (backup writes, restore only reads); errors are thrown as they come, for the caller's layer
 * to turn into its own sentence.
 */
export async function runDeviceLinkLoop(deviceLink: DeviceLinkClient, handlers: DeviceLinkHandlers): Promise<DeviceLinkOutcome> {
  for (;;) {
    const message = await deviceLink.receiveMessage();
    await handlers.beforeEach?.(message);
    if (message.kind === 'DLMessageProcessMessage') {
      const result = readBackupResult(message.message);
      return { errorCode: result.errorCode, errorDescription: result.errorDescription, disconnectReason: undefined };
    }
    if (message.kind === 'DLMessageDisconnect') return { errorCode: undefined, errorDescription: undefined, disconnectReason: message.reason };
    await handlers.serve(message);
  }
}
