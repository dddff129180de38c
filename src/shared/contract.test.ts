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

describe('describeAppError', () => {
  it('adds the next step unless the message already gives it', async () => {
    const { appError, describeAppError } = await import('./contract');
    expect(describeAppError(appError('device-locked', 'The iPhone is locked. Unlock it and try again.'))).toBe('The iPhone is locked. Unlock it and try again.');
    expect(describeAppError(appError('device-locked', 'The phone said: Device locked.'))).toBe('The phone said: Device locked. Unlock the iPhone with its passcode, then try again.');
  });
});
