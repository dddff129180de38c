import type { DcimFile } from './dcim-source';

/**
 * Edit sidecars: Photos keeps the edits of `IMG_0001.JPG` in `IMG_0001.AAE` (or `IMG_O0001.AAE`)
 * next to it (protocol.md §4.5). The sidecar's own dates are those of the edit, so filed by them
 * it could land in another month than its photo; it follows its photo's folder instead.
 */
export function isSidecar(name: string): boolean {
  return /\.aae$/i.test(name);
}

/** The key shared by a photo and its sidecars: phone folder plus the name without extension. */
export function stemKey(file: Pick<DcimFile, 'folder' | 'name'>): string {
  const dot = file.name.lastIndexOf('.');
  const stem = (dot > 0 ? file.name.slice(0, dot) : file.name).replace(/^IMG_O(?=\d)/i, 'IMG_');
  return `${file.folder}/${stem.toUpperCase()}`;
}

/** The copy order: photos and videos first, sidecars after, so a sidecar knows where its photo went. */
export function originalsFirst(files: readonly DcimFile[]): DcimFile[] {
  return [...files.filter((file) => !isSidecar(file.name)), ...files.filter((file) => isSidecar(file.name))];
}

/** The `YYYY/MM` part of a destination such as `2024/05/IMG_0001.JPG`. */
export function folderOf(destination: string): string {
  return destination.slice(0, destination.lastIndexOf('/'));
}
