import { Duplex, PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, encodePlist, StreamClosedError } from '../../src/main/device/codec';
import { MuxError } from '../../src/main/device/errors';
import { decodeMuxPlist, MUX_MAX_REPLY_BYTES, MuxListener, MuxPacketError, readMuxPacket } from '../../src/main/device/usbmux';
import type net from 'node:net';

/** Bytes shaped like usbmuxd packets often enough to get past the header checks. */
const packetLike = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 9 }), fc.nat({ max: 9 }), fc.uint8Array({ maxLength: 300 })).map(([length, version, message, tail]) => {
    const header = Buffer.alloc(16);
    header.writeUInt32LE(length, 0);
    header.writeUInt32LE(version, 4);
    header.writeUInt32LE(message, 8);
    return Buffer.concat([header, tail]);
  }),
  fc.tuple(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean())), fc.nat({ max: 400 }), fc.integer({ min: 0, max: 255 })).map(([dict, at, byte]) => {
    const payload = encodePlist({ MessageType: 'Attached', ...dict }, 'xml');
    const header = Buffer.alloc(16);
    header.writeUInt32LE(16 + payload.length, 0);
    header.writeUInt32LE(1, 4);
    header.writeUInt32LE(8, 8);
    const packet = Buffer.concat([header, payload]);
    if (at < packet.length) packet[at] = byte;
    return packet;
  }),
);

/** A reader that remembers the largest read anyone asked of it. */
function recordingReader(stream: PassThrough): { reader: ByteReader; largest: () => number } {
  const reader = new ByteReader(stream, 1_000);
  let largest = 0;
  const original = reader.readExactly.bind(reader);
  reader.readExactly = (size: number, timeoutMs?: number) => {
    largest = Math.max(largest, size);
    return original(size, timeoutMs);
  };
  return { reader, largest: () => largest };
}

describe('usbmuxd packet decoding under malformed and oversized input', () => {
  it('never crashes, never waits forever, never asks for more than the packet cap', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(packetLike, { minLength: 1, maxLength: 3 }), fc.nat({ max: 17 }), async (packets, split) => {
        const stream = new PassThrough();
        const { reader, largest } = recordingReader(stream);
        const bytes = Buffer.concat(packets);
        // Deliver in two pieces at an arbitrary point, then end the stream.
        stream.write(bytes.subarray(0, split));
        stream.end(bytes.subarray(split));
        for (;;) {
          try {
            decodeMuxPlist(await readMuxPacket(reader, 1_000));
          } catch (error) {
            expect(error instanceof MuxPacketError || error instanceof StreamClosedError).toBe(true);
            break;
          }
        }
        expect(largest()).toBeLessThanOrEqual(MUX_MAX_REPLY_BYTES);
      }),
      { numRuns: 300 },
    );
  });

  it('a Listen stream of garbage ends in a MuxError close event, not an exception', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(packetLike, { minLength: 1, maxLength: 4 }), async (packets) => {
        const socket = new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
        const listener = new MuxListener(socket as unknown as net.Socket, new ByteReader(socket));
        const closed = new Promise<Error | undefined>((resolve) => listener.on('close', resolve));
        listener.on('attached', () => undefined);
        for (const packet of packets) socket.push(packet);
        socket.push(null);
        expect(await closed).toBeInstanceOf(MuxError);
      }),
      { numRuns: 150 },
    );
  });
});
