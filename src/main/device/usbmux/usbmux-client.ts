import type net from 'node:net';
import { ByteReader, type PlistDict, plistArrayOf, plistData, plistDictOf, plistInteger, plistString, ReadBufferPool } from '../codec';
import { MuxError, type MuxErrorCode } from '../errors';
import { type MuxDevice, parseAttachedDevice, sameUdid } from './mux-device';
import { MuxListener } from './mux-listener';
import { decodeMuxPlist, encodeMuxPlistPacket, readMuxPacket } from './mux-packet';
import { openMuxSocket, toMuxError } from './mux-socket';
import { describeMuxAddress, type MuxAddress, resolveMuxAddress } from './socket-address';

export const DEFAULT_TIMEOUT_MS = 30_000;

interface UsbmuxClientOptions {
  /** A MuxAddress or text in the USBMUXD_SOCKET_ADDRESS grammar; default: env, then platform. */
  readonly address?: MuxAddress | string;
  /** Per-read timeout in milliseconds (default 30 s; 0 waits forever). */
  readonly timeoutMs?: number;
  /** Recorded by the daemon for ListListeners (§1.3). */
  readonly progName?: string;
}

/** A socket usbmuxd has turned into a byte tunnel to a device port; the reader holds any early bytes. */
interface ConnectOptions {
  /**
   * Read into reused memory (codec/read-buffer-pool.ts): for a tunnel that carries bulk data and
   * is not upgraded to TLS (a TLS socket reads through its own buffers).
   */
  readonly reuseReadBuffers?: boolean;
}

interface MuxTunnel {
  readonly socket: net.Socket;
  readonly reader: ByteReader;
}

/** usbmuxd result numbers (§1.2) and the sentence each deserves. */
const RESULT_CODES: Readonly<Record<number, { code: MuxErrorCode; sentence: string }>> = {
  1: { code: 'BadCommand', sentence: 'usbmuxd did not understand the request.' },
  2: { code: 'BadDevice', sentence: 'The iPhone is no longer connected. Plug it in again.' },
  3: { code: 'ConnectionRefused', sentence: 'The iPhone refused the connection to that port.' },
  6: { code: 'BadVersion', sentence: 'usbmuxd does not speak the plist protocol Lifeboat uses.' },
};

/** libusbmuxd's protocol version (§1.3): sent so the daemon's listener list shows who we are. */
const LIBUSBMUX_VERSION = 3;
const LOCKDOWN_PORT = 62078;

/**
 * A client of usbmuxd's plist protocol (protocol.md §1). Every command runs on a fresh socket
 * (§1.3): Connect turns its socket into a tunnel and Listen into an event stream, so sharing one
 * socket would tie unrelated requests together.
 */
export class UsbmuxClient {
  readonly address: MuxAddress;
  readonly timeoutMs: number;
  private readonly progName: string;
  private nextTag = 1;

  constructor(options: UsbmuxClientOptions = {}) {
    this.address = resolveMuxAddress(options.address);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.progName = options.progName ?? 'lifeboat';
  }

  describeAddress(): string {
    return describeMuxAddress(this.address);
  }

  async listDevices(): Promise<MuxDevice[]> {
    const reply = await this.command({ MessageType: 'ListDevices' }, 'listing devices');
    const list = plistArrayOf(reply['DeviceList']);
    if (!list) throw new MuxError('ProtocolError', 'usbmuxd answered ListDevices without a device list.');
    const devices: MuxDevice[] = [];
    for (const entry of list) {
      const device = parseAttachedDevice(plistDictOf(entry) ?? {});
      if (device) devices.push(device);
    }
    return devices;
  }

  /** The first device with this UDID, preferring USB over Wi-Fi; throws DeviceNotFound. */
  async findDevice(udid?: string): Promise<MuxDevice> {
    const devices = await this.listDevices();
    const matching = udid === undefined ? devices : devices.filter((device) => sameUdid(device.udid, udid));
    const chosen = matching.find((device) => device.connectionType === 'USB') ?? matching[0];
    if (!chosen) {
      throw new MuxError(
        'DeviceNotFound',
        udid === undefined ? 'No iPhone is connected. Plug one in with a USB cable and unlock it.' : `The iPhone ${udid} is not connected. Plug it in and unlock it.`,
      );
    }
    return chosen;
  }

  /** The daemon's SystemBUID, which goes into pair records and StartSession (§2.5.3). */
  async readBuid(): Promise<string> {
    const reply = await this.command({ MessageType: 'ReadBUID' }, 'reading the system BUID');
    const buid = plistString(reply['BUID']);
    if (!buid) throw new MuxError('ProtocolError', 'usbmuxd answered ReadBUID without a BUID.');
    return buid;
  }

  /** The stored pair record (binary plist bytes), or undefined when this host has none for the UDID. */
  async readPairRecord(udid: string): Promise<Buffer | undefined> {
    const reply = await this.command({ MessageType: 'ReadPairRecord', PairRecordID: udid }, 'reading the pair record');
    const data = plistData(reply['PairRecordData']);
    if (data) return data;
    const number = plistInteger(reply['Number']);
    // usbmuxd answers a missing record with an errno (ENOENT = 2) in Number (§1.2).
    if (number !== undefined && number !== 0) return undefined;
    throw new MuxError('ProtocolError', 'usbmuxd answered ReadPairRecord without a record or an error number.');
  }

