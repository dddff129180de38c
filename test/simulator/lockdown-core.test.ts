import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodePlistFrame, plistArrayOf, plistData, plistDictOf, readPlistFrame, type PlistDict } from '../../src/main/device/codec';
import { startSimulator } from '../../src/simulator/simulator';
import { LockdownTestClient, readStoredPairRecord, sessionIdOf } from '../helpers/lockdown-test-client';
import { connectToDevicePort, RawMuxClient } from '../helpers/raw-mux-client';
import { runTool } from '../helpers/run-tool';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';

/** lockdownd beyond what the command-line tools show: session rules, TLS, StartService (§2.4–§2.8). */
describe('lockdownd sessions and services', () => {
  let harness: SimHarness;
  let records: PlistDict[];
  const clients: LockdownTestClient[] = [];

  const connect = async (index = 0): Promise<LockdownTestClient> => {
    const client = await LockdownTestClient.connect(harness.sim.address, harness.sim.devices()[index]!.deviceId);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    harness = await startSimHarness({ devices: 2, seed: 31 });
    records = [];
    for (const device of harness.sim.devices()) {
      const paired = await runTool('idevicepair', ['-u', device.udid, 'pair'], harness.env);
      expect(paired.code).toBe(0);
      records.push(await readStoredPairRecord(harness.sim.address, device.udid));
    }
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await harness?.cleanup();
  });

  it('answers QueryType and only public values before a session', async () => {
    const client = await connect();
    expect(await client.request({ Request: 'QueryType' })).toMatchObject({ Type: 'com.apple.mobile.lockdown' });
    expect(await client.request({ Request: 'GetValue', Key: 'ProductVersion' })).toMatchObject({ Value: '17.5.1' });
    const publicKey = plistData((await client.request({ Request: 'GetValue', Key: 'DevicePublicKey' })).Value);
    expect(publicKey?.toString()).toContain('BEGIN RSA PUBLIC KEY');
    expect(await client.request({ Request: 'GetValue', Key: 'SerialNumber' })).toMatchObject({ Error: 'GetProhibited' });
    expect(await client.request({ Request: 'GetValue', Domain: 'com.apple.mobile.backup' })).toMatchObject({ Error: 'GetProhibited' });
    expect(await client.request({ Request: 'StartService', Service: 'com.apple.afc' })).toMatchObject({ Error: 'SessionInactive' });
    expect(await client.request({ Request: 'StartSession', HostID: 'NOT-A-KNOWN-HOST', SystemBUID: 'x' })).toMatchObject({ Error: 'InvalidHostID' });
  });

  it('opens the insecure notification proxy without a session and relays request_pair when Trust is tapped', async () => {
    const device = harness.sim.devices()[0]!;
    const client = await connect();
    const started = await client.request({ Request: 'StartService', Service: 'com.apple.mobile.insecure_notification_proxy' });
    expect(started.Port).toEqual(expect.any(Number));
    const proxy = await connectToDevicePort(harness.sim.address, device.deviceId, started.Port as number);
    try {
      proxy.socket.write(encodePlistFrame({ Command: 'ObserveNotification', Name: 'com.apple.mobile.lockdown.request_pair' }, 'xml'));
      // Requests are handled in order: once our own posted barrier comes back, the observe is in place.
      proxy.socket.write(encodePlistFrame({ Command: 'ObserveNotification', Name: 'test.barrier' }, 'xml'));
      proxy.socket.write(encodePlistFrame({ Command: 'PostNotification', Name: 'test.barrier' }, 'xml'));
      expect(await readPlistFrame(proxy.reader)).toEqual({ Command: 'RelayNotification', Name: 'test.barrier' });
      device.setFaults({ trust: 'ask' });
      await waitFor(() => {
        device.trustDecision();
        return device.isTrustPromptPending();
      });
      device.answerTrustPrompt(true);
      expect(await readPlistFrame(proxy.reader)).toEqual({ Command: 'RelayNotification', Name: 'com.apple.mobile.lockdown.request_pair' });
    } finally {
      device.answerTrustPrompt(false);
      device.trustDecision();
      device.setFaults({ trust: 'accept' });
      proxy.socket.destroy();
    }
  });

  it('runs a TLS session with the root certificate, then returns to plaintext after StopSession', async () => {
    const client = await connect();
    const sessionId = sessionIdOf(await client.startSession(records[0]!));
    expect(await client.request({ Request: 'GetValue', Key: 'SerialNumber' })).toMatchObject({ Value: harness.sim.devices()[0]!.identity.serialNumber });
    const disk = await client.request({ Request: 'GetValue', Domain: 'com.apple.disk_usage' });
    expect(disk.Value).toMatchObject({ TotalDiskCapacity: harness.sim.devices()[0]!.phone.capacityBytes() });
    expect(await client.request({ Request: 'GetValue', Domain: 'com.apple.mobile.battery', Key: 'BatteryCurrentCapacity' })).toHaveProperty('Value');
    expect(await client.request({ Request: 'GetValue', Key: 'NoSuchKey' })).toMatchObject({ Error: 'MissingValue' });

    expect(await client.stopSession(sessionId)).toEqual({ Request: 'StopSession' });
    expect(await client.request({ Request: 'QueryType' })).toMatchObject({ Type: 'com.apple.mobile.lockdown' });
    expect(await client.request({ Request: 'GetValue', Key: 'SerialNumber' })).toMatchObject({ Error: 'GetProhibited' });

    // A second session on the same connection, as hosts that reuse their lockdown socket do.
    sessionIdOf(await client.startSession(records[0]!));
    expect(await client.request({ Request: 'GetValue', Key: 'SerialNumber' })).toHaveProperty('Value');
  });

  it('accepts the host certificate too and lets a host change what may be changed', async () => {
    const client = await connect();
    sessionIdOf(await client.startSession(records[0]!, true));
    expect(await client.request({ Request: 'SetValue', Key: 'DeviceName', Value: 'Renamed' })).not.toHaveProperty('Error');
    expect(await client.request({ Request: 'GetValue', Key: 'DeviceName' })).toMatchObject({ Value: 'Renamed' });
    expect(await client.request({ Request: 'SetValue', Key: 'ProductVersion', Value: '1.0' })).toMatchObject({ Error: 'ImmutableValue' });
    expect(await client.request({ Request: 'SetValue', Domain: 'com.apple.mobile.backup', Key: 'WillEncrypt', Value: true })).toMatchObject({ Error: 'SetProhibited' });
    expect(await client.request({ Request: 'SetValue', Domain: 'com.apple.mobile.backup', Key: 'CloudBackupEnabled', Value: true })).not.toHaveProperty('Error');
    expect(harness.sim.devices()[0]!.settings.get().cloudBackupEnabled).toBe(true);
    expect(await client.request({ Request: 'RemoveValue', Key: 'DeviceName' })).not.toHaveProperty('Error');
    expect(await client.request({ Request: 'GetValue', Key: 'DeviceName' })).toMatchObject({ Value: 'Lifeboat Virtual iPhone 1' });
  });

  it('drops a TLS session whose client certificate is not from the pair record', async () => {
    const client = await connect();
    const impostor = { ...records[0]!, RootCertificate: records[1]!.RootCertificate, RootPrivateKey: records[1]!.RootPrivateKey } as PlistDict;
    await client.startSession(impostor).catch(() => undefined);
    await expect(client.request({ Request: 'QueryType' })).rejects.toThrow(/closed|failed/);
  });

  it('refuses a Pair whose DeviceCertificate belongs to another phone', async () => {
    const client = await connect();
    const { HostPrivateKey: _h, RootPrivateKey: _r, EscrowBag: _e, ...publicPart } = records[1]!;
    expect(await client.request({ Request: 'Pair', ProtocolVersion: '2', PairRecord: publicPart })).toMatchObject({ Error: 'InvalidPairRecord' });
  });

  it('starts notification_proxy on a one-shot port that relays and posts notifications', async () => {
    const device = harness.sim.devices()[0]!;
    const client = await connect();
    sessionIdOf(await client.startSession(records[0]!));
    expect(await client.request({ Request: 'StartService', Service: 'com.apple.nothing' })).toMatchObject({ Error: 'InvalidService' });
    const started = await client.request({ Request: 'StartService', Service: 'com.apple.mobile.notification_proxy' });
    const port = started.Port as number;
    expect(port).toBeGreaterThan(0);
    expect(started).not.toHaveProperty('EnableServiceSSL');

    const { socket, reader } = await connectToDevicePort(harness.sim.address, device.deviceId, port);
    try {
      const posted: string[] = [];
      const unsubscribe = device.notifications.subscribe((name) => posted.push(name));
      socket.write(encodePlistFrame({ Command: 'ObserveNotification', Name: 'com.apple.itunes-client.syncCancelRequest' }, 'xml'));
      socket.write(encodePlistFrame({ Command: 'PostNotification', Name: 'com.apple.itunes-mobdev.syncWillStart' }, 'xml'));
      await waitFor(() => posted.includes('com.apple.itunes-mobdev.syncWillStart'));
      device.notifications.post('com.apple.some-unobserved-name');
      device.notifications.post('com.apple.itunes-client.syncCancelRequest');
      expect(await readPlistFrame(reader)).toEqual({ Command: 'RelayNotification', Name: 'com.apple.itunes-client.syncCancelRequest' });
      socket.write(encodePlistFrame({ Command: 'Shutdown' }, 'xml'));
      expect(await readPlistFrame(reader)).toEqual({ Command: 'ProxyDeath' });
      unsubscribe();
    } finally {
      socket.destroy();
    }
    await expect(connectToDevicePort(harness.sim.address, device.deviceId, port)).rejects.toThrow(/result 3/);
  });

  it('lists the phone’s apps over installation_proxy and serves icons over springboardservices', async () => {
    const device = harness.sim.devices()[0]!;
    const client = await connect();
    sessionIdOf(await client.startSession(records[0]!));
    const proxyPort = (await client.request({ Request: 'StartService', Service: 'com.apple.mobile.installation_proxy' })).Port as number;
    const proxy = await connectToDevicePort(harness.sim.address, device.deviceId, proxyPort);
    const listed: string[] = [];
    try {
      proxy.socket.write(encodePlistFrame({ Command: 'Browse', ClientOptions: { ApplicationType: 'User', ReturnAttributes: ['CFBundleIdentifier', 'ApplicationSINF'] } }, 'xml'));
      for (;;) {
        const reply = plistDictOf(await readPlistFrame(proxy.reader))!;
        if (reply.Status === 'Complete') break;
        expect(reply.Status).toBe('BrowsingProgress');
        for (const app of plistArrayOf(reply.CurrentList) ?? []) {
          expect(Object.keys(plistDictOf(app)!).sort()).toEqual(['ApplicationSINF', 'CFBundleIdentifier']);
          listed.push(plistDictOf(app)!.CFBundleIdentifier as string);
        }
      }
    } finally {
      proxy.socket.destroy();
    }
    const apps = device.phone.apps().map((app) => app.bundleId);
    expect(apps.length).toBeGreaterThan(0);
    expect(listed).toEqual(apps);

    const iconPort = (await client.request({ Request: 'StartService', Service: 'com.apple.springboardservices' })).Port as number;
    const icons = await connectToDevicePort(harness.sim.address, device.deviceId, iconPort);
    try {
      icons.socket.write(encodePlistFrame({ command: 'getIconPNGData', bundleId: apps[0]! }, 'binary'));
      const png = plistData(plistDictOf(await readPlistFrame(icons.reader))?.pngData);
      expect(png?.subarray(1, 4).toString()).toBe('PNG');
    } finally {
      icons.socket.destroy();
    }
  });

  it('needs the EscrowBag for mobilebackup2 while the phone is locked', async () => {
    const device = harness.sim.devices()[0]!;
    const client = await connect();
    sessionIdOf(await client.startSession(records[0]!));
    device.setFaults({ locked: true });
    try {
      expect(await client.request({ Request: 'StartService', Service: 'com.apple.mobilebackup2' })).toMatchObject({ Error: 'PasswordProtected' });
      expect(await client.request({ Request: 'StartService', Service: 'com.apple.mobilebackup2', EscrowBag: Buffer.from('wrong') })).toMatchObject({ Error: 'EscrowLocked' });
      const ok = await client.request({ Request: 'StartService', Service: 'com.apple.mobilebackup2', EscrowBag: records[0]!.EscrowBag! });
      expect(ok).toMatchObject({ Service: 'com.apple.mobilebackup2' });
      expect(ok.Port).toEqual(expect.any(Number));
    } finally {
      device.setFaults({ locked: false });
    }
  });

  it('keeps messages whole and in order on a throttled link', async () => {
    const device = harness.sim.devices()[1]!;
    device.setFaults({ linkBytesPerSecond: 64 * 1024 });
    try {
      const client = await connect(1);
      sessionIdOf(await client.startSession(records[1]!));
      for (const key of ['SerialNumber', 'UniqueDeviceID', 'WiFiAddress']) {
        const reply = await client.request({ Request: 'GetValue', Key: key });
        expect(reply).toMatchObject({ Key: key });
      }
      const root = await client.request({ Request: 'GetValue' });
      expect(root.Value).toMatchObject({ UniqueDeviceID: device.udid });
    } finally {
      device.setFaults({ linkBytesPerSecond: undefined });
    }
  });

  it('sends a broken plist when the lockdown malformed-reply fault is on', async () => {
    const device = harness.sim.devices()[1]!;
    const client = await connect(1);
    device.setFaults({ malformedReplies: 'lockdown' });
    try {
      await expect(client.request({ Request: 'QueryType' })).rejects.toThrow();
    } finally {
      device.setFaults({ malformedReplies: undefined });
    }
  });

  it('closes every tunnel of a device when it is unplugged', async () => {
    const device = harness.sim.devices()[1]!;
    const client = await connect(1);
    expect(await client.request({ Request: 'QueryType' })).toHaveProperty('Type');
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    device.unplug('test');
    await closed;
    device.plug();
    const again = await connect(1);
    expect(await again.request({ Request: 'QueryType' })).toHaveProperty('Type');
  });

  it('plugs back in by itself after replugAfterMs', async () => {
    const device = harness.sim.devices()[1]!;
    const listener = await RawMuxClient.open(harness.sim.address);
    try {
      await listener.request({ MessageType: 'Listen' });
      await listener.readPlist();
      await listener.readPlist();
      device.setFaults({ replugAfterMs: 50 });
      device.context.unplug('injected fault');
      expect(await listener.readPlist()).toMatchObject({ MessageType: 'Detached', DeviceID: device.deviceId });
      expect(await listener.readPlist()).toMatchObject({ MessageType: 'Attached', DeviceID: device.deviceId });
      expect(device.isAttached()).toBe(true);
    } finally {
      device.setFaults({ replugAfterMs: undefined });
      listener.close();
    }
  });
});

