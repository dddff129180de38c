import { describe, expect, it } from 'vitest';
import type { DeviceLinkClient } from './device-link';
import type { DeviceLinkMessage } from './device-link-messages';
import { runDeviceLinkLoop } from './device-link-loop';

/** A DeviceLink that delivers `messages` in order (only receiveMessage is used by the loop). */
function scripted(messages: readonly DeviceLinkMessage[]): DeviceLinkClient {
  const queue = [...messages];
  return {
    receiveMessage: () => {
      const next = queue.shift();
      return next === undefined ? Promise.reject(new Error('the script ran out')) : Promise.resolve(next);
    },
  } as unknown as DeviceLinkClient;
}

const base = { progress: 50, raw: [] };

describe('the DeviceLink loop backup and restore share (protocol.md §7.1 step 11)', () => {
  it('serves requests in order until the final result, which it reads as the outcome', async () => {
    const seen: string[] = [];
    const served: string[] = [];
    const outcome = await runDeviceLinkLoop(
      scripted([
        { ...base, kind: 'DLMessageCreateDirectory', path: 'U/00' },
        { ...base, kind: 'DLMessageGetFreeDiskSpace' },
        { ...base, kind: 'DLMessageProcessMessage', message: { ErrorCode: 105, ErrorDescription: 'Not enough space' } },
        { ...base, kind: 'DLMessageGetFreeDiskSpace' },
      ]),
      {
        beforeEach: (message) => void seen.push(message.kind),
        serve: async (request) => void served.push(request.kind),
      },
    );
    expect(outcome).toEqual({ errorCode: 105, errorDescription: 'Not enough space', disconnectReason: undefined });
    expect(served).toEqual(['DLMessageCreateDirectory', 'DLMessageGetFreeDiskSpace']);
    // The final message is seen (backup settles its writes on it) but not served.
    expect(seen).toEqual(['DLMessageCreateDirectory', 'DLMessageGetFreeDiskSpace', 'DLMessageProcessMessage']);
  });

  it('ends on a disconnect without a result, and passes a handler\'s failure on unchanged', async () => {
    const disconnect = await runDeviceLinkLoop(scripted([{ ...base, kind: 'DLMessageDisconnect', reason: 'bye' }]), { serve: async () => undefined });
    expect(disconnect).toEqual({ errorCode: undefined, errorDescription: undefined, disconnectReason: 'bye' });
    const failure = new Error('disk full');
    await expect(
      runDeviceLinkLoop(scripted([{ ...base, kind: 'DLMessageGetFreeDiskSpace' }]), {
        serve: async () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
  });
});
