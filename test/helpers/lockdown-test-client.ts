import type net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import {
  ByteReader,
  decodePlist,
  encodePlistFrame,
  isPlistDict,
  plistData,
  plistString,
  readPlistFrame,
  type PlistDict,
} from '../../src/main/device/codec';
import { connectToDevicePort, RawMuxClient } from './raw-mux-client';

/**
 * A small lockdownd client for simulator tests that need what libimobiledevice's tools do not
 * expose (StopSession then plaintext, StartService of any name). It uses the pair record a real
 * tool stored in the fake usbmuxd, so the TLS identity is libimobiledevice's own.
 */
export class LockdownTestClient {
  private output: Duplex;
  private secure: tls.TLSSocket | undefined;
  private pipe: CipherPipe | undefined;

  private constructor(readonly socket: net.Socket, private readonly reader: ByteReader) {
    this.output = socket;
  }

  static async connect(muxAddress: string, deviceId: number, port = 62078): Promise<LockdownTestClient> {
    const { socket, reader } = await connectToDevicePort(muxAddress, deviceId, port);
    return new LockdownTestClient(socket, reader);
  }

  async request(request: PlistDict): Promise<PlistDict> {
    this.output.write(encodePlistFrame({ Label: 'lifeboat-test', ...request }, 'xml'));
    const reply = await readPlistFrame(this.reader);
    if (!isPlistDict(reply)) throw new Error('lockdownd replied with a plist that is not a dict.');
    return reply;
  }

  /** StartSession + TLS with the pair record's root certificate, like libimobiledevice's OpenSSL build (§2.6). */
  async startSession(pairRecord: PlistDict, useHostCertificate = false): Promise<PlistDict> {
    const reply = await this.request({ Request: 'StartSession', HostID: pairRecord.HostID ?? '', SystemBUID: pairRecord.SystemBUID ?? '' });
    if (reply.Error) return reply;
    const cert = plistData(useHostCertificate ? pairRecord.HostCertificate : pairRecord.RootCertificate);
    const key = plistData(useHostCertificate ? pairRecord.HostPrivateKey : pairRecord.RootPrivateKey);
    this.reader.detach();
    // TLS runs over a pipe we control, so ending it later does not end the TCP stream.
    const pipe = new CipherPipe(this.socket);
    this.pipe = pipe;
    const secure = tls.connect({ socket: pipe as unknown as net.Socket, cert, key, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.reader.reattach(secure);
    this.output = secure;
    this.secure = secure;
    return reply;
  }

  /** StopSession, then close_notify and back to plaintext on the same socket (§2.6 step 5). */
  async stopSession(sessionId: string): Promise<PlistDict> {
    const reply = await this.request({ Request: 'StopSession', SessionID: sessionId });
    const secure = this.secure;
    if (secure && this.pipe) {
      this.reader.detach();
      // end() sends close_notify through the pipe; after that the pipe lets go of the socket.
      await new Promise<void>((resolve) => secure.end(resolve));
      this.pipe.release();
      this.pipe = undefined;
      this.secure = undefined;
      this.output = this.socket;
      this.reader.reattach(this.socket);
    }
    return reply;
  }

  close(): void {
    this.secure?.destroy();
    this.socket.destroy();
  }
}

/** The pair record the fake usbmuxd holds for `udid` (stored by idevicepair), decoded. */
export async function readStoredPairRecord(muxAddress: string, udid: string): Promise<PlistDict> {
  const client = await RawMuxClient.open(muxAddress);
  try {
    const reply = await client.request({ MessageType: 'ReadPairRecord', PairRecordID: udid });
    const data = plistData(reply.PairRecordData);
    if (!data) throw new Error(`usbmuxd has no pair record for ${udid} (result ${String(reply.Number)}).`);
    const record = decodePlist(data);
    if (!isPlistDict(record)) throw new Error('The stored pair record is not a dict.');
    return record;
  } finally {
    client.close();
  }
}

export function sessionIdOf(reply: PlistDict): string {
  const id = plistString(reply.SessionID);
  if (!id) throw new Error(`StartSession failed: ${String(reply.Error)}`);
  return id;
}

/** Carries TLS records between a TLS socket and the raw stream until released. */
class CipherPipe extends Duplex {
  private released = false;
  private readonly onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.socket.pause();
  };
  private readonly onEnd = (): void => {
    this.push(null);
  };

  constructor(private readonly socket: net.Socket) {
    super();
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.resume();
  }

  override _read(): void {
    if (!this.released) this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.released) return callback();
    this.socket.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback();
  }

  release(): void {
    this.released = true;
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.pause();
  }
}
