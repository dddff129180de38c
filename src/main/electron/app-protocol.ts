/**
 * Serves the built renderer on `app://lifeboat` (see app-origin.ts for why a custom origin) with
 * the strict CSP on every response, and locks the session down: no permissions, no devices.
 */
import fs from 'node:fs/promises';
import { protocol, type Session } from 'electron';
import { APP_SCHEME, contentTypeFor, ELECTRON_CONTENT_SECURITY_POLICY, resolveRendererFile } from './app-origin';

/** Must run before `app.whenReady()`: a standard, secure scheme gets an origin, 'self' and fetch. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
}

export function serveRenderer(session: Session, rendererRoot: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const resolved = resolveRendererFile(rendererRoot, request.url);
    if (resolved.kind === 'forbidden') return plainResponse(403, resolved.reason);
    try {
      const body = await fs.readFile(resolved.file);
      return new Response(new Uint8Array(body), {
        status: 200,
        headers: {
          'content-type': contentTypeFor(resolved.file),
          'content-security-policy': ELECTRON_CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
        },
      });
    } catch {
      return plainResponse(404, 'The interface is not built: run `npm run build:web` (or `npm start`, which builds everything).');
    }
  });
}

/** Denies every permission (camera, notifications from the page, HID, serial…): the window needs none. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // Nothing in the window may reach the network: the page talks to main over IPC only.
  session.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] }, (_details, callback) => callback({ cancel: true }));
}

function plainResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': ELECTRON_CONTENT_SECURITY_POLICY } });
}
