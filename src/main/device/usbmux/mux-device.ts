import { type PlistDict, plistDictOf, plistInteger, plistString } from '../codec';

/** One device as usbmuxd reports it in DeviceList entries and Attached events (protocol.md §1.3). */
export interface MuxDevice {
  /** usbmuxd's handle for this connection; changes on every re-plug. */
  readonly deviceId: number;
  /** The UDID, normalised the way libusbmuxd does (§1.5). */
  readonly udid: string;
  readonly connectionType: 'USB' | 'Network';
  readonly productId: number | undefined;
  readonly locationId: number | undefined;
  readonly connectionSpeed: number | undefined;
}

/**
 * libusbmuxd inserts a hyphen into 24-character serials (new-style UDIDs arrive without it) and
 * appends the DeviceID to the all-`f` serial of network-only entries (§1.5).
 */
export function normalizeUdid(serial: string, deviceId: number): string {
  if (/^[0-9A-Fa-f]{24}$/.test(serial)) return `${serial.slice(0, 8)}-${serial.slice(8)}`;
  if (/^f{40}$/i.test(serial)) return `${serial}${deviceId}`;
  return serial;
}

/** Compares UDIDs ignoring hyphens and case, as pymobiledevice3 does (§1.5). */
export function sameUdid(a: string, b: string): boolean {
  return a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();
}

/** Reads an Attached dict; undefined when it lacks what a device needs (DeviceID and a serial). */
export function parseAttachedDevice(message: PlistDict): MuxDevice | undefined {
  const properties = plistDictOf(message['Properties']) ?? {};
  const deviceId = plistInteger(properties['DeviceID']) ?? plistInteger(message['DeviceID']);
  const serial = plistString(properties['SerialNumber']) ?? plistString(properties['USBSerialNumber']);
  if (deviceId === undefined || serial === undefined || serial === '') return undefined;
  const connectionType = plistString(properties['ConnectionType']) === 'Network' ? 'Network' : 'USB';
  return {
    deviceId,
    udid: normalizeUdid(serial, deviceId),
    connectionType,
    productId: plistInteger(properties['ProductID']),
    locationId: plistInteger(properties['LocationID']),
    connectionSpeed: plistInteger(properties['ConnectionSpeed']),
  };
}
