import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { type ByteReader, plistInteger, plistString } from '../codec';
import { type MuxDevice, parseAttachedDevice } from './mux-device';
import { decodeMuxPlist, readMuxPacket } from './mux-packet';
import { toMuxError } from './mux-socket';

interface MuxListenerEvents {
  attached: [device: MuxDevice];
  detached: [deviceId: number];
  paired: [deviceId: number];
  /** The event stream ended; `error` says why unless `close()` was called. */
  close: [error: Error | undefined];
}

/**
 * The event stream a Listen request turns its socket into (protocol.md §1.3): Attached for each
 * device already connected, then Attached / Detached / Paired as they happen. Reads have no
 * timeout — the stream is legitimately silent while nothing is plugged in.
 */
export class MuxListener extends EventEmitter<MuxListenerEvents> {
  private closed = false;

  constructor(private readonly socket: net.Socket, private readonly reader: ByteReader) {
    super();
    // Start after the caller had a chance to subscribe to the replayed Attached events.
    setImmediate(() => void this.readLoop());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.emit('close', undefined);
  }

  private async readLoop(): Promise<void> {
    try {
      while (!this.closed) {
        const message = decodeMuxPlist(await readMuxPacket(this.reader, 0));
        if (this.closed) return;
        this.dispatch(message);
      }
    } catch (error) {
      if (this.closed) return;
      this.closed = true;
      this.socket.destroy();
      this.emit('close', toMuxError(error, 'listening for devices'));
    }
  }

  private dispatch(message: Parameters<typeof parseAttachedDevice>[0]): void {
    const type = plistString(message['MessageType']);
    if (type === 'Attached') {
      const device = parseAttachedDevice(message);
      if (device) this.emit('attached', device);
      return;
    }
    const deviceId = plistInteger(message['DeviceID']);
    if (deviceId === undefined) return;
    if (type === 'Detached') this.emit('detached', deviceId);
    else if (type === 'Paired') this.emit('paired', deviceId);
    // Unknown message types are ignored: Apple's daemon adds new ones over time.
  }
}
