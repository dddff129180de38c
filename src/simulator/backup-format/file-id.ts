import { createHash } from 'node:crypto';

/**
 * The name a file gets inside a backup folder (protocol.md §5.2): lowercase hex SHA-1 of
 * "<domain>-<relativePath>" in UTF-8. A domain's own root directory has relativePath "".
 */
export function fileIdFor(domain: string, relativePath: string): string {
  return createHash('sha1').update(`${domain}-${relativePath}`, 'utf8').digest('hex');
}

/** Where a regular file's content lives relative to the backup root (iOS 10+ layout, §5.1). */
export function contentPathFor(fileId: string): string {
  return `${fileId.slice(0, 2)}/${fileId}`;
}
