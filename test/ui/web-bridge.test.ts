import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppCore } from '../../src/main/core/app-core';
import { EventHub } from '../../src/main/core/event-hub';
import { startWebBridge, type WebBridge } from '../../src/main/web';
import type { BridgeServerMessage, InvokeEnvelope } from '../../src/shared/contract';

/** A core that answers app:info and records what it was asked. */
function fakeCore(hub: EventHub, calls: string[]): AppCore {
  return {
    invoke: async () => {
      throw new Error('not used');
    },
    async invokeEnvelope(channel, args) {
      calls.push(`${channel} ${JSON.stringify(args)}`);
      if (channel === 'app:info') return { ok: true, value: { name: 'Lifeboat', version: 't', mode: 'web', platform: 'linux' } } as InvokeEnvelope<typeof channel>;
      return { ok: false, error: { code: 'unsupported', message: 'no', nextStep: 'none' } };
    },
    on: (event, listener) => hub.on(event, listener),
    close: async () => undefined,
  };
}

function request(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** Opens the printed address once, as a browser would, and returns the cookie it was given. */
async function signIn(bridge: WebBridge): Promise<string> {
  const granted = await request(bridge.port, `/?token=${bridge.token}`);
  expect(granted.status).toBe(303);
  return String(granted.headers['set-cookie']).split(';')[0]!;
}

/** Opens a socket and collects messages; resolves once it is open or closed. */
function openSocket(port: number, headers: Record<string, string>) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers });
  const messages: BridgeServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as BridgeServerMessage));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const failed = new Promise<string>((resolve) => ws.on('error', (error) => resolve(error.message)));
  const opened = new Promise<void>((resolve) => ws.on('open', () => resolve()));
  const next = async (type: BridgeServerMessage['type']): Promise<BridgeServerMessage> => {
    await expect.poll(() => messages.some((message) => message.type === type)).toBe(true);
    const index = messages.findIndex((message) => message.type === type);
    return messages.splice(index, 1)[0]!;
  };
  return { ws, messages, closed, failed, opened, next };
}

describe('web bridge', () => {
  let root: string;
  let staticDir: string;
  let bridge: WebBridge;
  const hub = new EventHub();
  const calls: string[] = [];

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    staticDir = path.join(root, 'app');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<html>app</html>');
    fs.writeFileSync(path.join(root, 'outside-secret.txt'), 'secret');
    bridge = await startWebBridge({ core: fakeCore(hub, calls), staticDir });
  });

  afterEach(async () => {
    await bridge.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('trades the URL token for an HttpOnly cookie and refuses requests without it', async () => {
    expect((await request(bridge.port, '/')).status).toBe(403);
    expect((await request(bridge.port, '/?token=wrong')).status).toBe(403);
    const granted = await request(bridge.port, `/?token=${bridge.token}`);
    expect(granted.status).toBe(303);
    expect(granted.headers.location).toBe('/');
    const cookie = String(granted.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const page = await request(bridge.port, '/', { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.body).toBe('<html>app</html>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('lets the URL token in only once: a second browser with the same address is refused', async () => {
    const cookie = await signIn(bridge);
    // The cookie is not the token, so the printed address cannot be turned into a cookie either.
    expect(cookie).not.toContain(bridge.token);
    expect((await request(bridge.port, '/', { cookie: `lifeboat_token=${bridge.token}` })).status).toBe(403);
    const again = await request(bridge.port, `/?token=${bridge.token}`);
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toMatch(/already been opened once/);
    const socket = openSocket(bridge.port, { origin: `http://127.0.0.1:${bridge.port}`, cookie: `lifeboat_token=${bridge.token}` });
    await socket.opened;
    socket.ws.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'app:info', args: {} }));
    expect(await socket.closed).toBe(4401);
    // The browser that traded it may reload the old address: it keeps its cookie and loses the token.
    const reload = await request(bridge.port, `/?token=${bridge.token}`, { cookie });
    expect(reload.status).toBe(303);
    expect(reload.headers['set-cookie']).toBeUndefined();
    expect((await request(bridge.port, '/', { cookie })).status).toBe(200);
  });

  it('rejects a rebound host name and paths that climb out of the app folder', async () => {
    const cookie = await signIn(bridge);
    expect((await request(bridge.port, '/', { cookie, host: `evil.example:${bridge.port}` })).status).toBe(421);
    const climbing = await request(bridge.port, '/..%2Foutside-secret.txt', { cookie });
    expect(climbing.body).not.toContain('secret');
  });

  it('accepts a WebSocket from our own page with the cookie, carries invokes and pushes events', async () => {
    const client = openSocket(bridge.port, { origin: `http://127.0.0.1:${bridge.port}`, cookie: await signIn(bridge) });
    await client.next('ready');
    client.ws.send(JSON.stringify({ type: 'invoke', id: 7, channel: 'app:info', args: {} }));
    const result = await client.next('result');
    expect(result).toMatchObject({ type: 'result', id: 7, envelope: { ok: true, value: { name: 'Lifeboat' } } });
    client.ws.send(JSON.stringify({ type: 'invoke', id: 8, channel: 'shell:exec', args: {} }));
    expect(await client.next('result')).toMatchObject({ id: 8, envelope: { ok: false, error: { code: 'invalid-argument' } } });
    expect(calls.some((call) => call.startsWith('shell:exec'))).toBe(false);
    hub.emit('notify', { id: 'n1', level: 'info', title: 'iPhone connected' });
    expect(await client.next('event')).toMatchObject({ event: 'notify', payload: { title: 'iPhone connected' } });
    client.ws.close();
  });

  it('refuses a WebSocket from another origin even with the cookie', async () => {
    const client = openSocket(bridge.port, { origin: 'http://evil.example', cookie: await signIn(bridge) });
    expect(await client.failed).toContain('403');
  });

  it('lets a client without Origin in only after a hello with the token', async () => {
    const bad = openSocket(bridge.port, {});
    await bad.opened;
    bad.ws.send(JSON.stringify({ type: 'hello', token: 'nope' }));
    expect(await bad.closed).toBe(4401);

    const noHello = openSocket(bridge.port, {});
    await noHello.opened;
    noHello.ws.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'app:info', args: {} }));
    expect(await noHello.closed).toBe(4401);

    const good = openSocket(bridge.port, {});
    await good.opened;
    good.ws.send(JSON.stringify({ type: 'hello', token: bridge.token }));
    await good.next('ready');
    good.ws.close();
  });
});
