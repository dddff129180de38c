import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, applyRetention, listSnapshots, snapshotFolderName, snapshotsToPrune, storeLayout, type BackupSnapshot } from '../../src/main/backup/store';
import { runCli } from '../../src/main/cli/main';

const UDID = '00008110-000A1B2C3D4E801E';
const NOW = new Date('2026-06-15T12:00:00Z');

/** One snapshot a day for the last 20 days, then one on the 3rd of each month for two years before. */
function history(): BackupSnapshot[] {
  const snapshots: BackupSnapshot[] = [{ id: 'current', path: '/x/current', date: NOW, isCurrent: true }];
  for (let day = 1; day <= 20; day += 1) {
    const date = new Date(NOW.getTime() - day * 86_400_000);
    snapshots.push({ id: snapshotFolderName(date), path: `/x/${snapshotFolderName(date)}`, date, isCurrent: false });
  }
  for (let month = 1; month <= 24; month += 1) {
    const date = new Date(Date.UTC(2026, 4 - month, 3, 8));
    snapshots.push({ id: snapshotFolderName(date), path: `/x/${snapshotFolderName(date)}`, date, isCurrent: false });
  }
  return snapshots;
}

const ids = (snapshots: readonly BackupSnapshot[]): string[] => snapshots.map((snapshot) => snapshot.id).sort();

describe('default retention: the last 10 and one a month for a year', () => {
  it('keeps the 10 newest, then the newest of each of the last 12 months, never the current backup', () => {
    const all = history();
    const pruned = snapshotsToPrune(all, DEFAULT_RETENTION, NOW);
    const kept = all.filter((snapshot) => !pruned.includes(snapshot));
    expect(kept.some((snapshot) => snapshot.isCurrent)).toBe(true);
    const keptOlder = kept.filter((snapshot) => !snapshot.isCurrent).sort((a, b) => b.date.getTime() - a.date.getTime());
    // The 10 newest: the last ten days.
    expect(keptOlder.slice(0, 10).map((snapshot) => snapshot.date.getTime())).toEqual(Array.from({ length: 10 }, (_unused, index) => NOW.getTime() - (index + 1) * 86_400_000));
    // Then one per month from July 2025 to June 2026 (12 calendar months, this one included).
    const months = new Set(keptOlder.map((snapshot) => snapshot.date.toISOString().slice(0, 7)));
    expect([...months].sort()).toEqual(['2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
    // May 2026: the newest of the month (the 31st, a daily one beyond the last ten), not the 3rd.
    expect(keptOlder.filter((snapshot) => snapshot.date.toISOString().startsWith('2026-05')).map((snapshot) => snapshot.id)).toEqual(['20260531-120000']);
    expect(keptOlder.length).toBe(10 + 11);
    expect(pruned.every((snapshot) => !snapshot.isCurrent)).toBe(true);
    expect(pruned.length).toBe(all.length - 1 - keptOlder.length);
  });

  it('a month window follows the injected date, and changing either half changes the result', () => {
    const all = history();
    const later = new Date('2027-06-15T12:00:00Z');
    // A year later nothing falls in the monthly window: only the ten newest stay.
    expect(all.length - 1 - snapshotsToPrune(all, DEFAULT_RETENTION, later).length).toBe(10);
    expect(all.length - 1 - snapshotsToPrune(all, { keepLast: 2, keepMonthly: 3 }, NOW).length).toBe(2 + 2);
    expect(snapshotsToPrune(all, {}, NOW)).toEqual([]);
  });

  it('deletes the pruned snapshot folders on disk and keeps the rest', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-retention-'));
    try {
      const layout = storeLayout(base);
      fs.mkdirSync(layout.current(UDID), { recursive: true });
      for (const snapshot of history().filter((item) => !item.isCurrent)) fs.mkdirSync(path.join(layout.snapshots(UDID), snapshot.id), { recursive: true });
      const expected = ids(snapshotsToPrune(history(), DEFAULT_RETENTION, NOW));
      expect(ids((await applyRetention(base, UDID, DEFAULT_RETENTION, NOW)).map((id) => ({ id }) as BackupSnapshot))).toEqual(expected);
      const left = await listSnapshots(base, UDID);
      expect(left.filter((snapshot) => snapshot.isCurrent).length).toBe(1);
      expect(left.length).toBe(1 + 21);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('lifeboat backup retention flags', () => {
  async function usage(args: readonly string[]): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const code = await runCli(['backup', ...args], { stdout: () => undefined, stderr: (text) => (stderr += text), env: { USBMUXD_SOCKET_ADDRESS: 'UNIX:/nonexistent/lifeboat-test.sock' } });
    return { code, stderr };
  }

  it('refuses --keep-all with a count, and counts that are not whole numbers (exit 1)', async () => {
    expect(await usage(['--keep-all', '--keep-last', '3'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/--keep-all keeps every backup/) as unknown });
    expect(await usage(['--keep-monthly', 'x'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/--keep-monthly must be a whole number/) as unknown });
  });
});
