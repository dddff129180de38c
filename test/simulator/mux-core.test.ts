import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePlist, encodePlist, plistArrayOf, plistDictOf } from '../../src/main/device/codec';
import { parseMuxAddress } from '../../src/simulator/mux/socket-address';
import { startSimulator } from '../../src/simulator/simulator';
import { muxPacketBytes, RawMuxClient } from '../helpers/raw-mux-client';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';

describe('usbmuxd address grammar (protocol.md §1.1)', () => {
  it('reads UNIX:, bare paths, host:port and bracketed IPv6', () => {
    expect(parseMuxAddress('UNIX:/tmp/mux.sock')).toEqual({ kind: 'unix', path: '/tmp/mux.sock' });
    expect(parseMuxAddress('unix:/tmp/mux.sock')).toEqual({ kind: 'unix', path: '/tmp/mux.sock' });
    expect(parseMuxAddress('/var/run/usbmuxd')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' });
    expect(parseMuxAddress('127.0.0.1:27015')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 });
    expect(parseMuxAddress('[::1]:27015')).toEqual({ kind: 'tcp', host: '::1', port: 27015 });
    expect(() => parseMuxAddress('localhost:99999')).toThrow(/port/);
    expect(() => parseMuxAddress('localhost:0')).toThrow(/port/);
    expect(parseMuxAddress('localhost:0', true)).toEqual({ kind: 'tcp', host: 'localhost', port: 0 });
  });
});

