import { describe, expect, it } from 'vitest';
import { cameraRollRole, captureStem, countCameraRollItems, stillStemsOf } from './camera-roll-items';

describe('Camera Roll items', () => {
  it('knows a capture by its number, whatever its edit prefix or extension', () => {
    expect(['IMG_0001.HEIC', 'IMG_0001.MOV', 'IMG_E0001.HEIC', 'IMG_O0001.AAE', 'img_0001.aae'].map(captureStem)).toEqual(Array(5).fill('IMG_0001'));
  });

  it('tells a Live Photo video half from a video of its own, and edits from photos', () => {
    const names = ['IMG_0001.HEIC', 'IMG_0001.MOV', 'IMG_E0001.HEIC', 'IMG_E0001.MOV', 'IMG_0001.AAE', 'IMG_0002.MOV', 'IMG_0003.PNG', 'IMG_0004.JPG'];
    const stills = stillStemsOf(names);
    expect(names.map((name) => cameraRollRole(name, stills))).toEqual(['photo', 'live-video', 'edited-copy', 'edited-copy', 'sidecar', 'video', 'photo', 'photo']);
  });

  it('counts captures: a Live Photo once, no sidecars or renders, pairs only within one folder', () => {
    const counts = countCameraRollItems([
      'Media/DCIM/100APPLE/IMG_0001.HEIC', 'Media/DCIM/100APPLE/IMG_0001.MOV', 'Media/DCIM/100APPLE/IMG_0001.AAE', 'Media/DCIM/100APPLE/IMG_E0001.HEIC',
      'Media/DCIM/100APPLE/IMG_0002.MOV', 'Media/DCIM/100APPLE/IMG_0003.PNG',
      // Same number in another folder: a video of its own, not IMG_0001.HEIC's half.
      'Media/DCIM/101APPLE/IMG_0001.MOV',
    ]);
    expect(counts).toEqual({ photos: 2, videos: 2, livePhotos: 1, companions: 2 });
  });
});
