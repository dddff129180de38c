import { describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, INVOKE_CHANNELS, isInvokeChannel, parseInvokeArgs, redactArgs } from './contract';

describe('contract', () => {
  it('names every channel domain:verb', () => {
    for (const channel of [...INVOKE_CHANNELS, ...EVENT_CHANNELS.filter((e) => e !== 'notify')]) {
      expect(channel).toMatch(/^[a-z-]+:[a-z-]+$/);
    }
  });

  it('allows only listed channels', () => {
    expect(isInvokeChannel('backup:start')).toBe(true);
    expect(isInvokeChannel('toString')).toBe(false);
    expect(isInvokeChannel('shell:exec')).toBe(false);
  });

  it('rejects unknown fields and malformed UDIDs', () => {
    expect(() => parseInvokeArgs('backup:start', { udid: 'abc', rm: true })).toThrow();
    expect(() => parseInvokeArgs('backup:start', { udid: '../etc' })).toThrow();
    expect(parseInvokeArgs('backup:start', { udid: '00008030-ABC' })).toEqual({ udid: '00008030-ABC' });
  });

  it('redacts passwords before logging', () => {
    expect(redactArgs({ udid: 'a', oldPassword: 'x', newPassword: 'y' })).toEqual({ udid: 'a', oldPassword: '***', newPassword: '***' });
  });
});
