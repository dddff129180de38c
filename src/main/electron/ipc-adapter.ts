/**
 * The typed ipcMain adapter: one `ipcMain.handle` per contract invoke channel, each going through
 * ipc-guard (trusted sender, zod parse, envelope), and the core's events sent to a window on the
 * contract's event channels. The only file allowed to touch ipcMain.
 */
import { type BrowserWindow, ipcMain } from 'electron';
import { isAppUrl } from './app-origin';
import { type CoreForIpc, createInvokeHandler, forwardCoreEvents, type InvokeHooks, IPC_INVOKE_CHANNELS } from './ipc-guard';

/** Registers the handlers; returns the function that removes them again. */
export function registerIpcHandlers(core: CoreForIpc, hooks: InvokeHooks = {}): () => void {
  const handle = createInvokeHandler(core, hooks);
  for (const channel of IPC_INVOKE_CHANNELS) {
    // senderFrame is null when the frame is already gone; the guard then refuses.
    ipcMain.handle(channel, (event, args: unknown) => handle(channel, args, event.senderFrame?.url));
  }
  return () => {
    for (const channel of IPC_INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Sends the core's events to the window while it lives and shows one of our pages. */
export function forwardEventsToWindow(core: CoreForIpc, window: BrowserWindow): () => void {
  const stop = forwardCoreEvents(core, (event, payload) => {
    if (window.isDestroyed()) return;
    const contents = window.webContents;
    if (isAppUrl(contents.getURL())) contents.send(event, payload);
  });
  window.once('closed', stop);
  return stop;
}
