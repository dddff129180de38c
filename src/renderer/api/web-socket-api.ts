import {
  appError,
  AppErrorException,
  type BridgeServerMessage,
  type EventChannel,
  type EventChannels,
  type InvokeEnvelope,
  type MainApi,
} from '../../shared/contract';

export interface WebSocketApiOptions {
  /** ws://host/ws; default: the page's own host. */
  readonly url?: string;
  /** Sent as `hello` for clients without the cookie (tests); browsers use the cookie. */
  readonly token?: string;
  /** Called with true when connected, false while reconnecting. */
  readonly onConnection?: (connected: boolean) => void;
  readonly createSocket?: (url: string) => WebSocket;
}

/** Reconnect delays: quick at first (the demo restarting), then every few seconds. */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/**
 * The MainApi facade over the web bridge's WebSocket: numbered requests, pushed events, and a
 * reconnect that fails pending requests with a sentence instead of leaving the UI waiting.
 */
export function mainApiFromWebSocket(options: WebSocketApiOptions = {}): MainApi {
  const url = options.url ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<EventChannel, Set<(payload: never) => void>>();
  let socket: WebSocket | undefined;
  let ready: Promise<WebSocket> | undefined;
  let nextId = 1;
  let attempt = 0;

  function connect(): Promise<WebSocket> {
    ready ??= new Promise<WebSocket>((resolve) => {
      const ws = options.createSocket ? options.createSocket(url) : new WebSocket(url);
      socket = ws;
      ws.onopen = () => {
        if (options.token) ws.send(JSON.stringify({ type: 'hello', token: options.token }));
      };
      ws.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as BridgeServerMessage;
        if (message.type === 'ready') {
          attempt = 0;
          options.onConnection?.(true);
          resolve(ws);
        } else if (message.type === 'result') {
          const waiter = pending.get(message.id);
          pending.delete(message.id);
          const envelope = message.envelope as InvokeEnvelope;
          if (envelope.ok) waiter?.resolve(envelope.value);
          else waiter?.reject(new AppErrorException(envelope.error));
        } else if (message.type === 'event') {
          for (const listener of listeners.get(message.event) ?? []) (listener as (payload: unknown) => void)(message.payload);
        }
      };
      ws.onclose = () => {
        if (socket !== ws) return;
        socket = undefined;
        ready = undefined;
        options.onConnection?.(false);
        for (const waiter of pending.values()) waiter.reject(new AppErrorException(appError('disconnected-bridge')));
        pending.clear();
        const delay = RECONNECT_DELAYS_MS[Math.min(attempt++, RECONNECT_DELAYS_MS.length - 1)];
        setTimeout(() => void connect(), delay);
      };
    });
    return ready;
  }

  void connect();
  return {
    async invoke(channel, args) {
      const ws = await connect();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        ws.send(JSON.stringify({ type: 'invoke', id, channel, args }));
      });
    },
    on<E extends EventChannel>(event: E, listener: (payload: EventChannels[E]) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
  };
}
