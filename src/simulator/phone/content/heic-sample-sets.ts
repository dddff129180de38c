import { HEIC_PLACEHOLDER_CONTENT_IDENTIFIER } from './heic-placeholder';

/**
 * What the committed HEIC samples are (./heic-samples.ts): one set per orientation and kind, each a
 * still of every scene. scripts/make-heic-samples.ts makes the sets from this table, and the
 * generated file is typed by it, so the two cannot drift apart.
 */
export const HEIC_SAMPLE_SETS = [
  { name: 'landscape', width: 160, height: 120, contentIdentifier: undefined },
  { name: 'portrait', width: 120, height: 160, contentIdentifier: undefined },
  { name: 'liveLandscape', width: 160, height: 120, contentIdentifier: HEIC_PLACEHOLDER_CONTENT_IDENTIFIER },
  { name: 'livePortrait', width: 120, height: 160, contentIdentifier: HEIC_PLACEHOLDER_CONTENT_IDENTIFIER },
] as const;

/** The simulator's drawn scenes each set holds a still of (jpeg-content.ts draws them from this key). */
export const HEIC_SAMPLE_SCENES = ['harbour', 'meadow', 'city'] as const;

export type HeicSampleSetName = (typeof HEIC_SAMPLE_SETS)[number]['name'];

/** Base64 HEIC stills per set, in HEIC_SAMPLE_SCENES order. */
export type HeicSamples = { readonly [name in HeicSampleSetName]: readonly string[] };
