import { useEffect, useState } from 'react';
import type { FolderListingView } from '../../../shared/contract';
import { useActions } from '../../app/store-context';
import { Dialog } from '../../components/dialog';
import { MiddleEllipsis } from '../../components/middle-ellipsis';

/**
 * The web mode's folder chooser: the main side lists folders (folders:list, confined to the home
 * folder, removable disks and the folders in use), this dialog walks them. The desktop app uses the
 * operating system's own dialog instead (folders:pick).
 */
export function FolderChooser({ title, start, onChoose, onClose }: { readonly title: string; readonly start?: string; readonly onChoose: (folder: string) => void; readonly onClose: () => void }) {
  const { listFolders, listFoldersNear } = useActions();
  const [listing, setListing] = useState<FolderListingView | undefined>(undefined);
  const [loading, setLoading] = useState(true);

  async function open(folder?: string): Promise<void> {
    setLoading(true);
    const next = await listFolders(folder);
    setLoading(false);
    if (next) setListing(next);
  }

  useEffect(() => {
    // Start in the current folder, else its nearest parent that may be shown, else the first allowed place.
    void listFoldersNear(start).then((first) => {
      setLoading(false);
      if (first) setListing(first);
    });
  }, []);

  return (
    <Dialog title={title} onClose={onClose}>
      <div className="folder-chooser" data-testid="folder-chooser">
        {listing ? (
          <>
            <p className="folder-current" aria-live="polite">
              <span className="hint">In </span>
              <strong title={listing.path} data-testid="folder-current">
                <MiddleEllipsis text={listing.path} />
              </strong>
            </p>
            <div className="folder-places">
              <button type="button" disabled={!listing.parent || loading} onClick={() => listing.parent && void open(listing.parent)}>
                Up
              </button>
              <label className="folder-root">
                <span className="visually-hidden">Places</span>
                <select value="" onChange={(event) => event.target.value && void open(event.target.value)} aria-label="Places">
                  <option value="">Places…</option>
                  {listing.roots.map((root) => (
                    <option key={root} value={root}>
                      {root}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <ul className="folder-list" aria-label={`Folders in ${listing.path}`}>
              {listing.folders.length === 0 ? <li className="hint">No folders in here.</li> : null}
              {listing.folders.map((folder) => (
                <li key={folder.path}>
                  <button type="button" className="folder-item" onClick={() => void open(folder.path)} disabled={loading}>
                    {folder.name}
                  </button>
                </li>
              ))}
            </ul>
            {listing.more ? <p className="hint">Only the first folders are shown.</p> : null}
          </>
        ) : (
          <p role="status">{loading ? 'Looking at the folders…' : 'No folder can be shown.'}</p>
        )}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={!listing || loading} onClick={() => listing && onChoose(listing.path)}>
            Choose This Folder
          </button>
        </div>
      </div>
    </Dialog>
  );
}
