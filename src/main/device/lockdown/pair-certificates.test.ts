import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatePairingCertificates } from './pair-certificates';
import { x509 } from './x509';

const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

describe('pairing certificates (protocol.md §2.5.4)', () => {
  it('builds root, host and device certificates with the extensions the phone checks', async () => {
    const device = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const devicePem = device.publicKey.export({ type: 'pkcs1', format: 'pem' });
    const now = new Date('2026-01-01T00:00:00Z');
    const certs = await generatePairingCertificates(devicePem, now);

    const root = new X509Certificate(certs.rootCertificate);
    const host = new X509Certificate(certs.hostCertificate);
    const deviceCert = new X509Certificate(certs.deviceCertificate);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(host.verify(root.publicKey)).toBe(true);
    expect(deviceCert.verify(root.publicKey)).toBe(true);
    expect(deviceCert.publicKey.export({ type: 'spki', format: 'der' })).toEqual(device.publicKey.export({ type: 'spki', format: 'der' }));
    expect(host.checkPrivateKey(createPrivateKey(certs.hostPrivateKey))).toBe(true);
    expect(certs.rootPrivateKey.toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    for (const pem of [certs.rootCertificate, certs.hostCertificate, certs.deviceCertificate]) {
      const cert = new x509.X509Certificate(pem.toString());
      expect(cert.subject).toBe('');
      expect(cert.issuer).toBe('');
      expect(cert.signatureAlgorithm.hash.name).toBe('SHA-256');
      expect(cert.publicKey.algorithm).toMatchObject({ modulusLength: 2048 });
      const years = (cert.notAfter.getTime() - now.getTime()) / (365 * 24 * 3600 * 1000);
      expect(Math.round(years)).toBe(10);
      const basic = cert.getExtension(BASIC_CONSTRAINTS) as InstanceType<typeof x509.BasicConstraintsExtension>;
      expect(basic.critical).toBe(true);
      expect(basic.ca).toBe(pem === certs.rootCertificate);
    }
    for (const pem of [certs.hostCertificate, certs.deviceCertificate]) {
      const usage = new x509.X509Certificate(pem.toString()).getExtension(KEY_USAGE) as InstanceType<typeof x509.KeyUsagesExtension>;
      expect(usage.critical).toBe(true);
      expect(usage.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    }
    const ski = new x509.X509Certificate(certs.deviceCertificate.toString()).getExtension(SUBJECT_KEY_IDENTIFIER);
    expect(ski?.critical).toBe(false);
  });

  it('accepts a small old-style device key', async () => {
    const device = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const certs = await generatePairingCertificates(device.publicKey.export({ type: 'pkcs1', format: 'pem' }));
    expect(new X509Certificate(certs.deviceCertificate).publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
  });
});
