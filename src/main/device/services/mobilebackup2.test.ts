import { afterEach, describe, expect, it } from 'vitest';
import { type PlistFormat, type PlistValue, PlistReal, encodePlistFrame, readFrame, readPlistFrame } from '../codec';
import { DeviceLinkClient } from './device-link';
import { MobileBackup2Client } from './mobilebackup2';
import { type ScriptedPeer, channelPair } from './test-support/channel-pair';

const UDID = '00008110-000A1B2C3D4E801E';

let closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers) close();
  closers = [];
});

function pair(): ReturnType<typeof channelPair> {
  const created = channelPair();
  closers.push(created.host.close);
  return created;
}

function deviceSends(peer: ScriptedPeer, value: PlistValue, format: PlistFormat = 'binary'): void {
  peer.socket.write(encodePlistFrame(value, format));
}

/** The device side of §3.2 + §3.3, as the protocol describes it. */
async function scriptHandshake(peer: ScriptedPeer, helloReply: PlistValue): Promise<PlistValue[]> {
  const received: PlistValue[] = [];
  deviceSends(peer, ['DLMessageVersionExchange', 400, 0]);
  received.push(await readPlistFrame(peer.reader));
  deviceSends(peer, ['DLMessageDeviceReady']);
  const helloFrame = await readFrame(peer.reader);
  received.push(helloFrame);
  deviceSends(peer, helloReply);
  return received;
}

describe('DeviceLinkClient version exchange (§3.2)', () => {
  it('accepts major 300 sent as XML and answers DLVersionsOk with it', async () => {
    const { host, peer } = pair();
    const link = new DeviceLinkClient(host);
    const handshake = link.exchangeVersions();
    deviceSends(peer, ['DLMessageVersionExchange', 300, 0], 'xml');
    expect(await readPlistFrame(peer.reader)).toEqual(['DLMessageVersionExchange', 'DLVersionsOk', 300]);
    deviceSends(peer, ['DLMessageDeviceReady'], 'xml');
    expect(await handshake).toEqual({ major: 300, minor: 0 });
  });

  it('refuses a device major above 400', async () => {
    const { host, peer } = pair();
    const handshake = new DeviceLinkClient(host).exchangeVersions();
    deviceSends(peer, ['DLMessageVersionExchange', 500, 0]);
    await expect(handshake).rejects.toMatchObject({ code: 'version-mismatch' });
  });

  it('says which message came instead of DeviceReady', async () => {
    const { host, peer } = pair();
    const handshake = new DeviceLinkClient(host).exchangeVersions();
    deviceSends(peer, ['DLMessageVersionExchange', 400, 0]);
    await readPlistFrame(peer.reader);
    deviceSends(peer, ['DLMessageDisconnect', 'no']);
    await expect(handshake).rejects.toThrow(/DLMessageDisconnect/);
  });

  it('reports a connection that ends mid-handshake as connection-closed', async () => {
    const { host, peer } = pair();
    const handshake = new DeviceLinkClient(host).exchangeVersions();
    peer.socket.end();
    await expect(handshake).rejects.toMatchObject({ code: 'connection-closed' });
  });
});

describe('MobileBackup2Client (§3.3–3.4)', () => {
  it('says Hello with the versions as reals 2.0 and 2.1 and accepts 2.1', async () => {
    const { host, peer } = pair();
    const connecting = MobileBackup2Client.connect(host);
    const [, helloFrame] = await scriptHandshake(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0, ProtocolVersion: 2.1 }]);
    const client = await connecting;
    expect(client.protocolVersion).toBe(2.1);
    // Binary plist reals are marker 0x23 + big-endian double: 2.0 = 40 00 00 …, not an integer 2.
    const frame = helloFrame as Buffer;
    expect(frame.includes(Buffer.from('234000000000000000', 'hex'))).toBe(true);
    expect(frame.includes(Buffer.from('234000cccccccccccd', 'hex'))).toBe(true);
  });

  it('fails with version-mismatch when the device reports ErrorCode 1', async () => {
    const { host, peer } = pair();
    const connecting = MobileBackup2Client.connect(host);
    await scriptHandshake(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 1 }]);
    await expect(connecting).rejects.toMatchObject({ code: 'version-mismatch' });
  });

  it('fails when the device picks a version it was not offered', async () => {
    const { host, peer } = pair();
    const connecting = MobileBackup2Client.connect(host);
    await scriptHandshake(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0, ProtocolVersion: 3.0 }]);
    await expect(connecting).rejects.toThrow(/version 3/);
  });

  it('refuses to send a request before Hello', async () => {
    const { host } = pair();
    await expect(new MobileBackup2Client(host).backup({ targetId: UDID })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('sends the request dicts of §3.4 and §7.3', async () => {
    const { host, peer } = pair();
    const connecting = MobileBackup2Client.connect(host);
    await scriptHandshake(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0, ProtocolVersion: new PlistReal(2.0) }]);
    const client = await connecting;
    const next = (): Promise<PlistValue> => readPlistFrame(peer.reader);

    await client.backup({ targetId: UDID, sourceId: UDID, forceFull: true });
    expect(await next()).toEqual([
      'DLMessageProcessMessage',
      { MessageName: 'Backup', TargetIdentifier: UDID, SourceIdentifier: UDID, Options: { ForceFullBackup: true } },
    ]);
    await client.backup({ targetId: UDID });
    expect(await next()).toEqual(['DLMessageProcessMessage', { MessageName: 'Backup', TargetIdentifier: UDID }]);

    await client.restore({ targetId: UDID, sourceId: 'OTHER', restoreSystemFiles: false, rebootWhenDone: false, dontCopyBackup: true, password: 'pw' });
    expect(await next()).toEqual([
      'DLMessageProcessMessage',
      {
        MessageName: 'Restore',
        TargetIdentifier: UDID,
        SourceIdentifier: 'OTHER',
        Options: { RestoreSystemFiles: false, RestoreShouldReboot: false, RestoreDontCopyBackup: true, Password: 'pw' },
      },
    ]);

    await client.changePassword({ targetId: UDID, newPassword: 'secret' });
    expect(await next()).toEqual(['DLMessageProcessMessage', { MessageName: 'ChangePassword', TargetIdentifier: UDID, NewPassword: 'secret' }]);

    await client.enableCloudBackup({ targetId: UDID, enabled: true });
    expect(await next()).toEqual([
      'DLMessageProcessMessage',
      { MessageName: 'EnableCloudBackup', TargetIdentifier: UDID, CloudBackupState: true, Options: { CloudBackupState: true } },
    ]);

    await client.info({ targetId: UDID });
    expect(await next()).toEqual(['DLMessageProcessMessage', { MessageName: 'Info', TargetIdentifier: UDID }]);
    await client.list({ targetId: UDID });
    expect(await next()).toEqual(['DLMessageProcessMessage', { MessageName: 'List', TargetIdentifier: UDID }]);
    await client.cancelBackup({ targetId: UDID });
    expect(await next()).toEqual(['DLMessageProcessMessage', { MessageName: 'CancelBackup', TargetIdentifier: UDID }]);

    await expect(client.changePassword({ targetId: UDID })).rejects.toMatchObject({ code: 'invalid-argument' });

    await client.disconnect();
    expect(await next()).toEqual(['DLMessageDisconnect', '___EmptyParameterString___']);
  });
});