describe('device state across restarts and erase', () => {
  it('keeps identity and trusted computers across a restart, and forgets them on erase', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    const stateDir = path.join(root, 'state');
    const listen = `UNIX:${path.join(root, 'mux.sock')}`;
    try {
      let sim = await startSimulator({ listen, stateDir, seed: 32 });
      const udid = sim.devices()[0]!.udid;
      const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address };
      expect((await runTool('idevicepair', ['-u', udid, 'pair'], env)).code).toBe(0);
      const record = await readStoredPairRecord(sim.address, udid);
      await sim.stop();

      sim = await startSimulator({ listen, stateDir, seed: 32, productVersion: '16.7.2' });
      try {
        expect(sim.devices()[0]!.udid).toBe(udid);
        expect(sim.devices()[0]!.identity.productVersion).toBe('16.7.2');
        const client = await LockdownTestClient.connect(sim.address, 1);
        sessionIdOf(await client.startSession(record));
        client.close();

        sim.device(udid).erase();
        expect(sim.device(udid).phone.isFactoryState()).toBe(true);
        const after = await LockdownTestClient.connect(sim.address, 1);
        expect(await after.request({ Request: 'StartSession', HostID: record.HostID!, SystemBUID: 'x' })).toMatchObject({ Error: 'InvalidHostID' });
        after.close();
      } finally {
        await sim.stop();
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(condition()).toBe(true), { timeout: 5_000, interval: 10 });
}

