import type { PhotosState, SliceContext } from './store-types';

export const initialPhotos: PhotosState = { jobId: undefined };

export function photosActions({ api, set, attempt }: SliceContext) {
  return {
    async importPhotos(udid: string, destination: string, conversion: { convertHeicToJpeg?: boolean; keepHeicOriginals?: boolean } = {}): Promise<void> {
      // Remember the folder for next time; then start (the job's progress arrives as job:progress).
      await attempt(() => api.invoke('settings:set', { photoImportFolder: destination }));
      const started = await attempt(() => api.invoke('photos:import', { udid, destination, ...conversion }));
      if (started) set('photos/started', () => ({ photos: { jobId: started.jobId } }));
    },
  };
}
