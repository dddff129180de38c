import { AppErrorException, type MainApi, type PreloadApi } from '../../shared/contract';

/** The facade over Electron's `window.api`: envelopes become results or thrown AppErrors. */
export function mainApiFromPreload(preload: PreloadApi): MainApi {
  return {
    async invoke(channel, args) {
      const envelope = await preload.invoke(channel, args);
      if (!envelope.ok) throw new AppErrorException(envelope.error);
      return envelope.value;
    },
    on: (event, listener) => preload.on(event, listener),
  };
}
