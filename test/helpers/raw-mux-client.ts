import net from 'node:net';
import {
  ByteReader,
  decodePlist,
  encodePlist,
  isPlistDict,
  type PlistDict,
  type PlistValue,
} from '../../src/main/device/codec';

export interface RawMuxPacket {
  readonly version: number;
  readonly message: number;
  readonly tag: number;
  readonly payload: Buffer;
}

/** The socket path or host:port inside a USBMUXD_SOCKET_ADDRESS value (`UNIX:/p`, `host:port`). */
export function connectToMux(address: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    if (/^unix:/i.test(address)) socket = net.connect(address.slice(5));
    else {
      const colon = address.lastIndexOf(':');
      socket = net.connect(Number(address.slice(colon + 1)), address.slice(0, colon).replace(/^\[|\]$/g, ''));
    }
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Bytes of one usbmuxd packet (protocol.md §1.2); `version` 1 = plist protocol. */
export function muxPacketBytes(tag: number, payload: PlistValue | Buffer, version = 1, message = 8): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : encodePlist(payload, 'xml');
  const head = Buffer.alloc(16);
  head.writeUInt32LE(16 + body.length, 0);
  head.writeUInt32LE(version, 4);
  head.writeUInt32LE(message, 8);
  head.writeUInt32LE(tag, 12);
  return Buffer.concat([head, body]);
}

/**
 * A bare-hands usbmuxd client for tests that must look at the wire itself (Listen events,
 * result codes, split packets) rather than through libimobiledevice.
 */
export class RawMuxClient {
  readonly reader: ByteReader;

  private constructor(readonly socket: net.Socket) {
    this.reader = new ByteReader(socket, 10_000);
  }

  static async open(address: string): Promise<RawMuxClient> {
    return new RawMuxClient(await connectToMux(address));
  }

  send(tag: number, request: PlistDict): void {
    this.socket.write(muxPacketBytes(tag, { ClientVersionString: 'lifeboat-test', ProgName: 'lifeboat-test', kLibUSBMuxVersion: 3, ...request }));
  }

  async readPacket(): Promise<RawMuxPacket> {
    const head = await this.reader.readExactly(16);
    const length = head.readUInt32LE(0);
    const payload = await this.reader.readExactly(length - 16);
    return { version: head.readUInt32LE(4), message: head.readUInt32LE(8), tag: head.readUInt32LE(12), payload };
  }

  async readPlist(): Promise<PlistDict & { readonly tag?: never }> {
    const packet = await this.readPacket();
    const value = decodePlist(packet.payload);
    if (!isPlistDict(value)) throw new Error('usbmuxd sent a plist that is not a dict.');
    return value;
  }

  async request(request: PlistDict, tag = 1): Promise<PlistDict> {
    this.send(tag, request);
    return this.readPlist();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** usbmuxd Connect (§1.3): on success the returned socket is a raw tunnel to the device port. */
export async function connectToDevicePort(address: string, deviceId: number, port: number): Promise<{ socket: net.Socket; reader: ByteReader }> {
  const client = await RawMuxClient.open(address);
  const swapped = ((port & 0xff) << 8) | ((port >> 8) & 0xff);
  const reply = await client.request({ MessageType: 'Connect', DeviceID: deviceId, PortNumber: swapped });
  if (reply.Number !== 0) {
    client.close();
    throw new Error(`usbmuxd refused Connect to port ${port}: result ${String(reply.Number)}`);
  }
  return { socket: client.socket, reader: client.reader };
}
