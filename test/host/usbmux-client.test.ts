import { afterEach, describe, expect, it } from 'vitest';
import { MuxError } from '../../src/main/device/errors';
import { UsbmuxClient } from '../../src/main/device/usbmux';
import { type FakeDaemon, muxPacket, startFakeDaemon, writeInPieces } from './usbmux-fake-daemon';

let daemon: FakeDaemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

const attached = (id: number, serial: string) => ({
  MessageType: 'Attached',
  DeviceID: id,
  Properties: { ConnectionType: 'USB', DeviceID: id, SerialNumber: serial, ProductID: 4776, LocationID: 0 },
});

async function expectMuxError(promise: Promise<unknown>, code: string): Promise<MuxError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(MuxError);
  expect((error as MuxError).code).toBe(code);
  expect((error as MuxError).message.length).toBeGreaterThan(20);
  return error as MuxError;
}

describe('UsbmuxClient against a scripted usbmuxd', () => {
  it('reassembles a reply split across many reads, header included', async () => {
    daemon = await startFakeDaemon(async ({ socket, tag }) => {
      await writeInPieces(socket, muxPacket(tag, { DeviceList: [attached(1, 'aaaa'), attached(2, '00008110001A2B3C4D5E6F70')] }), 7);
    });
    const devices = await new UsbmuxClient({ address: daemon.address, timeoutMs: 5_000 }).listDevices();
    expect(devices.map((device) => device.udid)).toEqual(['aaaa', '00008110-001A2B3C4D5E6F70']);
  });

  it('uses a fresh socket and a new tag per command, with the plist protocol header', async () => {
    daemon = await startFakeDaemon(({ socket, tag }) => {
      socket.end(muxPacket(tag, { BUID: '11111111-2222-3333-4444-555555555555' }));
    });
    const client = new UsbmuxClient({ address: daemon.address });
    await client.readBuid();
    await client.readBuid();
    expect(daemon.requests).toHaveLength(2);
    expect(daemon.requests[0]?.socket).not.toBe(daemon.requests[1]?.socket);
    expect(daemon.requests[0]?.tag).not.toBe(daemon.requests[1]?.tag);
    expect(daemon.requests[0]?.request['MessageType']).toBe('ReadBUID');
    expect(daemon.requests[0]?.request['ProgName']).toBe('lifeboat');
  });

  it('sends the port byte-swapped and keeps device bytes that arrive with the Result', async () => {
    daemon = await startFakeDaemon(({ socket, tag }) => {
      socket.write(Buffer.concat([muxPacket(tag, { MessageType: 'Result', Number: 0 }), Buffer.from('hello from the phone')]));
    });
    const tunnel = await new UsbmuxClient({ address: daemon.address }).connect(5, 62078);
    try {
      expect(daemon.requests[0]?.request).toMatchObject({ MessageType: 'Connect', DeviceID: 5, PortNumber: 32498 });
      expect((await tunnel.reader.readExactly(20)).toString()).toBe('hello from the phone');
    } finally {
      tunnel.socket.destroy();
    }
  });

  it('turns result numbers into typed errors', async () => {
    let number = 2;
    daemon = await startFakeDaemon(({ socket, tag }) => {
      socket.end(muxPacket(tag, { MessageType: 'Result', Number: number }));
    });
    const client = new UsbmuxClient({ address: daemon.address });
    await expectMuxError(client.connect(1, 62078), 'BadDevice');
    number = 3;
    await expectMuxError(client.connect(1, 62078), 'ConnectionRefused');
    number = 1;
    await expectMuxError(client.listen(), 'BadCommand');
    number = 2;
    expect(await client.readPairRecord('nobody')).toBeUndefined();
  });

  it('rejects a reply with the wrong tag or a lying length', async () => {
    let reply: (tag: number) => Buffer = (tag) => muxPacket(tag + 1, { BUID: 'X' });
    daemon = await startFakeDaemon(({ socket, tag }) => {
      socket.end(reply(tag));
    });
    const client = new UsbmuxClient({ address: daemon.address });
    await expectMuxError(client.readBuid(), 'ProtocolError');
    reply = (tag) => muxPacket(tag, { BUID: 'X' }, { length: 0xffffffff });
    await expectMuxError(client.readBuid(), 'ProtocolError');
    reply = (tag) => muxPacket(tag, { BUID: 'X' }, { length: 3 });
    await expectMuxError(client.readBuid(), 'ProtocolError');
    reply = (tag) => muxPacket(tag, { BUID: 'X' }, { version: 0 });
    await expectMuxError(client.readBuid(), 'ProtocolError');
  });

  it('reports a daemon that hangs up mid-reply or never answers', async () => {
    let silent = false;
    daemon = await startFakeDaemon(({ socket, tag }) => {
      if (!silent) socket.end(muxPacket(tag, { BUID: 'X' }).subarray(0, 30));
    });
    const client = new UsbmuxClient({ address: daemon.address, timeoutMs: 150 });
    await expectMuxError(client.readBuid(), 'ConnectionClosed');
    silent = true;
    await expectMuxError(client.readBuid(), 'Timeout');
  });

  it('says how to fix an unreachable daemon', async () => {
    const error = await expectMuxError(new UsbmuxClient({ address: 'UNIX:/nonexistent/usbmuxd' }).listDevices(), 'DaemonUnreachable');
    expect(error.message).toContain('USBMUXD_SOCKET_ADDRESS');
  });

  it('streams Listen events and ignores unknown message types', async () => {
    daemon = await startFakeDaemon(async ({ socket, tag }) => {
      const stream = Buffer.concat([
        muxPacket(tag, { MessageType: 'Result', Number: 0 }),
        muxPacket(0, attached(3, 'phone-a')),
        muxPacket(0, { MessageType: 'SomethingNew', DeviceID: 3 }),
        muxPacket(0, { MessageType: 'Paired', DeviceID: 3 }),
        muxPacket(0, { MessageType: 'Detached', DeviceID: 3 }),
      ]);
      await writeInPieces(socket, stream, 50);
      socket.end();
    });
    const listener = await new UsbmuxClient({ address: daemon.address }).listen();
    const events: string[] = [];
    listener.on('attached', (device) => events.push(`attached ${device.udid}`));
    listener.on('paired', (id) => events.push(`paired ${id}`));
    listener.on('detached', (id) => events.push(`detached ${id}`));
    const closed = await new Promise<Error | undefined>((resolve) => listener.on('close', resolve));
    expect(events).toEqual(['attached phone-a', 'paired 3', 'detached 3']);
    expect(closed).toBeInstanceOf(MuxError);
  });
});
