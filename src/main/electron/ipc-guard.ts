/**
 * The logic of the IPC adapter, free of Electron so it is unit-tested: which channels exist, which
 * senders are trusted, argument parsing, errors as the contract's envelope, and which events reach
 * the window. ipc-adapter.ts only wires these into ipcMain and webContents.
 */
import { ZodError } from 'zod';
import {
  appError,
  EVENT_CHANNELS,
  type EventChannel,
  type EventChannels,
  INVOKE_CHANNELS,
  type InvokeChannel,
  type InvokeEnvelope,
  isEventChannel,
  isInvokeChannel,
  parseInvokeArgs,
} from '../../shared/contract';
import type { AppCore } from '../core/app-core';
import { isAppUrl } from './app-origin';

/** The part of the core the adapter needs (tests pass a fake). */
export type CoreForIpc = Pick<AppCore, 'invokeEnvelope' | 'on'>;

/** The channels ipcMain.handle registers: exactly the contract's invoke channels. */
export const IPC_INVOKE_CHANNELS: readonly InvokeChannel[] = INVOKE_CHANNELS;

/** The channels forwarded to the window: exactly the contract's event channels. */
export const IPC_EVENT_CHANNELS: readonly EventChannel[] = EVENT_CHANNELS;

/**
 * A sender is trusted when the frame that sent the message shows one of our own pages. A page that
 * was somehow navigated elsewhere, or an iframe from another origin, gets nothing from the core.
 */
export function isTrustedSender(frameUrl: string | undefined): boolean {
  return isAppUrl(frameUrl);
}

export interface InvokeHooks {
  /** Opens a folder in the OS file manager (for `backups:reveal`); returns whether it did. */
  readonly reveal?: (folder: string) => Promise<boolean>;
}

type IpcInvokeHandler = (channel: unknown, args: unknown, senderFrameUrl: string | undefined) => Promise<InvokeEnvelope>;

/**
 * Builds the function behind every ipcMain.handle: checks the channel and the sender, parses the
 * arguments with the channel's zod schema, then calls the core. It never throws, because Electron
 * would flatten a thrown error into a string; the renderer always gets an envelope.
 */
export function createInvokeHandler(core: CoreForIpc, hooks: InvokeHooks = {}): IpcInvokeHandler {
  return async (channel, args, senderFrameUrl) => {
    if (!isInvokeChannel(channel)) return { ok: false, error: appError('invalid-argument', `There is no request named ${describe(channel)}.`) };
    if (!isTrustedSender(senderFrameUrl)) {
      return { ok: false, error: appError('invalid-argument', 'This request did not come from a Lifeboat window, so it was refused.') };
    }
    let parsed: unknown;
    try {
      parsed = parseInvokeArgs(channel, args);
    } catch (error) {
      return { ok: false, error: appError('invalid-argument', invalidArgumentsSentence(channel, error)) };
    }
    const envelope = await core.invokeEnvelope(channel, parsed);
    if (channel === 'backups:reveal' && envelope.ok && hooks.reveal) {
      const value = envelope.value as { readonly path: string; readonly revealed: boolean };
      const revealed = await hooks.reveal(value.path).catch(() => false);
      return { ok: true, value: { ...value, revealed } };
    }
    return envelope;
  };
}

type EventSink = <E extends EventChannel>(event: E, payload: EventChannels[E]) => void;

/**
 * Forwards the core's events to a window, on the allowlisted event channels only. Returns the
 * function that stops forwarding (called when the window closes).
 */
export function forwardCoreEvents(core: CoreForIpc, send: EventSink): () => void {
  const stops = IPC_EVENT_CHANNELS.map((event) => core.on(event, (payload) => {
    if (isEventChannel(event)) send(event, payload);
  }));
  return () => {
    for (const stop of stops) stop();
  };
}

/** Names the offending fields without echoing their values (a password may be among them). */
function invalidArgumentsSentence(channel: InvokeChannel, error: unknown): string {
  if (error instanceof ZodError) {
    const fields = [...new Set(error.issues.map((issue) => (issue.path.length > 0 ? issue.path.join('.') : 'the arguments')))];
    return `The request ${channel} was refused because ${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} not valid.`;
  }
  return `The request ${channel} was refused because its arguments are not valid.`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value.slice(0, 80)}"` : typeof value;
}
