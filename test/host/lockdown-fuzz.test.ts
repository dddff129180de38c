import { Duplex } from 'node:stream';
import type net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, encodePlist } from '../../src/main/device/codec';
import { LockdownError } from '../../src/main/device/errors';
import { LOCKDOWN_MAX_FRAME_BYTES, LockdownClient } from '../../src/main/device/lockdown';
import { type MuxDevice, UsbmuxClient } from '../../src/main/device/usbmux';

const device: MuxDevice = { deviceId: 1, udid: 'fuzz', connectionType: 'USB', productId: undefined, locationId: undefined, connectionSpeed: undefined };

/** Replies shaped like lockdown frames often enough to reach the plist decoder and the reply checks. */
const replyLike = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 200 })).map(([length, tail]) => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(length, 0);
    return Buffer.concat([header, tail]);
  }),
  fc
    .tuple(
      fc.dictionary(fc.constantFrom('Request', 'Error', 'Result', 'Value', 'Type', 'x'), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean())),
      fc.constantFrom<'xml' | 'binary'>('xml', 'binary'),
      fc.nat({ max: 300 }),
      fc.integer({ min: 0, max: 255 }),
    )
    .map(([dict, format, at, byte]) => {
      const payload = encodePlist(dict, format);
      if (at < payload.length && at % 3 === 0) payload[at] = byte;
      const header = Buffer.alloc(4);
      header.writeUInt32BE(payload.length, 0);
      return Buffer.concat([header, payload]);
    }),
);

describe('lockdown frame handling under malformed and oversized replies', () => {
  it('answers every request with a value or a LockdownError, without hanging or huge reads', async () => {
    await fc.assert(
      fc.asyncProperty(replyLike, fc.boolean(), async (reply, endAfter) => {
        const socket = new Duplex({
          read() {},
          write(_chunk, _encoding, callback) {
            // The "phone" answers each request with the fuzzed bytes, then maybe hangs up.
            this.push(reply);
            if (endAfter) this.push(null);
            callback();
          },
        });
        const reader = new ByteReader(socket);
        let largest = 0;
        const original = reader.readExactly.bind(reader);
        reader.readExactly = (size: number, timeoutMs?: number) => {
          largest = Math.max(largest, size);
          return original(size, timeoutMs);
        };
        const client = new LockdownClient(socket as unknown as net.Socket, reader, device, new UsbmuxClient({ address: 'UNIX:/nonexistent' }), 25);
        try {
          await client.getValue(undefined, 'DeviceName');
        } catch (error) {
          expect(error).toBeInstanceOf(LockdownError);
        } finally {
          client.close();
        }
        expect(largest).toBeLessThanOrEqual(LOCKDOWN_MAX_FRAME_BYTES);
      }),
      { numRuns: 300 },
    );
  });

  it('times out with a sentence when the phone never answers', async () => {
    const socket = new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
    const client = new LockdownClient(socket as unknown as net.Socket, new ByteReader(socket), device, new UsbmuxClient({ address: 'UNIX:/nonexistent' }), 100);
    const error = await client.queryType().then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockdownError);
    expect((error as LockdownError).code).toBe('Timeout');
    expect((error as LockdownError).message).toMatch(/did not answer QueryType/);
    expect(socket.destroyed).toBe(true);
  });
});
