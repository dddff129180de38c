import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { BackupError } from '../backup-error';
import type { BackupKeys } from '../crypto';
import { contentPathOf, readRegularFileSync } from '../store';
import { mbdbRows } from './manifest-mbdb';
import { catalogRows, openManifestDb, type CatalogRow } from './manifest-source';

/**
 * The list of files a backup says it holds, whichever index it has: Manifest.db (iOS 10+,
 * content in `xx/<fileID>`, §5.6) or Manifest.mbdb (iOS 5–9, content flat, §5.7).
 */
type FileList =
  | {
      readonly kind: 'listed';
      readonly format: 'manifest-db' | 'manifest-mbdb';
      /** `sizes: false` may leave size 0 (see catalogRows): for listings that only count and check presence. */
      rows(options?: { readonly sizes?: boolean }): Iterable<CatalogRow>;
      /** Where a row's content file sits, relative to the folder, `/`-separated; BackupError `corrupt` for a fileID that is not one (store/backup-content.ts). */
      contentPath(fileId: string): string;
      close(): void;
    }
  | { readonly kind: 'encrypted' }
  | { readonly kind: 'missing' };

function exists(file: string): boolean {
  return fs.existsSync(file);
}

/** Throws BackupError `corrupt` when the index is there but unreadable. */
export function openFileList(folder: string, keys?: BackupKeys): FileList {
  if (exists(path.join(folder, 'Manifest.db'))) {
    const opened = openManifestDb(folder, keys);
    if (opened.kind === 'encrypted') return { kind: 'encrypted' };
    const db: Database.Database = opened.db;
    return {
      kind: 'listed',
      format: 'manifest-db',
      rows: (options) => catalogRows(db, options),
      contentPath: (fileId) => contentPathOf('manifest-db', fileId),
      close: () => db.close(),
    };
  }
  const mbdbPath = path.join(folder, 'Manifest.mbdb');
  if (exists(mbdbPath)) {
    let bytes: Buffer;
    try {
      bytes = readRegularFileSync(mbdbPath);
    } catch (error) {
      throw new BackupError('corrupt', `The backup's Manifest.mbdb cannot be read (${(error as Error).message}).`, { cause: error });
    }
    return { kind: 'listed', format: 'manifest-mbdb', rows: () => mbdbRows(bytes), contentPath: (fileId) => contentPathOf('manifest-mbdb', fileId), close: () => undefined };
  }
  return { kind: 'missing' };
}
