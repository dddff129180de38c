/**
 * The capture date the committed HEIC samples carry in EXIF (1999:12:31 23:59:59 UTC): a date no
 * generated photo has, so its `YYYY:MM:DD HH:MM:SS` text is found unambiguously and replaced by
 * the photo's own (same length, so no offset in the file moves).
 */
export const HEIC_PLACEHOLDER_TAKEN_AT = 946_684_799;

/**
 * The Live Photo content identifier the committed `live` HEIC samples carry in their Apple MakerNote
 * (tag 0x0011): replaced in place by each Live Photo's own, which has the same 36 characters.
 */
export const HEIC_PLACEHOLDER_CONTENT_IDENTIFIER = 'FEEDFACE-0000-4000-8000-00000000CAFE';
