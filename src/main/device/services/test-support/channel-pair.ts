import { duplexPair, type Duplex } from 'node:stream';
import { ByteReader } from '../../codec';
import type { ServiceChannel } from '../service-channel';

/** The far end of a ChannelPair: what a scripted device in a unit test reads and writes. */
export interface ScriptedPeer {
  readonly socket: Duplex;
  readonly reader: ByteReader;
}

/**
 * An in-process connection for unit tests: the host side is a ServiceChannel like the lockdown
 * layer hands out, the other side is driven by the test from the protocol layouts. The host's
 * reads time out after `hostReadTimeoutMs` unless a client asks otherwise, like a channel from
 * lockdown (usbmux-client.ts); 0 waits forever.
 */
export function channelPair(hostReadTimeoutMs = 0): { readonly host: ServiceChannel; readonly peer: ScriptedPeer } {
  const [hostSocket, peerSocket] = duplexPair();
  const host: ServiceChannel = {
    socket: hostSocket,
    reader: new ByteReader(hostSocket, hostReadTimeoutMs),
    close: () => {
      hostSocket.destroy();
      peerSocket.destroy();
    },
  };
  return { host, peer: { socket: peerSocket, reader: new ByteReader(peerSocket) } };
}
