/**
 * The virtual iPhone's file system, as the device-side services see it (protocol.md §5.8, §8.2).
 *
 * Every file lives in a backup domain with a path relative to that domain's root, exactly as it
 * will appear in Manifest.db. AFC sees the media area (/var/mobile/Media) through a mapping onto
 * the same entries, so a Camera Roll photo is `/DCIM/100APPLE/IMG_0001.JPG` over AFC and
 * `CameraRollDomain` / `Media/DCIM/100APPLE/IMG_0001.JPG` in a backup.
 *
 * This file is the contract between the phone store and the services that use it.
 */
export type PhoneEntryKind = 'file' | 'directory' | 'symlink';

export interface PhoneEntry {
  readonly domain: string;
  readonly relativePath: string;
  readonly kind: PhoneEntryKind;
  /** POSIX mode including the type bits (0o100000 file, 0o040000 directory, 0o120000 symlink). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Unix seconds. */
  readonly mtime: number;
  readonly ctime: number;
  readonly birth: number;
  /** Bytes of content; 0 for directories and symlinks. */
  readonly size: number;
  readonly inode: number;
  /** Data-protection class (protocol.md §6.6); files normally use 1–4. */
  readonly protectionClass: number;
  readonly linkTarget?: string;
}

/** What a writer supplies; the store assigns inode and computes size. */
export type PhoneEntryInput = Omit<PhoneEntry, 'inode' | 'size'>;

export interface PhoneApp {
  readonly bundleId: string;
  readonly name: string;
  readonly version: string;
  /** Device path of the app bundle, for Manifest.plist Applications[…].Path. */
  readonly bundlePath: string;
}

export interface PhoneStats {
  readonly fileCount: number;
  readonly entryCount: number;
  readonly totalBytes: number;
  readonly cameraRollFiles: number;
  readonly cameraRollBytes: number;
}

/**
 * Bytes of content per area as the phone's storage settings count them (protocol-notes.md "Storage
 * by category"): the simulator's `com.apple.disk_usage` category keys are computed from these.
 */
export interface PhoneUsage {
  /** Every app's data: AppDomain-*, AppDomainGroup-*, AppDomainPlugin-*. */
  readonly apps: number;
  /** CameraRollDomain Media/DCIM: the photos and videos themselves. */
  readonly camera: number;
  /** CameraRollDomain Media/PhotoData: the library's database, thumbnails and caches. */
  readonly photoData: number;
  readonly calendar: number;
  readonly notes: number;
  readonly voicemail: number;
  /**
   * Audio and video in the media area outside the Camera Roll: voice memos (MediaDomain
   * `Media/Recordings`) and songs and videos the Music and TV apps keep (`Media/iTunes_Control/Music`).
   */
  readonly media: number;
}

export interface Phone {
  /** Every entry, ordered by domain then relativePath (the store keeps its last listing while unchanged). */
  entries(): IterableIterator<PhoneEntry>;
  entry(domain: string, relativePath: string): PhoneEntry | undefined;
  stats(): PhoneStats;
  apps(): readonly PhoneApp[];
  /** The content of a regular file in chunks of at most `chunkSize` bytes. */
  readContent(entry: PhoneEntry, chunkSize?: number): AsyncIterable<Buffer>;
  /** Creates or replaces a regular file (restore, AFC writes). Parents are created as needed. */
  writeFile(entry: PhoneEntryInput, content: Buffer | AsyncIterable<Buffer>): Promise<PhoneEntry>;
  /** Creates or replaces a directory or symlink entry. */
  putEntry(entry: PhoneEntryInput): PhoneEntry;
  /** Removes an entry; a directory goes with everything below it. Missing entries are ignored. */
  removeEntry(domain: string, relativePath: string): void;
  /** Back to what a phone has after "Erase All Content and Settings": system files only. */
  eraseToFactory(): void;
  /** True after eraseToFactory until user data is written again (a restore or new photos). */
  isFactoryState(): boolean;
  capacityBytes(): number;
  freeBytes(): number;
  /** Resolves once the phone's background work is done (the old bytes of replaced files freed), so each run meets the same phone. */
  settled(): Promise<void>;
  /** Finishes that background work and closes the store. */
  close(): void;
  /** Bytes per storage area; without it the phone reports no category keys. */
  usage?(): PhoneUsage;

  // Optional fast paths the phone store offers; AFC falls back to the members above without them.
  /** Entries directly inside a directory. */
  children?(domain: string, relativePath: string): PhoneEntry[];
  /** The same chunks as `readContent`, read synchronously (the backup's upload of many small files). */
  readContentSync?(entry: PhoneEntry, chunkSize?: number): Iterable<Buffer>;
  /** Up to `length` bytes of a regular file from `offset` (AFC FileRead at any position). */
  readRange?(entry: PhoneEntry, offset: number, length: number): Promise<Buffer>;
  /** Moves an entry (and everything below a directory) keeping its content and metadata. */
  moveEntry?(fromDomain: string, fromPath: string, toDomain: string, toPath: string): void;
  /** Changes an entry's modification time (AFC SetFileModTime). */
  setModificationTime?(domain: string, relativePath: string, mtime: number): void;
  /**
   * An opaque token that changes whenever entries or content may have changed, so a caller may
   * keep what it derived from the phone (a backup's Manifest.db) while the token stays the same.
   */
  version?(): string;
}
