import type net from 'node:net';
import tls from 'node:tls';
import type { ByteReader } from '../codec';
import { LockdownError } from '../errors';

interface TlsCredentials {
  readonly certificate: Buffer;
  readonly privateKey: Buffer;
}

/**
 * Starts a TLS client handshake on a socket that has been speaking plaintext (StartSession §2.6,
 * services with EnableServiceSSL §2.7) and moves the reader onto the TLS stream. The phone is the
 * TLS server; its certificate is not verified (nobody does: it is self-issued, §2.6). The cipher
 * string drops OpenSSL's security level so old phones with small keys or SHA-1 still connect.
 */
export function upgradeToTls(socket: net.Socket, reader: ByteReader, credentials: TlsCredentials, timeoutMs: number): Promise<tls.TLSSocket> {
  // Errors on the raw socket surface through the TLS socket; without a listener Node would throw them.
  socket.on('error', () => undefined);
  const early = reader.detach();
  // Bytes read before the switch belong to the TLS layer now.
  if (early.length > 0) socket.unshift(early);
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      cert: credentials.certificate,
      key: credentials.privateKey,
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined): void => {
      if (timer) clearTimeout(timer);
      secure.off('secureConnect', onSecure);
      secure.off('error', onError);
      secure.off('close', onClose);
      if (error) {
        secure.destroy();
        socket.destroy();
        reject(
          new LockdownError(
            'TlsFailed',
            `Could not set up the encrypted connection to the iPhone (${error.message}). ` +
              'If this keeps happening, pair again (lifeboat pair) and tap Trust on the iPhone.',
            { cause: error },
          ),
        );
        return;
      }
      reader.reattach(secure);
      resolve(secure);
    };
    const onSecure = (): void => finish(undefined);
    const onError = (error: Error): void => finish(error);
    const onClose = (): void => finish(new Error('the iPhone closed the connection during the handshake'));
    secure.once('secureConnect', onSecure);
    secure.once('error', onError);
    secure.once('close', onClose);
    if (timeoutMs > 0) timer = setTimeout(() => finish(new Error(`no handshake within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  });
}
