import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../../src/main/backup/catalog';
import type { BackupResult } from '../../src/main/backup/engine';
import { ExitCode } from '../../src/main/cli/exit-codes';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import { hashTree, listContentFiles, pairWithTool } from '../backup/engine-helpers';
import { runTool } from '../helpers/run-tool';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { cli, ndjson } from './backup-cli-helpers';

/** `lifeboat backup`, `backups`, `verify` and `delete` against the virtual iPhone. */

let harness: SimHarness;
let device: VirtualDevice;
let root: string;

beforeAll(async () => {
  harness = await startSimHarness({ seed: 23 });
  device = harness.sim.devices()[0] as VirtualDevice;
  root = path.join(harness.workDir, 'backups');
  await pairWithTool(harness);
});

afterAll(async () => {
  await harness?.cleanup();
});

interface BackupsJson {
  readonly backupRoot: string;
  readonly totalBytes: number;
  readonly backups: readonly BackupRecord[];
}

async function listBackups(): Promise<BackupsJson> {
  const run = await cli(harness, ['backups', '--json', '--backup-root', root]);
  expect(run.code, run.stderr).toBe(ExitCode.ok);
  return JSON.parse(run.stdout) as BackupsJson;
}

describe('lifeboat backup', () => {
  it('backs up through the bin entry, printing a few plain progress lines when piped and a summary', async () => {
    // LIFEBOAT_BACKUP_ROOT instead of --backup-root: both must work.
    const run = await runTool('node', ['bin/lifeboat.mjs', 'backup'], { ...harness.env, LIFEBOAT_BACKUP_ROOT: root }, 120_000);
    expect(run.code, run.stderr).toBe(ExitCode.ok);
    expect(run.stderr.includes('\r') || run.stderr.includes('\u001b')).toBe(false);
    const lines = run.stderr.trimEnd().split('\n');
    // Throttled: a line per 5 % and per phase, not one per file.
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(30);
    expect(lines.every((line) => /^\d+% (preparing|waiting for device|transferring|finishing|done): \d+/.test(line)), run.stderr).toBe(true);
    expect(lines.at(-1)).toMatch(/^100% /);
    // The phone's used space is not the backup's size, and files that arrived are not a total (issue 12).
    expect(run.stderr).not.toMatch(/ of \d|\d+\/\d+ files/);
    expect(run.stdout).toContain(`Backed up ${device.udid} to ${path.join(root, device.udid)}`);
    expect(run.stdout).toMatch(/full backup: \d+ files/);
    expect(fs.existsSync(path.join(root, device.udid, 'Manifest.db'))).toBe(true);
  });

  it('tells the person to enter the passcode in the app\'s words while the phone asks (iOS 16.1+), and waits past the idle time-out', async () => {
    device.setFaults({ passcodePrompt: 'accept', passcodeAnswerMs: 1200 });
    try {
      const run = await cli(harness, ['backup', '--backup-root', root], { env: { LIFEBOAT_IDLE_TIMEOUT_MS: '400' } });
      expect(run.code, run.stderr).toBe(ExitCode.ok);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toContain('Enter your passcode on the iPhone to start the backup…');
      expect(run.stderr).not.toMatch(/waiting-for|passcode:/);
    } finally {
      device.setFaults({ passcodePrompt: undefined, passcodeAnswerMs: undefined });
    }
  });

  it('--json writes NDJSON progress events and a final result; the second backup is incremental', async () => {
    await changePhone(device.phone, { seed: 5, addPhotos: 3 });
    const run = await cli(harness, ['backup', '--json', '--backup-root', root, '--udid', device.udid]);
    expect(run.code, run.stderr).toBe(ExitCode.ok);
    expect(run.stderr).toBe('');
    const events = ndjson(run.stdout);
    const result = events.at(-1) as unknown as BackupResult & { type: string };
    expect(result.type).toBe('result');
    expect(result).toMatchObject({ udid: device.udid, folder: path.join(root, device.udid), isFullBackup: false, isEncrypted: false });
    expect(result.filesReceived).toBeGreaterThanOrEqual(3);
    expect(result.previousSnapshot).toBeDefined();
    const progress = events.slice(0, -1);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((event) => event.type === 'progress')).toBe(true);
    const percents = progress.map((event) => event.percent as number);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ phase: 'done', percent: 100 });
    // No totals the phone never gave, and no time left from a few seconds of a small backup.
    for (const event of progress) {
      expect(event).not.toHaveProperty('bytesTotal');
      expect(event).not.toHaveProperty('filesTotal');
      expect(event).not.toHaveProperty('bytesExpected');
      expect(event).not.toHaveProperty('filesExpected');
      expect(event).not.toHaveProperty('etaSeconds');
    }
  });

  it('exits 130 when cancelled before it starts, leaving the backup as it was', async () => {
    const before = fs.readdirSync(path.join(root, device.udid)).sort();
    const controller = new AbortController();
    controller.abort();
    const run = await cli(harness, ['backup', '--backup-root', root], { signal: controller.signal });
    expect(run.code).toBe(ExitCode.cancelled);
    expect(run.stderr).toMatch(/cancelled/);
    expect(fs.readdirSync(path.join(root, device.udid)).sort()).toEqual(before);
  });

  it('exits 130 on Ctrl-C (SIGINT) in the middle of a backup, and the previous backup stays', async () => {
    const manifestBefore = fs.readFileSync(path.join(root, device.udid, 'Manifest.db'));
    device.setFaults({ linkBytesPerSecond: 300_000 });
    try {
      const child = spawn(process.execPath, ['bin/lifeboat.mjs', 'backup', '--full', '--backup-root', root], { env: harness.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await new Promise<void>((resolve) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          // Interrupt once files are flowing, not while it is still connecting.
          if (/transferring/.test(stderr)) resolve();
        });
        void exited.then(() => resolve());
      });
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(ExitCode.cancelled);
      expect(stderr).toMatch(/cancelled/);
    } finally {
      device.setFaults({ linkBytesPerSecond: undefined });
    }
    expect(fs.readFileSync(path.join(root, device.udid, 'Manifest.db')).equals(manifestBefore)).toBe(true);
  });

  it('refuses a password on the command line and unknown values, with usage (exit 1)', async () => {
    for (const args of [['backup', '--password', 'x'], ['backup', '--camera-roll', 'maybe'], ['backup', '--keep-last', 'two'], ['backup', 'extra'], ['backup', '--colour']]) {
      const run = await cli(harness, [...args, '--backup-root', root]);
      expect(run.code, args.join(' ')).toBe(ExitCode.usage);
      expect(run.stderr).toMatch(/Usage:/);
    }
    const withPassword = await cli(harness, ['backup', '--password=secret']);
    expect(withPassword.stderr).toMatch(/never taken on the command line/);
    expect(withPassword.stderr).not.toContain('secret');
  });
});

