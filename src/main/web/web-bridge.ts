import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { AppCore } from '../core/app-core';
import { type BridgeServerMessage, EVENT_CHANNELS, isInvokeChannel } from '../../shared/contract';
import { cookieToken, createToken, isLoopbackHost, isOwnOrigin, LOOPBACK_NAMES, sameToken, TOKEN_COOKIE } from './bridge-auth';
import { serveStatic } from './static-files';

interface WebBridgeOptions {
  readonly core: AppCore;
  /** The vite build output (dist/renderer). */
  readonly staticDir: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Fixed token (tests); default 32 random bytes. */
  readonly token?: string;
  /**
   * Where to listen; default 127.0.0.1. Anything else lets other computers reach the phones, so only
   * `lifeboat serve --host … --allow-remote` passes one; its names are then accepted as Host too.
   */
  readonly host?: string;
}

export interface WebBridge {
  /** Open this once: it carries the token, which the first page to open it trades for a cookie; after that it opens nothing. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** Invoke messages bigger than this are refused: nothing in the contract comes close. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** A client that has not proven the token by then is dropped. */
const HELLO_TIMEOUT_MS = 5_000;

/**
 * The web bridge (docs/architecture.md "adapters"): the renderer over HTTP on 127.0.0.1 only and the
 * contract over a WebSocket, for browser mode and browser e2e. Every request needs the token (URL
 * once, then an HttpOnly SameSite cookie, or a `hello` message), a loopback Host header, and for
 * WebSockets our own Origin, so neither other sites nor DNS rebinding can reach the phone.
 *
 * The URL token is single-use: the first request that carries it gets the cookie, which holds a
 * different secret, and from then on the token in the URL opens nothing. A copy of the address left
 * in a terminal's scrollback, the browser's history or a screen share is then worthless. Programs
 * without a browser (no Origin header, so no web page can pretend to be one) still prove themselves
 * with the token in a `hello` message.
 */
export async function startWebBridge(options: WebBridgeOptions): Promise<WebBridge> {
  const token = options.token ?? createToken();
  /** What the cookie carries: never shown anywhere, so the printed URL cannot be turned into it. */
  const sessionSecret = createToken();
  let urlTokenSpent = false;
  const { core } = options;
  const listenHost = options.host ?? '127.0.0.1';
  const names = hostNames(listenHost);
  let port = 0;

  const server = http.createServer((request, response) => {
    if (!isLoopbackHost(request.headers.host, port, names)) {
      response.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' }).end('Lifeboat answers only on 127.0.0.1.');
      return;
    }
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    const fromUrl = url.searchParams.get('token');
    const hasCookie = sameToken(sessionSecret, cookieToken(request));
    if (fromUrl !== null) {
      // A page that already has the cookie (a reload of the first address) just loses the token.
      const granted = !hasCookie && !urlTokenSpent && sameToken(token, fromUrl);
      if (!hasCookie && !granted) return forbid(response, urlTokenSpent ? SPENT_TOKEN : WRONG_TOKEN);
      if (granted) urlTokenSpent = true;
      // Trade the URL token for a cookie and drop it from the address bar and history.
      url.searchParams.delete('token');
      response.writeHead(303, {
        ...(granted ? { 'set-cookie': `${TOKEN_COOKIE}=${sessionSecret}; HttpOnly; SameSite=Strict; Path=/` } : {}),
        location: `${url.pathname}${url.search}`,
        'cache-control': 'no-store',
      });
      response.end();
      return;
    }
    if (!hasCookie) return forbid(response, WRONG_TOKEN);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    serveStatic(options.staticDir, request, response);
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const clients = new Set<WebSocket>();

  server.on('upgrade', (request, socket, head) => {
    const origin = request.headers.origin;
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== '/ws' || !isLoopbackHost(request.headers.host, port, names) || (origin !== undefined && !isOwnOrigin(origin, port, names))) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    // A browser page proves itself with the cookie; other clients (no Origin) must send hello.
    const cookieOk = origin !== undefined && sameToken(sessionSecret, cookieToken(request));
    sockets.handleUpgrade(request, socket, head, (ws) => accept(ws, cookieOk));
  });

  function accept(ws: WebSocket, authenticated: boolean): void {
    const helloTimer = authenticated ? undefined : setTimeout(() => ws.close(4401, 'No token'), HELLO_TIMEOUT_MS);
    const ready = (): void => {
      authenticated = true;
      if (helloTimer) clearTimeout(helloTimer);
      clients.add(ws);
      send(ws, { type: 'ready' });
    };
    if (authenticated) ready();
    ws.on('message', (data) => {
      const message = parse(data);
      if (!message) return ws.close(4400, 'Bad message');
      if (!authenticated) {
        if (message.type === 'hello' && sameToken(token, typeof message.token === 'string' ? message.token : undefined)) return ready();
        return ws.close(4401, 'Bad token');
      }
      if (message.type !== 'invoke' || typeof message.id !== 'number') return;
      const id = message.id;
      if (!isInvokeChannel(message.channel)) {
        send(ws, { type: 'result', id, envelope: { ok: false, error: { code: 'invalid-argument', message: 'That request is not allowed.', nextStep: 'Reload the page.' } } });
        return;
      }
      void core.invokeEnvelope(message.channel, message.args).then((envelope) => send(ws, { type: 'result', id, envelope }));
    });
    ws.on('close', () => {
      if (helloTimer) clearTimeout(helloTimer);
      clients.delete(ws);
    });
    ws.on('error', () => clients.delete(ws));
  }

  const unsubscribe = EVENT_CHANNELS.map((event) =>
    core.on(event, (payload) => {
      for (const ws of clients) send(ws, { type: 'event', event, payload });
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, listenHost, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = listenHost === 'localhost' ? '127.0.0.1' : isWildcard(listenHost) ? os.hostname() : urlName(listenHost);

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const off of unsubscribe) off();
      for (const ws of clients) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

function urlName(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The Host names the bridge answers to: loopback always; a named address as written; for a wildcard,
 * this machine's addresses and host name (what a browser elsewhere on the network puts in Host).
 */
function hostNames(listenHost: string): readonly string[] {
  if (!isWildcard(listenHost)) return [...new Set([...LOOPBACK_NAMES, urlName(listenHost)])];
  const addresses = Object.values(os.networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => urlName(entry.address)));
  return [...LOOPBACK_NAMES, ...addresses, os.hostname()];
}

const WRONG_TOKEN = 'Open Lifeboat with the address it printed (it carries a one-time token).';
const SPENT_TOKEN = 'This address has already been opened once, and its token works only once. Use the browser tab it opened, or restart Lifeboat for a new address.';

function forbid(response: http.ServerResponse, sentence: string): void {
  response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(sentence);
}

function send(ws: WebSocket, message: BridgeServerMessage): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

function parse(data: RawData): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data.toString());
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
