/**
 * Bounds for decoding a HEIC from a phone or a backup folder (untrusted input): a file whose
 * header promises a giant picture is refused before any pixel is decoded, and a decode that takes
 * too long is stopped by ending its thread.
 */

/** A 48-megapixel iPhone HEIC is ~10 MB; anything past this is not a photo we should decode. */
export const MAX_HEIC_BYTES = 64 * 1024 * 1024;
/** iPhones shoot up to 48 MP (8064×6048); RGBA of this many pixels is 200 MB of memory. */
export const MAX_HEIC_PIXELS = 50_000_000;
/** A 12 MP HEIC decodes in ~1–3 s on a loaded two-core machine; a 48 MP one several times that. */
export const HEIC_DECODE_DEADLINE_MS = 60_000;
/** Thumbnails: the longest edge, and the JPEG quality (0–100) they are encoded with. */
export const THUMBNAIL_EDGE = 256;
export const THUMBNAIL_QUALITY = 75;
/** Full-size conversion quality, as Windows' and macOS' "Most Compatible" exports roughly use. */
export const CONVERSION_QUALITY = 90;
