import { type FormEvent, useState } from 'react';
import type { DeviceView } from '../../../shared/contract';
import { useActions, useAppState } from '../../app/store-context';

/** Import Photos: copies the Camera Roll into a folder on this computer (over AFC, not from a backup). */
export function PhotoImport({ device, busy }: { readonly device: DeviceView; readonly busy: boolean }) {
  const saved = useAppState((state) => state.settings.value?.photoImportFolder ?? '');
  const [folder, setFolder] = useState<string | undefined>(undefined);
  const [convertHeicToJpeg, setConvert] = useState(false);
  const [keepHeicOriginals, setKeepOriginals] = useState(true);
  const { importPhotos } = useActions();
  const value = folder ?? saved;

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (value.trim()) void importPhotos(device.udid, value.trim(), convertHeicToJpeg ? { convertHeicToJpeg, keepHeicOriginals } : {});
  }

  return (
    <section className="card" aria-labelledby="photos-title">
      <h2 id="photos-title">Photos</h2>
      <form className="inline-form" onSubmit={submit}>
        <label className="field grow">
          <span>Import new photos and videos into</span>
          <input type="text" value={value} onChange={(event) => setFolder(event.target.value)} spellCheck={false} required />
        </label>
        <button type="submit" disabled={busy || !value.trim()} data-testid="import-photos">
          Import Photos
        </button>
        <label className="check">
          <input type="checkbox" checked={convertHeicToJpeg} onChange={(event) => setConvert(event.target.checked)} data-testid="convert-heic" />
          <span>
            Convert HEIC to JPEG
            <span className="hint"> — for programs that cannot open iPhone photos</span>
          </span>
        </label>
        {convertHeicToJpeg ? (
          <label className="check">
            <input type="checkbox" checked={keepHeicOriginals} onChange={(event) => setKeepOriginals(event.target.checked)} data-testid="keep-heic" />
            <span>Keep the HEIC originals too</span>
          </label>
        ) : null}
      </form>
      <p className="hint">Photos already imported are skipped, so you can run this again after taking new ones.</p>
    </section>
  );
}