describe('lifeboat backups, verify, delete', () => {
  it('lists the current backup and its snapshot, as text and as JSON', async () => {
    const listed = await listBackups();
    expect(listed.backupRoot).toBe(fs.realpathSync(root));
    const current = listed.backups.find((record) => record.location === 'root');
    const snapshots = listed.backups.filter((record) => record.location === 'snapshot');
    expect(current).toMatchObject({ udid: device.udid, path: path.join(fs.realpathSync(root), device.udid), status: 'complete', encrypted: false });
    expect(current?.fileCount).toBeGreaterThan(50);
    expect(snapshots.length).toBeGreaterThanOrEqual(1);
    expect(snapshots.every((record) => record.snapshotOf === device.udid)).toBe(true);
    expect(listed.totalBytes).toBeGreaterThan(0);
    // Reverse deltas (README "How snapshots work"): a snapshot shares no file with the current
    // backup and holds only what the next backup replaced or removed, so the total is exactly the
    // sum and each snapshot is a small part of the whole backup.
    expect(listed.totalBytes).toBe(listed.backups.reduce((sum, record) => sum + record.sizeBytes, 0));
    for (const snapshot of snapshots) expect(snapshot.sizeBytes).toBeLessThan((current?.sizeBytes ?? 0) / 2);

    const text = await cli(harness, ['backups', '--backup-root', root, '--udid', device.udid]);
    expect(text.code).toBe(ExitCode.ok);
    expect(text.stdout).toContain(current?.id as string);
    expect(text.stdout).toMatch(/current, .+, \d+ files/);
    // A snapshot's size is what it holds (a restore's worth), with its own share of the disk beside it.
    expect(text.stdout).toMatch(/earlier backup, [\d.]+ \w+ \([\d.]+ \w+ on disk\)/);
    const other = await cli(harness, ['backups', '--backup-root', root, '--udid', 'not-this-phone']);
    expect(other.stdout).toMatch(/^No backups of not-this-phone/);
  });

  it('verify passes, then fails (exit 10) naming the file deleted from the backup', async () => {
    const folder = path.join(root, device.udid);
    const ok = await cli(harness, ['verify', device.udid, '--backup-root', root]);
    expect(ok.code, ok.stderr).toBe(ExitCode.ok);
    expect(ok.stdout).toMatch(/is complete: \d+ files checked/);

    const victim = listContentFiles(folder)[0] as string;
    fs.rmSync(path.join(folder, victim.slice(0, 2), victim));
    const bad = await cli(harness, ['verify', folder, '--backup-root', root]);
    expect(bad.code).toBe(ExitCode.backupDamaged);
    expect(bad.stdout).toContain(`(${victim}): missing`);

    const json = await cli(harness, ['verify', folder, '--json', '--backup-root', root]);
    expect(json.code).toBe(ExitCode.backupDamaged);
    expect(ndjson(json.stdout)[0]).toMatchObject({ type: 'result', ok: false, missingCount: 1, missing: [expect.objectContaining({ fileId: victim })] });
  });

  it('verify of something that is not a backup exits 11', async () => {
    const run = await cli(harness, ['verify', 'no-such-backup', '--backup-root', root]);
    expect(run.code).toBe(ExitCode.backupNotFound);
    expect(run.stderr).toMatch(/neither a backup folder nor/);
  });

  it('delete needs --yes when not on a terminal, then removes the snapshot', async () => {
    const snapshot = (await listBackups()).backups.find((record) => record.location === 'snapshot') as BackupRecord;
    const refused = await cli(harness, ['delete', snapshot.id, '--backup-root', root]);
    expect(refused.code).toBe(ExitCode.usage);
    expect(fs.existsSync(snapshot.path)).toBe(true);

    // A snapshot named by its id is the catalog's entry, read whole through the chain, never a materialised copy.
    // (The verify test above deleted a file of the current backup that the snapshot reads through the chain, so it may report it missing.)
    const verified = await cli(harness, ['verify', snapshot.id, '--json', '--backup-root', root]);
    expect([ExitCode.ok, ExitCode.backupDamaged], verified.stderr).toContain(verified.code);
    expect(ndjson(verified.stdout)[0]).toMatchObject({ type: 'result', path: snapshot.path });
    const run = await cli(harness, ['delete', snapshot.id, '--yes', '--backup-root', root]);
    expect(run.code, run.stderr).toBe(ExitCode.ok);
    expect(run.stdout).toContain(`Deleted ${snapshot.path}`);
    expect(fs.existsSync(snapshot.path)).toBe(false);
    expect(fs.existsSync(path.join(root, '.lifeboat', 'views', device.udid, snapshot.id))).toBe(false);
    expect((await listBackups()).backups.map((record) => record.id)).not.toContain(snapshot.id);
    // The current backup is untouched.
    expect(fs.existsSync(path.join(root, device.udid, 'Manifest.db'))).toBe(true);
  });
});

