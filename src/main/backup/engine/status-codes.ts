import type { PlistValue } from '../../device/codec';
import type { DeviceLinkClient } from '../../device/services';
/**
 * DLMessageStatusResponse codes (protocol.md §3.7). The device accepts exactly 0, -1, -2, -6, -7,
 * -8, -9, -10, -11, -13 and -15; anything else becomes its MB error 100, so every local failure is
 * mapped onto this set.
 */
export const DL_STATUS = {
  ok: 0,
  generic: -1,
  notFound: -6,
  exists: -7,
  notDirectory: -8,
  isDirectory: -9,
  tooManyLinks: -10,
  ioError: -11,
  multiStatus: -13,
  noSpace: -15,
} as const;

const ERRNO_TO_STATUS: Readonly<Record<string, number>> = {
  ENOENT: DL_STATUS.notFound,
  EEXIST: DL_STATUS.exists,
  ENOTEMPTY: DL_STATUS.exists,
  ENOTDIR: DL_STATUS.notDirectory,
  EISDIR: DL_STATUS.isDirectory,
  ELOOP: DL_STATUS.tooManyLinks,
  EIO: DL_STATUS.ioError,
  ENOSPC: DL_STATUS.noSpace,
  EDQUOT: DL_STATUS.noSpace,
};

/** strerror-like wording: the device logs and shows it (§3.6.1). */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  ENOTEMPTY: 'Directory not empty',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  EIO: 'Input/output error',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disc quota exceeded',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EROFS: 'Read-only file system',
};

interface MappedStatus {
  readonly code: number;
  readonly description: string;
  /** The errno name, when there was one (for our own error reporting). */
  readonly errno: string | undefined;
}

/** Maps a local file-system failure to the status code and text the device understands. */
export function statusForError(error: unknown): MappedStatus {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno === 'string') {
    return { code: ERRNO_TO_STATUS[errno] ?? DL_STATUS.generic, description: ERRNO_TEXT[errno] ?? errno, errno };
  }
  return { code: DL_STATUS.generic, description: error instanceof Error ? error.message : 'Unknown error', errno: undefined };
}

/**
 * The status reply after a DLMessageDownloadFiles stream (§3.6.1): 0 when every file was sent,
 * otherwise -13 "Multi status" with the errno-derived code and text per failed path.
 */
export async function sendDownloadStatus(
  deviceLink: DeviceLinkClient,
  failures: readonly { readonly path: string; readonly error: unknown }[],
): Promise<void> {
  if (failures.length === 0) {
    await deviceLink.sendStatusResponse(DL_STATUS.ok, undefined, {});
    return;
  }
  const perPath: Record<string, PlistValue> = {};
  for (const failure of failures) {
    const status = statusForError(failure.error);
    perPath[failure.path] = { DLFileErrorString: status.description, DLFileErrorCode: status.code };
  }
  await deviceLink.sendStatusResponse(DL_STATUS.multiStatus, 'Multi status', perPath);
}
