import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  ByteReader,
  decodePlist,
  encodeFrame,
  encodePlistFrame,
  isPlistDict,
  plistData,
  plistDictOf,
  plistString,
  readFrame,
  type PlistDict,
  type PlistValue,
} from '../../main/device/codec';
import type { DeviceKey } from '../device/device-key';
import type { TrustedHost } from '../device/device-state';
import type { ServiceContext } from '../device/service-context';
import { SERVICES, type ServiceDefinition } from '../services/registry';
import { getValue, type LockdownValueSource, removeValue, setValue, type ValueResult } from './lockdown-values';
import { checkPairRecord, matchesTrustedHost, trustHostRecord } from './pairing';
import { awaitTrustedPeer, StoppableTlsSession, type TlsIdentity } from './session-tls';

/** lockdownd's well-known device port (protocol.md §2). */
export const LOCKDOWN_PORT = 62078;
/** A lockdown request is a small plist; anything bigger is a broken or hostile host. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export type TrustDecision = 'accept' | 'deny' | 'pending';

/** What lockdownd needs from the virtual iPhone it runs on. */
export interface LockdownDevice extends LockdownValueSource {
  readonly key: DeviceKey;
  readonly context: ServiceContext;
  /** The person's answer to "Trust This Computer?" right now (§2.5.2). */
  trustDecision(): TrustDecision;
  /** Opens a one-shot device port for a started service (§2.7, §8.1) and returns its number. */
  openServicePort(name: string, service: ServiceDefinition, tls: TlsIdentity | undefined): number;
  /** A host changed or removed a value (EnableWifiConnections shows the phone on Wi-Fi). */
  valuesChanged(): void;
  log(message: string): void;
}

interface Session {
  readonly id: string;
  readonly host: TrustedHost;
  readonly tls: StoppableTlsSession;
}

type Reply = PlistDict & { readonly Request: string };

export function sessionTlsIdentity(host: TrustedHost, key: DeviceKey): TlsIdentity {
  return {
    certificatePem: host.deviceCertificatePem,
    privateKeyPem: key.privateKeyPem,
    acceptedPeerPems: [host.hostCertificatePem, host.rootCertificatePem],
  };
}

/**
 * Serves one lockdownd connection until the host hangs up (§2.1–§2.7). Over the network the phone
 * talks only to computers it already trusts: Pair is refused there (protocol-notes.md "Wi-Fi").
 */
export function serveLockdown(transport: Duplex, device: LockdownDevice, overNetwork = false): void {
  void new LockdownConnection(transport, device, overNetwork).run();
}

class LockdownConnection {
  private readonly reader: ByteReader;
  private output: Duplex;
  private session: Session | undefined;

  constructor(private readonly transport: Duplex, private readonly device: LockdownDevice, private readonly overNetwork: boolean) {
    this.reader = new ByteReader(transport);
    this.output = transport;
  }

  async run(): Promise<void> {
    try {
      for (;;) {
        const frame = await readFrame(this.reader, MAX_REQUEST_BYTES);
        let request: PlistValue;
        try {
          request = decodePlist(frame);
        } catch {
          this.send({ Request: '', Error: 'InvalidResponse' });
          continue;
        }
        if (!isPlistDict(request)) {
          this.send({ Request: '', Error: 'InvalidResponse' });
          continue;
        }
        if (!(await this.handle(request))) break;
      }
    } catch (error) {
      this.device.log(`lockdownd: connection ended: ${(error as Error).message}`);
    }
    this.transport.destroy();
  }

  /** Returns false when the connection should close. */
  private async handle(request: PlistDict): Promise<boolean> {
    const verb = plistString(request.Request) ?? '';
    this.device.log(`lockdownd: ${verb}${this.session ? ' (in session)' : ''}`);
    switch (verb) {
      case 'QueryType':
        this.send({ Request: verb, Type: 'com.apple.mobile.lockdown' });
        return true;
      case 'GetValue':
      case 'SetValue':
      case 'RemoveValue':
        this.send(this.values(verb, request));
        return true;
      case 'Pair':
        this.send(this.pair(request));
        return true;
      case 'ValidatePair': {
        const record = plistDictOf(request.PairRecord);
        const host = this.device.state.trustedHost(plistString(record?.HostID) ?? '');
        this.send(matchesTrustedHost(host, record) ? { Request: verb } : { Request: verb, Error: 'InvalidHostID' });
        return true;
      }
      case 'Unpair': {
        const hostId = plistString(plistDictOf(request.PairRecord)?.HostID) ?? plistString(request.HostID);
        if (!hostId) this.send({ Request: verb, Error: 'MissingHostID' });
        else this.send(this.device.state.forgetHost(hostId) ? { Request: verb } : { Request: verb, Error: 'InvalidHostID' });
        return true;
      }
      case 'StartSession':
        this.startSession(request);
        return true;
      case 'StopSession':
        return this.stopSession(request);
      case 'StartService':
        this.send(this.startService(request));
        return true;
      case 'Goodbye':
        this.send({ Request: verb, Result: 'Success' });
        return false;
      default:
        this.send({ Request: verb, Error: 'InvalidRequest' });
        return true;
    }
  }

