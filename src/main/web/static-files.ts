import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { contentTypeFor } from '../core/renderer-content-types';

/**
 * Web mode's policy: our own scripts only, the bridge's WebSocket, no eval. (The Electron window's
 * policy is stricter still: no network at all, see src/main/electron/app-origin.ts.)
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Serves the built renderer from `root`. Paths are resolved inside `root` only (a `..` or an
 * encoded one cannot climb out); unknown paths get index.html so a reload on any screen works.
 */
export function serveStatic(root: string, request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname);
  } catch {
    response.writeHead(400).end('Bad path');
    return;
  }
  const base = path.resolve(root);
  let file = path.resolve(base, `.${path.posix.normalize(`/${relative}`)}`);
  if (file !== base && !file.startsWith(base + path.sep)) {
    response.writeHead(403).end('Forbidden');
    return;
  }
  if (!isFile(file)) file = path.join(base, 'index.html');
  if (!isFile(file)) {
    response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('The interface has not been built yet. Run `npm run build:web` and reload.');
    return;
  }
  response.writeHead(200, {
    'content-type': contentTypeFor(file),
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  fs.createReadStream(file).pipe(response);
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
