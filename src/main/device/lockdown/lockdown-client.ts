import type net from 'node:net';
import type tls from 'node:tls';
import {
  type ByteReader,
  encodePlistFrame,
  isPlistDict,
  type PlistDict,
  plistBoolean,
  plistData,
  plistString,
  type PlistValue,
  readPlistFrame,
  ReadTimeoutError,
  StreamClosedError,
} from '../codec';
import { DeviceError, LockdownError, lockdownErrorFromReply } from '../errors';
import { type MuxDevice, UsbmuxClient, DEFAULT_TIMEOUT_MS } from '../usbmux';
import { type PairRecord, publicPairRecord } from './pair-record';
import { upgradeToTls } from './tls-upgrade';

/** lockdownd listens on device port 62078 (protocol.md §2). */
export const LOCKDOWN_PORT = 62078;
/** Cap on one lockdown reply: whole-domain GetValue answers are a few KiB; a lying length must not cost more. */
export const LOCKDOWN_MAX_FRAME_BYTES = 4 * 1024 * 1024;
const LOCKDOWN_TYPE = 'com.apple.mobile.lockdown';

interface LockdownOptions {
  /** The usbmuxd client to connect through; default a new one at `muxAddress`. */
  readonly mux?: UsbmuxClient;
  readonly muxAddress?: string;
  /** Per-read timeout in milliseconds (default 30 s, like libimobiledevice §2.1). */
  readonly timeoutMs?: number;
  /** The `Label` lockdownd logs for our requests (§2.2). */
  readonly label?: string;
  /** Run QueryType first and insist on a normal (not restore-mode) lockdownd (§2.3). Default true. */
  readonly handshake?: boolean;
}

interface StartedSession {
  readonly sessionId: string;
  readonly sslEnabled: boolean;
}

/**
 * A lockdownd connection: big-endian length-prefixed plists (§2.1), one request at a time. After
 * StartSession the same connection continues inside TLS (§2.6). Any transport failure closes the
 * connection for good — lockdownd cannot resynchronise a half-read frame.
 */
export class LockdownClient {
  private queue: Promise<unknown> = Promise.resolve();
  private broken: LockdownError | undefined;
  private tlsSocket: tls.TLSSocket | undefined;

  constructor(
    private readonly rawSocket: net.Socket,
    private readonly reader: ByteReader,
    readonly device: MuxDevice,
    readonly mux: UsbmuxClient,
    readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
    private readonly label = 'lifeboat',
  ) {
    rawSocket.on('error', () => undefined);
  }

  get isTls(): boolean {
    return this.tlsSocket !== undefined;
  }

