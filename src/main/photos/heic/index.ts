/**
 * HEIC pictures for people and programs that cannot read them: full-size JPEG conversion and
 * thumbnails, decoded off the main thread within bounds (heic-limits.ts), and a cache for the
 * thumbnails a view shows. The backup browser's Photos view and photo import use these.
 */
export { HeicDecoder, type HeicDecodeOptions } from './heic-decoder';
export { ThumbnailCache } from './thumbnail-cache';
export { isHeic, declaredPictureSize } from './heic-probe';
export { MAX_HEIC_BYTES, MAX_HEIC_PIXELS, THUMBNAIL_EDGE } from './heic-limits';
export { HeicPreviews } from './heic-previews';
