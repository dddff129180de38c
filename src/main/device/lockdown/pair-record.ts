import { randomUUID } from 'node:crypto';
import { decodePlist, encodePlist, isPlistDict, type PlistDict, plistData, plistString, type PlistValue, PLIST_BUDGETS } from '../codec';
import { LockdownError } from '../errors';

/** What usbmuxd stores per device after pairing (protocol.md §2.5.3). */
export interface PairRecord {
  readonly deviceCertificate: Buffer;
  readonly hostCertificate: Buffer;
  readonly hostPrivateKey: Buffer;
  readonly rootCertificate: Buffer;
  readonly rootPrivateKey: Buffer;
  readonly hostId: string;
  readonly systemBuid: string;
  readonly wifiMacAddress: string | undefined;
  readonly escrowBag: Buffer | undefined;
}

/** HostID: a random uppercase UUID, like libimobiledevice (§2.5.3). */
export function newHostId(): string {
  return randomUUID().toUpperCase();
}

/** The binary plist SavePairRecord carries, with the key names libimobiledevice reads. */
export function encodePairRecord(record: PairRecord): Buffer {
  const dict: Record<string, PlistValue> = {
    DeviceCertificate: record.deviceCertificate,
    HostCertificate: record.hostCertificate,
    HostPrivateKey: record.hostPrivateKey,
    RootCertificate: record.rootCertificate,
    RootPrivateKey: record.rootPrivateKey,
    HostID: record.hostId,
    SystemBUID: record.systemBuid,
  };
  if (record.wifiMacAddress !== undefined) dict['WiFiMACAddress'] = record.wifiMacAddress;
  if (record.escrowBag !== undefined) dict['EscrowBag'] = record.escrowBag;
  return encodePlist(dict, 'binary');
}

/** Reads a stored record (binary or XML); records from idevicepair and pymobiledevice3 both fit. */
export function decodePairRecord(bytes: Buffer): PairRecord {
  let dict: PlistDict;
  try {
    const value = decodePlist(bytes, PLIST_BUDGETS.metadataFile);
    if (!isPlistDict(value)) throw new Error('not a dictionary');
    dict = value;
  } catch (error) {
    throw new LockdownError('InvalidPairRecord', 'The saved trust record for this iPhone cannot be read. Pair again (lifeboat pair).', { cause: error });
  }
  const need = (key: string): Buffer => {
    const value = plistData(dict[key]) ?? (typeof dict[key] === 'string' ? Buffer.from(dict[key]) : undefined);
    if (!value) throw new LockdownError('InvalidPairRecord', `The saved trust record for this iPhone has no ${key}. Pair again (lifeboat pair).`);
    return value;
  };
  const hostId = plistString(dict['HostID']);
  if (!hostId) throw new LockdownError('InvalidPairRecord', 'The saved trust record for this iPhone has no HostID. Pair again (lifeboat pair).');
  return {
    deviceCertificate: need('DeviceCertificate'),
    hostCertificate: need('HostCertificate'),
    hostPrivateKey: need('HostPrivateKey'),
    rootCertificate: need('RootCertificate'),
    rootPrivateKey: need('RootPrivateKey'),
    hostId,
    systemBuid: plistString(dict['SystemBUID']) ?? '',
    wifiMacAddress: plistString(dict['WiFiMACAddress']),
    escrowBag: plistData(dict['EscrowBag']),
  };
}

/** The public half sent in Pair / ValidatePair: never the private keys (§2.5.1). */
export function publicPairRecord(record: PairRecord): PlistDict {
  return {
    DeviceCertificate: record.deviceCertificate,
    HostCertificate: record.hostCertificate,
    RootCertificate: record.rootCertificate,
    HostID: record.hostId,
    SystemBUID: record.systemBuid,
  };
}
