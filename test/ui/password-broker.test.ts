import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/main/backup/backup-error';
import { EventHub } from '../../src/main/core/event-hub';
import { PasswordBroker, type RememberedPasswords } from '../../src/main/core/password-broker';
import type { PasswordRequestView, PasswordSettled } from '../../src/shared/contract';

const RIGHT = 'correct horse';

/** A hub that records the password events, and answers each request with the next scripted reply. */
function setUp(vault?: RememberedPasswords) {
  const hub = new EventHub();
  const asked: PasswordRequestView[] = [];
  const settled: PasswordSettled[] = [];
  const everything: unknown[] = [];
  const broker = new PasswordBroker(hub, vault);
  const replies: Array<{ password: string; remember?: boolean } | 'cancel'> = [];
  hub.on('password:needed', (request) => {
    asked.push(request);
    everything.push(request);
    const reply = replies.shift();
    if (!reply) return;
    // Answer as the renderer would: after the event, through provide/cancel.
    queueMicrotask(() => (reply === 'cancel' ? broker.cancel(request.requestId) : broker.provide(request.requestId, reply.password, reply.remember ?? false)));
  });
  hub.on('password:settled', (event) => {
    settled.push(event);
    everything.push(event);
  });
  return { hub, broker, asked, settled, replies, everything };
}

/** Work that opens an encrypted backup: the right password or a wrong-password BackupError. */
function encryptedWork(seen: Array<string | undefined>) {
  return async (password: string | undefined) => {
    seen.push(password);
    if (password === undefined) throw new BackupError('password-required', 'This backup is encrypted.');
    if (password !== RIGHT) throw new BackupError('wrong-password', 'That password does not open this backup.');
    return 'opened';
  };
}

const check = async (password: string) => {
  if (password !== RIGHT) throw new BackupError('wrong-password', 'Not right.');
};

function memoryVault(): RememberedPasswords & { readonly entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    isAvailable: () => true,
    get: async (udid) => entries.get(udid),
    set: async (udid, password) => void entries.set(udid, password),
    delete: async (udid) => void entries.delete(udid),
  };
}

