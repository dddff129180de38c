import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';

/** The phone's own RSA key pair: its DevicePublicKey (§2.4) and its TLS server key (§2.6). */
export interface DeviceKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PKCS#8 PEM of the private key, as the TLS server wants it. */
  readonly privateKeyPem: string;
  /** `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1), the form lockdownd hands out (§2.4). */
  readonly publicKeyPkcs1Pem: string;
}

/** Loads `file`, or generates a 2048-bit key there the first time (slow, so it happens once). */
export function loadOrCreateDeviceKey(file: string): DeviceKey {
  let pem: string;
  if (fs.existsSync(file)) {
    pem = fs.readFileSync(file, 'utf8');
  } else {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    fs.writeFileSync(file, pem, { mode: 0o600 });
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    privateKeyPem: pem,
    publicKeyPkcs1Pem: publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}
