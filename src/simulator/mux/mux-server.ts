import fs from 'node:fs';
import net from 'node:net';
import {
  ByteReader,
  isPlistDict,
  plistData,
  plistInteger,
  plistString,
  type PlistDict,
  type PlistValue,
} from '../../main/device/codec';
import {
  decodeMuxPayload,
  encodeBinaryResult,
  encodeMuxPlist,
  encodeMuxResult,
  MUX_VERSION_BINARY,
  MUX_VERSION_PLIST,
  MuxErrno,
  MuxMessage,
  MuxResult,
  readMuxPacket,
} from './mux-packet';
import type { PairRecordStore } from './pair-record-store';
import { formatMuxAddress, type MuxListenAddress } from './socket-address';

/**
 * One way usbmuxd reaches a virtual device: its USB cable, or the network once the phone shows
 * itself on Wi-Fi (protocol.md §1.3). A phone on both is two entries with two DeviceIDs and one UDID.
 */
export type MuxConnection = MuxConnectionBase & (
  | { readonly connectionType: 'USB' }
  | {
      readonly connectionType: 'Network';
      /** Raw BSD sockaddr of the phone's address, as Apple's daemon sends it. */
      readonly networkAddress: Buffer;
      /** The phone's Bonjour name (`_apple-mobdev2._tcp`). */
      readonly serviceName: string;
    }
);

interface MuxConnectionBase {
  readonly deviceId: number;
  readonly udid: string;
  /**
   * Claims the device port a Connect asked for: the acceptor takes over the tunnel socket, or
   * undefined when nothing listens there (CONNREFUSED, protocol.md §1.3). Apple's usbmuxd proxies
   * Connect to a network device the same way.
   */
  claimPort(port: number): ((socket: net.Socket) => void) | undefined;
}

export interface MuxDeviceSource {
  /** The connections present right now. */
  connections(): readonly MuxConnection[];
}

interface ClientInfo {
  progName: string;
  bundleId: string;
  versionString: string;
  libUsbMuxVersion: number;
}

/** iPhone USB product id and link speed as Apple's daemon reports them (§1.3). */
const IPHONE_PRODUCT_ID = 0x12a8;
const USB2_SPEED = 480_000_000;

/**
 * The fake usbmuxd (protocol.md §1, §1.6): the plist protocol over a UNIX or TCP socket, with
 * listeners for attach/detach events and Connect turning a socket into a device tunnel.
 */
export class MuxServer {
  private readonly sockets = new Set<net.Socket>();
  private readonly listeners = new Map<net.Socket, ClientInfo>();
  private nextConnectionId = 1;

  private constructor(
    private readonly server: net.Server,
    readonly address: string,
    private readonly source: MuxDeviceSource,
    private readonly pairRecords: PairRecordStore,
    private readonly socketPath: string | undefined,
    private readonly log: (message: string) => void,
  ) {}

