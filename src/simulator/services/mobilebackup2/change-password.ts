import { type PlistDict, plistBoolean, plistDictOf, plistString } from '../../../main/device/codec';
import { NOTIFICATION } from './backup-engine';
import { MB_ERROR, MobileBackupError } from './mb-error';
import type { Session } from './session';

/**
 * ChangePassword (protocol.md §6.7): NewPassword alone turns encryption on, OldPassword alone turns
 * it off, both change the password. The phone keeps the password for later backups; a changed
 * password makes the next backup full (the old keybag no longer opens, see backup-preflight).
 */
export async function runChangePassword(session: Session, request: PlistDict): Promise<void> {
  const { context, drive } = session;
  const oldPassword = plistString(request['OldPassword']);
  const newPassword = plistString(request['NewPassword']);
  const settings = context.settings.get();

  if (context.faults().locked) throw new MobileBackupError(MB_ERROR.deviceLocked, 'Device locked');
  if (newPassword === '') throw new MobileBackupError(MB_ERROR.encryption, 'The new backup password is empty');

  if (newPassword !== undefined && oldPassword === undefined) {
    if (settings.willEncrypt) throw new MobileBackupError(MB_ERROR.encryption, 'Backup encryption is already enabled');
  } else if (oldPassword !== undefined) {
    if (!settings.willEncrypt) throw new MobileBackupError(MB_ERROR.encryption, 'Backup encryption is not enabled');
    if (oldPassword !== settings.password) throw new MobileBackupError(MB_ERROR.encryption, 'Incorrect backup password');
    if (newPassword === undefined && settings.requiresEncryption) {
      throw new MobileBackupError(MB_ERROR.encryption, 'Backup encryption is required by device management');
    }
  } else {
    throw new MobileBackupError(MB_ERROR.generic, 'ChangePassword needs an old or a new password');
  }

  // iOS 13+: the person confirms with the device passcode (§6.7); the simulated one does at once.
  context.notifications.post(NOTIFICATION.passcodePromptShown);
  context.notifications.post(NOTIFICATION.passcodePromptHidden);
  context.settings.update(newPassword === undefined ? { willEncrypt: false, password: undefined } : { willEncrypt: true, password: newPassword });
  context.notifications.post(NOTIFICATION.backupDomainChanged);
  context.log(`mobilebackup2: backup encryption ${newPassword === undefined ? 'off' : oldPassword === undefined ? 'on' : 'password changed'}`);
  await drive.finish(0);
}

/** EnableCloudBackup (§3.4): CloudBackupState arrives in Options and, from some hosts, top-level. */
export async function runEnableCloudBackup(session: Session, request: PlistDict): Promise<void> {
  const state = plistBoolean(plistDictOf(request['Options'])?.['CloudBackupState']) ?? plistBoolean(request['CloudBackupState']);
  if (state === undefined) throw new MobileBackupError(MB_ERROR.generic, 'EnableCloudBackup needs CloudBackupState');
  session.context.settings.update({ cloudBackupEnabled: state });
  session.context.notifications.post(NOTIFICATION.backupDomainChanged);
  await session.drive.finish(0);
}