describe('fake usbmuxd wire protocol', () => {
  let harness: SimHarness;

  beforeAll(async () => {
    harness = await startSimHarness({ devices: 2, seed: 21 });
  });
  afterAll(async () => harness?.cleanup());

  async function withClient<T>(body: (client: RawMuxClient) => Promise<T>): Promise<T> {
    const client = await RawMuxClient.open(harness.sim.address);
    try {
      return await body(client);
    } finally {
      client.close();
    }
  }

  it('lists devices with the attached-record shape and echoes the tag', async () => {
    await withClient(async (client) => {
      client.send(42, { MessageType: 'ListDevices' });
      const packet = await client.readPacket();
      expect(packet).toMatchObject({ version: 1, message: 8, tag: 42 });
      const list = plistArrayOf(plistDictOf(decodePlist(packet.payload))?.DeviceList) ?? [];
      expect(list).toHaveLength(2);
      const entry = plistDictOf(list[0]);
      expect(entry).toMatchObject({ MessageType: 'Attached', DeviceID: 1 });
      expect(plistDictOf(entry?.Properties)).toMatchObject({ ConnectionType: 'USB', ProductID: 0x12a8, SerialNumber: harness.sim.devices()[0]!.udid });
    });
  });

  it('answers version-0 packets with BADVERSION and unknown commands with BADCOMMAND', async () => {
    await withClient(async (client) => {
      client.socket.write(muxPacketBytes(3, Buffer.alloc(0), 0, 3));
      const binary = await client.readPacket();
      expect(binary).toMatchObject({ version: 0, message: 1, tag: 3 });
      expect(binary.payload.readUInt32LE(0)).toBe(6);
      expect(await client.request({ MessageType: 'Teleport' })).toEqual({ MessageType: 'Result', Number: 1 });
    });
  });

  it('handles requests split byte by byte and several requests in one write', async () => {
    await withClient(async (client) => {
      const bytes = Buffer.concat([muxPacketBytes(1, { MessageType: 'ReadBUID' }), muxPacketBytes(2, { MessageType: 'ReadBUID' })]);
      client.socket.write(bytes.subarray(0, 5));
      await new Promise((resolve) => setImmediate(resolve));
      for (let offset = 5; offset < 40; offset++) client.socket.write(bytes.subarray(offset, offset + 1));
      client.socket.write(bytes.subarray(40));
      const first = await client.readPacket();
      const second = await client.readPacket();
      expect([first.tag, second.tag]).toEqual([1, 2]);
      const buid = plistDictOf(decodePlist(first.payload))?.BUID;
      expect(buid).toMatch(/^[0-9A-F-]{36}$/);
      expect(plistDictOf(decodePlist(second.payload))?.BUID).toBe(buid);
    });
  });

  it('refuses a packet larger than 64 KiB by closing the connection', async () => {
    await withClient(async (client) => {
      const head = Buffer.alloc(16);
      head.writeUInt32LE(0x10001 + 16, 0);
      head.writeUInt32LE(1, 4);
      head.writeUInt32LE(8, 8);
      client.socket.write(head);
      await expect(client.readPacket()).rejects.toThrow(/closed/);
    });
  });

  it('keeps pair records: missing is errno 2, saved records read back, deleted ones are gone', async () => {
    const udid = harness.sim.devices()[1]!.udid;
    await withClient(async (client) => {
      expect(await client.request({ MessageType: 'ReadPairRecord', PairRecordID: udid })).toEqual({ MessageType: 'Result', Number: 2 });
      const record = encodePlist({ HostID: 'ABC', SystemBUID: 'DEF' }, 'binary');
      expect(await client.request({ MessageType: 'SavePairRecord', PairRecordID: udid, PairRecordData: record })).toEqual({ MessageType: 'Result', Number: 0 });
      // Listen-less client still gets its result; the Paired event goes to listeners only.
      const read = await client.request({ MessageType: 'ReadPairRecord', PairRecordID: udid });
      expect(decodePlist(read.PairRecordData as Buffer)).toEqual({ HostID: 'ABC', SystemBUID: 'DEF' });
      expect(await client.request({ MessageType: 'SavePairRecord', PairRecordID: '../escape', PairRecordData: record })).toMatchObject({ Number: 22 });
      expect(await client.request({ MessageType: 'DeletePairRecord', PairRecordID: udid })).toEqual({ MessageType: 'Result', Number: 0 });
      expect(await client.request({ MessageType: 'ReadPairRecord', PairRecordID: udid })).toEqual({ MessageType: 'Result', Number: 2 });
    });
  });

  it('refuses Connect to an unknown device, a closed port and an unplugged device', async () => {
    const lockdownSwapped = 0x7ef2;
    await withClient(async (client) => {
      expect(await client.request({ MessageType: 'Connect', DeviceID: 99, PortNumber: lockdownSwapped })).toMatchObject({ Number: 2 });
    });
    await withClient(async (client) => {
      expect(await client.request({ MessageType: 'Connect', DeviceID: 1, PortNumber: 0x5000 })).toMatchObject({ Number: 3 });
    });
    const device = harness.sim.devices()[1]!;
    device.unplug('test');
    try {
      await withClient(async (client) => {
        expect(await client.request({ MessageType: 'Connect', DeviceID: device.deviceId, PortNumber: lockdownSwapped })).toMatchObject({ Number: 2 });
      });
    } finally {
      device.plug();
    }
  });

  it('lists Listen clients in ListListeners', async () => {
    const listener = await RawMuxClient.open(harness.sim.address);
    try {
      listener.send(1, { MessageType: 'Listen', ProgName: 'listener-under-test' });
      await listener.readPlist();
      await withClient(async (client) => {
        const reply = await client.request({ MessageType: 'ListListeners' });
        const names = (plistArrayOf(reply.ListenerList) ?? []).map((entry) => plistDictOf(entry)?.ProgName);
        expect(names).toContain('listener-under-test');
      });
    } finally {
      listener.close();
    }
  });
});

describe('fake usbmuxd over TCP', () => {
  it('listens on host:port, port 0 picking a free port', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    const sim = await startSimulator({ listen: '127.0.0.1:0', stateDir: root, seed: 22 });
    try {
      expect(sim.address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      const client = await RawMuxClient.open(sim.address);
      const reply = await client.request({ MessageType: 'ListDevices' });
      client.close();
      expect(plistArrayOf(reply.DeviceList)).toHaveLength(1);
    } finally {
      await sim.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
