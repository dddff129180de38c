import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readManifestDb } from '../../backup-format/manifest-db';
import { openPhone, type StorePhone } from '../../phone/phone-store';
import { DeviceLink } from './device-link';
import { serveMobileBackup2 } from './mobilebackup2-server';
import { type FakeContext, fakeContext } from './testing/fake-context';
import { TestHost, socketPair } from './testing/test-host';

// Backups of the generated phone store, which reuses its listing and the last Manifest.db while
// it is unchanged: a change made between two backups must still show in the second one.
describe('mobilebackup2 backups of an unchanged, then changed phone', () => {
  let root: string;
  let phone: StorePhone;
  let context: FakeContext;
  const closers: Array<() => void> = [];

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    phone = openPhone(path.join(root, 'phone'), { seed: 5, profile: 'small' });
    context = fakeContext(phone);
  });
  afterEach(() => {
    for (const close of closers.splice(0)) close();
    phone.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function backUp(into: string): Promise<{ db: Buffer; rows: string[] }> {
    const pair = await socketPair();
    closers.push(() => pair.close());
    serveMobileBackup2(pair.device, context);
    const host = new TestHost(new DeviceLink(pair.host), path.join(root, into));
    fs.mkdirSync(path.join(root, into));
    await host.handshake();
    const udid = context.identity.udid;
    const result = await host.run({ MessageName: 'Backup', TargetIdentifier: udid, SourceIdentifier: udid, Options: { ForceFullBackup: true } });
    expect(result.ErrorCode).toBe(0);
    const dbPath = path.join(root, into, udid, 'Manifest.db');
    const rows = [...readManifestDb(dbPath)].map((row) => `${row.fileId} ${row.domain} ${row.relativePath} ${row.file.size} ${row.file.mtime}`).sort();
    return { db: fs.readFileSync(dbPath), rows };
  }

  it('sends the same Manifest.db twice, then one with the phone’s change in it', async () => {
    const first = await backUp('one');
    const second = await backUp('two');
    expect(second.db.equals(first.db)).toBe(true);

    const input = { domain: 'HomeDomain', relativePath: 'Library/Notes/new.txt', kind: 'file', mode: 0o100644, uid: 501, gid: 501, mtime: 7, ctime: 7, birth: 7, protectionClass: 3 } as const;
    await phone.writeFile(input, Buffer.from('a note'));
    const third = await backUp('three');
    expect(third.rows.length).toBeGreaterThan(first.rows.length);
    expect(third.rows.some((row) => row.includes(' HomeDomain Library/Notes/new.txt 6 7'))).toBe(true);
  });
});
