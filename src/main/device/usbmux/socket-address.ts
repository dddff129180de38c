/**
 * Where usbmuxd listens (protocol.md §1.1). `USBMUXD_SOCKET_ADDRESS` is read with libusbmuxd's
 * grammar — `UNIX:<path>`, `<host>:<port>`, `[<ipv6>]:<port>` — plus a case-insensitive `unix:`
 * prefix and a bare path, and anything unusable falls back to the platform default like
 * libusbmuxd does.
 */
export type MuxAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

const MUXD_ENV_VARIABLE = 'USBMUXD_SOCKET_ADDRESS';

/** Apple Mobile Device Service listens on loopback TCP on Windows; everyone else on a UNIX socket. */
export function defaultMuxAddress(platform: NodeJS.Platform = process.platform): MuxAddress {
  if (platform === 'win32') return { kind: 'tcp', host: '127.0.0.1', port: 27015 };
  return { kind: 'unix', path: '/var/run/usbmuxd' };
}

/**
 * Parses one address in the USBMUXD_SOCKET_ADDRESS grammar. Returns undefined for text libusbmuxd
 * would ignore (empty, or a colon with no valid port), so the caller falls back to the default.
 */
export function parseMuxAddress(text: string, platform: NodeJS.Platform = process.platform): MuxAddress | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  if (/^unix:/i.test(value)) {
    // libusbmuxd ignores the UNIX: form on Windows, which has no UNIX sockets for usbmuxd.
    const socketPath = value.slice('unix:'.length);
    if (socketPath === '' || platform === 'win32') return undefined;
    return { kind: 'unix', path: socketPath };
  }
  // A path (absolute or relative) is taken as a UNIX socket even if it happens to contain a colon.
  if (value.startsWith('/') || value.startsWith('./') || value.startsWith('../')) {
    return platform === 'win32' ? undefined : { kind: 'unix', path: value };
  }
  const colon = value.lastIndexOf(':');
  if (colon < 0) return platform === 'win32' ? undefined : { kind: 'unix', path: value };
  // The last colon separates the port; IPv6 hosts come in brackets, which are stripped.
  let host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '' || !/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  return { kind: 'tcp', host, port };
}

/** The address to use: an explicit one, else the environment override, else the platform default. */
export function resolveMuxAddress(
  explicit?: MuxAddress | string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): MuxAddress {
  if (explicit !== undefined && typeof explicit !== 'string') return explicit;
  const text = explicit ?? env[MUXD_ENV_VARIABLE];
  if (text !== undefined) {
    const parsed = parseMuxAddress(text, platform);
    if (parsed) return parsed;
  }
  return defaultMuxAddress(platform);
}

export function describeMuxAddress(address: MuxAddress): string {
  if (address.kind === 'unix') return address.path;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
