import path from 'node:path';
import type { BackupView, InvokeArgs, SettingsView } from '../../shared/contract';
import { requireAbsoluteFolder, requireUsableFolder } from './folder-chooser';

/**
 * What settings:set changes, checked, before it is saved. Folders must be absolute
 * (requireAbsoluteFolder says why). A new backup root keeps the old one's backups listed, as an
 * added folder, unless they were moved: before, the history went empty while the phone's own
 * "latest backup" date still named one. `listed` is the history as last sent.
 */
export function settingsPatch(change: InvokeArgs<'settings:set'>, before: SettingsView, listed: readonly BackupView[]): Partial<Omit<SettingsView, 'devices'>> {
  // A retention change without keepMonthly keeps the monthly setting as it is.
  const { retention, ...rest } = change;
  let patch: Partial<Omit<SettingsView, 'devices'>> = retention ? { ...rest, retention: { keepLast: retention.keepLast, keepMonthly: retention.keepMonthly ?? before.retention.keepMonthly } } : rest;
  if (patch.backupRoot !== undefined && patch.backupRoot !== before.backupRoot) patch = { ...patch, backupRoot: requireUsableFolder(patch.backupRoot, 'The backup folder') };
  if (patch.photoImportFolder !== undefined) patch = { ...patch, photoImportFolder: requireAbsoluteFolder(patch.photoImportFolder, 'The photo import folder') };
  if (patch.extraFolders !== undefined) patch = { ...patch, extraFolders: patch.extraFolders.map((folder) => requireAbsoluteFolder(folder, 'An added backup folder')) };
  if (patch.backupRoot !== undefined && patch.backupRoot !== before.backupRoot && listed.some((backup) => isInside(backup.path, before.backupRoot))) {
    const extra = patch.extraFolders ?? before.extraFolders;
    if (!extra.includes(before.backupRoot) && patch.backupRoot !== before.backupRoot) patch = { ...patch, extraFolders: [...extra.filter((folder) => folder !== patch.backupRoot), before.backupRoot] };
  }
  return patch;
}

function isInside(child: string, folder: string): boolean {
  const relative = path.relative(folder, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
