import { isPlistDict, plistBoolean, plistInteger } from '../../device/codec';
import { connectDevice } from '../../device/lockdown';
import { ServiceError } from '../../device/services';
import { BackupError } from '../backup-error';
import { deviceErrorDetail } from './device-errors';
import { openBackupSession } from './device-session';

export interface DeviceTarget {
  readonly udid?: string;
  readonly muxAddress?: string;
}

/** Whether the phone encrypts its local backups (lockdown `com.apple.mobile.backup` WillEncrypt, §6.7). */
export async function getBackupEncryption(target: DeviceTarget = {}): Promise<{ readonly enabled: boolean; readonly requiredByManagement: boolean }> {
  const connection = await connectDevice(target.udid, { muxAddress: target.muxAddress }).catch((error: unknown) => {
    throw new BackupError('no-device', `Cannot reach the iPhone: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  try {
    const domain = await connection.session.getValue('com.apple.mobile.backup');
    return {
      enabled: isPlistDict(domain) && plistBoolean(domain.WillEncrypt) === true,
      requiredByManagement: isPlistDict(domain) && plistBoolean(domain.RequiresEncryption) === true,
    };
  } finally {
    await connection.close();
  }
}

export interface SetEncryptionOptions extends DeviceTarget {
  /** true: turn on with `password`. false: turn off, `password` being the current one. */
  readonly enabled: boolean;
  readonly password: string;
}

/** Turns backup encryption on or off through mobilebackup2 ChangePassword (§6.7). Passwords are never logged. */
export async function setBackupEncryption(options: SetEncryptionOptions): Promise<void> {
  if (!options.password) throw new BackupError('password-required', options.enabled ? 'Choose a backup password to turn encryption on.' : 'Enter the current backup password to turn encryption off.');
  await changePassword(options, options.enabled ? { newPassword: options.password } : { oldPassword: options.password }, options.enabled ? 'on' : 'off');
}

export interface ChangePasswordOptions extends DeviceTarget {
  readonly oldPassword: string;
  readonly newPassword: string;
}

/** Changes the backup password (both passwords, §3.4); the next backup is then a full one (§6.7). */
export async function changeBackupPassword(options: ChangePasswordOptions): Promise<void> {
  if (!options.oldPassword || !options.newPassword) throw new BackupError('password-required', 'Enter both the current and the new backup password.');
  await changePassword(options, { oldPassword: options.oldPassword, newPassword: options.newPassword }, 'change');
}

async function changePassword(target: DeviceTarget, passwords: { oldPassword?: string; newPassword?: string }, action: 'on' | 'off' | 'change'): Promise<void> {
  const session = await openBackupSession({ udid: target.udid, muxAddress: target.muxAddress, describe: false });
  try {
    const already = session.facts.willEncrypt;
    if (action === 'on' && already) throw new BackupError('unsupported', 'Backup encryption is already on for this iPhone. Use "change password" to pick a new password.');
    if (action !== 'on' && !already) throw new BackupError('unsupported', 'Backup encryption is off for this iPhone, so there is no password to change or remove.');
    await session.backup.changePassword({ targetId: session.udid, ...passwords });
    let message;
    try {
      message = await session.backup.deviceLink.receiveMessage();
    } catch (error) {
      if (error instanceof ServiceError) {
        throw new BackupError('disconnected', 'The connection to the iPhone was lost while changing the backup password; check the setting and try again.', { cause: error });
      }
      throw error;
    }
    if (message.kind !== 'DLMessageProcessMessage') {
      throw new BackupError('protocol', `The iPhone answered the password change with ${message.kind} instead of a result.`);
    }
    const code = plistInteger(message.message.ErrorCode) ?? 0;
    if (code === 0) return;
    const description = typeof message.message.ErrorDescription === 'string' ? message.message.ErrorDescription : undefined;
    throw passwordError(code, description, action);
  } finally {
    await session.close();
  }
}

function passwordError(code: number, description: string | undefined, action: 'on' | 'off' | 'change'): BackupError {
  const options = { detail: deviceErrorDetail(code, description) };
  if (code === 208) return new BackupError('device-locked', 'The iPhone is locked. Unlock it, enter the passcode when asked, and try again.', options);
  if (code === 207 && /incorrect|invalid|wrong/i.test(description ?? '')) {
    return new BackupError('wrong-password', 'The current backup password is not right.', options);
  }
  if (code === 207 && /required/i.test(description ?? '')) {
    return new BackupError('unsupported', 'A management profile on the iPhone requires encrypted backups, so encryption cannot be turned off.', options);
  }
  const what = action === 'on' ? 'turn backup encryption on' : action === 'off' ? 'turn backup encryption off' : 'change the backup password';
  return new BackupError(code === 207 ? 'wrong-password' : 'device-error', `The iPhone did not ${what}.`, options);
}
