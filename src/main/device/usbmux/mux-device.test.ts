import { describe, expect, it } from 'vitest';
import { normalizeUdid, parseAttachedDevice, sameUdid } from './mux-device';
import { swapPortBytes } from './usbmux-client';

describe('usbmuxd device entries (protocol.md §1.3, §1.5)', () => {
  it('inserts the hyphen libusbmuxd adds to 24-character serials', () => {
    expect(normalizeUdid('00008110001A2B3C4D5E6F70', 3)).toBe('00008110-001A2B3C4D5E6F70');
    expect(normalizeUdid('00008110-001A2B3C4D5E6F70', 3)).toBe('00008110-001A2B3C4D5E6F70');
    expect(normalizeUdid('a'.repeat(40), 3)).toBe('a'.repeat(40));
    expect(normalizeUdid('f'.repeat(40), 7)).toBe(`${'f'.repeat(40)}7`);
  });

  it('compares UDIDs without hyphens or case', () => {
    expect(sameUdid('00008110-001A2B3C4D5E6F70', '00008110001a2b3c4d5e6f70')).toBe(true);
    expect(sameUdid('00008110-001A2B3C4D5E6F70', '00008110-001A2B3C4D5E6F71')).toBe(false);
  });

  it('reads USB and network Attached dicts and rejects ones without an id', () => {
    expect(
      parseAttachedDevice({
        MessageType: 'Attached',
        DeviceID: 4,
        Properties: { ConnectionType: 'USB', DeviceID: 4, SerialNumber: 'abc', ProductID: 4776, LocationID: 1, ConnectionSpeed: 480000000 },
      }),
    ).toEqual({ deviceId: 4, udid: 'abc', connectionType: 'USB', productId: 4776, locationId: 1, connectionSpeed: 480000000 });
    expect(parseAttachedDevice({ MessageType: 'Attached', Properties: { ConnectionType: 'Network', DeviceID: 9, SerialNumber: 'x' } })?.connectionType).toBe('Network');
    expect(parseAttachedDevice({ MessageType: 'Attached', Properties: { SerialNumber: 'x' } })).toBeUndefined();
    expect(parseAttachedDevice({ MessageType: 'Attached', DeviceID: 1, Properties: 'junk' })).toBeUndefined();
  });

  it('swaps the port bytes for Connect: lockdownd 62078 travels as 32498', () => {
    expect(swapPortBytes(62078)).toBe(32498);
    expect(swapPortBytes(0x0102)).toBe(0x0201);
    expect(swapPortBytes(swapPortBytes(49152))).toBe(49152);
  });
});