  static async start(
    where: MuxListenAddress,
    source: MuxDeviceSource,
    pairRecords: PairRecordStore,
    log: (message: string) => void = () => {},
  ): Promise<MuxServer> {
    const server = net.createServer();
    // A stale socket file from a killed simulator would make listen fail with EADDRINUSE.
    if (where.kind === 'unix' && fs.existsSync(where.path)) fs.rmSync(where.path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (where.kind === 'unix') server.listen(where.path, () => resolve());
      else server.listen(where.port, where.host, () => resolve());
    });
    let actual = where;
    const bound = server.address();
    if (where.kind === 'tcp' && bound && typeof bound === 'object') actual = { kind: 'tcp', host: where.host, port: bound.port };
    const mux = new MuxServer(server, formatMuxAddress(actual), source, pairRecords, where.kind === 'unix' ? where.path : undefined, log);
    server.on('connection', (socket) => mux.accept(socket));
    return mux;
  }

  announceAttached(device: MuxConnection): void {
    this.broadcast(attachedRecord(device));
  }

  announceDetached(deviceId: number): void {
    this.broadcast({ MessageType: 'Detached', DeviceID: deviceId });
  }

  announcePaired(deviceId: number): void {
    this.broadcast({ MessageType: 'Paired', DeviceID: deviceId });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.socketPath && fs.existsSync(this.socketPath)) fs.rmSync(this.socketPath, { force: true });
  }

  private broadcast(event: PlistDict): void {
    const packet = encodeMuxPlist(0, event);
    for (const socket of this.listeners.keys()) if (!socket.destroyed) socket.write(packet);
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.listeners.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    void this.serve(socket);
  }

  private async serve(socket: net.Socket): Promise<void> {
    const reader = new ByteReader(socket);
    const client: ClientInfo = { progName: '', bundleId: '', versionString: '', libUsbMuxVersion: 0 };
    const id = this.nextConnectionId++;
    try {
      for (;;) {
        const { header, payload } = await readMuxPacket(reader);
        if (header.version !== MUX_VERSION_PLIST) {
          // Version-0 (binary) clients are told to use the plist protocol (§1.4, §1.6).
          socket.write(header.version === MUX_VERSION_BINARY ? encodeBinaryResult(header.tag, MuxResult.badVersion) : encodeMuxResult(header.tag, MuxResult.badVersion));
          continue;
        }
        let request: PlistValue;
        try {
          request = decodeMuxPayload(payload);
        } catch {
          socket.write(encodeMuxResult(header.tag, MuxResult.badCommand));
          continue;
        }
        if (header.message !== MuxMessage.plist || !isPlistDict(request)) {
          socket.write(encodeMuxResult(header.tag, MuxResult.badCommand));
          continue;
        }
        recordClient(client, request);
        const outcome = this.handle(socket, reader, header.tag, request, client, id);
        if (outcome === 'tunnel') return;
      }
    } catch (error) {
      if (!socket.destroyed) {
        this.log(`usbmuxd: connection ${id} ended: ${(error as Error).message}`);
        socket.destroy();
      }
    }
  }

  private handle(socket: net.Socket, reader: ByteReader, tag: number, request: PlistDict, client: ClientInfo, id: number): 'continue' | 'tunnel' {
    const type = plistString(request.MessageType);
    switch (type) {
      case 'ListDevices':
        socket.write(encodeMuxPlist(tag, { DeviceList: this.attachedDevices().map(attachedRecord) }));
        return 'continue';
      case 'Listen':
        socket.write(encodeMuxResult(tag, MuxResult.ok));
        this.listeners.set(socket, client);
        for (const device of this.attachedDevices()) socket.write(encodeMuxPlist(0, attachedRecord(device)));
        return 'continue';
      case 'Connect':
        return this.connect(socket, reader, tag, request, id);
      case 'ReadBUID':
        socket.write(encodeMuxPlist(tag, { BUID: this.pairRecords.systemBuid() }));
        return 'continue';
      case 'ReadPairRecord': {
        const udid = plistString(request.PairRecordID);
        const record = udid === undefined ? undefined : this.pairRecords.read(udid);
        if (udid === undefined) socket.write(encodeMuxResult(tag, MuxErrno.invalidArgument));
        else if (!record) socket.write(encodeMuxResult(tag, MuxErrno.noSuchFile));
        else socket.write(encodeMuxPlist(tag, { PairRecordData: record }));
        return 'continue';
      }
      case 'SavePairRecord': {
        const udid = plistString(request.PairRecordID);
        const data = plistData(request.PairRecordData);
        if (udid === undefined || data === undefined || !this.pairRecords.save(udid, data)) {
          socket.write(encodeMuxResult(tag, MuxErrno.invalidArgument));
          return 'continue';
        }
        socket.write(encodeMuxResult(tag, MuxResult.ok));
        const device = this.attachedDevices().find((candidate) => candidate.udid === udid);
        if (device) this.announcePaired(device.deviceId);
        return 'continue';
      }
      case 'DeletePairRecord': {
        const udid = plistString(request.PairRecordID);
        if (udid === undefined) socket.write(encodeMuxResult(tag, MuxErrno.invalidArgument));
        else socket.write(encodeMuxResult(tag, this.pairRecords.delete(udid) ? MuxResult.ok : MuxErrno.noSuchFile));
        return 'continue';
      }
      case 'ListListeners':
        socket.write(encodeMuxPlist(tag, { ListenerList: [...this.listeners.values()].map(listenerRecord) }));
        return 'continue';
      default:
        socket.write(encodeMuxResult(tag, MuxResult.badCommand));
        return 'continue';
    }
  }

  private connect(socket: net.Socket, reader: ByteReader, tag: number, request: PlistDict, id: number): 'continue' | 'tunnel' {
    const deviceId = plistInteger(request.DeviceID);
    const swappedPort = plistInteger(request.PortNumber);
    const device = this.attachedDevices().find((candidate) => candidate.deviceId === deviceId);
    if (!device || swappedPort === undefined) {
      socket.write(encodeMuxResult(tag, MuxResult.badDevice));
      return 'continue';
    }
    // The host stores htons(port) as a plain integer (§1.3): swap the two bytes back.
    const port = ((swappedPort & 0xff) << 8) | ((swappedPort >> 8) & 0xff);
    const accept = device.claimPort(port);
    if (!accept) {
      socket.write(encodeMuxResult(tag, MuxResult.connectionRefused));
      return 'continue';
    }
    socket.write(encodeMuxResult(tag, MuxResult.ok));
    this.log(`usbmuxd: connection ${id} is now a tunnel to ${device.udid} port ${port}`);
    // Hand over without losing bytes the host may already have sent behind the Connect.
    const early = reader.detach();
    socket.pause();
    if (early.length > 0) socket.unshift(early);
    this.sockets.delete(socket);
    accept(socket);
    return 'tunnel';
  }

  private attachedDevices(): readonly MuxConnection[] {
    return this.source.connections();
  }
}

