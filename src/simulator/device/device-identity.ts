import { createHash } from 'node:crypto';
import type { DeviceIdentity } from './service-context';

/** What the simulator's devices look like unless told otherwise (protocol.md §8.2). */
export const DEFAULT_PRODUCT_VERSION = '17.5.1';
const DEFAULT_BUILD_VERSION = '21F90';
const PRODUCT_TYPE = 'iPhone14,5';
const HARDWARE_MODEL = 'D17AP';

/**
 * A deterministic byte source: the same seed, device index and label always give the same bytes,
 * so a test that says `seed: 7` sees the same UDID on every run.
 */
function seededBytes(seed: number, index: number, label: string, count: number): Buffer {
  const out: Buffer[] = [];
  for (let block = 0; out.length * 32 < count; block++) {
    out.push(createHash('sha256').update(`lifeboat-sim:${seed}:${index}:${label}:${block}`).digest());
  }
  return Buffer.concat(out).subarray(0, count);
}

function seededDigits(seed: number, index: number, label: string, count: number): string {
  return [...seededBytes(seed, index, label, count)].map((byte) => String(byte % 10)).join('');
}

function macAddress(bytes: Buffer): string {
  // Clear the multicast bit and set "locally administered": a fake MAC must not collide with a vendor's.
  const octets = [...bytes.subarray(0, 6)];
  octets[0] = ((octets[0] ?? 0) & 0xfc) | 0x02;
  return octets.map((octet) => octet.toString(16).padStart(2, '0')).join(':');
}

/**
 * The identity of virtual iPhone number `index` (0-based) for `seed`: a new-style UDID
 * `0000xxxx-xxxxxxxxxxxxxxxx` (§1.5), serial, addresses and an ECID.
 */
export function createDeviceIdentity(seed: number, index: number, productVersion = DEFAULT_PRODUCT_VERSION): DeviceIdentity {
  const hex = seededBytes(seed, index, 'udid', 10).toString('hex').toUpperCase();
  const udid = `0000${hex.slice(0, 4)}-${hex.slice(4, 20)}`;
  const serialAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  const serialNumber = [...seededBytes(seed, index, 'serial', 12)].map((byte) => serialAlphabet[byte % serialAlphabet.length]).join('');
  const ecidBytes = seededBytes(seed, index, 'ecid', 6);
  return {
    udid,
    deviceName: `Lifeboat Virtual iPhone ${index + 1}`,
    deviceClass: 'iPhone',
    productType: PRODUCT_TYPE,
    productVersion,
    buildVersion: productVersion === DEFAULT_PRODUCT_VERSION ? DEFAULT_BUILD_VERSION : `SIM${productVersion.replace(/\./g, '')}`,
    hardwareModel: HARDWARE_MODEL,
    serialNumber,
    wifiAddress: macAddress(seededBytes(seed, index, 'wifi', 6)),
    bluetoothAddress: macAddress(seededBytes(seed, index, 'bluetooth', 6)),
    // 48 bits keep the ECID a safe JavaScript integer.
    uniqueChipId: ecidBytes.readUIntBE(0, 6),
    phoneNumber: `+1 (555) 01${seededDigits(seed, index, 'phone', 2)}-${seededDigits(seed, index, 'phone-line', 4)}`,
    imei: `35${seededDigits(seed, index, 'imei', 13)}`,
    iccid: `8901${seededDigits(seed, index, 'iccid', 16)}`,
  };
}
