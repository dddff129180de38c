/**
 * The Electron preload (sandboxed, context-isolated): exposes `window.api` = { invoke, on } over the
 * contract's allowlisted channels and nothing else. The only file allowed to touch ipcRenderer.
 * Bundled to dist/preload/preload.cjs (a sandboxed preload cannot load ES modules or node_modules).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-bridge';

contextBridge.exposeInMainWorld('api', createPreloadApi(ipcRenderer));