  async savePairRecord(udid: string, record: Buffer, deviceId?: number): Promise<void> {
    const request: Record<string, PlistDict[string]> = { MessageType: 'SavePairRecord', PairRecordID: udid, PairRecordData: record };
    // With DeviceID the daemon tells listeners the device is now Paired (§1.3).
    if (deviceId !== undefined) request['DeviceID'] = deviceId;
    const reply = await this.command(request, 'saving the pair record');
    this.expectErrnoOk(reply, 'save the pair record');
  }

  async deletePairRecord(udid: string): Promise<void> {
    const reply = await this.command({ MessageType: 'DeletePairRecord', PairRecordID: udid }, 'deleting the pair record');
    const number = plistInteger(reply['Number']);
    if (number === 2) throw new MuxError('PairRecordNotFound', `There is no pair record for ${udid} to delete.`);
    this.expectErrnoOk(reply, 'delete the pair record');
  }

  /**
   * Asks usbmuxd to connect to a TCP port on the device. The port goes in network byte order
   * (§1.3: lockdownd 62078 travels as 32498). On success the socket is a raw tunnel.
   */
  async connect(deviceId: number, port: number = LOCKDOWN_PORT, options: ConnectOptions = {}): Promise<MuxTunnel> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`Port ${port} is not a TCP port.`);
    const { socket, reader, reply } = await this.exchange(
      { MessageType: 'Connect', DeviceID: deviceId, PortNumber: swapPortBytes(port) },
      `connecting to port ${port} on the iPhone`,
      true,
      options.reuseReadBuffers === true ? new ReadBufferPool() : undefined,
    );
    try {
      this.expectOk(reply, `connect to port ${port} on the iPhone`);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return { socket, reader };
  }

  /** Subscribes to attach/detach/paired events; the listener replays devices already attached (§1.3). */
  async listen(): Promise<MuxListener> {
    const { socket, reader, reply } = await this.exchange({ MessageType: 'Listen' }, 'subscribing to device events', true);
    try {
      this.expectOk(reply, 'subscribe to device events');
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return new MuxListener(socket, reader);
  }

  private async command(request: PlistDict, doing: string): Promise<PlistDict> {
    const { reply } = await this.exchange(request, doing, false);
    return reply;
  }

  /** Sends one request on a fresh socket and reads the reply; keeps the socket open only if asked. */
  private async exchange(
    request: PlistDict,
    doing: string,
    keepOpen: boolean,
    readBuffers?: ReadBufferPool,
  ): Promise<{ socket: net.Socket; reader: ByteReader; reply: PlistDict }> {
    const socket = await openMuxSocket(this.address, this.timeoutMs, readBuffers);
    const reader = new ByteReader(socket, this.timeoutMs, readBuffers);
    const tag = this.takeTag();
    try {
      socket.write(
        encodeMuxPlistPacket(tag, {
          ...request,
          ClientVersionString: 'lifeboat-usbmux-1',
          ProgName: this.progName,
          kLibUSBMuxVersion: LIBUSBMUX_VERSION,
        }),
      );
      const packet = await readMuxPacket(reader, this.timeoutMs);
      if (packet.tag !== tag) {
        throw new MuxError('ProtocolError', `usbmuxd answered tag ${packet.tag} to request tag ${tag}.`);
      }
      const reply = decodeMuxPlist(packet);
      if (!keepOpen) socket.destroy();
      return { socket, reader, reply };
    } catch (error) {
      socket.destroy();
      throw toMuxError(error, doing);
    }
  }

  private expectOk(reply: PlistDict, what: string): void {
    const number = plistInteger(reply['Number']);
    if (number === 0) return;
    if (number === undefined) throw new MuxError('ProtocolError', `usbmuxd gave no result number when asked to ${what}.`);
    const known = RESULT_CODES[number];
    if (known) throw new MuxError(known.code, known.sentence);
    throw new MuxError('CommandFailed', `usbmuxd could not ${what} (error ${number}).`);
  }

  /** Pair-record commands put an errno, not a usbmuxd result code, in Number (§1.2). */
  private expectErrnoOk(reply: PlistDict, what: string): void {
    const number = plistInteger(reply['Number']);
    if (number === 0) return;
    if (number === undefined) throw new MuxError('ProtocolError', `usbmuxd gave no result number when asked to ${what}.`);
    throw new MuxError('CommandFailed', `usbmuxd could not ${what} (errno ${number}).`);
  }

  private takeTag(): number {
    const tag = this.nextTag;
    this.nextTag = this.nextTag >= 0x7fffffff ? 1 : this.nextTag + 1;
    return tag;
  }
}

/** htons for the Connect request: usbmuxd expects the port's two bytes swapped (§1.3). */
export function swapPortBytes(port: number): number {
  return ((port & 0xff) << 8) | ((port >> 8) & 0xff);
}