  /** Sends one request and returns the reply; an `Error` in the reply becomes a LockdownError. */
  request(verb: string, fields: PlistDict = {}, withProtocolVersion = false): Promise<PlistDict> {
    const run = async (): Promise<PlistDict> => {
      if (this.broken) throw this.broken;
      const message: Record<string, PlistValue> = { Label: this.label, Request: verb, ...fields };
      if (withProtocolVersion) message['ProtocolVersion'] = '2';
      let reply: PlistValue;
      try {
        this.stream().write(encodePlistFrame(message, 'xml'));
        reply = await readPlistFrame(this.reader, LOCKDOWN_MAX_FRAME_BYTES, this.timeoutMs);
      } catch (error) {
        throw this.breakWith(error, verb);
      }
      if (!isPlistDict(reply)) throw this.breakWith(new Error('the reply is not a dictionary'), verb);
      const errorName = plistString(reply['Error']);
      if (errorName) throw lockdownErrorFromReply(errorName, verb);
      // iOS < 5 said Result: Failure without always naming the error (§2.2).
      if (plistString(reply['Result']) === 'Failure') throw lockdownErrorFromReply('UnknownError', verb);
      return reply;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async queryType(): Promise<string> {
    const reply = await this.request('QueryType');
    return plistString(reply['Type']) ?? '';
  }

  /** GetValue (§2.4): no domain and no key returns the whole root domain. */
  async getValue(domain?: string, key?: string): Promise<PlistValue | undefined> {
    const fields: Record<string, PlistValue> = {};
    if (domain !== undefined) fields['Domain'] = domain;
    if (key !== undefined) fields['Key'] = key;
    const reply = await this.request('GetValue', fields);
    return reply['Value'];
  }

  async setValue(domain: string | undefined, key: string, value: PlistValue): Promise<void> {
    const fields: Record<string, PlistValue> = { Key: key, Value: value };
    if (domain !== undefined) fields['Domain'] = domain;
    await this.request('SetValue', fields);
  }

  async removeValue(domain: string | undefined, key: string): Promise<void> {
    const fields: Record<string, PlistValue> = { Key: key };
    if (domain !== undefined) fields['Domain'] = domain;
    await this.request('RemoveValue', fields);
  }

  /** Pair (§2.5.1): returns the EscrowBag the phone hands out, if any. Throws the trust-dialog errors (§2.5.2). */
  async pair(record: PairRecord): Promise<Buffer | undefined> {
    const reply = await this.request(
      'Pair',
      { PairRecord: publicPairRecord(record), PairingOptions: { ExtendedPairingErrors: true } },
      true,
    );
    return plistData(reply['EscrowBag']);
  }

  /** ValidatePair (§2.5.1): only iOS < 7 needs it, harmless otherwise. */
  async validatePair(record: PairRecord): Promise<void> {
    await this.request('ValidatePair', { PairRecord: publicPairRecord(record) }, true);
  }

  /** Unpair (§2.5.1); the reply's echoed verb is unreliable, so it is not checked. */
  async unpair(hostId: string): Promise<void> {
    await this.request('Unpair', { PairRecord: { HostID: hostId } }, true);
  }

  /**
   * StartSession (§2.6) and, when the phone asks for it, the TLS handshake on this connection with
   * the host certificate and key.
   */
  async startSession(record: PairRecord, systemBuid: string): Promise<StartedSession> {
    const reply = await this.request('StartSession', { HostID: record.hostId, SystemBUID: systemBuid });
    const sessionId = plistString(reply['SessionID']);
    if (!sessionId) throw this.breakWith(new Error('StartSession answered without a SessionID'), 'StartSession');
    const sslEnabled = plistBoolean(reply['EnableSessionSSL']) === true;
    if (sslEnabled) {
      try {
        this.tlsSocket = await upgradeToTls(
          this.rawSocket,
          this.reader,
          { certificate: record.hostCertificate, privateKey: record.hostPrivateKey },
          this.timeoutMs,
        );
        this.tlsSocket.on('error', () => undefined);
      } catch (error) {
        this.broken = error instanceof LockdownError ? error : new LockdownError('TlsFailed', String(error));
        this.close();
        throw error;
      }
    }
    return { sessionId, sslEnabled };
  }

  /**
   * StopSession (§2.6 step 5), then a TLS close_notify. libimobiledevice goes on in plaintext on the
   * same stream; Node cannot peel TLS off a socket, and clients close right afterwards anyway, so
   * this connection is finished: open a new one for more requests.
   */
  async stopSession(sessionId: string): Promise<void> {
    await this.request('StopSession', { SessionID: sessionId });
    this.broken = new LockdownError('SessionInactive', 'The lockdown session was stopped; connect to the iPhone again.');
    const secure = this.tlsSocket;
    if (!secure) return;
    const closed = new Promise<void>((resolve) => {
      secure.once('close', () => resolve());
      setTimeout(resolve, 1_000).unref();
    });
    secure.end();
    await closed;
    this.close();
  }

  /** Closes TLS and the tunnel; pending and later requests fail with ConnectionClosed. */
  close(): void {
    if (!this.broken) this.broken = new LockdownError('ConnectionClosed', 'The connection to the iPhone was closed.');
    this.tlsSocket?.destroy();
    this.rawSocket.destroy();
  }

  private stream(): net.Socket | tls.TLSSocket {
    return this.tlsSocket ?? this.rawSocket;
  }

  /** A transport failure: remember it, close the connection, and explain it to a person. */
  private breakWith(error: unknown, verb: string): LockdownError {
    let failure: LockdownError;
    if (error instanceof LockdownError) failure = error;
    else if (error instanceof ReadTimeoutError) {
      failure = new LockdownError(
        'Timeout',
        `The iPhone did not answer ${verb} within ${Math.round(error.timeoutMs / 1000)} s. Unplug it, plug it back in and try again.`,
        { cause: error },
      );
    } else if (error instanceof StreamClosedError) {
      failure = new LockdownError('ConnectionClosed', `The iPhone disconnected during ${verb}. Check the cable and try again.`, { cause: error });
    } else if (error instanceof DeviceError) {
      failure = new LockdownError('ConnectionClosed', error.message, { cause: error });
    } else {
      failure = new LockdownError('ProtocolError', `The iPhone sent an unreadable answer to ${verb}: ${(error as Error).message}`, { cause: error });
    }
    this.broken = failure;
    this.tlsSocket?.destroy();
    this.rawSocket.destroy();
    return failure;
  }
}

/** Connects to lockdownd on a device through usbmuxd (§1.3, §2) and, by default, checks QueryType. */
export async function openLockdown(device: MuxDevice, options: LockdownOptions = {}): Promise<LockdownClient> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const mux = options.mux ?? new UsbmuxClient({ address: options.muxAddress, timeoutMs });
  const tunnel = await mux.connect(device.deviceId, LOCKDOWN_PORT);
  const client = new LockdownClient(tunnel.socket, tunnel.reader, device, mux, timeoutMs, options.label);
  if (options.handshake !== false) {
    try {
      const type = await client.queryType();
      if (type !== LOCKDOWN_TYPE) {
        throw new LockdownError('NotLockdown', `The iPhone is not in normal mode (it reports "${type}"). Restart it and try again.`);
      }
    } catch (error) {
      client.close();
      throw error;
    }
  }
  return client;
}