describe('password broker', () => {
  it('asks, says a wrong password in the same prompt, and runs the work once the right one is typed', async () => {
    const { broker, asked, settled, replies, everything } = setUp();
    replies.push({ password: 'nope' }, { password: RIGHT });
    const seen: Array<string | undefined> = [];
    const result = await broker.withPassword({ udid: 'PHONE-1', reason: 'verify', backupId: 'b1' }, encryptedWork(seen), { required: true, check });
    expect(result).toBe('opened');
    // The wrong password never reached the work: the key bag check caught it.
    expect(seen).toEqual([RIGHT]);
    expect(asked).toHaveLength(2);
    expect(asked[0]).toMatchObject({ udid: 'PHONE-1', reason: 'verify', backupId: 'b1', automatic: false, rememberIn: 'session' });
    expect(asked[0]!.problem).toBeUndefined();
    expect(asked[1]).toMatchObject({ requestId: asked[0]!.requestId, problem: 'wrong' });
    expect(settled).toEqual([{ requestId: asked[0]!.requestId, outcome: 'accepted' }]);
    // No event ever carries a password.
    expect(JSON.stringify(everything)).not.toContain(RIGHT);
    expect(JSON.stringify(everything)).not.toContain('nope');
    expect(broker.list()).toEqual([]);
  });

  it('learns that a password is needed from the work itself, and reports waiting while it asks', async () => {
    const { broker, asked, replies } = setUp();
    replies.push({ password: RIGHT });
    const waiting: boolean[] = [];
    const seen: Array<string | undefined> = [];
    await broker.withPassword({ udid: 'PHONE-1', reason: 'backup', jobId: 'job-1', automatic: true }, encryptedWork(seen), { required: false, onWaiting: (value) => waiting.push(value) });
    expect(seen).toEqual([undefined, RIGHT]);
    expect(asked[0]).toMatchObject({ jobId: 'job-1', automatic: true });
    expect(waiting).toEqual([true, false]);
  });

  it('remembers for the session only when asked to and only once the password worked', async () => {
    const { broker, asked, replies } = setUp();
    replies.push({ password: 'nope', remember: true }, { password: RIGHT, remember: true });
    await broker.withPassword({ udid: 'PHONE-1', reason: 'browse' }, encryptedWork([]), { required: true, check });
    expect(await broker.remembered('PHONE-1')).toBe(RIGHT);
    expect(await broker.status('PHONE-1')).toEqual({ udid: 'PHONE-1', remembered: true, rememberIn: 'session' });
    // The next time nobody is asked.
    const seen: Array<string | undefined> = [];
    await broker.withPassword({ udid: 'PHONE-1', reason: 'verify' }, encryptedWork(seen), { required: true, check });
    expect(seen).toEqual([RIGHT]);
    expect(asked).toHaveLength(2);
    // Another phone's password is its own.
    expect(await broker.remembered('PHONE-2')).toBeUndefined();
  });

  it('forgets a remembered password that no longer works and says so when it asks', async () => {
    const vault = memoryVault();
    vault.entries.set('PHONE-1', 'old password');
    const { broker, asked, replies } = setUp(vault);
    replies.push({ password: RIGHT, remember: true });
    await broker.withPassword({ udid: 'PHONE-1', reason: 'verify' }, encryptedWork([]), { required: true, check });
    expect(asked[0]).toMatchObject({ problem: 'remembered-wrong', rememberIn: 'keychain' });
    expect(vault.entries.get('PHONE-1')).toBe(RIGHT);
  });

  it('does not keep a password the person did not ask to remember', async () => {
    const vault = memoryVault();
    const { broker, replies } = setUp(vault);
    replies.push({ password: RIGHT, remember: false });
    await broker.withPassword({ udid: 'PHONE-1', reason: 'verify' }, encryptedWork([]), { required: true, check });
    expect(vault.entries.size).toBe(0);
    expect(await broker.remembered('PHONE-1')).toBeUndefined();
  });

  it('ends with cancelled when the person cancels, or when the job is cancelled while it waits', async () => {
    const { broker, settled, replies } = setUp();
    replies.push('cancel');
    await expect(broker.withPassword({ udid: 'PHONE-1', reason: 'verify' }, encryptedWork([]), { required: true, check })).rejects.toMatchObject({ error: { code: 'cancelled' } });
    expect(settled.at(-1)).toMatchObject({ outcome: 'cancelled' });

    const controller = new AbortController();
    const waiting = broker.withPassword({ udid: 'PHONE-1', reason: 'backup', jobId: 'j' }, encryptedWork([]), { required: true, signal: controller.signal });
    await expect.poll(() => broker.list().length).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ error: { code: 'cancelled' } });
    expect(broker.list()).toEqual([]);
    expect(settled).toHaveLength(2);
  });

  it('uses a password the caller passed as it is, and lets a wrong one fail', async () => {
    const { broker, asked } = setUp();
    await expect(broker.withPassword({ udid: 'PHONE-1', reason: 'verify' }, encryptedWork([]), { required: true, explicit: 'nope', check })).rejects.toMatchObject({ code: 'wrong-password' });
    expect(asked).toHaveLength(0);
  });

  it('closes the prompt when the password cannot be checked, and when the work starts', async () => {
    const { broker, settled, replies } = setUp();
    replies.push({ password: RIGHT });
    const unreadable = async () => {
      throw new BackupError('io', 'The backup folder cannot be read.');
    };
    await expect(broker.withPassword({ udid: 'PHONE-1', reason: 'verify' }, encryptedWork([]), { required: true, check: unreadable })).rejects.toMatchObject({ code: 'io' });
    expect(settled).toEqual([expect.objectContaining({ outcome: 'cancelled' })]);

    // Without a check the prompt closes as the work starts: a long backup does not keep it open.
    replies.push({ password: RIGHT });
    let settledBeforeWork = false;
    const slow = async (password: string | undefined) => {
      if (password === undefined) throw new BackupError('password-required', 'Needed.');
      settledBeforeWork = settled.at(-1)?.outcome === 'accepted';
      throw new BackupError('disconnected', 'The iPhone was unplugged.');
    };
    await expect(broker.withPassword({ udid: 'PHONE-1', reason: 'backup' }, slow, { required: false })).rejects.toMatchObject({ code: 'disconnected' });
    expect(settledBeforeWork).toBe(true);
    expect(settled).toHaveLength(2);
  });
});
