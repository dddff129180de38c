import type net from 'node:net';
import { PassThrough } from 'node:stream';
import { ByteReader, encodePlistFrame, PlistReal, type PlistValue, readPlistFrame } from '../../src/main/device/codec';
import { LockdownClient } from '../../src/main/device/lockdown';
import { decodeMuxPlist, encodeMuxPlistPacket, parseAttachedDevice, readMuxPacket } from '../../src/main/device/usbmux';
import { AfcClient, parseDeviceLinkMessage } from '../../src/main/device/services';
import { AfcOperation, encodeAfcPacket, u64le } from '../../src/main/device/services/afc-protocol';
import { channelPair } from '../../src/main/device/services/test-support/channel-pair';
import { mutateBytes } from './byte-mutations';
import type { FuzzRandom } from './fuzz-random';
import { billionLaughsBplist, cyclicBplist, mutatedPlistBytes } from './plist-mutations';

/**
 * Hostile device messages for the host's parsers (protocol.md §1 usbmux, §2 lockdown, §3 DeviceLink,
 * §4 AFC): valid samples in the shapes the simulator sends, mutated, then fed to the real entry
 * points (the packet readers and the clients a backup uses) over an in-memory connection that
 * ends after the message, so a parser that waits for more gets "closed" instead of hanging.
 */
export type DeviceFamily = 'usbmux' | 'lockdown' | 'device-link' | 'afc';
export const DEVICE_FAMILIES: readonly DeviceFamily[] = ['usbmux', 'lockdown', 'device-link', 'afc'];

export interface DeviceCase {
  readonly family: DeviceFamily;
  /** What made it: "mutated-bytes", "mutated-plist", or a named hostile generator. */
  readonly generator: string;
  readonly bytes: Buffer;
  /** Which request the host makes before reading it (lockdown and AFC only). */
  readonly request: string;
}

const UDID = '00008110-000A1B2C3D4E801E';
const ATTACHED = { DeviceID: 3, MessageType: 'Attached', Properties: { ConnectionType: 'USB', DeviceID: 3, LocationID: 0, ProductID: 0x12a8, SerialNumber: UDID } };

const MUX_SAMPLES: readonly PlistValue[] = [
  { MessageType: 'Result', Number: 0 },
  ATTACHED,
  { DeviceList: [ATTACHED, { ...ATTACHED, DeviceID: 4 }] },
  { MessageType: 'Detached', DeviceID: 3 },
  { MessageType: 'Paired', DeviceID: 3 },
  { BUID: '8C6B2F5E-0000-4000-8000-000000000000' },
];

const LOCKDOWN_SAMPLES: readonly (readonly [string, PlistValue])[] = [
  ['QueryType', { Request: 'QueryType', Type: 'com.apple.mobile.lockdown' }],
  ['GetValue', { Request: 'GetValue', Value: { DeviceName: 'iPhone', ProductVersion: '17.5.1', ProductType: 'iPhone14,2', UniqueDeviceID: UDID, TotalDiskCapacity: 128_000_000_000 } }],
  ['GetValue', { Request: 'GetValue', Error: 'PasswordProtected' }],
  ['StartService', { Request: 'StartService', Port: 49_152, Service: 'com.apple.mobilebackup2', EnableServiceSSL: true }],
  ['Pair', { Request: 'Pair', EscrowBag: Buffer.alloc(32, 7) }],
];

const DEVICE_LINK_SAMPLES: readonly PlistValue[] = [
  ['DLMessageVersionExchange', 400, 0],
  ['DLMessageDeviceReady'],
  ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0, ProtocolVersion: new PlistReal(2.1) }],
  ['DLMessageUploadFiles', {}, new PlistReal(0.5), 0],
  ['DLMessageDownloadFiles', [`${UDID}/Status.plist`, `${UDID}/Manifest.plist`], {}, new PlistReal(0), 0],
  ['DLMessageMoveItems', { [`${UDID}/Snapshot/ab`]: `${UDID}/ab` }, {}, new PlistReal(0.9)],
  ['DLMessageRemoveItems', [`${UDID}/Snapshot`], {}, new PlistReal(1)],
  ['DLMessageCreateDirectory', `${UDID}/Snapshot/cd`, {}, new PlistReal(0)],
  ['DLMessageCopyItem', `${UDID}/Manifest.db`, `${UDID}/Snapshot/Manifest.db`, {}, new PlistReal(0)],
  ['DLContentsOfDirectory', `${UDID}/Snapshot`, {}, new PlistReal(0)],
  ['DLMessageGetFreeDiskSpace', {}, new PlistReal(0)],
  ['DLMessagePurgeDiskSpace', 1_000_000, 1],
  ['DLMessageDisconnect', '___EmptyParameterString___'],
];

function afcData(body: Buffer): Buffer {
  return encodeAfcPacket(0n, AfcOperation.DATA, Buffer.alloc(0), body);
}

/** NUL-separated strings, as AFC lists and key-value replies carry them (§4.2). */
function nulStrings(...parts: readonly string[]): Buffer {
  return Buffer.from(parts.map((part) => `${part}\0`).join(''), 'utf8');
}

const AFC_SAMPLES: readonly (readonly [string, Buffer])[] = [
  ['getFileInfo', afcData(nulStrings('st_size', '4096', 'st_blocks', '8', 'st_nlink', '3', 'st_ifmt', 'S_IFDIR', 'st_mtime', '1700000000000000000', 'st_birthtime', '1700000000000000000'))],
  ['readDirectory', afcData(nulStrings('.', '..', '100APPLE', 'IMG_0001.JPG'))],
  ['getDeviceInfo', afcData(nulStrings('Model', 'iPhone14,2', 'FSTotalBytes', '128000000000', 'FSFreeBytes', '64000000000', 'FSBlockSize', '4096'))],
  ['getFileInfo', encodeAfcPacket(0n, AfcOperation.STATUS, u64le(8))],
  ['readDirectory', encodeAfcPacket(0n, AfcOperation.STATUS, u64le(0))],
];

