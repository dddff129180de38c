import { describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, INVOKE_CHANNELS } from '../../src/shared/contract';
import { createPreloadApi, type IpcRendererLike } from '../../src/preload/preload-bridge';
import { PRELOAD_EVENT_CHANNELS, PRELOAD_INVOKE_CHANNELS } from '../../src/preload/preload-channels';

type Listener = (event: unknown, ...args: unknown[]) => void;

function fakeIpc(reply: (channel: string, args: unknown) => Promise<unknown>) {
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push([channel, args[0]]);
      return reply(channel, args[0]);
    },
    on: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener)),
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const push = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'the raw ipcRenderer' }, payload);
  };
  return { ipc, invoked, push, count: (channel: string) => listeners.get(channel)?.size ?? 0 };
}

describe('preload bridge', () => {
  it('allows exactly the contract channels', () => {
    expect([...PRELOAD_INVOKE_CHANNELS].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect([...PRELOAD_EVENT_CHANNELS].sort()).toEqual([...EVENT_CHANNELS].sort());
  });

  it('forwards allowed invokes and returns the envelope', async () => {
    const { ipc, invoked } = fakeIpc(async () => ({ ok: true, value: [] }));
    const api = createPreloadApi(ipc);
    expect(await api.invoke('devices:list', {})).toEqual({ ok: true, value: [] });
    expect(invoked).toEqual([['devices:list', {}]]);
  });

  it('refuses other channels without touching IPC', async () => {
    const { ipc, invoked } = fakeIpc(async () => ({ ok: true, value: 1 }));
    const api = createPreloadApi(ipc);
    const envelope = await api.invoke('app:quit' as never, {} as never);
    expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(invoked).toEqual([]);
    expect(() => api.on('ipc:raw' as never, () => undefined)).toThrow(/no event named ipc:raw/);
  });

  it('turns a missing handler or a strange reply into an AppError envelope', async () => {
    const missing = createPreloadApi(fakeIpc(async () => Promise.reject(new Error('No handler registered'))).ipc);
    expect(await missing.invoke('devices:list', {})).toMatchObject({ ok: false, error: { code: 'disconnected-bridge' } });
    const strange = createPreloadApi(fakeIpc(async () => 'hello').ipc);
    expect(await strange.invoke('devices:list', {})).toMatchObject({ ok: false, error: { code: 'protocol' } });
  });

  it('hands listeners the payload only, and unsubscribes', () => {
    const { ipc, push, count } = fakeIpc(async () => undefined);
    const api = createPreloadApi(ipc);
    const received: unknown[][] = [];
    const off = api.on('job:finished', (...args: unknown[]) => received.push(args));
    push('job:finished', { jobId: 'j' });
    expect(received).toEqual([[{ jobId: 'j' }]]);
    off();
    expect(count('job:finished')).toBe(0);
    push('job:finished', { jobId: 'k' });
    expect(received).toHaveLength(1);
  });
});
