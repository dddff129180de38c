import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppCore, createAppCore } from '../../src/main/core/app-core';
import type { AppError, BackupView, InvokeChannel, InvokeEnvelope } from '../../src/shared/contract';
import { alterManifest, HOSTILE_ROOT, writeGoodBackup, writeHostileRoot } from '../backup/hostile-backups';

/**
 * Issue 13's "done when", through the app's core with its real backends (the worker-thread reader
 * of src/main/reader): a backup root holding one hostile folder of each kind beside a good backup
 * (a billion-laughs Info.plist, an endless-view Manifest.db, a traversing fileID, a key bag asking
 * for 2^31 - 1 rounds). The core starts, lists the good backup as complete and each hostile one
 * with its reason; verify and browse of each end with a sentence. Verify and browser:open started
 * with a readId stop at `reads:cancel`, in the reader's worker too, and a cancelled verify leaves
 * the backup's record as it was. (The same folders through the `lifeboat` command:
 * test/cli/hostile-folder-cli.test.ts.)
 */

const GOOD = HOSTILE_ROOT.good;
const HOSTILE = { ...HOSTILE_ROOT, big: 'big-udid' } as const;
/** Rows in the big backup's Manifest.db: a verify of it takes seconds on the reader's thread (6 s at load 18). */
const BIG_ROWS = 100_000;

let work: string;
let core: AppCore;
let listed: Map<string, BackupView>;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-hostile-core-'));
  const root = path.join(work, 'backups');
  await writeHostileRoot(root);
  // Not hostile, only long to verify: every row's MBFile is decoded and its size checked.
  await writeGoodBackup(path.join(root, HOSTILE.big), HOSTILE.big);
  alterManifest(path.join(root, HOSTILE.big), `INSERT INTO Files SELECT printf('%040x', n), 'HomeDomain', 'Library/f' || n, 1, (SELECT file FROM Files WHERE flags = 1 LIMIT 1)
    FROM (WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < ${BIG_ROWS}) SELECT n FROM counter);`);
  // No usbmuxd there: the core starts without phones, as on a computer with none plugged in.
  core = await createAppCore({ muxAddress: `UNIX:${path.join(work, 'no-usbmuxd.sock')}`, backupRoot: root, settingsPath: path.join(work, 'settings.json') });
  listed = new Map((await core.invoke('backups:list', {})).map((backup) => [path.basename(backup.path), backup]));
}, 120_000);

afterAll(async () => {
  await core?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** The AppError a request failed with (its code and sentence), as the IPC adapter and the web bridge send it. */
async function failure(request: Promise<InvokeEnvelope<InvokeChannel>>): Promise<AppError> {
  const envelope = await request;
  if (envelope.ok) throw new Error('the request succeeded');
  return envelope.error;
}

const reasons = (udid: string): string => (listed.get(udid)?.problems ?? []).join(' ');

describe.skipIf(process.platform === 'win32')('the core over a backup root with one hostile folder of each kind', () => {
  it('starts and lists the good backup as complete, each hostile one as damaged with its reason', () => {
    expect(listed.get(GOOD)?.damaged).toBeUndefined();
    expect(listed.get(GOOD)?.problems).toBeUndefined();
    expect(listed.get(HOSTILE.laughs)?.damaged).toBe(true);
    expect(reasons(HOSTILE.laughs)).toMatch(/Info\.plist cannot be read/);
    expect(listed.get(HOSTILE.endless)?.damaged).toBe(true);
    expect(reasons(HOSTILE.endless)).toMatch(/holds a view/);
    expect(listed.get(HOSTILE.traversal)?.damaged).toBe(true);
    expect(reasons(HOSTILE.traversal)).toMatch(/not a file ID/);
    // Listed without its password: the key bag is read only when it is opened.
    expect(listed.get(HOSTILE.rounds)?.encrypted).toBe(true);
  });

  it('verify and browse of each hostile folder end with a sentence', async () => {
    const id = (udid: string): string => listed.get(udid)?.id ?? '';
    const endless = await core.invoke('backups:verify', { backupId: id(HOSTILE.endless) });
    expect(endless.ok).toBe(false);
    expect(endless.problems.join(' ')).toMatch(/holds a view/);
    expect((await core.invoke('backups:verify', { backupId: id(HOSTILE.traversal) })).problems.join(' ')).toMatch(/not a file ID/);
    expect((await failure(core.invokeEnvelope('browser:open', { backupId: id(HOSTILE.endless) }))).message).toMatch(/holds a view/);
    const rounds = await failure(core.invokeEnvelope('browser:open', { backupId: id(HOSTILE.rounds), password: 'secret' }));
    expect(rounds.message).toMatch(/2,147,483,647 rounds/);
    const good = await core.invoke('browser:open', { backupId: id(GOOD) });
    expect(good.fileCount).toBeGreaterThan(0);
    await core.invoke('browser:close', { sessionId: good.sessionId });
  });

  it('stops a verify at reads:cancel mid-read and keeps the backup as it was', async () => {
    const big = listed.get(HOSTILE.big);
    expect(big?.verifiedAt).toBeUndefined();
    const verifying = core.invokeEnvelope('backups:verify', { backupId: big?.id ?? '', readId: 'verify-1' });
    // A moment in, the verify is on the reader's thread (its whole run takes seconds under load, a
    // good part of one on a quiet machine); the cancel ends that thread. Cancelled earlier, it
    // stops before the thread: the outcome is the same, which is what a person sees.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await core.invoke('reads:cancel', { readId: 'verify-1' })).toEqual({ cancelled: true });
    expect((await failure(verifying)).code).toBe('cancelled');
    expect(await core.invoke('reads:cancel', { readId: 'verify-1' })).toEqual({ cancelled: false });
    const after = (await core.invoke('backups:list', {})).find((backup) => backup.id === big?.id);
    expect(after?.verifiedAt).toBeUndefined();
    expect(after?.problems).toEqual(big?.problems);
    // The next read gets a fresh thread.
    expect((await core.invoke('backups:verify', { backupId: listed.get(GOOD)?.id ?? '' })).ok).toBe(true);
  });

  it('stops a browser:open at reads:cancel (the key bag of a real encrypted backup)', async () => {
    const opening = core.invokeEnvelope('browser:open', { backupId: listed.get(HOSTILE.rounds)?.id ?? '', password: 'secret', readId: 'open-1' });
    expect(await core.invoke('reads:cancel', { readId: 'open-1' })).toEqual({ cancelled: true });
    expect((await failure(opening)).code).toBe('cancelled');
    // Cancelled before its derivation ended: nothing was opened, and the thread reads again.
    const good = await core.invoke('browser:open', { backupId: listed.get(GOOD)?.id ?? '' });
    await core.invoke('browser:close', { sessionId: good.sessionId });
  });
});
