import type { Duplex } from 'node:stream';
import {
  ByteReader,
  StreamClosedError,
  type PlistDict,
  type PlistValue,
  decodePlist,
  encodePlistFrame,
  isPlistDict,
  readFrame,
  MAX_FRAME_BYTES,
} from '../../../main/device/codec';
import { HostGoneError, HostProtocolError } from './mb-error';

/** DeviceLink's "no value" placeholder (protocol.md §0.1). */
export const EMPTY_PARAMETER = '___EmptyParameterString___';

export interface DeviceLinkMessage {
  /** The leading `DL…` string, e.g. `DLMessageStatusResponse`. */
  readonly name: string;
  /** The whole array, name included, so indexes match protocol.md §3.5. */
  readonly items: readonly PlistValue[];
}

export interface DeviceLinkOptions {
  /** Called with the byte count of every chunk read or written, for the unplug-after-bytes fault. */
  readonly onTraffic?: (bytes: number) => void;
  /** The silentAfterBytes fault: bytes this device sends before it goes silent (read at every write). */
  readonly silentAfterBytes?: () => number | undefined;
}

/**
 * The device end of a DeviceLink connection (protocol.md §3.1): BE-u32 framed plist arrays whose
 * first item names the message, plus the raw byte streams of file transfers in between. The device
 * sends binary plists (§3.1 [observed]); it accepts either encoding from the host.
 */
export class DeviceLink {
  readonly reader: ByteReader;
  private gone: Error | undefined;
  private sentBytes = 0;
  /** The silent-phone faults: once set, nothing more is sent and every write waits for the host to hang up. */
  private silent = false;

  constructor(
    private readonly socket: Duplex,
    private readonly options: DeviceLinkOptions = {},
  ) {
    this.reader = new ByteReader(socket);
    socket.on('data', (chunk: Buffer) => this.options.onTraffic?.(chunk.length));
    socket.on('close', () => {
      this.gone ??= new HostGoneError('The connection to the computer closed.');
    });
    socket.on('error', (error: Error) => {
      this.gone ??= new HostGoneError(`The connection to the computer failed: ${error.message}`);
    });
  }

  get isOpen(): boolean {
    return this.gone === undefined && !this.socket.destroyed;
  }

  async send(items: readonly PlistValue[]): Promise<void> {
    await this.writeRaw(encodePlistFrame(items, 'binary'));
  }

  /** `["DLMessageProcessMessage", dict]`, the envelope of every mobilebackup2 message (§3.1). */
  async sendProcessMessage(dict: PlistDict): Promise<void> {
    await this.send(['DLMessageProcessMessage', dict]);
  }

  /** Writes bytes as they are, waiting for the socket to drain so a big upload never piles up in memory. */
  writeRaw(bytes: Buffer): Promise<void> {
    return this.writeRawPieces([bytes]);
  }

  /**
   * Writes pieces as they are, back to back, in one vectored socket write (the tunnel implements
   * `_writev`), waiting for the socket to drain like `writeRaw`.
   */
  async writeRawPieces(pieces: readonly Buffer[]): Promise<void> {
    if (!this.isOpen || !this.socket.writable) throw this.gone ?? new HostGoneError();
    if (this.silent) return this.hangUntilClosed();
    let toSend = pieces;
    const budget = this.options.silentAfterBytes?.();
    if (budget !== undefined) {
      const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
      if (this.sentBytes + total > budget) {
        // Fault injection: the phone stops talking here, possibly in the middle of a file.
        toSend = truncatePieces(pieces, Math.max(0, budget - this.sentBytes));
        this.silent = true;
      }
    }
    let flushed = true;
    let bytes = 0;
    this.socket.cork();
    for (const piece of toSend) {
      flushed = this.socket.write(piece);
      bytes += piece.length;
    }
    this.socket.uncork();
    this.sentBytes += bytes;
    this.options.onTraffic?.(bytes);
    if (this.silent) return this.hangUntilClosed();
    if (!flushed) await this.waitForDrain();
  }

  /**
   * The silentAfterFiles/silentAfterBytes faults: a phone that stays connected and says nothing
   * more (hung, or its screen locked mid-way). The host's idle time-out is what ends this.
   */
  fallSilent(): void {
    this.silent = true;
  }

  /** A silent phone's write: never sent, settled only as a failure once the host closes the link. */
  private hangUntilClosed(): Promise<void> {
    return new Promise<void>((_resolve, reject) => {
      if (!this.isOpen) {
        reject(this.gone ?? new HostGoneError());
        return;
      }
      this.socket.once('close', () => reject(this.gone ?? new HostGoneError()));
    });
  }

  /** The next DL message; `timeoutMs` (0 = forever) bounds the wait for its first byte. */
  async receive(timeoutMs = 0): Promise<DeviceLinkMessage> {
    let frame: Buffer;
    try {
      frame = await readFrame(this.reader, MAX_FRAME_BYTES, timeoutMs);
    } catch (error) {
      if (error instanceof StreamClosedError) throw new HostGoneError(error.message);
      throw error;
    }
    const value = decodePlist(frame);
    if (!Array.isArray(value) || typeof value[0] !== 'string' || !value[0].startsWith('DL')) {
      throw new HostProtocolError('The computer sent a message that is not a DeviceLink array.');
    }
    const items = value as readonly PlistValue[];
    return { name: items[0] as string, items };
  }

  /** Reads the next mobilebackup2 request: the dict of a DLMessageProcessMessage (§3.4). */
  async receiveProcessMessage(): Promise<PlistDict> {
    const message = await this.receive();
    if (message.name === 'DLMessageDisconnect') throw new HostGoneError('The computer said goodbye (DLMessageDisconnect).');
    const dict = message.items[1];
    if (message.name !== 'DLMessageProcessMessage' || !isPlistDict(dict)) {
      throw new HostProtocolError(`Expected a DLMessageProcessMessage, got ${message.name}.`);
    }
    return dict;
  }

  /**
   * DeviceLink version exchange (§3.2): offer our major version, accept the host's DLVersionsOk,
   * then announce DLMessageDeviceReady. Returns false when the host refuses the version.
   */
  async exchangeVersion(major: number, minor = 0): Promise<boolean> {
    await this.send(['DLMessageVersionExchange', major, minor]);
    const reply = await this.receive();
    if (reply.name !== 'DLMessageVersionExchange' || reply.items[1] !== 'DLVersionsOk') return false;
    await this.send(['DLMessageDeviceReady']);
    return true;
  }

  close(): void {
    this.gone ??= new HostGoneError('The device closed the connection.');
    this.socket.end();
  }

  private waitForDrain(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        this.socket.off('error', onClose);
      };
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onClose = (): void => {
        cleanup();
        reject(this.gone ?? new HostGoneError());
      };
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
      this.socket.on('error', onClose);
    });
  }
}

/** The first `length` bytes of `pieces`, as views. */
function truncatePieces(pieces: readonly Buffer[], length: number): Buffer[] {
  const kept: Buffer[] = [];
  let left = length;
  for (const piece of pieces) {
    if (left <= 0) break;
    kept.push(piece.length <= left ? piece : piece.subarray(0, left));
    left -= piece.length;
  }
  return kept;
}
