/**
 * One Manifest.db `file` blob: an NSKeyedArchiver binary plist of an MBFile (protocol.md §5.6).
 * Timestamps are Unix seconds; `encryptionKey` is the 44-byte little-endian class + wrapped key of
 * an encrypted backup (§6.5); `extendedAttributes` is the opaque binary plist of xattrs real
 * Camera Roll rows carry.
 */
export interface MbFileInfo {
  readonly relativePath: string;
  readonly mode: number;
  readonly inode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly ctime: number;
  readonly birth: number;
  readonly size: number;
  readonly protectionClass: number;
  readonly linkTarget?: string;
  readonly encryptionKey?: Buffer;
  readonly digest?: Buffer;
  readonly flags?: number;
  readonly extendedAttributes?: Buffer;
}
