/**
 * The `window.api` object the preload exposes, built over an injected ipcRenderer so it is tested
 * without Electron. Only the contract's channels pass (preload-channels.ts, checked against src/shared/contract.ts); the
 * renderer never sees ipcRenderer or an IpcRendererEvent (whose `sender` would hand it raw IPC).
 */
import { appError } from '../shared/app-error';
import type { EventChannel, EventChannels, InvokeEnvelope, PreloadApi } from '../shared/contract';
import { isAllowedEventChannel, isAllowedInvokeChannel } from './preload-channels';

/** The few ipcRenderer members the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createPreloadApi(ipc: IpcRendererLike): PreloadApi {
  return {
    async invoke(channel, args) {
      if (!isAllowedInvokeChannel(channel)) return { ok: false, error: appError('invalid-argument', `There is no request named ${String(channel)}.`) };
      try {
        const reply = await ipc.invoke(channel, args);
        if (isEnvelope(reply)) return reply as InvokeEnvelope<typeof channel>;
        return { ok: false, error: appError('protocol', 'The app answered the window in a way it did not expect.') };
      } catch {
        // Only when main has no handler (it is starting or quitting): the same sentence as a lost bridge.
        return { ok: false, error: appError('disconnected-bridge') };
      }
    },
    on<E extends EventChannel>(event: E, listener: (payload: EventChannels[E]) => void) {
      if (!isAllowedEventChannel(event)) throw new Error(`Lifeboat has no event named ${String(event)}.`);
      const wrapped = (_event: unknown, payload: unknown) => listener(payload as EventChannels[E]);
      ipc.on(event, wrapped);
      return () => {
        ipc.removeListener(event, wrapped);
      };
    },
  };
}

function isEnvelope(value: unknown): value is InvokeEnvelope {
  if (value === null || typeof value !== 'object') return false;
  const envelope = value as { ok?: unknown; error?: unknown };
  return envelope.ok === true || (envelope.ok === false && typeof envelope.error === 'object' && envelope.error !== null);
}
