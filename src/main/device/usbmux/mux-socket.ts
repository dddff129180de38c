import net from 'node:net';
import { type ReadBufferPool, ReadTimeoutError, StreamClosedError } from '../codec';
import { MuxError } from '../errors';
import { MuxPacketError } from './mux-packet';
import { describeMuxAddress, type MuxAddress } from './socket-address';

/**
 * Opens a stream socket to usbmuxd, failing with a sentence when the daemon is not there. With
 * `readBuffers` the socket reads into that pool's reused memory (Node's `onread`) and hands each
 * piece on as a 'data' event, so a ByteReader built with the same pool reads it as usual.
 */
export function openMuxSocket(address: MuxAddress, timeoutMs: number, readBuffers?: ReadBufferPool): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const onread =
      readBuffers === undefined
        ? undefined
        : {
            buffer: () => readBuffers.nextReadTarget(),
            callback: (count: number, target: Uint8Array): boolean => {
              socket.emit('data', readBuffers.received(target, count));
              return true;
            },
          };
    const socket: net.Socket =
      address.kind === 'unix' ? net.connect({ path: address.path, onread }) : net.connect({ host: address.host, port: address.port, onread });
    let timer: NodeJS.Timeout | undefined;
    const settle = (error: Error | undefined): void => {
      if (timer) clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    };
    const onConnect = (): void => settle(undefined);
    const onError = (error: Error): void => settle(daemonUnreachable(address, error));
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (timeoutMs > 0) {
      timer = setTimeout(() => settle(daemonUnreachable(address, new Error(`no answer within ${timeoutMs} ms`))), timeoutMs);
    }
  });
}

function daemonUnreachable(address: MuxAddress, cause: Error): MuxError {
  return new MuxError(
    'DaemonUnreachable',
    `Cannot reach usbmuxd at ${describeMuxAddress(address)} (${cause.message}). ` +
      'Make sure usbmuxd (Linux) or the Apple Mobile Device service (Windows/macOS) is running, ' +
      'or set USBMUXD_SOCKET_ADDRESS to where it listens.',
    { cause },
  );
}

/** Maps the codec's stream errors onto MuxError so callers switch on one error type. */
export function toMuxError(error: unknown, doing: string): Error {
  if (error instanceof MuxError) return error;
  if (error instanceof ReadTimeoutError) {
    return new MuxError('Timeout', `usbmuxd did not answer ${doing} within ${Math.round(error.timeoutMs / 1000)} s.`, { cause: error });
  }
  if (error instanceof StreamClosedError) {
    return new MuxError('ConnectionClosed', `usbmuxd closed the connection while ${doing}.`, { cause: error });
  }
  if (error instanceof MuxPacketError) {
    return new MuxError('ProtocolError', `usbmuxd sent something unexpected while ${doing}: ${error.message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
