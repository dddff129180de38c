import crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { BackupError } from '../backup-error';
import { unlockBackup } from './backup-keys';
import { deriveKeyEncryptionKey, deriveKeyEncryptionKeyCached, forgetDerivedKeys } from './key-derivation';
import { MAX_SHA1_ITERATIONS, MAX_SHA256_ITERATIONS, parseKeybag } from './keybag';
import { liveDerivationThreads } from './pbkdf2-thread';
import { buildTestKeybag, encryptedManifestPlist } from './test-support/encrypted-backup-builder';

/**
 * Key-bag rounds are untrusted (issue 13): a backup folder's ITER or DPIC of 2^31 − 1 kept PBKDF2
 * busy for tens of minutes, not cancellable. Now they are bounded at 10× real values and a signal
 * ends the wait for a derivation.
 */

/** The keybag's bytes with the 4-byte value of `tag` replaced. */
function withRounds(bytes: Buffer, tag: 'ITER' | 'DPIC', rounds: number): Buffer {
  const copy = Buffer.from(bytes);
  const at = copy.indexOf(Buffer.from(tag, 'latin1'));
  copy.writeUInt32BE(rounds, at + 8);
  return copy;
}

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('key-bag rounds', () => {
  it.each([
    ['ITER', 2 ** 31 - 1, /ITER asks for 2,147,483,647 rounds of key derivation; real backups use 10,000 and Lifeboat refuses more than 100,000/],
    ['DPIC', 2 ** 31 - 1, /DPIC asks for 2,147,483,647 rounds of key derivation; real backups use 10,000,000/],
    ['ITER', MAX_SHA1_ITERATIONS + 1, /refuses more than 100,000/],
    ['DPIC', MAX_SHA256_ITERATIONS + 1, /refuses more than 100,000,000/],
  ] as const)('refuses %s = %i with a sentence', async (tag, rounds, sentence) => {
    const keybag = await buildTestKeybag({ password: 'pw', sha256Iterations: 3, sha1Iterations: 3 });
    expect(() => parseKeybag(withRounds(keybag.bytes, tag, rounds))).toThrow(sentence);
  });

  it('accepts the rounds real backups use, and 10× them', async () => {
    const keybag = await buildTestKeybag({ password: 'pw', sha256Iterations: 3, sha1Iterations: 3 });
    const real = parseKeybag(withRounds(withRounds(keybag.bytes, 'ITER', 10_000), 'DPIC', 10_000_000));
    expect([real.header.iterations, real.header.doubleProtectionIterations]).toEqual([10_000, 10_000_000]);
    const most = parseKeybag(withRounds(withRounds(keybag.bytes, 'ITER', MAX_SHA1_ITERATIONS), 'DPIC', MAX_SHA256_ITERATIONS));
    expect(most.header.doubleProtectionIterations).toBe(MAX_SHA256_ITERATIONS);
  });

  it('an encrypted backup whose key bag asks for 2^31 − 1 rounds is refused as damaged before any derivation', async () => {
    const keybag = await buildTestKeybag({ password: 'pw', sha256Iterations: 3, sha1Iterations: 3 });
    const manifest = encryptedManifestPlist({ ...keybag, bytes: withRounds(keybag.bytes, 'DPIC', 2 ** 31 - 1) }, crypto.randomBytes(32));
    const error = await rejection(unlockBackup(manifest, 'pw'));
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('corrupt');
    expect((error as Error).message).toMatch(/^The backup's key bag is damaged \(DPIC asks for/);
  });
});

describe('cancelling a key derivation', () => {
  const header = { salt: crypto.randomBytes(20), iterations: 10, doubleProtectionSalt: crypto.randomBytes(20), doubleProtectionIterations: 1_000_000 };

  it('ends the wait with a `cancelled` error when the signal aborts during PBKDF2', async () => {
    const controller = new AbortController();
    const derivation = rejection(deriveKeyEncryptionKey('pw', header, controller.signal));
    controller.abort();
    const error = await derivation;
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('cancelled');
  });

  it('starts nothing when the signal has already aborted, and unlockBackup passes the signal on', async () => {
    const keybag = await buildTestKeybag({ password: 'pw', sha256Iterations: 3, sha1Iterations: 3 });
    const error = await rejection(unlockBackup(encryptedManifestPlist(keybag, undefined), 'pw', AbortSignal.abort()));
    expect((error as BackupError).code).toBe('cancelled');
  });

  it('cancels only the caller that gave up when two share a cached derivation', async () => {
    forgetDerivedKeys();
    const shared = { ...header, doubleProtectionIterations: 20_000 };
    const controller = new AbortController();
    const givingUp = rejection(deriveKeyEncryptionKeyCached('pw', shared, controller.signal));
    const waiting = deriveKeyEncryptionKeyCached('pw', shared);
    controller.abort();
    expect(((await givingUp) as BackupError).code).toBe('cancelled');
    expect(await waiting).toEqual(await deriveKeyEncryptionKey('pw', shared));
  });

  // A real iOS 10.2+ key bag: 10 million SHA-256 rounds, seconds of work (more on a busy machine).
  const real = { salt: crypto.randomBytes(20), iterations: 10_000, doubleProtectionSalt: crypto.randomBytes(20), doubleProtectionIterations: 10_000_000 };

  it('stops the work itself: the thread deriving a real key bag ends when the signal aborts', async () => {
    const controller = new AbortController();
    const derivation = rejection(deriveKeyEncryptionKey('pw', real, controller.signal));
    await vi.waitFor(() => expect(liveDerivationThreads()).toBe(1));
    controller.abort();
    expect(((await derivation) as BackupError).code).toBe('cancelled');
    // Terminated mid-round: gone long before the seconds its rounds would take.
    await vi.waitFor(() => expect(liveDerivationThreads()).toBe(0), { timeout: 2_000 });
  });

  it('a shared derivation stops when the last caller waiting for it gives up, and a later caller starts afresh', async () => {
    forgetDerivedKeys();
    const first = new AbortController();
    const second = new AbortController();
    const one = rejection(deriveKeyEncryptionKeyCached('pw', real, first.signal));
    const two = rejection(deriveKeyEncryptionKeyCached('pw', real, second.signal));
    await vi.waitFor(() => expect(liveDerivationThreads()).toBe(1));
    first.abort();
    expect(((await one) as BackupError).code).toBe('cancelled');
    expect(liveDerivationThreads()).toBe(1);
    second.abort();
    expect(((await two) as BackupError).code).toBe('cancelled');
    await vi.waitFor(() => expect(liveDerivationThreads()).toBe(0), { timeout: 2_000 });
    const third = new AbortController();
    const three = rejection(deriveKeyEncryptionKeyCached('pw', real, third.signal));
    await vi.waitFor(() => expect(liveDerivationThreads()).toBe(1));
    third.abort();
    expect(((await three) as BackupError).code).toBe('cancelled');
    await vi.waitFor(() => expect(liveDerivationThreads()).toBe(0), { timeout: 2_000 });
  });

  it('a key derived on its thread is the one the pool derives', async () => {
    const moderate = { salt: crypto.randomBytes(20), iterations: 1_000, doubleProtectionSalt: crypto.randomBytes(20), doubleProtectionIterations: 60_000 };
    const onThread = deriveKeyEncryptionKey('pässword', moderate);
    await vi.waitFor(() => expect(liveDerivationThreads()).toBe(1));
    const inner = crypto.pbkdf2Sync(Buffer.from('pässword', 'utf8'), moderate.doubleProtectionSalt, 60_000, 32, 'sha256');
    expect(await onThread).toEqual(crypto.pbkdf2Sync(inner, moderate.salt, 1_000, 32, 'sha1'));
  });
});
