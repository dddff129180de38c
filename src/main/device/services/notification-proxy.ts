import { type PlistFormat, type PlistValue, encodePlistFrame, isPlistDict, plistString, readPlistFrame } from '../codec';
import { type ServiceChannel, writeToChannel } from './service-channel';
import { ServiceError, toServiceError } from './service-error';

/** Darwin notification names that matter for backups (protocol.md §2.8). */
export const NotificationName = {
  /** Host posts: about to sync/back up. */
  SYNC_WILL_START: 'com.apple.itunes-mobdev.syncWillStart',
  /** Host posts: about to take the AFC sync lock. */
  SYNC_LOCK_REQUEST: 'com.apple.itunes-mobdev.syncLockRequest',
  /** Host posts: lock acquired. */
  SYNC_DID_START: 'com.apple.itunes-mobdev.syncDidStart',
  /** Host posts: lock released, done. */
  SYNC_DID_FINISH: 'com.apple.itunes-mobdev.syncDidFinish',
  /** Device relays: the person cancelled on the device, abort. */
  SYNC_CANCEL_REQUEST: 'com.apple.itunes-client.syncCancelRequest',
  SYNC_SUSPEND_REQUEST: 'com.apple.itunes-client.syncSuspendRequest',
  SYNC_RESUME_REQUEST: 'com.apple.itunes-client.syncResumeRequest',
  /** Device relays: the backup settings domain changed (after ChangePassword, for example). */
  BACKUP_DOMAIN_CHANGED: 'com.apple.mobile.backup.domain_changed',
  /** Device relays: the passcode prompt appeared / went away (iOS 15.7.1+/16.1+). */
  PASSCODE_PROMPT_PRESENTED: 'com.apple.LocalAuthentication.ui.presented',
  PASSCODE_PROMPT_DISMISSED: 'com.apple.LocalAuthentication.ui.dismissed',
  /** Device relays on the insecure proxy: the person tapped Trust. */
  REQUEST_PAIR: 'com.apple.mobile.lockdown.request_pair',
} as const;

type NotificationListener = (name: string) => void;

interface NotificationProxyOptions {
  /** XML like the reference hosts (§2.8). */
  readonly format?: PlistFormat;
  /** How long shutdown waits for ProxyDeath before closing anyway. */
  readonly shutdownTimeoutMs?: number;
}

interface Subscriber {
  readonly queue: string[];
  wake: (() => void) | undefined;
}

/**
 * Largest notification_proxy message accepted. Real ones are one-line dicts (`RelayNotification` with
 * a notification name, `ProxyDeath`, protocol.md §2.8), so 64 KiB is far above any; the codec's
 * 64 MiB default would let a phone make us hold 64 MiB for one of them.
 */
export const NOTIFICATION_PROXY_MAX_MESSAGE_BYTES = 64 * 1024;
/** ByteReader's "no time-out". */
const WAIT_FOREVER = 0;

/**
 * notification_proxy (§2.8): post notifications, observe names, and receive the relayed ones as
 * events or as an async iterator. One reader loop runs from the first observe (or shutdown) on.
 */
export class NotificationProxyClient {
  static readonly SERVICE_NAME = 'com.apple.mobile.notification_proxy';
  /** The same protocol, usable before pairing (the trust prompt, §2.7). */
  static readonly INSECURE_SERVICE_NAME = 'com.apple.mobile.insecure_notification_proxy';

  private readonly format: PlistFormat;
  private readonly shutdownTimeoutMs: number;
  private readonly listeners = new Set<NotificationListener>();
  private readonly subscribers = new Set<Subscriber>();
  private readLoop: Promise<void> | undefined;
  private ended: { readonly error: ServiceError | undefined } | undefined;
  private shuttingDown = false;

  constructor(
    readonly channel: ServiceChannel,
    options: NotificationProxyOptions = {},
  ) {
    this.format = options.format ?? 'xml';
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  }

  async post(name: string): Promise<void> {
    await this.send({ Command: 'PostNotification', Name: name });
  }

  /** One ObserveNotification request per name (§2.8). */
  async observe(names: string | readonly string[]): Promise<void> {
    this.startReading();
    for (const name of typeof names === 'string' ? [names] : names) {
      await this.send({ Command: 'ObserveNotification', Name: name });
    }
  }

  /** Calls `listener` with every relayed name; returns the unsubscribe function. */
  onNotification(listener: NotificationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Relayed names from now on. Ends after ProxyDeath / a requested shutdown; throws a
   * connection-closed ServiceError if the connection dropped without one.
   */
  async *notifications(): AsyncGenerator<string, void, undefined> {
    this.startReading();
    const subscriber: Subscriber = { queue: [], wake: undefined };
    this.subscribers.add(subscriber);
    try {
      for (;;) {
        const next = subscriber.queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.ended) {
          if (this.ended.error) throw this.ended.error;
          return;
        }
        await new Promise<void>((resolve) => {
          subscriber.wake = resolve;
        });
        subscriber.wake = undefined;
      }
    } finally {
      this.subscribers.delete(subscriber);
    }
  }

  /** Sends Shutdown, waits for ProxyDeath (or the timeout), then closes the connection. */
  async shutdown(): Promise<void> {
    if (this.ended) {
      this.channel.close();
      return;
    }
    this.shuttingDown = true;
    const loop = this.startReading();
    try {
      await this.send({ Command: 'Shutdown' });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.shutdownTimeoutMs);
      });
      await Promise.race([loop, timeout]);
      clearTimeout(timer);
    } catch (error) {
      // A connection already gone is as good as a ProxyDeath for a shutdown.
      if (!(error instanceof ServiceError && error.code === 'connection-closed')) throw error;
    } finally {
      this.channel.close();
    }
  }

  private async send(message: Record<string, PlistValue>): Promise<void> {
    if (this.ended && !this.shuttingDown) {
      throw this.ended.error ?? new ServiceError('connection-closed', 'The notification connection to the device has ended.');
    }
    await writeToChannel(this.channel, encodePlistFrame(message, this.format));
  }

  private startReading(): Promise<void> {
    this.readLoop ??= this.runReadLoop();
    return this.readLoop;
  }

  private async runReadLoop(): Promise<void> {
    let error: ServiceError | undefined;
    try {
      for (;;) {
        // No read timeout: an observer's connection is silent until the phone has something to
        // relay (§2.8), for the whole of a backup that may last hours. The channel's reply timeout
        // here ended the loop after 30 s, and the next post (the sync lock's) threw that time-out.
        const message = await readPlistFrame(this.channel.reader, NOTIFICATION_PROXY_MAX_MESSAGE_BYTES, WAIT_FOREVER);
        if (!isPlistDict(message)) {
          throw new ServiceError('protocol', 'The notification service sent something other than a dictionary.');
        }
        const command = plistString(message.Command);
        if (command === 'ProxyDeath') break;
        if (command === 'RelayNotification') {
          const name = plistString(message.Name);
          if (name !== undefined) this.deliver(name);
        }
        // Other commands are not part of §2.8; ignore them rather than drop the connection.
      }
    } catch (caught) {
      if (!this.shuttingDown) error = toServiceError(caught, 'listening for notifications');
    }
    this.ended = { error };
    for (const subscriber of this.subscribers) subscriber.wake?.();
  }

  private deliver(name: string): void {
    for (const listener of this.listeners) {
      try {
        listener(name);
      } catch {
        // A failing listener must not stop the relay for the others (a cancel must still arrive).
      }
    }
    for (const subscriber of this.subscribers) {
      subscriber.queue.push(name);
      subscriber.wake?.();
    }
  }
}
