import { createPublicKey, webcrypto } from 'node:crypto';
import { x509 } from './x509';

/** The certificates and keys of a new pairing, PEM text as the pair record stores them (§2.5.3). */
interface PairingCertificates {
  readonly rootCertificate: Buffer;
  readonly rootPrivateKey: Buffer;
  readonly hostCertificate: Buffer;
  readonly hostPrivateKey: Buffer;
  readonly deviceCertificate: Buffer;
}

const RSA_SIGNING: webcrypto.RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};
/** Ten years, counted in days like libimobiledevice (365 × 10, §2.5.4). */
const VALIDITY_MS = 365 * 10 * 24 * 60 * 60 * 1000;
/** pymobiledevice3 backdates a minute so a phone whose clock runs slightly behind still accepts the certs. */
const BACKDATE_MS = 60 * 1000;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * Builds root, host and device certificates from the phone's DevicePublicKey exactly as §2.5.4
 * describes: fresh RSA-2048 keys, X.509 v3, empty names, SHA-256, ten years, and the critical
 * BasicConstraints / KeyUsage extensions the phone checks.
 */
export async function generatePairingCertificates(devicePublicKeyPem: Buffer | string, now = new Date()): Promise<PairingCertificates> {
  const subtle = webcrypto.subtle;
  const rootKeys = (await subtle.generateKey(RSA_SIGNING, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const hostKeys = (await subtle.generateKey(RSA_SIGNING, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const deviceKey = await importDevicePublicKey(devicePublicKeyPem);
  const validity = { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + VALIDITY_MS) };
  const usage = new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true);

  const root = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: '',
    issuer: '',
    ...validity,
    publicKey: rootKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: RSA_SIGNING,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const host = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: '',
    issuer: '',
    ...validity,
    publicKey: hostKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: RSA_SIGNING,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), usage],
  });
  const device = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: '',
    issuer: '',
    ...validity,
    publicKey: deviceKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: RSA_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(deviceKey, false),
      usage,
    ],
  });
  return {
    rootCertificate: Buffer.from(root.toString('pem') + '\n'),
    rootPrivateKey: await privateKeyPem(rootKeys.privateKey),
    hostCertificate: Buffer.from(host.toString('pem') + '\n'),
    hostPrivateKey: await privateKeyPem(hostKeys.privateKey),
    deviceCertificate: Buffer.from(device.toString('pem') + '\n'),
  };
}

/** DevicePublicKey is PEM PKCS#1 ("RSA PUBLIC KEY", §2.4); accept SPKI too, and any RSA size. */
async function importDevicePublicKey(pem: Buffer | string): Promise<webcrypto.CryptoKey> {
  let keyObject;
  try {
    keyObject = createPublicKey({ key: pem, format: 'pem', type: 'pkcs1' });
  } catch {
    keyObject = createPublicKey({ key: pem, format: 'pem' });
  }
  const spki = keyObject.export({ type: 'spki', format: 'der' });
  return webcrypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']) as Promise<webcrypto.CryptoKey>;
}

/** PKCS#8 "BEGIN PRIVATE KEY", the form OpenSSL 3 and pymobiledevice3 write (§2.5.3). */
async function privateKeyPem(key: webcrypto.CryptoKey): Promise<Buffer> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return Buffer.from(`-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`);
}