  private values(verb: 'GetValue' | 'SetValue' | 'RemoveValue', request: PlistDict): Reply {
    const domain = plistString(request.Domain);
    const key = plistString(request.Key);
    const inSession = this.session !== undefined;
    let result: ValueResult;
    if (verb === 'GetValue') result = getValue(this.device, domain ?? '', key, inSession);
    else if (verb === 'SetValue') result = setValue(this.device, domain ?? '', key, request.Value, inSession);
    else result = removeValue(this.device, domain ?? '', key, inSession);
    const echo = { Request: verb, ...(domain === undefined ? {} : { Domain: domain }), ...(key === undefined ? {} : { Key: key }) };
    if ('error' in result) return { ...echo, Error: result.error };
    if (verb !== 'GetValue') this.device.valuesChanged();
    return verb === 'GetValue' ? { ...echo, Value: result.value } : echo;
  }

  /** Pair (§2.5): certificate checks, then the passcode and the trust prompt (§2.5.2). */
  private pair(request: PlistDict): Reply {
    // libimobiledevice and Apple's tools name this error; a phone pairs over USB only.
    if (this.overNetwork) return { Request: 'Pair', Error: 'PairingProhibitedOverThisConnection' };
    const checked = checkPairRecord(plistDictOf(request.PairRecord), this.device.key.publicKey);
    if ('error' in checked) {
      this.device.log(`lockdownd: Pair refused: ${checked.reason}`);
      return { Request: 'Pair', Error: checked.error };
    }
    if (this.device.faults().locked) return { Request: 'Pair', Error: 'PasswordProtected' };
    const known = this.device.state.trustedHost(checked.ok.hostId);
    const alreadyTrusted = matchesTrustedHost(known, plistDictOf(request.PairRecord));
    if (!alreadyTrusted) {
      const decision = this.device.trustDecision();
      if (decision === 'pending') return { Request: 'Pair', Error: 'PairingDialogResponsePending' };
      if (decision === 'deny') return { Request: 'Pair', Error: 'UserDeniedPairing' };
    }
    const host = trustHostRecord(checked.ok);
    this.device.state.trustHost(host);
    this.device.log(`lockdownd: now trusting host ${host.hostId}`);
    return { Request: 'Pair', EscrowBag: Buffer.from(host.escrowBagBase64, 'base64') };
  }

  /** StartSession and the TLS upgrade on the same socket (§2.6). */
  private startSession(request: PlistDict): void {
    const hostId = plistString(request.HostID);
    if (!hostId) return this.send({ Request: 'StartSession', Error: 'MissingHostID' });
    if (this.session) return this.send({ Request: 'StartSession', Error: 'SessionActive' });
    const host = this.device.state.trustedHost(hostId);
    if (!host) return this.send({ Request: 'StartSession', Error: 'InvalidHostID' });
    const id = randomUUID().toUpperCase();
    this.send({ Request: 'StartSession', SessionID: id, EnableSessionSSL: true });
    // The host starts its TLS client handshake right after reading this reply.
    const early = this.reader.detach();
    const identity = sessionTlsIdentity(host, this.device.key);
    const tls = new StoppableTlsSession(this.transport, early, identity);
    this.reader.reattach(tls.secure);
    this.output = tls.secure;
    this.session = { id, host, tls };
    awaitTrustedPeer(tls.secure, identity).catch((error: Error) => {
      this.device.log(`lockdownd: TLS session refused: ${error.message}`);
      this.transport.destroy();
    });
  }

  /** StopSession: reply inside TLS, then continue in plaintext after the host's close_notify (§2.6 step 5). */
  private async stopSession(request: PlistDict): Promise<boolean> {
    const session = this.session;
    if (!session) {
      this.send({ Request: 'StopSession', Error: 'SessionInactive' });
      return true;
    }
    const sessionId = plistString(request.SessionID);
    if (sessionId !== undefined && sessionId !== session.id) {
      this.send({ Request: 'StopSession', Error: 'InvalidSessionID' });
      return true;
    }
    this.send({ Request: 'StopSession' });
    const stopped = session.tls.stop();
    this.reader.detach();
    this.session = undefined;
    try {
      await stopped;
    } catch {
      return false;
    }
    this.output = this.transport;
    this.reader.reattach(this.transport);
    return true;
  }

  /** StartService (§2.7): needs a session; escrow-bag services need the bag while the phone is locked. */
  private startService(request: PlistDict): Reply {
    const name = plistString(request.Service);
    if (!name) return { Request: 'StartService', Error: 'MissingService' };
    const service = SERVICES.get(name);
    if (!this.session && !service?.withoutSession) return { Request: 'StartService', Error: 'SessionInactive' };
    if (!service) return { Request: 'StartService', Service: name, Error: 'InvalidService' };
    const host = this.session?.host;
    if (service.needsEscrowBag && this.device.faults().locked) {
      const bag = plistData(request.EscrowBag);
      if (!bag) return { Request: 'StartService', Service: name, Error: 'PasswordProtected' };
      if (!host || !bag.equals(Buffer.from(host.escrowBagBase64, 'base64'))) {
        return { Request: 'StartService', Service: name, Error: 'EscrowLocked' };
      }
    }
    // Without a session there is no pair record to build a TLS identity from, so no service TLS.
    const identity = service.ssl && host ? sessionTlsIdentity(host, this.device.key) : undefined;
    const port = this.device.openServicePort(name, service, identity);
    return { Request: 'StartService', Service: name, Port: port, ...(identity ? { EnableServiceSSL: true } : {}) };
  }

  private send(reply: Reply): void {
    if (this.output.destroyed) return;
    if (this.device.faults().malformedReplies === 'lockdown') {
      // A truncated XML plist: the host must report a protocol error, not hang.
      this.output.write(encodeFrame(Buffer.from('<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>Request</key>')));
      return;
    }
    this.output.write(encodePlistFrame(reply, 'xml'));
  }
}
