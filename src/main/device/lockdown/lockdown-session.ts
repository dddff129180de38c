import { type PlistValue, plistBoolean, plistInteger } from '../codec';
import { LockdownError } from '../errors';
import type { LockdownClient } from './lockdown-client';
import type { PairRecord } from './pair-record';
import { createServiceConnection, type ServiceConnection } from './service-connection';
import { upgradeToTls } from './tls-upgrade';

interface StartServiceOptions {
  /** Send the pair record's EscrowBag, which mobilebackup2 needs to work while the phone is locked (§2.7). */
  readonly escrowBag?: boolean;
}

/**
 * A started lockdown session (§2.6): values the phone only reveals to a trusted host, and
 * StartService for the service clients (§2.7).
 */
export class LockdownSession {
  private stopped = false;

  constructor(
    readonly client: LockdownClient,
    readonly sessionId: string,
    readonly pairRecord: PairRecord,
    readonly sslEnabled: boolean,
  ) {}

  getValue(domain?: string, key?: string): Promise<PlistValue | undefined> {
    return this.client.getValue(domain, key);
  }

  setValue(domain: string | undefined, key: string, value: PlistValue): Promise<void> {
    return this.client.setValue(domain, key, value);
  }

  /**
   * Starts a service and connects to the port the phone opened for it, through a new usbmuxd
   * Connect, with TLS when the phone sets EnableServiceSSL (§2.7).
   */
  async startService(name: string, options: StartServiceOptions = {}): Promise<ServiceConnection> {
    const fields: Record<string, PlistValue> = { Service: name };
    if (options.escrowBag) {
      if (!this.pairRecord.escrowBag) {
        throw new LockdownError('InvalidPairRecord', `The trust record for this iPhone has no escrow bag, which ${name} needs. Pair again (lifeboat pair).`);
      }
      fields['EscrowBag'] = this.pairRecord.escrowBag;
    }
    const reply = await this.client.request('StartService', fields);
    const port = plistInteger(reply['Port']);
    if (port === undefined || port < 1 || port > 65535) {
      throw new LockdownError('ProtocolError', `The iPhone started ${name} but gave no usable port.`);
    }
    const secureService = plistBoolean(reply['EnableServiceSSL']) === true;
    // A plain tunnel reads into reused memory: gigabytes of backup must not churn the heap (read-buffer-pool.ts).
    const tunnel = await this.client.mux.connect(this.client.device.deviceId, port, { reuseReadBuffers: !secureService });
    if (!secureService) return createServiceConnection(tunnel.socket, tunnel.reader);
    const secure = await upgradeToTls(
      tunnel.socket,
      tunnel.reader,
      { certificate: this.pairRecord.hostCertificate, privateKey: this.pairRecord.hostPrivateKey },
      this.client.timeoutMs,
    );
    secure.on('error', () => undefined);
    return createServiceConnection(secure, tunnel.reader, tunnel.socket);
  }

  /** StopSession (§2.6). Errors are swallowed when the phone is already gone: there is nothing left to stop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.client.stopSession(this.sessionId);
    } catch (error) {
      if (!(error instanceof LockdownError) || !['ConnectionClosed', 'Timeout'].includes(error.code)) throw error;
    }
  }
}
