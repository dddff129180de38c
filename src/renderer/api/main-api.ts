import type { MainApi, PreloadApi } from '../../shared/contract';
import { mainApiFromPreload } from './preload-api';
import { mainApiFromWebSocket } from './web-socket-api';

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge); absent in browser mode. */
    readonly api?: PreloadApi;
  }
}

/** The one API the UI uses: Electron IPC when the preload provided it, else the web bridge. */
export function createMainApi(onConnection?: (connected: boolean) => void): MainApi {
  if (window.api) return mainApiFromPreload(window.api);
  return mainApiFromWebSocket(onConnection ? { onConnection } : {});
}
