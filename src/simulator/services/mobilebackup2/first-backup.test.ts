import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeBinaryPlist } from '../../../main/device/codec';
import { parseManifestPlist, parseStatusPlist } from '../../backup-format/backup-plists';
import { parseKeybag } from '../../backup-format/keybag';
import { DeviceLink } from './device-link';
import { serveMobileBackup2 } from './mobilebackup2-server';
import { CONTENT_DIRECTORIES } from './session';
import { type FakeContext, fakeContext } from './testing/fake-context';
import { createSamplePhone } from './testing/memory-phone';
import { TestHost, socketPair } from './testing/test-host';

// A client that follows a real phone (protocol.md §7.2 step 3) never pre-creates `<UDID>/00…ff` and
// answers a listing of a missing folder with -6: the first backup must not list folders it has
// not created yet (issue 14, fact 1).
describe('a first backup for a client that does not pre-create the content folders', () => {
  let root: string;
  let context: FakeContext;
  const closers: Array<() => void> = [];

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-first-'));
    context = fakeContext(await createSamplePhone());
  });
  afterEach(() => {
    for (const close of closers.splice(0)) close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function strictHost(): Promise<TestHost> {
    const pair = await socketPair();
    closers.push(() => pair.close());
    serveMobileBackup2(pair.device, context);
    const host = new TestHost(new DeviceLink(pair.host), root);
    host.missingDirectoryAnswer = 'error';
    await host.handshake();
    return host;
  }
  const udid = (): string => context.identity.udid;
  const backup = { MessageName: 'Backup', TargetIdentifier: '', SourceIdentifier: '' };
  const request = () => ({ ...backup, TargetIdentifier: udid(), SourceIdentifier: udid() });

  it('backs up into an empty folder without listing anything that is not there', async () => {
    const host = await strictHost();
    expect((await host.run(request())).ErrorCode).toBe(0);
    expect(host.listedMissing).toEqual([]);
    expect(CONTENT_DIRECTORIES.every((dir) => fs.existsSync(path.join(root, udid(), dir)))).toBe(true);
  });

  it('puts a backup keybag in the Manifest.plist of an unencrypted backup, as real phones do (fact 3)', async () => {
    const host = await strictHost();
    expect((await host.run(request())).ErrorCode).toBe(0);
    const manifest = parseManifestPlist(fs.readFileSync(path.join(root, udid(), 'Manifest.plist')));
    expect([manifest.isEncrypted, manifest.manifestKey]).toEqual([false, undefined]);
    const keybag = parseKeybag(manifest.backupKeyBag ?? Buffer.alloc(0));
    expect([keybag.type, keybag.iterations, keybag.doubleProtection?.iterations]).toEqual([1, 10_000, 10_000_000]);
    expect(keybag.classKeys.map((key) => [key.protectionClass, key.wrap, key.wrappedKey?.length])).toEqual(
      Array.from({ length: 11 }, (_, index) => [index + 1, 2, 40]),
    );
  });

  it('does not list the content folders when the client wrote Status.plist and an empty Manifest.plist first', async () => {
    // Some hosts prepare the folder like this before the very first backup (§7.2 step 3).
    fs.mkdirSync(path.join(root, udid()));
    const status = { Version: '3.3', BackupState: 'new', IsFullBackup: true, SnapshotState: 'finished', UUID: 'A', Date: new Date() };
    fs.writeFileSync(path.join(root, udid(), 'Status.plist'), encodeBinaryPlist(status));
    fs.writeFileSync(path.join(root, udid(), 'Manifest.plist'), Buffer.alloc(0));
    const host = await strictHost();
    expect((await host.run(request())).ErrorCode).toBe(0);
    expect(host.listedMissing).toEqual([]);
    expect(parseStatusPlist(fs.readFileSync(path.join(root, udid(), 'Status.plist'))).snapshotState).toBe('finished');
    expect(parseManifestPlist(fs.readFileSync(path.join(root, udid(), 'Manifest.plist'))).isEncrypted).toBe(false);
  });

  it('still removes files the phone no longer has when a full backup is forced over an old one', async () => {
    const first = await strictHost();
    expect((await first.run(request())).ErrorCode).toBe(0);
    const stale = path.join(root, udid(), 'ab', 'ab00000000000000000000000000000000000000');
    fs.writeFileSync(stale, 'left from a phone that changed');
    const second = await strictHost();
    expect((await second.run({ ...request(), Options: { ForceFullBackup: true } })).ErrorCode).toBe(0);
    expect(second.listedMissing).toEqual([]);
    expect(fs.existsSync(stale)).toBe(false);
  });
});
