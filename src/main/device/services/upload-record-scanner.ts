import type { ByteReader } from '../codec';
import { DeviceLinkBlockCode, MAX_STREAM_NAME_BYTES, MAX_UPLOAD_BLOCK_BYTES } from './device-link-stream-format';

interface CompleteUpload {
  readonly deviceName: string;
  readonly destinationPath: string;
  /** Payload lengths of its FILE_DATA blocks, still in the reader behind the names. */
  readonly blockLengths: readonly number[];
}

/**
 * Waiting for a record to arrive whole is worth it up to this size (a photo); a bigger one (a
 * video) is read step by step, so memory stays bounded.
 */
const WHOLE_RECORD_BYTES = 8 * 1024 * 1024 + 64 * 1024;

/**
 * The fast path of §3.6.2: looks at the next file's record in the reader's buffer (two names,
 * FILE_DATA blocks, SUCCESS) as it arrives, remembering how far it got, and once it is whole takes
 * its names and measures its blocks; `'end'` for the stream's `u32 0`; `{ waitFor }` for the
 * buffered byte count worth waiting for. The content stays in the reader until the consumer takes
 * it (UploadedFile.withCompleteContent), so lent pieces go straight to the code that uses them.
 * Anything else (a REMOTE_ERROR or odd block, a length over a limit, a record too big to wait for)
 * gives undefined having consumed nothing, and the step-by-step reader handles it with its checks.
 */
export class UploadRecordScanner {
  private nameLength = 0;
  private destinationLength = 0;
  /** Where the next block header is; 0 while the names are not measured yet. */
  private offset = 0;
  private blocks: number[] = [];

  constructor(private readonly reader: ByteReader) {}

  scan(): CompleteUpload | 'end' | { readonly waitFor: number } | undefined {
    const reader = this.reader;
    if (this.offset === 0) {
      const nameLength = reader.peekUInt32BE(0);
      if (nameLength === undefined) return { waitFor: 4 };
      if (nameLength === 0) {
        reader.takeBuffered(4);
        return 'end';
      }
      if (nameLength > MAX_STREAM_NAME_BYTES) return undefined;
      const destinationLength = reader.peekUInt32BE(4 + nameLength);
      if (destinationLength === undefined) return { waitFor: 8 + nameLength };
      if (destinationLength === 0 || destinationLength > MAX_STREAM_NAME_BYTES) return undefined;
      this.nameLength = nameLength;
      this.destinationLength = destinationLength;
      this.offset = 8 + nameLength + destinationLength;
    }
    for (;;) {
      const length = reader.peekUInt32BE(this.offset);
      const code = reader.peekByte(this.offset + 4);
      if (length === undefined || code === undefined) return this.waitFor(this.offset + 5);
      if (length === 0 || length > MAX_UPLOAD_BLOCK_BYTES) return this.giveUp();
      if (code === DeviceLinkBlockCode.SUCCESS) {
        if (this.offset + 4 + length > reader.bufferedBytes) return this.waitFor(this.offset + 4 + length);
        return this.takeNames();
      }
      if (code !== DeviceLinkBlockCode.FILE_DATA) return this.giveUp();
      this.blocks.push(length - 1);
      this.offset += 4 + length;
    }
  }

  private waitFor(byteCount: number): { readonly waitFor: number } | undefined {
    return byteCount <= WHOLE_RECORD_BYTES ? { waitFor: byteCount } : this.giveUp();
  }

  private takeNames(): CompleteUpload {
    const reader = this.reader;
    reader.skipBuffered(4);
    const deviceName = reader.takeBufferedString(this.nameLength);
    reader.skipBuffered(4);
    const destinationPath = reader.takeBufferedString(this.destinationLength);
    const complete = { deviceName, destinationPath, blockLengths: this.blocks };
    this.reset();
    return complete;
  }

  private giveUp(): undefined {
    this.reset();
    return undefined;
  }

  private reset(): void {
    this.offset = 0;
    this.blocks = [];
  }
}
