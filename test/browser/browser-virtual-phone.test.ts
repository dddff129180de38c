import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFromBackup, openBackupBrowser, parseBackupPath, type BackupBrowser } from '../../src/main/browser';
import { inspectBackup } from '../../src/main/backup/catalog';
import { runBackup } from '../../src/main/backup/engine';
import { decodePlist, isPlistDict } from '../../src/main/device/codec';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { pairWithTool } from '../backup/engine-helpers';

/**
 * A Lifeboat backup of the virtual iPhone (issue 14 facts 3 and 4): unencrypted with a keybag in
 * Manifest.plist, opened without a password, and holding the real app databases at real paths.
 */
describe('a backup of the virtual iPhone in Lifeboat’s browser', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let folder: string;
  let browser: BackupBrowser;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 14 });
    device = harness.sim.devices()[0] as VirtualDevice;
    await pairWithTool(harness);
    folder = (await runBackup({ udid: device.udid, backupRoot: path.join(harness.workDir, 'backups'), muxAddress: harness.sim.address })).folder;
    browser = await openBackupBrowser(folder);
  });
  afterAll(async () => {
    browser?.close();
    await harness?.cleanup();
  });

  it('is unencrypted, carries the phone’s keybag, and opens and inspects without a password', async () => {
    const manifest = decodePlist(fs.readFileSync(path.join(folder, 'Manifest.plist')));
    if (!isPlistDict(manifest)) throw new Error('Manifest.plist is not a dictionary.');
    expect(manifest.IsEncrypted).toBe(false);
    expect(Buffer.isBuffer(manifest.BackupKeyBag) && manifest.BackupKeyBag.subarray(0, 4).toString('latin1')).toBe('VERS');
    expect(browser.summary.encrypted).toBe(false);
    const { inspection } = await inspectBackup(folder);
    expect(inspection.encrypted).toBe(false);
    expect(inspection.fileCount).toBeGreaterThan(100);
  });

  it('lists the app databases at their real paths and extracts them as working databases', async () => {
    const expected: ReadonlyArray<readonly [string, string, string]> = [
      ['HomeDomain', 'Library/SMS/sms.db', 'SELECT count(*) AS n FROM message JOIN handle ON handle.ROWID = message.handle_id WHERE date_delivered > 0 OR date_read > 0'],
      ['HomeDomain', 'Library/AddressBook/AddressBook.sqlitedb', "SELECT count(*) AS n FROM ABPerson JOIN ABMultiValue ON record_id = ABPerson.ROWID WHERE value LIKE '+1555%'"],
      ['HomeDomain', 'Library/CallHistoryDB/CallHistory.storedata', 'SELECT count(*) AS n FROM ZCALLRECORD WHERE ZDATE > 0'],
      ['HomeDomain', 'Library/Safari/History.db', 'SELECT count(*) AS n FROM history_visits JOIN history_items ON history_items.id = history_item'],
      ['HomeDomain', 'Library/Calendar/Calendar.sqlitedb', 'SELECT count(*) AS n FROM CalendarItem JOIN Calendar ON Calendar.ROWID = calendar_id'],
      ['AppDomainGroup-group.com.apple.notes', 'NoteStore.sqlite', 'SELECT count(*) AS n FROM ZICNOTEDATA WHERE length(ZDATA) > 0'],
      ['CameraRollDomain', 'Media/PhotoData/Photos.sqlite', 'SELECT count(*) AS n FROM ZASSET'],
    ];
    const out = path.join(harness.workDir, 'extracted');
    for (const [domain, relativePath, query] of expected) {
      expect(browser.search(path.posix.basename(relativePath)).some((entry) => entry.domain === domain && entry.relativePath === relativePath)).toBe(true);
      await extractFromBackup(browser, parseBackupPath(`${domain}/${relativePath}`), out);
      const extracted = fs.readdirSync(out, { recursive: true, withFileTypes: true }).find((entry) => entry.isFile() && entry.name === path.posix.basename(relativePath));
      if (!extracted) throw new Error(`${relativePath} was not extracted.`);
      const db = new Database(path.join(extracted.parentPath, extracted.name), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect({ relativePath, rows: (db.prepare<[], { n: number }>(query).get()?.n ?? 0) > 0 }).toEqual({ relativePath, rows: true });
      } finally {
        db.close();
      }
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('names the phone’s apps in Info.plist’s Applications', () => {
    const info = decodePlist(fs.readFileSync(path.join(folder, 'Info.plist')));
    const applications = isPlistDict(info) && isPlistDict(info.Applications) ? info.Applications : {};
    const names = Object.values(applications).map((app) => {
      const metadata = isPlistDict(app) && Buffer.isBuffer(app.iTunesMetadata) ? decodePlist(app.iTunesMetadata) : undefined;
      return isPlistDict(metadata) ? metadata.bundleDisplayName : undefined;
    });
    expect(names.sort()).toEqual(device.phone.apps().map((app) => app.name).sort());
  });
});
