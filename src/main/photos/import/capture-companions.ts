import { cameraRollRole, captureStem, stillStemsOf, type CameraRollRole } from '../../../shared/camera-roll-items';
import type { DcimFile } from './dcim-source';

/**
 * One capture, several files (protocol-notes.md "Camera Roll"): a Live Photo's `IMG_0001.MOV`, an
 * edit's render `IMG_E0001.HEIC` and its `IMG_0001.AAE` belong with `IMG_0001.HEIC`. Their own
 * dates are the edit's (or a second later than the still's), so filed by them they could land in
 * another month than their photo; they follow their photo's folder and its name instead, so the
 * pair stays a pair on this computer.
 */
export interface RollFile extends DcimFile {
  readonly role: CameraRollRole;
}

/** A companion is copied after, and filed beside, the photo it belongs to. */
export function isCompanion(role: CameraRollRole): boolean {
  return role === 'live-video' || role === 'edited-copy' || role === 'sidecar';
}

/** Each file with its role in its phone folder. */
export function withRoles(files: readonly DcimFile[]): RollFile[] {
  const stillsByFolder = new Map<string, Set<string>>();
  for (const file of files) {
    if (!stillsByFolder.has(file.folder)) stillsByFolder.set(file.folder, stillStemsOf(files.filter((other) => other.folder === file.folder).map((other) => other.name)));
  }
  return files.map((file) => ({ ...file, role: cameraRollRole(file.name, stillsByFolder.get(file.folder) ?? new Set()) }));
}

/** The key shared by a photo and its companions: phone folder plus the capture's stem. */
export function stemKey(file: Pick<DcimFile, 'folder' | 'name'>): string {
  return `${file.folder}/${captureStem(file.name)}`;
}

/** The copy order: photos and videos first, then companions, so a companion knows where its photo went. */
export function originalsThenCompanions(files: readonly RollFile[]): readonly [RollFile[], RollFile[]] {
  return [files.filter((file) => !isCompanion(file.role)), files.filter((file) => isCompanion(file.role))];
}

/** The `YYYY/MM` part of a destination such as `2024/05/IMG_0001.HEIC`. */
export function folderOf(destination: string): string {
  return destination.slice(0, destination.lastIndexOf('/'));
}
