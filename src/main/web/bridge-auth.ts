import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

export const TOKEN_COOKIE = 'lifeboat_token';

/** 32 random bytes, URL-safe: shown once in the URL, then kept in an HttpOnly cookie. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieToken(request: http.IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return rest.join('=');
  }
  return undefined;
}

/** The names a page on this machine reaches the bridge by. */
export const LOOPBACK_NAMES: readonly string[] = ['127.0.0.1', 'localhost'];

/**
 * DNS rebinding guard: a page on evil.example that resolves to 127.0.0.1 still sends
 * `Host: evil.example`, so only our own names (loopback unless `lifeboat serve --host` named
 * another address) with our port are accepted.
 */
export function isLoopbackHost(host: string | undefined, port: number, names: readonly string[] = LOOPBACK_NAMES): boolean {
  return names.some((name) => host === `${name}:${port}`);
}

/** A WebSocket may come only from our own page (browsers always send Origin on upgrades). */
export function isOwnOrigin(origin: string | undefined, port: number, names: readonly string[] = LOOPBACK_NAMES): boolean {
  return names.some((name) => origin === `http://${name}:${port}`);
}

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
