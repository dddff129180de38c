import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteReader } from '../../src/main/device/codec';
import { decodeMuxPlist, readMuxPacket } from '../../src/main/device/usbmux';
import { muxPacket } from './usbmux-fake-daemon';

/**
 * Why Lifeboat has its own usbmuxd client (docs/dependencies.md): the npm `usbmux` package
 * assembles packets assuming every read starts with a whole 16-byte header. When a packet's header
 * is split across reads — which a busy socket does — it misreads the rest of the stream.
 */
const require = createRequire(import.meta.url);
const netModule = require('node:net') as { connect: unknown };
const originalConnect = netModule.connect;

afterEach(() => {
  netModule.connect = originalConnect;
});

/** A stand-in socket the test feeds chunk by chunk, so the split is exact and repeatable. */
class ScriptedSocket extends EventEmitter {
  readonly written: Buffer[] = [];
  write(data: Buffer): boolean {
    this.written.push(data);
    return true;
  }
  end(): void {}
}

const listenReply = Buffer.concat([
  muxPacket(1, { MessageType: 'Result', Number: 0 }),
  muxPacket(0, { MessageType: 'Attached', DeviceID: 7, Properties: { ConnectionType: 'USB', DeviceID: 7, SerialNumber: 'split-phone' } }),
]);
/** Split inside the first header: 6 bytes, then the rest. */
const chunks = [listenReply.subarray(0, 6), listenReply.subarray(6)];

/** Feeds node-usbmux's Listen socket the given chunks and returns the UDIDs it reported attached. */
function attachedSeenByNodeUsbmux(feed: readonly Buffer[]): string[] {
  const socket = new ScriptedSocket();
  netModule.connect = () => socket;
  const usbmux = require('usbmux') as { createListener(): EventEmitter };
  const listener = usbmux.createListener();
  const attached: string[] = [];
  listener.on('attached', (udid: string) => attached.push(udid));
  listener.on('error', () => undefined);
  for (const chunk of feed) {
    try {
      socket.emit('data', chunk);
    } catch {
      // In an app this would be an uncaught exception out of the socket's data handler.
    }
  }
  return attached;
}

describe('node-usbmux (npm "usbmux") evaluation', () => {
  it('sees the Attached event when each read holds whole packets (control)', () => {
    expect(attachedSeenByNodeUsbmux([listenReply])).toEqual(['split-phone']);
  });

  it('silently loses the Attached event when a packet header is split across reads', () => {
    expect(attachedSeenByNodeUsbmux(chunks)).toEqual([]);
  });

  it('while Lifeboat\'s reader gets both packets from the same chunks', async () => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream, 1_000);
    for (const chunk of chunks) stream.write(chunk);
    const result = decodeMuxPlist(await readMuxPacket(reader, 1_000));
    const event = decodeMuxPlist(await readMuxPacket(reader, 1_000));
    expect(result['Number']).toBe(0);
    expect(event['MessageType']).toBe('Attached');
  });
});
