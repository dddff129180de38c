import type { Duplex } from 'node:stream';
import type { ByteReader } from '../codec';
import { ServiceError } from './service-error';

/**
 * The connected stream a service client talks over: the socket (already TLS-wrapped when
 * StartService said `EnableServiceSSL`, protocol.md §2.7) and one ByteReader over it.
 * The lockdown layer's `ServiceConnection` has exactly this shape, so it can be passed as is;
 * the clients only need the structure, which keeps them testable over an in-process duplex.
 */
export interface ServiceChannel {
  readonly socket: Duplex;
  readonly reader: ByteReader;
  close(): void;
}

/**
 * Writes bytes and waits until the socket accepted them or asks to slow down, so streaming a large
 * file never queues it all in memory (protocol.md §8.5). Accepted is not written: the socket may
 * still hold `bytes` after this resolves. `onWritten` is called once it no longer does (written,
 * or failed), for a caller that reuses the memory.
 */
export function writeToChannel(channel: ServiceChannel, bytes: Buffer, onWritten?: () => void): Promise<void> {
  const { socket } = channel;
  if (socket.destroyed || socket.writableEnded) {
    return Promise.reject(new ServiceError('connection-closed', 'The connection to the device is already closed; nothing more can be sent.'));
  }
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      cleanup();
      reject(new ServiceError('connection-closed', `Sending to the device failed: ${error.message}`, { cause: error }));
    };
    const onClose = (): void => {
      cleanup();
      reject(new ServiceError('connection-closed', 'The connection to the device closed while sending.'));
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('drain', onDrain);
    };
    socket.on('error', onError);
    socket.on('close', onClose);
    const flushed = socket.write(bytes, (error) => {
      onWritten?.();
      if (error) onError(error);
    });
    if (flushed) {
      cleanup();
      resolve();
    } else {
      socket.on('drain', onDrain);
    }
  });
}
