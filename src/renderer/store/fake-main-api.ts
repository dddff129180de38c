import { appError, AppErrorException, type EventChannel, type EventChannels, type InvokeChannel, type MainApi } from '../../shared/contract';

/** One recorded request of a fake MainApi. */
export interface FakeCall {
  readonly channel: InvokeChannel;
  readonly args: Record<string, unknown>;
}

/**
 * A MainApi double for the store's tests (one, instead of a copy per test file): `invoke` answers
 * each request, every call is recorded, and `emit` pushes an event as main would.
 */
export function fakeMainApi(invoke: (channel: InvokeChannel, args: Record<string, unknown>) => unknown) {
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  const calls: FakeCall[] = [];
  const api: MainApi = {
    async invoke(channel, args) {
      calls.push({ channel, args: args as Record<string, unknown> });
      return invoke(channel, args as Record<string, unknown>) as never;
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
  const emit = <E extends EventChannel>(event: E, payload: EventChannels[E]) => listeners.get(event)?.forEach((listener) => listener(payload));
  return { api, calls, emit };
}

/** A fake MainApi with a canned answer per channel; any other channel fails as unsupported. */
export function fakeApiAnswering(answers: Partial<Record<InvokeChannel, (args: Record<string, unknown>) => unknown>>) {
  return fakeMainApi((channel, args) => {
    const answer = answers[channel];
    if (!answer) throw new AppErrorException(appError('unsupported'));
    return answer(args);
  });
}
