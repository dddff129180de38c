import path from 'node:path';
import { decodePlist, isPlistDict, type PlistDict, PLIST_BUDGETS, PlistShapeError } from '../../device/codec';
import { MAX_METADATA_FILE_BYTES, readRegularFileSync } from '../store/backup-content';
import { SIDECAR_FILE, type LifeboatSidecar } from './catalog-model';

/** One metadata file of a backup folder: missing, unreadable, or its decoded dictionary. */
export type MetadataFile<T> =
  | { readonly state: 'missing' }
  | { readonly state: 'unreadable'; readonly reason: string }
  | { readonly state: 'ok'; readonly value: T };

export interface BackupMetadata {
  /** Host-written (§5.3). */
  readonly info: MetadataFile<PlistDict>;
  /** Device-written properties (§5.4). */
  readonly manifest: MetadataFile<PlistDict>;
  /** Device-written run state (§5.5). */
  readonly status: MetadataFile<PlistDict>;
  readonly sidecar: MetadataFile<LifeboatSidecar>;
}

/** A FIFO, device or folder at the name is refused unread (store/backup-content.ts): it would block or never end. */
function readFileIfPresent(file: string): Buffer | undefined {
  try {
    return readRegularFileSync(file, MAX_METADATA_FILE_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function readPlistFile(file: string): MetadataFile<PlistDict> {
  let bytes: Buffer | undefined;
  try {
    bytes = readFileIfPresent(file);
  } catch (error) {
    return { state: 'unreadable', reason: (error as Error).message };
  }
  if (bytes === undefined) return { state: 'missing' };
  if (bytes.length === 0) return { state: 'unreadable', reason: 'it is empty' };
  try {
    // A folder under the backup root is untrusted: its plists are decoded within a budget, so a
    // 165-byte "billion laughs" Info.plist marks this one backup damaged instead of exhausting memory.
    const value = decodePlist(bytes, PLIST_BUDGETS.metadataFile);
    return isPlistDict(value) ? { state: 'ok', value } : { state: 'unreadable', reason: 'it is not a dictionary' };
  } catch (error) {
    const detail = (error as Error).message;
    return { state: 'unreadable', reason: error instanceof PlistShapeError ? `it is malformed or too large: ${detail}` : detail };
  }
}

function readSidecar(file: string): MetadataFile<LifeboatSidecar> {
  let bytes: Buffer | undefined;
  try {
    bytes = readFileIfPresent(file);
  } catch (error) {
    return { state: 'unreadable', reason: (error as Error).message };
  }
  if (bytes === undefined) return { state: 'missing' };
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { state: 'unreadable', reason: 'it is not a JSON object' };
    return { state: 'ok', value: value as LifeboatSidecar };
  } catch (error) {
    return { state: 'unreadable', reason: (error as Error).message };
  }
}

export function readBackupMetadata(folder: string): BackupMetadata {
  return {
    info: readPlistFile(path.join(folder, 'Info.plist')),
    manifest: readPlistFile(path.join(folder, 'Manifest.plist')),
    status: readPlistFile(path.join(folder, 'Status.plist')),
    sidecar: readSidecar(path.join(folder, SIDECAR_FILE)),
  };
}

export function valueOf<T>(file: MetadataFile<T>): T | undefined {
  return file.state === 'ok' ? file.value : undefined;
}
