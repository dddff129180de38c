import { type BrowserWindow, dialog } from 'electron';

/**
 * The desktop app's folder chooser: the operating system's own dialog (dialog.showOpenDialog), sheet-
 * attached to the window when there is one, able to make a new folder. Resolves with the folder, or
 * undefined when the person cancelled. Thin on purpose: the core checks what comes back.
 */
export async function pickFolderNatively(window: BrowserWindow | undefined, options: { readonly title?: string; readonly defaultPath?: string }): Promise<string | undefined> {
  const settings = {
    title: options.title ?? 'Choose a folder',
    buttonLabel: 'Choose',
    properties: ['openDirectory', 'createDirectory', 'promptToCreate'] as Array<'openDirectory' | 'createDirectory' | 'promptToCreate'>,
    ...(options.defaultPath ? { defaultPath: options.defaultPath } : {}),
  };
  const result = window && !window.isDestroyed() ? await dialog.showOpenDialog(window, settings) : await dialog.showOpenDialog(settings);
  return result.canceled ? undefined : result.filePaths[0];
}
