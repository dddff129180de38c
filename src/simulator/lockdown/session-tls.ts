import { X509Certificate } from 'node:crypto';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

/** What the device presents and accepts in a TLS handshake (protocol.md §2.6). */
export interface TlsIdentity {
  /** DeviceCertificate PEM from the host's pair record (the host signed it for our key). */
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** PEMs the host may present: libimobiledevice's OpenSSL build sends the root, others the host cert. */
  readonly acceptedPeerPems: readonly string[];
}

const TLS_RECORD_HEADER_BYTES = 5;
const TLS_CONTENT_ALERT = 21;

export class TlsPeerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsPeerError';
  }
}

/**
 * Server options that libimobiledevice 1.3.0 (OpenSSL 3, security level 0) and modern clients
 * both accept. The device was only ever seen speaking TLS 1.2 (§2.6), so it is the cap.
 */
export function serverTlsOptions(identity: TlsIdentity): tls.TlsOptions {
  return {
    cert: identity.certificatePem,
    key: identity.privateKeyPem,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.2',
    ciphers: 'DEFAULT@SECLEVEL=0',
  };
}

/** Resolves once the handshake is done and the host proved it holds a certificate of its pair record. */
export function awaitTrustedPeer(secure: tls.TLSSocket, identity: TlsIdentity): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => reject(error);
    secure.once('error', fail);
    secure.once('close', () => reject(new TlsPeerError('The host closed the connection during the TLS handshake.')));
    secure.once('secure', () => {
      secure.off('error', fail);
      const peer = secure.getPeerX509Certificate();
      const accepted = identity.acceptedPeerPems.map((pem) => new X509Certificate(pem).raw);
      if (!peer || !accepted.some((raw) => raw.equals(peer.raw))) {
        reject(new TlsPeerError('The host presented a certificate that is not the one it paired with.'));
        return;
      }
      resolve();
    });
  });
}

/**
 * A TLS session on a lockdown connection that can end again (protocol.md §2.6 step 5): after
 * StopSession the host sends close_notify and continues in plaintext on the same stream. Node's
 * TLS socket cannot hand its transport back, so ciphertext goes through this splitter, which
 * forwards whole TLS records and, once told a stop is coming, cuts the stream after the host's
 * alert record and returns every later byte as plaintext.
 */
export class StoppableTlsSession {
  readonly secure: tls.TLSSocket;
  private readonly cipher: Duplex;
  private pending: Buffer = Buffer.alloc(0);
  private stopping = false;
  private finished = false;
  private settleStop: ((rest: Buffer) => void) | undefined;
  private failStop: ((error: Error) => void) | undefined;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onEnd = (): void => this.transportEnded();

  constructor(private readonly transport: Duplex, early: Buffer, identity: TlsIdentity) {
    this.cipher = new Duplex({
      read: () => {
        if (!this.finished) this.transport.resume();
      },
      write: (chunk: Buffer, _encoding, callback) => {
        // After the cut the TLS layer's own close_notify must not reach the plaintext stream.
        if (!this.finished && !this.transport.destroyed) this.transport.write(chunk);
        callback();
      },
      final: (callback) => callback(),
    });
    this.secure = new tls.TLSSocket(this.cipher as unknown as import('node:net').Socket, { isServer: true, ...serverTlsOptions(identity) });
    this.secure.on('error', () => this.transport.destroy());
    transport.on('data', this.onData);
    transport.on('end', this.onEnd);
    transport.on('close', this.onEnd);
    if (early.length > 0) this.receive(early);
    transport.resume();
  }

  /**
   * Call after writing the StopSession reply: resolves with the plaintext bytes that followed the
   * host's close_notify (the transport is paused and has them unshifted), or rejects if the host
   * hung up instead.
   */
  stop(): Promise<void> {
    this.stopping = true;
    return new Promise<Buffer>((resolve, reject) => {
      this.settleStop = resolve;
      this.failStop = reject;
      this.drainRecords();
    }).then((rest) => {
      if (rest.length > 0) this.transport.unshift(rest);
    });
  }

  private receive(chunk: Buffer): void {
    if (this.finished) return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.drainRecords();
  }

  private drainRecords(): void {
    while (!this.finished && this.pending.length >= TLS_RECORD_HEADER_BYTES) {
      const size = TLS_RECORD_HEADER_BYTES + this.pending.readUInt16BE(3);
      if (this.pending.length < size) break;
      const record = this.pending.subarray(0, size);
      const contentType = record[0];
      this.pending = this.pending.subarray(size);
      if (!this.cipher.push(record)) this.transport.pause();
      if (this.stopping && contentType === TLS_CONTENT_ALERT) this.cut();
    }
  }

  private cut(): void {
    this.finished = true;
    this.transport.off('data', this.onData);
    this.transport.off('end', this.onEnd);
    this.transport.off('close', this.onEnd);
    this.transport.pause();
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    this.cipher.push(null);
    this.secure.destroy();
    this.settleStop?.(rest);
  }

  private transportEnded(): void {
    if (this.finished) return;
    this.finished = true;
    this.cipher.push(null);
    this.failStop?.(new TlsPeerError('The host closed the connection instead of ending the TLS session.'));
  }
}
