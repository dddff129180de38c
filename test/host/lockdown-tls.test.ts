import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteReader, encodePlistFrame, readPlistFrame } from '../../src/main/device/codec';
import { LockdownError } from '../../src/main/device/errors';
import { createServiceConnection, upgradeToTls } from '../../src/main/device/lockdown';
// Not in the lockdown index: pairing loads it (and @peculiar/x509) only when it pairs.
import { generatePairingCertificates } from '../../src/main/device/lockdown/pair-certificates';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A TLS "service" the way the phone runs one (§2.7): plaintext first, then TLS server with the device certificate. */
async function startTlsPeer(serve: (socket: net.Socket) => void): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  const socketPath = path.join(root, 'service.sock');
  const server = net.createServer(serve);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  cleanups.push(() => {
    server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return socketPath;
}

async function connect(socketPath: string): Promise<net.Socket> {
  const socket = net.connect(socketPath);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

describe('TLS upgrade on an established stream (protocol.md §2.6, §2.7)', () => {
  it('handshakes with the pair record\'s host identity and keeps framing on the same reader', async () => {
    const deviceKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certs = await generatePairingCertificates(deviceKeys.publicKey.export({ type: 'pkcs1', format: 'pem' }));
    let peerCertificate: Buffer | undefined;
    const socketPath = await startTlsPeer((raw) => {
      const secure = new tls.TLSSocket(raw, {
        isServer: true,
        cert: certs.deviceCertificate,
        key: deviceKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
        requestCert: true,
        rejectUnauthorized: false,
      });
      secure.on('secure', () => {
        peerCertificate = secure.getPeerCertificate().raw;
        secure.write(encodePlistFrame({ Hello: 'inside TLS' }, 'xml'));
      });
      secure.on('error', () => undefined);
    });

    const socket = await connect(socketPath);
    const reader = new ByteReader(socket, 5_000);
    const secure = await upgradeToTls(socket, reader, { certificate: certs.hostCertificate, privateKey: certs.hostPrivateKey }, 5_000);
    const connection = createServiceConnection(secure, reader, socket);
    try {
      expect(await readPlistFrame(reader)).toEqual({ Hello: 'inside TLS' });
      expect(peerCertificate).toEqual(new X509Certificate(certs.hostCertificate).raw);
    } finally {
      connection.close();
    }
    expect(secure.destroyed && socket.destroyed).toBe(true);
  });

  it('fails with TlsFailed and a sentence when the peer is not speaking TLS', async () => {
    const socketPath = await startTlsPeer((raw) => {
      raw.on('data', () => raw.end('HTTP/1.0 400 nonsense\r\n\r\n'));
      raw.on('error', () => undefined);
    });
    const socket = await connect(socketPath);
    const deviceKeys = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const certs = await generatePairingCertificates(deviceKeys.publicKey.export({ type: 'pkcs1', format: 'pem' }));
    const error = await upgradeToTls(socket, new ByteReader(socket), { certificate: certs.hostCertificate, privateKey: certs.hostPrivateKey }, 5_000).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LockdownError);
    expect((error as LockdownError).code).toBe('TlsFailed');
    expect((error as LockdownError).message).toMatch(/pair again/);
    expect(socket.destroyed).toBe(true);
  });
});
