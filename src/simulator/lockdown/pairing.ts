import { type KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { plistData, plistString, type PlistDict, type PlistValue } from '../../main/device/codec';
import type { TrustedHost } from '../device/device-state';

/** The public part of a pair record a host sends with Pair (protocol.md §2.5.1). */
export interface PairRequestRecord {
  readonly hostId: string;
  readonly systemBuid: string;
  readonly deviceCertificatePem: string;
  readonly hostCertificatePem: string;
  readonly rootCertificatePem: string;
}

export type PairRecordCheck =
  | { readonly ok: PairRequestRecord }
  | { readonly error: 'MissingPairRecord' | 'MissingHostID' | 'InvalidPairRecord'; readonly reason: string };

function pemOf(value: PlistValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  return plistData(value)?.toString('utf8');
}

function parseCertificate(pem: string | undefined): X509Certificate | undefined {
  if (!pem) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/**
 * The checks a real phone makes before trusting a computer (§2.5.4): the device certificate must
 * carry this phone's public key and be signed by the host's root, and so must the host
 * certificate. A host with a broken certificate builder fails here, not later in TLS.
 */
export function checkPairRecord(record: PlistDict | undefined, devicePublicKey: KeyObject): PairRecordCheck {
  if (!record) return { error: 'MissingPairRecord', reason: 'The Pair request carried no PairRecord.' };
  const hostId = plistString(record.HostID);
  if (!hostId) return { error: 'MissingHostID', reason: 'The pair record has no HostID.' };
  const deviceCertificatePem = pemOf(record.DeviceCertificate);
  const hostCertificatePem = pemOf(record.HostCertificate);
  const rootCertificatePem = pemOf(record.RootCertificate);
  const device = parseCertificate(deviceCertificatePem);
  const host = parseCertificate(hostCertificatePem);
  const root = parseCertificate(rootCertificatePem);
  if (!device || !host || !root || !deviceCertificatePem || !hostCertificatePem || !rootCertificatePem) {
    return { error: 'InvalidPairRecord', reason: 'DeviceCertificate, HostCertificate and RootCertificate must all be PEM X.509 certificates.' };
  }
  const expectedKey = devicePublicKey.export({ type: 'spki', format: 'der' });
  if (!device.publicKey.export({ type: 'spki', format: 'der' }).equals(expectedKey)) {
    return { error: 'InvalidPairRecord', reason: 'The DeviceCertificate is not issued to this phone’s DevicePublicKey.' };
  }
  if (!device.verify(root.publicKey)) {
    return { error: 'InvalidPairRecord', reason: 'The DeviceCertificate is not signed by the RootCertificate.' };
  }
  if (!host.verify(root.publicKey)) {
    return { error: 'InvalidPairRecord', reason: 'The HostCertificate is not signed by the RootCertificate.' };
  }
  return {
    ok: { hostId, systemBuid: plistString(record.SystemBUID) ?? '', deviceCertificatePem, hostCertificatePem, rootCertificatePem },
  };
}

/** A new trusted-host record with a fresh EscrowBag (§2.5.1: returned by Pair, presented to StartService). */
export function trustHostRecord(record: PairRequestRecord, now = new Date()): TrustedHost {
  return { ...record, escrowBagBase64: randomBytes(256).toString('base64'), pairedAt: now.toISOString() };
}

/** True when the HostID is known and (if the host sent one) the root certificate is the one it paired with. */
export function matchesTrustedHost(trusted: TrustedHost | undefined, record: PlistDict | undefined): boolean {
  if (!trusted) return false;
  const root = pemOf(record?.RootCertificate);
  return root === undefined || parseCertificate(root)?.raw.equals(new X509Certificate(trusted.rootCertificatePem).raw) === true;
}
