import type { Duplex } from 'node:stream';
import type { ByteReader } from '../codec';

/**
 * A connection to one device service started through lockdownd (protocol.md §2.7): the byte stream
 * (TLS-wrapped when the service asked for it) and a reader over it that already holds any bytes
 * that arrived early. The service clients (device-link, mobilebackup2, afc, notification-proxy)
 * speak their protocol over this.
 */
export interface ServiceConnection {
  readonly socket: Duplex;
  readonly reader: ByteReader;
  /** Tears down the TLS layer (if any) and the usbmuxd tunnel; safe to call twice. */
  close(): void;
}

/** Wraps a stream (and the raw tunnel beneath a TLS layer) into a ServiceConnection. */
export function createServiceConnection(socket: Duplex, reader: ByteReader, underlying?: Duplex): ServiceConnection {
  let closed = false;
  return {
    socket,
    reader,
    close(): void {
      if (closed) return;
      closed = true;
      socket.destroy();
      underlying?.destroy();
    },
  };
}
