import type { RollShape } from './camera-roll';

/**
 * The shapes of generated phone (protocol.md §8.2): a quick one for tests, a big one for
 * benchmarks and progress bars, one with very many small files for per-file overhead, and a
 * million-file one (real phones hold 200k–1.3M files) for memory that grows with the file count.
 */
export type PhoneProfile = 'small' | 'large' | 'many-small' | 'huge';

export const PHONE_PROFILES: readonly PhoneProfile[] = ['small', 'large', 'many-small', 'huge'];

export interface ProfileSpec {
  /** Camera Roll photos (JPEG) to generate. */
  readonly photos: number;
  /** Photo file size range in bytes; padded with APPn segments up to the chosen size. */
  readonly photoBytes: readonly [number, number];
  readonly videos: number;
  readonly videoBytes: readonly [number, number];
  readonly screenshots: number;
  /**
   * How the roll is shot (share of older JPEGs, Live Photos and their video sizes, edits, DCIM
   * folders); default DEFAULT_ROLL_SHAPE in camera-roll.ts.
   */
  readonly roll?: Partial<RollShape>;
  /** Third-party apps installed. */
  readonly apps: number;
  /** Document files spread over the apps' containers. */
  readonly appDocuments: number;
  readonly appDocumentBytes: readonly [number, number];
  readonly voiceMemos: number;
  readonly messageAttachments: number;
  readonly contacts: number;
  readonly messages: number;
  readonly capacityBytes: number;
  /**
   * How app documents are laid out: 'documents' puts them in Documents/ (200 per folder);
   * 'app-data' spreads them over the folders real apps fill (HTTP caches, hashed object stores,
   * media folders by month, image caches), which is where a real phone's hundreds of thousands
   * of files live.
   */
  readonly appLayout?: 'documents' | 'app-data';
}

const GB = 1_000_000_000;

export const PROFILE_SPECS: Readonly<Record<PhoneProfile, ProfileSpec>> = {
  small: {
    photos: 20, photoBytes: [40_000, 160_000],
    videos: 2, videoBytes: [200_000, 600_000],
    screenshots: 2,
    // Two DCIM folders even on the test phone, so folder handling is always exercised.
    roll: { folders: 2 },
    apps: 4, appDocuments: 60, appDocumentBytes: [200, 20_000],
    voiceMemos: 3, messageAttachments: 4, contacts: 25, messages: 120,
    capacityBytes: 128 * GB,
  },
  large: {
    // Live Photos' videos (1–2 MB) and edits' renders take the place of some of the stills' bytes, so the
    // phone stays ~7.4 GB as before them.
    photos: 1_900, photoBytes: [1_100_000, 3_100_000],
    videos: 40, videoBytes: [5_000_000, 40_000_000],
    screenshots: 60,
    roll: { liveBytes: [1_000_000, 2_000_000] },
    apps: 30, appDocuments: 100_000, appDocumentBytes: [500, 24_000],
    voiceMemos: 40, messageAttachments: 300, contacts: 800, messages: 20_000,
    capacityBytes: 256 * GB,
  },
  'many-small': {
    photos: 200, photoBytes: [40_000, 120_000],
    videos: 0, videoBytes: [0, 0],
    screenshots: 20,
    apps: 20, appDocuments: 49_000, appDocumentBytes: [1_024, 16_384],
    voiceMemos: 10, messageAttachments: 100, contacts: 300, messages: 3_000,
    capacityBytes: 128 * GB,
  },
  // ~1,000,000 files, nearly all of them a few KB: ~5 GB of backup, but the phone itself is only
  // its index (phone.db, ~300 MB); contents are generated from the seed when read.
  huge: {
    photos: 3_000, photoBytes: [30_000, 90_000],
    videos: 0, videoBytes: [0, 0],
    screenshots: 100,
    apps: 36, appDocuments: 970_000, appDocumentBytes: [100, 4_000],
    voiceMemos: 20, messageAttachments: 8_000, contacts: 2_000, messages: 30_000,
    capacityBytes: 256 * GB,
    appLayout: 'app-data',
  },
};

export function isPhoneProfile(value: string): value is PhoneProfile {
  return (PHONE_PROFILES as readonly string[]).includes(value);
}
