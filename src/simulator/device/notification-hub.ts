import type { NotificationHub } from './service-context';

/** The phone's Darwin notification centre: every service and notification_proxy share one (§2.8). */
export class LocalNotificationHub implements NotificationHub {
  private readonly listeners = new Set<(name: string) => void>();

  post(name: string): void {
    for (const listener of [...this.listeners]) listener(name);
  }

  subscribe(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