/**
 * A network entry as Apple's daemon lists it (protocol.md §1.3; field set as pymobiledevice3, go-ios and
 * netmuxd read it): no USB fields, but the phone's address and Bonjour name. The interface index is ours.
 */
const WIFI_INTERFACE_INDEX = 7;

function attachedRecord(device: MuxConnection): PlistDict {
  if (device.connectionType === 'Network') {
    return {
      MessageType: 'Attached',
      DeviceID: device.deviceId,
      Properties: {
        ConnectionType: 'Network',
        DeviceID: device.deviceId,
        EscapedFullServiceName: device.serviceName,
        InterfaceIndex: WIFI_INTERFACE_INDEX,
        NetworkAddress: device.networkAddress,
        SerialNumber: device.udid,
      },
    };
  }
  return {
    MessageType: 'Attached',
    DeviceID: device.deviceId,
    Properties: {
      ConnectionSpeed: USB2_SPEED,
      ConnectionType: 'USB',
      DeviceID: device.deviceId,
      LocationID: 0x01100000 + device.deviceId,
      ProductID: IPHONE_PRODUCT_ID,
      SerialNumber: device.udid,
      USBSerialNumber: device.udid.replace(/-/g, ''),
    },
  };
}

function recordClient(client: ClientInfo, request: PlistDict): void {
  client.progName = plistString(request.ProgName) ?? client.progName;
  client.bundleId = plistString(request.BundleID) ?? client.bundleId;
  client.versionString = plistString(request.ClientVersionString) ?? client.versionString;
  client.libUsbMuxVersion = plistInteger(request.kLibUSBMuxVersion) ?? client.libUsbMuxVersion;
}

function listenerRecord(client: ClientInfo): PlistDict {
  return {
    Blacklisted: false,
    BundleID: client.bundleId,
    ConnType: 0,
    'ID String': client.versionString,
    ProgName: client.progName,
    kLibUSBMuxVersion: client.libUsbMuxVersion,
  };
}
