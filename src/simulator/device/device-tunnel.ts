import type net from 'node:net';
import { Duplex } from 'node:stream';

/**
 * A token bucket shared by every connection of one device, so `FaultPlan.linkBytesPerSecond`
 * caps the whole cable rather than each socket (protocol.md §8.3). The rate is read on every
 * use so a test can change it mid-transfer; no rate means no waiting at all.
 */
export class LinkBudget {
  private available = 0;
  private lastRefill = Date.now();

  constructor(private readonly rate: () => number | undefined) {}

  /** Resolves when `bytes` may cross the link; undefined (no wait) when the link is unthrottled. */
  take(bytes: number): Promise<void> | undefined {
    const rate = this.rate();
    if (!rate || rate <= 0) return undefined;
    const now = Date.now();
    // Allow at most one second of burst, like a real link's buffers.
    this.available = Math.min(this.available + ((now - this.lastRefill) * rate) / 1000, rate);
    this.lastRefill = now;
    this.available -= bytes;
    if (this.available >= 0) return undefined;
    const waitMs = (-this.available / rate) * 1000;
    return new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
  }
}

/** Enough buffering that a bulk transfer is not paced by event-loop turns. */
const TUNNEL_BUFFER_BYTES = 1024 * 1024;

/**
 * One usbmuxd tunnel as the device-side handler sees it: the host socket behind the link budget.
 * Closing either end closes the other; it never emits 'error' (a pulled cable is a close), so
 * handlers need not guard against crashes from a vanished host.
 */
export class DeviceTunnel extends Duplex {
  private waiting = false;

  constructor(private readonly socket: net.Socket, private readonly budget: LinkBudget, log: (message: string) => void) {
    super({ allowHalfOpen: false, readableHighWaterMark: TUNNEL_BUFFER_BYTES, writableHighWaterMark: TUNNEL_BUFFER_BYTES });
    // A handler that ends its connection with destroy(error) must not take the simulator down.
    this.on('error', (error: Error) => log(`connection closed with an error: ${error.message}`));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', () => this.destroy());
    socket.resume();
  }

  override _read(): void {
    if (!this.waiting) this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  /** Corked writes (a whole upload flush) cross as one vectored socket write, under one budget take. */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const send = (): void => {
      if (this.socket.destroyed) return callback();
      let flushed = true;
      this.socket.cork();
      for (const { chunk } of chunks) flushed = this.socket.write(chunk);
      this.socket.uncork();
      if (flushed) callback();
      else this.socket.once('drain', () => callback());
    };
    const delay = this.budget.take(chunks.reduce((sum, { chunk }) => sum + chunk.length, 0));
    if (delay) void delay.then(send);
    else send();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  private receive(chunk: Buffer): void {
    const delay = this.budget.take(chunk.length);
    if (!delay) {
      if (!this.push(chunk)) this.socket.pause();
      return;
    }
    // Hold the socket until the budget allows this chunk, so chunks never overtake each other.
    this.socket.pause();
    this.waiting = true;
    void delay.then(() => {
      this.waiting = false;
      if (this.destroyed) return;
      if (this.push(chunk)) this.socket.resume();
    });
  }
}
