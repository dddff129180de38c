import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isBackupError } from '../../backup/backup-error';
import { type HeicDecoder, MAX_HEIC_BYTES } from '../heic';
import type { RollFile } from './capture-companions';
import { nameVariantOf, PartialFile } from './destination-files';

/**
 * "Convert HEIC to JPEG" (Windows' "Automatic" transfer, macOS' "Most Compatible"): after a HEIC
 * photo is copied, a JPEG of it is saved beside it under the same name (`IMG_0001.JPG`, or
 * `IMG_0001 (2).JPG` beside `IMG_0001 (2).HEIC`), with the HEIC's EXIF and the phone's date. The
 * original stays unless the person asked for JPEGs only; it is removed (`removeOriginal`) only once
 * its JPEG is safely in place, and a photo that cannot be converted keeps its HEIC and is reported.
 */
export type ConversionOutcome =
  | { readonly converted: true; readonly jpeg: string; readonly originalKept: boolean }
  | { readonly converted: false; readonly reason: string };

export class HeicConversion {
  constructor(
    private readonly root: string,
    private readonly decoder: HeicDecoder,
    private readonly keepOriginals: boolean,
  ) {}

  /** Photos and edited renders in HEIC; a Live Photo's video or a sidecar is never converted. */
  wants(file: RollFile): boolean {
    return (file.role === 'photo' || file.role === 'edited-copy') && /\.(heic|heif)$/i.test(file.name);
  }

  /** Converts the copied HEIC at `relativePath` (under the import folder); only a cancel or a full disk throw. */
  async convert(relativePath: string, modified: Date | undefined, signal: AbortSignal | undefined): Promise<ConversionOutcome> {
    const heicPath = path.join(this.root, ...relativePath.split('/'));
    const name = path.posix.basename(relativePath);
    const folder = relativePath.slice(0, relativePath.length - name.length - 1);
    let jpeg: Buffer;
    try {
      const stat = await fs.stat(heicPath);
      if (stat.size > MAX_HEIC_BYTES) return { converted: false, reason: `It is ${Math.round(stat.size / 1_048_576)} MB, too large to convert; the HEIC was kept.` };
      jpeg = await this.decoder.toJpeg(await fs.readFile(heicPath), { label: name, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (isBackupError(error, 'cancelled') || signal?.aborted) throw error;
      return { converted: false, reason: `${(error as Error).message} The HEIC was kept.` };
    }
    // The JPEG is named like the HEIC was named, variant included, so the two sort side by side.
    const original = name.replace(/ \(\d+\)(?=\.[^.]*$)/, '');
    const jpegName = original.replace(/\.[^.]+$/, '.JPG');
    const partial = await PartialFile.create(this.root, folder, jpegName);
    let settled;
    try {
      await partial.write(jpeg);
      settled = await partial.commit(createHash('sha1').update(jpeg).digest('hex'), modified, nameVariantOf(name));
    } catch (error) {
      await partial.discard();
      throw error;
    }
    return { converted: true, jpeg: settled.relativePath, originalKept: this.keepOriginals };
  }

  /**
   * With "JPEG only", removes the HEIC once its JPEG is in place and the index knows the photo by
   * the JPEG: in the other order a crash could leave the index naming a file that is gone.
   */
  async removeOriginal(relativePath: string): Promise<void> {
    if (!this.keepOriginals) await fs.rm(path.join(this.root, ...relativePath.split('/')), { force: true });
  }
}
