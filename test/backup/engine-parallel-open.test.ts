import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackupError, isBackupError } from '../../src/main/backup/backup-error';
import type { OpenSessionOptions } from '../../src/main/backup/engine/device-session';
import { runBackupWith } from '../../src/main/backup/engine/run-backup';
import { openBackupRun } from '../../src/main/backup/store';
import { encodeBinaryPlist } from '../../src/main/device/codec';
import { hashTree } from './engine-helpers';
import { UDID, scriptedSession, send } from './engine-scripted-device';

/**
 * Issue 16: with the phone named, the store's side of a run (run lock, recovery, staging) opens
 * while the phone's session does, not after it; and a session that fails gives that run back.
 */
describe('opening the phone\'s session and the store together', () => {
  let base: string;
  let root: string;
  let folder: string;

  const stagingsOfPhone = (): string[] => {
    const parent = path.join(root, '.lifeboat', 'staging');
    return fs.existsSync(parent) ? fs.readdirSync(parent).filter((name) => name.startsWith(`${UDID}-`)) : [];
  };

  /** A session opener that first waits for the run's staging folder: it appears only if the store opens meanwhile. */
  let stagedWhileOpening: string[] = [];
  const afterStagingAppears = (open: (options: OpenSessionOptions) => ReturnType<ReturnType<typeof scriptedSession>>) => async (options: OpenSessionOptions) => {
    await vi.waitFor(() => expect(stagingsOfPhone()).toHaveLength(1), { timeout: 3_000, interval: 10 });
    stagedWhileOpening = stagingsOfPhone();
    return open(options);
  };

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    root = path.join(base, 'root');
    folder = path.join(root, UDID);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'Status.plist'), encodeBinaryPlist({ SnapshotState: 'finished', Date: new Date('2025-01-02T03:04:05Z') }));
  });

  afterEach(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('has the run staged while the session is still opening, and uses that run', async () => {
    const before = hashTree(folder);
    let stagedDuringBackup: string[] = [];
    const error = await runBackupWith(
      { udid: UDID, backupRoot: root, idleTimeoutMs: 2_000 },
      afterStagingAppears(
        scriptedSession(async (peer) => {
          stagedDuringBackup = stagingsOfPhone();
          // The phone ends without a result, so nothing is published.
          send(peer, ['DLMessageDisconnect', 'done for the test']);
        }),
      ),
    ).catch((caught: unknown) => caught);
    expect(isBackupError(error, 'disconnected'), String(error)).toBe(true);
    // The folder staged during the session's opening is the one the backup wrote into.
    expect(stagedDuringBackup).toEqual(stagedWhileOpening);
    expect(stagingsOfPhone()).toEqual([]);
    expect(hashTree(folder)).toEqual(before);
  });

  it('gives the run back when the session fails: no staging left, the lock free for the next run', async () => {
    const error = await runBackupWith(
      { udid: UDID, backupRoot: root },
      afterStagingAppears(async () => {
        throw new BackupError('no-device', `Cannot reach the iPhone ${UDID}: it was unplugged.`);
      }),
    ).catch((caught: unknown) => caught);
    expect(isBackupError(error, 'no-device'), String(error)).toBe(true);
    expect(stagingsOfPhone()).toEqual([]);
    const next = await openBackupRun(root, UDID);
    await next.discard();
  });
});
