import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PlistValue, encodePlistFrame, readPlistFrame } from '../codec';
import { NOTIFICATION_PROXY_MAX_MESSAGE_BYTES, NotificationName, NotificationProxyClient } from './notification-proxy';
import { type ScriptedPeer, channelPair } from './test-support/channel-pair';

let closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers) close();
  closers = [];
});

function connect(): { np: NotificationProxyClient; peer: ScriptedPeer } {
  const { host, peer } = channelPair();
  closers.push(host.close);
  return { np: new NotificationProxyClient(host, { shutdownTimeoutMs: 2000 }), peer };
}

const relay = (peer: ScriptedPeer, name: string): void => {
  peer.socket.write(encodePlistFrame({ Command: 'RelayNotification', Name: name }, 'xml'));
};

describe('NotificationProxyClient (§2.8)', () => {
  it('posts and observes one name per request, as XML', async () => {
    const { np, peer } = connect();
    await np.post(NotificationName.SYNC_WILL_START);
    await np.observe([NotificationName.SYNC_CANCEL_REQUEST, NotificationName.PASSCODE_PROMPT_PRESENTED]);
    const frames: PlistValue[] = [];
    for (let i = 0; i < 3; i += 1) frames.push(await readPlistFrame(peer.reader));
    expect(frames).toEqual([
      { Command: 'PostNotification', Name: 'com.apple.itunes-mobdev.syncWillStart' },
      { Command: 'ObserveNotification', Name: 'com.apple.itunes-client.syncCancelRequest' },
      { Command: 'ObserveNotification', Name: 'com.apple.LocalAuthentication.ui.presented' },
    ]);
  });

  it('delivers relayed names to listeners and iterators, and ends at ProxyDeath after Shutdown', async () => {
    const { np, peer } = connect();
    const heard: string[] = [];
    np.onNotification((name) => heard.push(name));
    await np.observe(NotificationName.SYNC_CANCEL_REQUEST);
    const iterated: string[] = [];
    const iterating = (async () => {
      for await (const name of np.notifications()) iterated.push(name);
    })();
    await readPlistFrame(peer.reader);
    relay(peer, NotificationName.SYNC_CANCEL_REQUEST);
    relay(peer, NotificationName.BACKUP_DOMAIN_CHANGED);
    const shuttingDown = np.shutdown();
    expect(await readPlistFrame(peer.reader)).toEqual({ Command: 'Shutdown' });
    peer.socket.write(encodePlistFrame({ Command: 'ProxyDeath' }, 'xml'));
    await shuttingDown;
    await iterating;
    expect(heard).toEqual([NotificationName.SYNC_CANCEL_REQUEST, NotificationName.BACKUP_DOMAIN_CHANGED]);
    expect(iterated).toEqual(heard);
  });

  it('ends iterators with connection-closed when the device goes away unasked', async () => {
    const { np, peer } = connect();
    await np.observe(NotificationName.SYNC_CANCEL_REQUEST);
    const iterating = (async () => {
      for await (const _name of np.notifications()) {
        // none
      }
    })();
    peer.socket.end();
    await expect(iterating).rejects.toMatchObject({ code: 'connection-closed' });
    await expect(np.post('x')).rejects.toMatchObject({ code: 'connection-closed' });
  });

  it('refuses a message announced larger than 64 KiB instead of waiting to hold it', async () => {
    const { np, peer } = connect();
    await np.observe(NotificationName.SYNC_CANCEL_REQUEST);
    const iterating = (async () => {
      for await (const _name of np.notifications()) {
        // none
      }
    })();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(NOTIFICATION_PROXY_MAX_MESSAGE_BYTES + 1);
    peer.socket.write(header);
    await expect(iterating).rejects.toMatchObject({ code: 'too-large' });
  });

  it('keeps listening through a silence longer than the channel\'s reply timeout, and posts after it', async () => {
    const { host, peer } = channelPair(50);
    closers.push(host.close);
    const np = new NotificationProxyClient(host, { shutdownTimeoutMs: 2000 });
    const heard: string[] = [];
    np.onNotification((name) => heard.push(name));
    await np.observe(NotificationName.SYNC_CANCEL_REQUEST);
    await readPlistFrame(peer.reader);
    // An observer hears nothing until the phone has something to relay: silence is the condition under test.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await np.post(NotificationName.SYNC_DID_START);
    expect(await readPlistFrame(peer.reader)).toEqual({ Command: 'PostNotification', Name: NotificationName.SYNC_DID_START });
    relay(peer, NotificationName.SYNC_CANCEL_REQUEST);
    await vi.waitFor(() => expect(heard).toEqual([NotificationName.SYNC_CANCEL_REQUEST]));
  });

  it('finishes shutdown when the device closes instead of sending ProxyDeath', async () => {
    const { np, peer } = connect();
    const shuttingDown = np.shutdown();
    await readPlistFrame(peer.reader);
    peer.socket.end();
    await expect(shuttingDown).resolves.toBeUndefined();
  });
});
