import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PlistDict, encodeBinaryPlist } from '../../../main/device/codec';
import { parseManifestPlist, parseStatusPlist } from '../../backup-format/backup-plists';
import { comparePhones } from '../../phone/phone-compare';
import { DeviceLink } from './device-link';
import { deviceLinkMajorFor, serveMobileBackup2 } from './mobilebackup2-server';
import { isAfcControlPath } from './session';
import { type FakeContext, fakeContext } from './testing/fake-context';
import { type MemoryPhone, createSamplePhone } from './testing/memory-phone';
import { TestHost, socketPair } from './testing/test-host';

process.env.LIFEBOAT_SIM_KDF_ITERATIONS = '10';
process.env.LIFEBOAT_SIM_PURGE_TIMEOUT_MS = '200';

const skipControl = { skip: (entry: { relativePath: string }) => isAfcControlPath(entry.relativePath) };

describe('mobilebackup2 device side against a scripted computer', () => {
  let root: string;
  let phone: MemoryPhone;
  let context: FakeContext;
  const closers: Array<() => void> = [];

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    phone = await createSamplePhone();
    context = fakeContext(phone);
  });
  afterEach(() => {
    for (const close of closers.splice(0)) close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function connect(versions?: readonly number[]): Promise<{ host: TestHost; hello: PlistDict }> {
    const pair = await socketPair();
    closers.push(() => pair.close());
    serveMobileBackup2(pair.device, context);
    const host = new TestHost(new DeviceLink(pair.host), root);
    return { host, hello: await host.handshake(versions) };
  }

  const folder = (): string => path.join(root, context.identity.udid);
  const request = (name: string, extra: PlistDict = {}): PlistDict => ({
    MessageName: name,
    TargetIdentifier: context.identity.udid,
    SourceIdentifier: context.identity.udid,
    ...extra,
  });
  const status = () => parseStatusPlist(fs.readFileSync(path.join(folder(), 'Status.plist')));

  it('offers DeviceLink 400 from iOS 14 and 300 before, and negotiates mobilebackup2 2.1', async () => {
    expect([deviceLinkMajorFor('17.5.1'), deviceLinkMajorFor('14.0'), deviceLinkMajorFor('13.7')]).toEqual([400, 400, 300]);
    const { host, hello } = await connect();
    expect(host.deviceLinkMajor).toBe(400);
    expect([hello.ErrorCode, hello.ProtocolVersion]).toEqual([0, 2.1]);
    context = fakeContext(phone, '13.7');
    expect((await connect()).host.deviceLinkMajor).toBe(300);
  });

  it('answers Hello with ErrorCode 1 when no protocol version is shared', async () => {
    const { hello } = await connect([3.0]);
    expect(hello.ErrorCode).toBe(1);
  });

  it('backs up, then restores an erased phone to the same entries, and reboots', async () => {
    const { host } = await connect();
    expect((await host.run(request('Backup'))).ErrorCode).toBe(0);
    expect([status().snapshotState, status().isFullBackup]).toEqual(['finished', true]);
    expect(fs.existsSync(path.join(folder(), 'Snapshot'))).toBe(false);
    expect(context.settingsValue.lastBackupDate).toBeGreaterThan(0);

    phone.eraseToFactory();
    const result = await host.run(request('Restore', { Options: { RestoreSystemFiles: true, RestoreDontCopyBackup: true } }));
    expect(result.ErrorCode).toBe(0);
    expect(await comparePhones(await createSamplePhone(), phone, skipControl)).toEqual([]);
    for (let waited = 0; context.reboots.length === 0 && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(context.reboots).toHaveLength(1);
  });

  it('keeps system domains and removes only user items when RestoreSystemFiles is false', async () => {
    const { host } = await connect();
    await host.run(request('Backup'));
    const base = { uid: 0, gid: 0, mtime: 1, ctime: 1, birth: 1, protectionClass: 4, kind: 'file' as const, mode: 0o100600 };
    await phone.writeFile({ ...base, domain: 'SystemPreferencesDomain', relativePath: 'SystemConfiguration/preferences.plist' }, Buffer.from('changed'));
    await phone.writeFile({ ...base, domain: 'HomeDomain', relativePath: 'Library/extra.txt' }, Buffer.from('not in the backup'));
    const result = await host.run(
      request('Restore', { Options: { RestoreSystemFiles: false, RemoveItemsNotRestored: true, RestoreShouldReboot: false, RestoreDontCopyBackup: true } }),
    );
    expect(result.ErrorCode).toBe(0);
    expect(phone.contentOf('SystemPreferencesDomain', 'SystemConfiguration/preferences.plist')?.toString()).toBe('changed');
    expect(phone.entry('HomeDomain', 'Library/extra.txt')).toBeUndefined();
    expect(context.reboots).toHaveLength(0);
  });

  it('copies the backup on the computer first unless told not to', async () => {
    const { host } = await connect();
    await host.run(request('Backup'));
    fs.writeFileSync(path.join(folder(), 'Info.plist'), encodeBinaryPlist({ 'Display Name': 'Test iPhone', 'Target Identifier': context.identity.udid }));
    expect((await host.run(request('Restore', { Options: { RestoreShouldReboot: false } }))).ErrorCode).toBe(0);
    expect(host.seen).toContain('DLMessageCopyItem');
    const copies = fs.readdirSync(root).filter((name) => name.startsWith(`${context.identity.udid}-`));
    expect(copies).toHaveLength(1);
    expect(fs.readFileSync(path.join(root, copies[0] as string, 'Info.plist'), 'utf8')).toContain(copies[0]);
  });

  it('encrypts with the phone password, reuses the keybag incrementally, and goes full after a password change', async () => {
    context.settingsValue = { ...context.settingsValue, willEncrypt: true, password: 'pw1' };
    const { host } = await connect();
    expect((await host.run(request('Backup'))).ErrorCode).toBe(0);
    const first = parseManifestPlist(fs.readFileSync(path.join(folder(), 'Manifest.plist')));
    expect(first.isEncrypted).toBe(true);
    expect(fs.readFileSync(path.join(folder(), 'Manifest.db')).subarray(0, 6).toString()).not.toBe('SQLite');

    expect((await host.run(request('Backup'))).ErrorCode).toBe(0);
    expect(status().isFullBackup).toBe(false);
    expect(parseManifestPlist(fs.readFileSync(path.join(folder(), 'Manifest.plist'))).backupKeyBag?.equals(first.backupKeyBag as Buffer)).toBe(true);

    expect((await host.run({ MessageName: 'ChangePassword', TargetIdentifier: context.identity.udid, OldPassword: 'nope', NewPassword: 'pw2' })).ErrorCode).toBe(207);
    expect((await host.run({ MessageName: 'ChangePassword', TargetIdentifier: context.identity.udid, OldPassword: 'pw1', NewPassword: 'pw2' })).ErrorCode).toBe(0);
    expect(context.posted).toContain('com.apple.mobile.backup.domain_changed');
    expect((await host.run(request('Backup'))).ErrorCode).toBe(0);
    expect(status().isFullBackup).toBe(true);

    phone.eraseToFactory();
    const restoreOptions = { RestoreShouldReboot: false, RestoreDontCopyBackup: true };
    expect((await host.run(request('Restore', { Options: { ...restoreOptions, Password: 'pw1' } }))).ErrorCode).toBe(207);
    expect((await host.run(request('Restore', { Options: { ...restoreOptions, Password: 'pw2' } }))).ErrorCode).toBe(0);
    expect(await comparePhones(await createSamplePhone(), phone, skipControl)).toEqual([]);
  });

  it('refuses encryption changes that do not fit the current state', async () => {
    const { host } = await connect();
    const change = (extra: PlistDict) => host.run({ MessageName: 'ChangePassword', TargetIdentifier: context.identity.udid, ...extra });
    expect((await change({ OldPassword: 'x' })).ErrorCode).toBe(207);
    expect((await change({ NewPassword: 'one' })).ErrorCode).toBe(0);
    expect((await change({ NewPassword: 'two' })).ErrorCode).toBe(207);
    expect((await change({ OldPassword: 'one' })).ErrorCode).toBe(0);
    expect(context.settingsValue).toMatchObject({ willEncrypt: false, password: undefined });
  });

  it('fails a backup of a locked phone with 208 after showing the passcode prompt', async () => {
    context.faultPlan = { ...context.faultPlan, locked: true };
    const { host } = await connect();
    const result = await host.run(request('Backup'));
    expect([result.ErrorCode, result.ErrorDescription]).toEqual([208, 'Device locked (MBErrorDomain/208)']);
    expect(context.posted).toContain('com.apple.LocalAuthentication.ui.presented');
  });

  it('asks the computer to purge space and fails with 105 when it cannot, whether it refuses or stays silent', async () => {
    const { host } = await connect();
    host.freeBytes = 1000;
    expect((await host.run(request('Backup'))).ErrorCode).toBe(105);
    expect(host.seen).toContain('DLMessagePurgeDiskSpace');
    host.purgeAnswer = 'ignore';
    expect((await host.run(request('Backup'))).ErrorCode).toBe(105);
    host.freeBytes = 1024 ** 4;
    expect((await host.run(request('Backup'))).ErrorCode).toBe(0);
  });

  it('turns down restores the phone cannot take: Find My on, too little space, a newer iOS', async () => {
    const { host } = await connect();
    await host.run(request('Backup'));
    const options = { Options: { RestoreShouldReboot: false, RestoreDontCopyBackup: true } };
    context.settingsValue = { ...context.settingsValue, findMyEnabled: true };
    expect((await host.run(request('Restore', options))).ErrorCode).toBe(211);
    context.settingsValue = { ...context.settingsValue, findMyEnabled: false };

    phone.eraseToFactory();
    context.faultPlan = { ...context.faultPlan, deviceFreeBytes: 10 };
    expect((await host.run(request('Restore', options))).ErrorCode).toBe(106);
    context.faultPlan = { trust: 'accept', locked: false };

    const older = fakeContext(phone, '16.0');
    context = older;
    const second = await connect();
    expect((await second.host.run(request('Restore', options))).ErrorCode).toBe(203);
  });

  it('fails an incremental backup with 205 when Manifest.plist is empty', async () => {
    const { host } = await connect();
    await host.run(request('Backup'));
    const incremental = encodeBinaryPlist({ BackupState: 'new', SnapshotState: 'finished', IsFullBackup: false, Version: '3.3', UUID: 'X', Date: new Date() });
    fs.writeFileSync(path.join(folder(), 'Status.plist'), incremental);
    fs.writeFileSync(path.join(folder(), 'Manifest.plist'), Buffer.alloc(0));
    expect((await host.run(request('Backup'))).ErrorCode).toBe(205);
  });

  it('answers Info with a description and List with 205', async () => {
    const { host } = await connect();
    expect((await host.run(request('Info'))).ErrorCode).toBe(4);
    await host.run(request('Backup'));
    const info = await host.run(request('Info'));
    expect(info.ErrorCode).toBe(0);
    expect(info.Content).toContain('Device Name: Test iPhone');
    expect((await host.run(request('List'))).ErrorCode).toBe(205);
  });

  it('pulls the cable between messages once the file budget is spent', async () => {
    context.faultPlan = { ...context.faultPlan, unplugAfterFiles: 2 };
    const { host } = await connect();
    await expect(host.run(request('Backup'))).rejects.toThrow();
    expect(context.unplugs).toHaveLength(1);
    expect(status().snapshotState).toBe('uploading');
    fs.writeFileSync(path.join(folder(), 'Snapshot', '00', 'left-over'), 'from the interrupted run');

    context.faultPlan = { trust: 'accept', locked: false };
    const again = await connect();
    expect((await again.host.run(request('Backup'))).ErrorCode).toBe(0);
    expect(status().snapshotState).toBe('finished');
    expect(fs.existsSync(path.join(folder(), 'Snapshot'))).toBe(false);
  });

  it('stops a backup with 202 when the computer sends CancelBackup', async () => {
    const { host } = await connect();
    host.cancelAt = 'DLMessageCreateDirectory';
    const result = await host.run(request('Backup'));
    expect(result.ErrorCode).toBe(202);
    expect((await host.run(request('Backup'))).ErrorCode).toBe(0);
  });

  it('pulls the cable once when the byte budget of the connection is spent', async () => {
    context.faultPlan = { ...context.faultPlan, unplugAfterBytes: 50_000 };
    const { host } = await connect();
    // The fake context only records the pull, so the run itself goes on to the end.
    expect((await host.run(request('Backup'))).ErrorCode).toBe(0);
    expect(context.unplugs).toEqual([expect.stringMatching(/after \d+ bytes of mobilebackup2 traffic/)]);
  });

  it('sends a garbage frame when mobilebackup2 replies are set to be malformed', async () => {
    context.faultPlan = { ...context.faultPlan, malformedReplies: 'mobilebackup2' };
    const { host } = await connect();
    await expect(host.run(request('Backup'))).rejects.toThrow(/property list/i);
  });
});
