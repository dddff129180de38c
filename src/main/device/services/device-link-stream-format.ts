/** The block codes and limits of DeviceLink's raw file streams (protocol.md §3.6.1, §3.6.2). */

/** Block codes of the raw streams (§3.6.1, §3.6.2). */
export const DeviceLinkBlockCode = {
  SUCCESS: 0x00,
  LOCAL_ERROR: 0x06,
  REMOTE_ERROR: 0x0b,
  FILE_DATA: 0x0c,
} as const;

/** Data blocks the host sends: 32 KiB, what Apple's host and libimobiledevice use (§3.6.1). */
export const DOWNLOAD_BLOCK_BYTES = 32 * 1024;
/**
 * How much of a file the host reads from disk at a time: 1 MiB, sent as 32 KiB blocks. Reading in
 * 32 KiB pieces cost a read, a promise and a socket write per block (5,300 of each for the two
 * downloads of a large phone's 87 MB Manifest.db in every incremental backup).
 */
export const DOWNLOAD_READ_BYTES = 1024 * 1024;
/**
 * The host's stream bytes gathered before one socket write: the device reads a stream, so the path,
 * blocks and terminators of many small files (a restore sends tens of thousands) go out together
 * instead of three writes per file.
 */
export const SEND_GATHER_BYTES = 1024 * 1024;
/**
 * The first write of a stream goes out with the first file (StreamOutbox), the second once this
 * much is gathered, and each next one may gather twice as much, up to SEND_GATHER_BYTES: the
 * device waits for the stream's first bytes (it writes each file as it arrives), so a restore's
 * request for 128 small files must not wait until ~100 of them are read before the phone gets the
 * first. Waiting for 16 KiB (two or three of many-small's files) before the first write was part of
 * the ~1 ms the phone waited at each of a restore's 388 requests (bench/README.md, Restore).
 */
export const FIRST_SEND_BYTES = 16 * 1024;
/** libimobiledevice refuses longer file names in the upload stream (§3.6.2). */
export const MAX_STREAM_NAME_BYTES = 4096;
/**
 * The longest block we accept from the device. Data blocks are read in pieces anyway, so this is a
 * sanity limit that turns a corrupt length into an error instead of a hang on bytes that never come.
 */
export const MAX_UPLOAD_BLOCK_BYTES = 64 * 1024 * 1024;
/** Pieces a data block is handed out in, so memory stays bounded whatever the block length. */
export const UPLOAD_PIECE_BYTES = 256 * 1024;
/** Error messages longer than this are cut (the rest is read and dropped). */
export const MAX_REMOTE_ERROR_BYTES = 64 * 1024;
