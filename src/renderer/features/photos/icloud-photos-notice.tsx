import type { DeviceView } from '../../../shared/contract';
import { useAppState } from '../../app/store-context';

/** What the notice says. */
export const ICLOUD_PHOTOS_SENTENCE =
  'Your photos are not in this computer’s backups: iCloud Photos is on, and the iPhone keeps its photos and videos in iCloud instead. Use Import Photos to keep a copy on this computer too.';

/** What a finished backup's result adds, shorter: the notice above it already says the rest, and one page never says it twice. */
export const ICLOUD_PHOTOS_RESULT = 'It holds none of your photos (they are in iCloud Photos): use Import Photos to keep a copy.';

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
