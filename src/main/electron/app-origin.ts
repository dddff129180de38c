/**
 * Where the window's pages come from: the built renderer served on a custom `app://lifeboat`
 * origin. A real origin (instead of file://) lets the CSP say 'self' and lets the IPC adapter tell
 * our own pages from anything else by URL alone. Plain Node: tested without Electron.
 */
import path from 'node:path';

export const APP_SCHEME = 'app';
const APP_HOST = 'lifeboat';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * The window's Content-Security-Policy: our own scripts only, no eval, no network at all (the
 * Electron window talks to main over IPC, not the web bridge's WebSocket), no plugins, no framing.
 * Inline styles stay allowed because React sets `style` attributes.
 */
export const ELECTRON_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export { contentTypeFor } from '../core/renderer-content-types';

/** True for URLs on our own origin (`app://lifeboat/...`), whatever the path. */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

type RendererFileResolution =
  | { readonly kind: 'file'; readonly file: string }
  /** The URL is not ours, or its path tries to leave the renderer folder. */
  | { readonly kind: 'forbidden'; readonly reason: string };

/**
 * Maps an `app://lifeboat/<path>` request to a file inside `rendererRoot`. A `..` (plain or
 * percent-encoded) can never climb out; `/` and unknown extension-less paths get index.html so a
 * reload on any screen works. Whether the file exists is the caller's business (it answers 404).
 */
export function resolveRendererFile(rendererRoot: string, requestUrl: string): RendererFileResolution {
  if (!isAppUrl(requestUrl)) return { kind: 'forbidden', reason: `Not a Lifeboat page: ${requestUrl}` };
  const url = new URL(requestUrl);
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname);
  } catch {
    return { kind: 'forbidden', reason: 'The path is not valid percent-encoding.' };
  }
  if (relative.includes('\0')) return { kind: 'forbidden', reason: 'The path contains a NUL byte.' };
  const base = path.resolve(rendererRoot);
  const normalized = path.posix.normalize(`/${relative.replaceAll('\\', '/')}`);
  const file = path.resolve(base, `.${normalized}`);
  if (file !== base && !file.startsWith(base + path.sep)) return { kind: 'forbidden', reason: 'The path leaves the interface folder.' };
  if (file === base || path.extname(file) === '') return { kind: 'file', file: path.join(base, 'index.html') };
  return { kind: 'file', file };
}
