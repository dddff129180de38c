import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../../src/main/core/app-core';
import { EventHub } from '../../src/main/core/event-hub';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runCli } from '../../src/main/cli/main';
import { startWebBridge } from '../../src/main/web';
import { isLoopbackAddress } from '../../src/main/web/bridge-auth';

/** `lifeboat serve`'s guards, in-process (the whole served flow is e2e/serve-wifi.test.ts). */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (text) => (out += text), stderr: (text) => (err += text), env: { USBMUXD_SOCKET_ADDRESS: 'UNIX:/nonexistent/usbmuxd.sock', ...env } });
  return { code, out, err };
}

const idleCore: AppCore = {
  invoke: async () => {
    throw new Error('not used');
  },
  invokeEnvelope: async () => ({ ok: false, error: { code: 'unsupported', message: 'no', nextStep: 'none' } }),
  on: (event, listener) => new EventHub().on(event, listener),
  close: async () => undefined,
};

function statusFor(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('lifeboat serve', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-serve-unit-'));
  afterAll(() => fs.rmSync(empty, { recursive: true, force: true }));

  it('refuses a non-loopback --host unless --allow-remote says it is meant, and names the SSH tunnel', async () => {
    for (const host of ['0.0.0.0', '192.168.1.20', '::']) {
      const { code, err, out } = await run(['serve', '--host', host]);
      expect(code).toBe(ExitCode.usage);
      expect(err).toContain(`--host ${host} would let other computers on the network reach your iPhones`);
      expect(err).toContain('SSH tunnel');
      expect(out).toBe('');
    }
  });

  it('says how to build the interface when there is none to serve, before touching usbmuxd', async () => {
    const { code, err } = await run(['serve', '--port', '0', '--static-dir', empty]);
    expect(code).toBe(ExitCode.localIoError);
    expect(err).toContain('npm run build:web');
  });

  it('rejects a port that is not one', async () => {
    expect((await run(['serve', '--port', '70000'])).err).toContain('--port must be a number from 0 to 65535');
  });

  it('tells loopback addresses from others', () => {
    expect(['127.0.0.1', '127.4.5.6', '::1', 'localhost'].map(isLoopbackAddress)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '192.168.1.20', '::', 'example.com'].map(isLoopbackAddress)).toEqual([false, false, false, false]);
  });

  it('keeps answering only to its own names when given a host (DNS rebinding)', async () => {
    const bridge = await startWebBridge({ core: idleCore, staticDir: empty, port: 0, host: '127.0.0.1' });
    try {
      expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect(await statusFor(bridge.port, `127.0.0.1:${bridge.port}`)).toBe(403);
      expect(await statusFor(bridge.port, `evil.example:${bridge.port}`)).toBe(421);
    } finally {
      await bridge.close();
    }
  });
});
