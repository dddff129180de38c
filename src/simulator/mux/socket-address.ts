/**
 * Where the fake usbmuxd listens, written in the grammar hosts read from USBMUXD_SOCKET_ADDRESS
 * (protocol.md §1.1): `UNIX:<path>`, `<host>:<port>`, `[<ipv6>]:<port>`, or a bare path.
 */
export type MuxListenAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export class SocketAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SocketAddressError';
  }
}

/** `forListening` also accepts port 0 ("any free port"), which only makes sense for a server. */
export function parseMuxAddress(text: string, forListening = false): MuxListenAddress {
  const value = text.trim();
  if (value === '') throw new SocketAddressError('The usbmuxd listen address is empty; give UNIX:/path or host:port.');
  // libusbmuxd spells the prefix in upper case; accept any case like appium does.
  if (/^unix:/i.test(value)) {
    const socketPath = value.slice(5);
    if (socketPath === '') throw new SocketAddressError(`"${text}" names no socket path after UNIX:.`);
    return { kind: 'unix', path: socketPath };
  }
  if (value.startsWith('/') || value.startsWith('.')) return { kind: 'unix', path: value };
  // The last colon separates the port, so IPv6 needs brackets.
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return { kind: 'unix', path: value };
  let host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < (forListening ? 0 : 1) || port > 65535) {
    throw new SocketAddressError(`"${text}" has no valid port: it must be a number from 1 to 65535.`);
  }
  return { kind: 'tcp', host, port };
}

/** The value a host should put in USBMUXD_SOCKET_ADDRESS to reach `address`. */
export function formatMuxAddress(address: MuxListenAddress): string {
  if (address.kind === 'unix') return `UNIX:${address.path}`;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
