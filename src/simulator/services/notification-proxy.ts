import type { Duplex } from 'node:stream';
import { ByteReader, encodePlistFrame, isPlistDict, plistString, readPlistFrame } from '../../main/device/codec';
import type { ServiceContext, ServiceHandler } from '../device/service-context';

/** Requests are tiny plists; anything larger is a broken host. */
const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * notification_proxy (protocol.md §2.8): the host posts Darwin notifications into the phone and
 * observes names the phone relays back. Shutdown is answered with ProxyDeath, then the phone hangs up.
 */
export const serveNotificationProxy: ServiceHandler = (socket: Duplex, context: ServiceContext) => {
  const observed = new Set<string>();
  const send = (command: string, name?: string): void => {
    if (!socket.destroyed && socket.writable) {
      socket.write(encodePlistFrame(name === undefined ? { Command: command } : { Command: command, Name: name }, 'xml'));
    }
  };
  const silent = (): boolean => context.faults().silentNotificationProxy === true;
  const unsubscribe = context.notifications.subscribe((name) => {
    if (observed.has(name) && !silent()) send('RelayNotification', name);
  });
  socket.once('close', unsubscribe);
  const reader = new ByteReader(socket);
  void (async () => {
    try {
      for (;;) {
        const request = await readPlistFrame(reader, MAX_REQUEST_BYTES);
        if (!isPlistDict(request) || silent()) continue;
        const command = plistString(request.Command);
        const name = plistString(request.Name);
        if (command === 'PostNotification' && name) {
          context.log(`notification_proxy: host posted ${name}`);
          context.notifications.post(name);
        } else if (command === 'ObserveNotification' && name) {
          observed.add(name);
        } else if (command === 'Shutdown') {
          send('ProxyDeath');
          socket.end();
          break;
        }
      }
    } catch {
      // The host hung up; nothing to answer.
    }
    unsubscribe();
  })();
};
