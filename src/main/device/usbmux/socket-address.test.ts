import { describe, expect, it } from 'vitest';
import { defaultMuxAddress, parseMuxAddress, resolveMuxAddress } from './socket-address';

describe('USBMUXD_SOCKET_ADDRESS grammar (protocol.md §1.1)', () => {
  it('reads UNIX:<path> with any case of the prefix', () => {
    expect(parseMuxAddress('UNIX:/tmp/mux.sock', 'linux')).toEqual({ kind: 'unix', path: '/tmp/mux.sock' });
    expect(parseMuxAddress('unix:/tmp/mux.sock', 'linux')).toEqual({ kind: 'unix', path: '/tmp/mux.sock' });
    expect(parseMuxAddress('Unix:relative.sock', 'darwin')).toEqual({ kind: 'unix', path: 'relative.sock' });
  });

  it('reads host:port with the last colon as separator, and bracketed IPv6', () => {
    expect(parseMuxAddress('127.0.0.1:27015', 'linux')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 });
    expect(parseMuxAddress('localhost:1', 'linux')).toEqual({ kind: 'tcp', host: 'localhost', port: 1 });
    expect(parseMuxAddress('[::1]:27015', 'linux')).toEqual({ kind: 'tcp', host: '::1', port: 27015 });
    expect(parseMuxAddress('[fe80::1%eth0]:65535', 'linux')).toEqual({ kind: 'tcp', host: 'fe80::1%eth0', port: 65535 });
  });

  it('takes a bare path as a UNIX socket, even one containing a colon', () => {
    expect(parseMuxAddress('/var/run/usbmuxd', 'linux')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' });
    expect(parseMuxAddress('/tmp/odd:name', 'linux')).toEqual({ kind: 'unix', path: '/tmp/odd:name' });
    expect(parseMuxAddress('usbmuxd.sock', 'linux')).toEqual({ kind: 'unix', path: 'usbmuxd.sock' });
  });

  it('ignores what libusbmuxd ignores: bad ports, empty values, UNIX: on Windows', () => {
    for (const text of ['', '   ', 'host:0', 'host:65536', 'host:http', ':27015', 'host:', 'UNIX:']) {
      expect(parseMuxAddress(text, 'linux'), text).toBeUndefined();
    }
    expect(parseMuxAddress('UNIX:/tmp/x', 'win32')).toBeUndefined();
  });

  it('falls back to the platform default', () => {
    expect(defaultMuxAddress('linux')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' });
    expect(defaultMuxAddress('darwin')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' });
    expect(defaultMuxAddress('win32')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 });
    expect(resolveMuxAddress(undefined, {}, 'win32')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 });
    expect(resolveMuxAddress(undefined, { USBMUXD_SOCKET_ADDRESS: 'host:nope' }, 'linux')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' });
  });

  it('prefers an explicit address over the environment', () => {
    const env = { USBMUXD_SOCKET_ADDRESS: 'UNIX:/from/env' };
    expect(resolveMuxAddress(undefined, env, 'linux')).toEqual({ kind: 'unix', path: '/from/env' });
    expect(resolveMuxAddress('10.0.0.2:5000', env, 'linux')).toEqual({ kind: 'tcp', host: '10.0.0.2', port: 5000 });
  });
});
