import type { EventChannel, EventChannels } from '../../shared/contract';

export type EventListener<E extends EventChannel> = (payload: EventChannels[E]) => void;

/** Typed fan-out of the contract's events to every adapter (IPC windows, WebSocket clients). */
export class EventHub {
  private readonly listeners = new Map<EventChannel, Set<(payload: never) => void>>();

  on<E extends EventChannel>(event: E, listener: EventListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends EventChannel>(event: E, payload: EventChannels[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as EventListener<E>)(payload);
      } catch {
        // One broken window or socket must not keep the others from hearing about it.
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
