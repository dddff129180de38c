import type { DeviceView } from '../../../shared/contract';
import { useAppState } from '../../app/store-context';

/** The sentence both the notice and the backup result use, so they say the same thing. */
export const ICLOUD_PHOTOS_SENTENCE =
  'Your photos are not in this computer’s backups: iCloud Photos is on, and the iPhone keeps its photos and videos in iCloud instead. Use Import Photos to keep a copy on this computer too.';

/**
 * iCloud Photos leaves the photo library out of computer backups, the usual reason for "my photos
 * were not restored". The core infers it (restore:candidates `photosInICloud`); this says so before
 * the next backup and points at Import Photos.
 */
export function ICloudPhotosNotice({ device }: { readonly device: DeviceView }) {
  const inICloud = useAppState((state) => state.restore.candidates[device.udid]?.photosInICloud === true);
  if (!device.connected || !inICloud) return null;
  return (
    <section className="card banner" aria-labelledby="icloud-photos-title" data-testid="icloud-photos-notice">
      <h2 id="icloud-photos-title">Photos are kept in iCloud, not in backups</h2>
      <p>{ICLOUD_PHOTOS_SENTENCE}</p>
      <p>
        <a href="#photos-title" data-testid="go-to-import">
          Go to Import Photos
        </a>
      </p>
    </section>
  );
}