describe('lifeboat backup errors', () => {
  it('exits 4 when the iPhone is locked', async () => {
    device.setFaults({ locked: true });
    try {
      const run = await cli(harness, ['backup', '--backup-root', root]);
      expect(run.code, run.stderr).toBe(ExitCode.locked);
      expect(run.stderr).toMatch(/locked/);
    } finally {
      device.setFaults({ locked: false });
    }
  });

  it('exits 6 with a sentence when the iPhone goes silent (LIFEBOAT_IDLE_TIMEOUT_MS), the backup as it was', async () => {
    const before = hashTree(path.join(root, device.udid));
    device.setFaults({ silentAfterFiles: 3 });
    try {
      const run = await cli(harness, ['backup', '--full', '--backup-root', root], { env: { LIFEBOAT_IDLE_TIMEOUT_MS: '400' } });
      expect(run.code, run.stderr).toBe(ExitCode.timeout);
      expect(run.stderr).toMatch(/The iPhone stopped responding: nothing arrived from it for 400 ms, so the backup was stopped\. The previous backup is unchanged\./);
    } finally {
      device.setFaults({ silentAfterFiles: undefined });
    }
    expect(hashTree(path.join(root, device.udid))).toEqual(before);
  });

  it('exits 2 for a phone that is not connected, with a JSON error line under --json', async () => {
    const run = await cli(harness, ['backup', '--udid', '00008030-000000000000DEAD', '--json', '--backup-root', root]);
    expect(run.code, run.stderr).toBe(ExitCode.noDevice);
    expect(ndjson(run.stdout).at(-1)).toMatchObject({ type: 'error', code: 'no-device', exitCode: ExitCode.noDevice });
  });

  it('exits 5 when usbmuxd is not running', async () => {
    const run = await cli(harness, ['backup', '--backup-root', root], { env: { USBMUXD_SOCKET_ADDRESS: `UNIX:${path.join(harness.workDir, 'no-such.sock')}` } });
    expect(run.code, run.stderr).toBe(ExitCode.daemonUnreachable);
  });
});
