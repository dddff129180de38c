import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openBackupBrowser } from '../../src/main/browser';
import { openCatalog } from '../../src/main/backup/catalog';
import { liveDerivationThreads } from '../../src/main/backup/crypto/pbkdf2-thread';
import { inspectRestoreSource } from '../../src/main/restore';
import { writeRealRoundsEncryptedBackup } from './hostile-backups';

/**
 * Cancelling the unlock of an encrypted backup stops the key derivation itself (issue 13): the
 * restore, the catalog's unlock and verify and the browser pass their AbortSignal down to the
 * derivation thread (crypto/pbkdf2-thread.ts), which is terminated mid-round. The backup's key bag
 * asks for the 10 million SHA-256 rounds of a real iOS 10.2+ backup, seconds of work.
 */

const UDID = '00008110-00000000000000CC';
let root: string;
let folder: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-unlock-cancel-'));
  folder = path.join(root, UDID);
  await writeRealRoundsEncryptedBackup(folder, UDID, 'secret');
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Starts `unlock` with a signal, aborts once its derivation thread runs, and checks that thread ends. */
async function expectCancelStopsDerivation(unlock: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const controller = new AbortController();
  const outcome = unlock(controller.signal).then(
    () => undefined,
    (error: unknown) => error,
  );
  await vi.waitFor(() => expect(liveDerivationThreads()).toBe(1), { timeout: 10_000 });
  controller.abort();
  expect(await outcome).toMatchObject({ code: 'cancelled' });
  // Ended mid-round, long before the seconds 10 million rounds take.
  await vi.waitFor(() => expect(liveDerivationThreads()).toBe(0), { timeout: 2_000 });
}

describe('cancelling the unlock of an encrypted backup', () => {
  it('in the browser (browse, extract)', async () => {
    await expectCancelStopsDerivation((signal) => openBackupBrowser(folder, { password: 'secret', signal }));
  });

  it('before a restore', async () => {
    await expectCancelStopsDerivation((signal) => inspectRestoreSource(folder, 'secret', signal));
  });

  it('in the catalog: unlock and verify', async () => {
    const catalog = openCatalog(root);
    try {
      await catalog.refresh();
      const record = catalog.list().find((candidate) => candidate.udid === UDID);
      expect(record?.encrypted).toBe(true);
      const id = (record as NonNullable<typeof record>).id;
      await expectCancelStopsDerivation((signal) => catalog.unlock(id, 'secret', signal));
      // A different password: not the derivation the unlock above cancelled (nor a cached key).
      await expectCancelStopsDerivation((signal) => catalog.verify(id, { password: 'other', signal }));
    } finally {
      catalog.close();
    }
  });
});
