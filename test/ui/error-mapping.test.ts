import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BackupError } from '../../src/main/backup/backup-error';
import { fail, toAppError } from '../../src/main/core/error-mapping';
import { LockdownError, MuxError } from '../../src/main/device/errors';
import { ServiceError } from '../../src/main/device/services';
import { APP_ERROR_CODES, APP_ERROR_TEXT, AppErrorException, describeAppError } from '../../src/shared/contract';

describe('error mapping', () => {
  it('keeps the layer’s own sentence and picks the code the UI switches on', () => {
    expect(toAppError(new LockdownError('PasswordProtected', 'The iPhone is locked. Unlock it.'), 'U1')).toEqual({
      code: 'device-locked',
      message: 'The iPhone is locked. Unlock it.',
      nextStep: APP_ERROR_TEXT['device-locked'].nextStep,
      udid: 'U1',
    });
    expect(toAppError(new LockdownError('UserDeniedPairing', 'Denied.')).code).toBe('pairing-denied');
    expect(toAppError(new MuxError('DeviceNotFound', 'Gone.')).code).toBe('no-device');
    expect(toAppError(new BackupError('disk-full', 'Full.')).code).toBe('disk-full');
    expect(toAppError(new BackupError('wrong-password', 'Wrong.')).code).toBe('wrong-password');
    expect(toAppError(Object.assign(new Error('write failed'), { code: 'ENOSPC' })).code).toBe('disk-full');
  });

  it('never shows an internal message or stack for an unknown failure', () => {
    const shown = toAppError(new Error('TypeError at foo.ts:12 cannot read x of undefined'));
    expect(shown.code).toBe('unknown');
    expect(shown.message).not.toContain('foo.ts');
  });

  it('keeps protocol words and the phone\'s codes behind Details, out of the sentence (issue 12)', () => {
    const service = toAppError(new ServiceError('unexpected-message', 'The device sent a DeviceLink message that is not an array.'), 'U1');
    expect(service).toMatchObject({ code: 'protocol', message: APP_ERROR_TEXT.protocol.message, udid: 'U1' });
    expect(service.detail).toContain('DeviceLink message');
    const lockdown = toAppError(new LockdownError('InvalidResponse', 'lockdownd answered QueryType without Type.'));
    expect(lockdown.message).toBe(APP_ERROR_TEXT.protocol.message);
    expect(lockdown.detail).toContain('InvalidResponse');
    const phone = toAppError(new BackupError('wrong-password', 'The iPhone refused the backup password.', { detail: 'MBErrorDomain/207: Wrong password' }));
    expect(phone).toMatchObject({ code: 'wrong-password', message: 'The iPhone refused the backup password.', detail: 'MBErrorDomain/207: Wrong password' });
  });

  it('names the bad field of an invalid request', () => {
    const result = z.object({ udid: z.string() }).safeParse({ udid: 3 });
    expect(result.success).toBe(false);
    if (!result.success) expect(toAppError(result.error).message).toContain('(udid)');
  });

  it('names a setting a person typed in their words, not its schema key (issue 12)', () => {
    const result = z.object({ backupRoot: z.string().min(1) }).safeParse({ backupRoot: '' });
    expect(result.success).toBe(false);
    if (!result.success) expect(describeAppError(toAppError(result.error))).toMatch(/^The backup folder is empty\. Type a full path from the top of the disk, such as \/.*Backups, or use Choose… to pick a folder\.$/);
    const count = z.object({ keepLast: z.number().min(1) }).safeParse({ keepLast: 0 });
    if (!count.success) expect(toAppError(count.error).message).toBe('Lifeboat cannot use what was entered for the number of older backups to keep.');
  });

  it('passes an AppError thrown by the core through unchanged', () => {
    let thrown: unknown;
    try {
      fail('busy', 'Already backing up.');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppErrorException);
    expect(toAppError(thrown)).toMatchObject({ code: 'busy', message: 'Already backing up.' });
  });

  it('has a sentence and a next step for every code', () => {
    for (const code of APP_ERROR_CODES) {
      expect(APP_ERROR_TEXT[code].message).toMatch(/[.!?]$/);
      expect(APP_ERROR_TEXT[code].nextStep.length).toBeGreaterThan(10);
    }
  });
});
