import { describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, type EventChannel, type EventChannels, INVOKE_CHANNELS, type InvokeChannel, type InvokeEnvelope } from '../../src/shared/contract';
import { type CoreForIpc, createInvokeHandler, forwardCoreEvents, IPC_EVENT_CHANNELS, IPC_INVOKE_CHANNELS, isTrustedSender } from '../../src/main/electron/ipc-guard';

const TRUSTED = 'app://lifeboat/index.html';

/** A core that records what reached it and answers every channel with a canned envelope. */
function fakeCore(answer: (channel: InvokeChannel, args: unknown) => InvokeEnvelope = () => ({ ok: true, value: { ok: 1 } as never })) {
  const calls: { channel: InvokeChannel; args: unknown }[] = [];
  const listeners = new Map<EventChannel, Set<(payload: never) => void>>();
  const core: CoreForIpc = {
    invokeEnvelope: (async (channel: InvokeChannel, args: unknown) => {
      calls.push({ channel, args });
      return answer(channel, args);
    }) as CoreForIpc['invokeEnvelope'],
    on: ((event: EventChannel, listener: (payload: never) => void) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
      return () => listeners.get(event)!.delete(listener);
    }) as CoreForIpc['on'],
  };
  const emit = <E extends EventChannel>(event: E, payload: EventChannels[E]) => {
    for (const listener of listeners.get(event) ?? []) (listener as (value: unknown) => void)(payload);
  };
  return { core, calls, emit, listenerCount: () => [...listeners.values()].reduce((sum, set) => sum + set.size, 0) };
}

describe('IPC guard', () => {
  it('handles exactly the contract channels', () => {
    expect([...IPC_INVOKE_CHANNELS].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect([...IPC_EVENT_CHANNELS].sort()).toEqual([...EVENT_CHANNELS].sort());
  });

  it('trusts only frames showing our own origin', () => {
    expect(isTrustedSender(TRUSTED)).toBe(true);
    expect(isTrustedSender('app://lifeboat/some/route')).toBe(true);
    expect(isTrustedSender('https://evil.example/')).toBe(false);
    expect(isTrustedSender('file:///tmp/index.html')).toBe(false);
    expect(isTrustedSender('about:blank')).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });

  it('passes parsed arguments from a trusted sender to the core', async () => {
    const { core, calls } = fakeCore();
    const handle = createInvokeHandler(core);
    const envelope = await handle('backup:start', { udid: 'ABC-123', full: true }, TRUSTED);
    expect(envelope).toEqual({ ok: true, value: { ok: 1 } });
    expect(calls).toEqual([{ channel: 'backup:start', args: { udid: 'ABC-123', full: true } }]);
    await handle('devices:list', undefined, TRUSTED);
    expect(calls[1]).toEqual({ channel: 'devices:list', args: {} });
  });

  it('refuses strangers, unknown channels and bad arguments without calling the core', async () => {
    const { core, calls } = fakeCore();
    const handle = createInvokeHandler(core);
    const stranger = await handle('devices:list', {}, 'https://evil.example/');
    expect(stranger).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(!stranger.ok && stranger.error.message).toContain('did not come from a Lifeboat window');
    expect(await handle('devices:list', {}, undefined)).toMatchObject({ ok: false });
    expect(await handle('shell:exec', {}, TRUSTED)).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('shell:exec') } });
    expect(await handle({ toString: () => 'x' }, {}, TRUSTED)).toMatchObject({ ok: false });
    const bad = await handle('encryption:set', { udid: '../../etc', enabled: true, password: 'hunter2', extra: 1 }, TRUSTED);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(JSON.stringify(bad)).not.toContain('hunter2');
    expect(!bad.ok && bad.error.message).toContain('udid');
    expect(calls).toEqual([]);
  });

  it('opens the folder for backups:reveal and says whether it could', async () => {
    const { core } = fakeCore(() => ({ ok: true, value: { path: '/backups/X', revealed: false } as never }));
    const opened: string[] = [];
    const handle = createInvokeHandler(core, { reveal: async (folder) => (opened.push(folder), true) });
    expect(await handle('backups:reveal', { backupId: 'b1' }, TRUSTED)).toEqual({ ok: true, value: { path: '/backups/X', revealed: true } });
    expect(opened).toEqual(['/backups/X']);
    const failing = createInvokeHandler(core, { reveal: async () => Promise.reject(new Error('no file manager')) });
    expect(await failing('backups:reveal', { backupId: 'b1' }, TRUSTED)).toEqual({ ok: true, value: { path: '/backups/X', revealed: false } });
  });

  it('returns the core error envelope unchanged', async () => {
    const error = { code: 'busy', message: 'Busy.', nextStep: 'Wait.' } as const;
    const { core } = fakeCore(() => ({ ok: false, error }));
    expect(await createInvokeHandler(core)('backup:start', { udid: 'A' }, TRUSTED)).toEqual({ ok: false, error });
  });

  it('forwards every contract event until stopped', () => {
    const { core, emit, listenerCount } = fakeCore();
    const sent: [string, unknown][] = [];
    const stop = forwardCoreEvents(core, (event, payload) => sent.push([event, payload]));
    expect(listenerCount()).toBe(EVENT_CHANNELS.length);
    emit('devices:changed', { devices: [] });
    emit('job:progress', { jobId: 'j', udid: 'A', kind: 'backup', phase: 'transferring', filesDone: 1, bytesDone: 2, startedAt: 'now' });
    expect(sent.map(([event]) => event)).toEqual(['devices:changed', 'job:progress']);
    stop();
    expect(listenerCount()).toBe(0);
    emit('devices:changed', { devices: [] });
    expect(sent).toHaveLength(2);
  });
});
