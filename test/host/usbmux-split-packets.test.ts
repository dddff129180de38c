import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteReader } from '../../src/main/device/codec';
import { decodeMuxPlist, readMuxPacket } from '../../src/main/device/usbmux';
import { muxPacket } from './usbmux-fake-daemon';

/**
 * A usbmuxd packet whose 16-byte header is split across socket reads, as a busy socket does: the
 * npm `usbmux` package silently lost the event that followed (docs/dependencies.md, why Lifeboat has
 * its own client); Lifeboat's reader must return both packets.
 */
const listenReply = Buffer.concat([
  muxPacket(1, { MessageType: 'Result', Number: 0 }),
  muxPacket(0, { MessageType: 'Attached', DeviceID: 7, Properties: { ConnectionType: 'USB', DeviceID: 7, SerialNumber: 'split-phone' } }),
]);

describe('usbmuxd packets split across reads', () => {
  it.each([1, 6, 15, 16, 17])('reads the Result and the Attached event when the first read holds %i bytes', async (cut) => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream, 1_000);
    stream.write(listenReply.subarray(0, cut));
    stream.write(listenReply.subarray(cut));
    const result = decodeMuxPlist(await readMuxPacket(reader, 1_000));
    const event = decodeMuxPlist(await readMuxPacket(reader, 1_000));
    expect(result['Number']).toBe(0);
    expect(event['MessageType']).toBe('Attached');
    expect((event['Properties'] as Record<string, unknown>)['SerialNumber']).toBe('split-phone');
  });
});