/** Case numbers that get a named plist bomb: NAMED_AT and the one after, in every NAMED_EVERY. */
export const NAMED_EVERY = 5_000;
export const NAMED_AT = 17;

/** The case for one number: mostly mutations of samples, sometimes a named hostile generator. */
export function deviceCase(family: DeviceFamily, random: FuzzRandom, index: number): DeviceCase {
  // The plist bombs hang a decoder that expands them, and a hung case costs a killed process and
  // a restart, so they come at fixed places (a few per 10,000) instead of at random.
  const bomb = index % NAMED_EVERY === NAMED_AT ? 'billion-laughs-bplist' : index % NAMED_EVERY === NAMED_AT + 1 ? 'cyclic-bplist' : undefined;
  if (bomb && family !== 'afc') {
    const payload = bomb === 'cyclic-bplist' ? cyclicBplist() : billionLaughsBplist(24, 14, family === 'usbmux' ? 'DeviceList' : family === 'lockdown' ? 'Value' : undefined);
    return { family, generator: bomb, request: family === 'lockdown' ? 'GetValue' : 'read', bytes: family === 'usbmux' ? muxPacketWith(payload) : frame(payload) };
  }
  switch (family) {
    case 'usbmux': {
      const sample = random.pick(MUX_SAMPLES);
      if (random.chance(0.5)) return { family, generator: 'mutated-plist', request: 'read', bytes: muxPacketWith(mutatedPlistBytes(random, sample)) };
      return { family, generator: 'mutated-bytes', request: 'read', bytes: mutateBytes(random, encodeMuxPlistPacket(random.int(100), sample as never)) };
    }
    case 'lockdown': {
      const [request, sample] = random.pick(LOCKDOWN_SAMPLES);
      if (random.chance(0.5)) return { family, generator: 'mutated-plist', request, bytes: frame(mutatedPlistBytes(random, sample)) };
      return { family, generator: 'mutated-bytes', request, bytes: mutateBytes(random, encodePlistFrame(sample, random.chance(0.5) ? 'xml' : 'binary')) };
    }
    case 'device-link': {
      const sample = random.pick(DEVICE_LINK_SAMPLES);
      if (random.chance(0.5)) return { family, generator: 'mutated-plist', request: 'read', bytes: frame(mutatedPlistBytes(random, sample)) };
      return { family, generator: 'mutated-bytes', request: 'read', bytes: mutateBytes(random, encodePlistFrame(sample, 'binary')) };
    }
    case 'afc': {
      const [request, sample] = random.pick(AFC_SAMPLES);
      // Leave the magic alone most of the time, or nearly every case stops at the first check.
      const protectedRanges = random.chance(0.8) ? [[0, 8] as const] : [];
      return { family, generator: 'mutated-bytes', request, bytes: mutateBytes(random, sample, protectedRanges) };
    }
  }
}

function frame(payload: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(payload.length);
  return Buffer.concat([length, payload]);
}

function muxPacketWith(payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + payload.length, 0);
  header.writeUInt32LE(1, 4);
  header.writeUInt32LE(8, 8);
  header.writeUInt32LE(1, 12);
  return Buffer.concat([header, payload]);
}

function readerOver(bytes: Buffer): ByteReader {
  const stream = new PassThrough();
  stream.end(bytes);
  return new ByteReader(stream);
}

/** Reads timeouts short: the connection has already ended, so anything waiting is a bug. */
const READ_TIMEOUT_MS = 2_000;

/** Feeds the case to the real parser; resolves with what it made of it, or throws what it threw. */
export async function runDeviceCase(testCase: DeviceCase): Promise<unknown> {
  switch (testCase.family) {
    case 'usbmux': {
      const dict = decodeMuxPlist(await readMuxPacket(readerOver(testCase.bytes), READ_TIMEOUT_MS));
      const list = Array.isArray(dict['DeviceList']) ? (dict['DeviceList'] as readonly PlistValue[]) : [dict];
      return list.map((item) => parseAttachedDevice(item as never));
    }
    case 'device-link':
      return parseDeviceLinkMessage(await readPlistFrame(readerOver(testCase.bytes), undefined, READ_TIMEOUT_MS));
    case 'lockdown': {
      const { host, peer } = channelPair();
      peer.socket.on('error', () => undefined);
      peer.socket.end(testCase.bytes);
      const device = { udid: UDID, deviceId: 3, connectionType: 'USB', productId: 0, locationId: 0 } as never;
      const client = new LockdownClient(host.socket as net.Socket, host.reader, device, undefined as never, READ_TIMEOUT_MS);
      try {
        if (testCase.request === 'QueryType') return await client.queryType();
        if (testCase.request === 'GetValue') return await client.getValue();
        return await client.request(testCase.request);
      } finally {
        host.close();
      }
    }
    case 'afc': {
      const { host, peer } = channelPair();
      peer.socket.on('error', () => undefined);
      peer.socket.end(testCase.bytes);
      const client = new AfcClient(host, READ_TIMEOUT_MS);
      try {
        if (testCase.request === 'readDirectory') return await client.readDirectory('/DCIM');
        if (testCase.request === 'getDeviceInfo') return await client.getDeviceInfo();
        return await client.getFileInfo('/DCIM/100APPLE');
      } finally {
        host.close();
      }
    }
  }
}
