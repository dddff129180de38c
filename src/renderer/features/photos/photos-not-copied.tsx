import { useState } from 'react';
import type { PhotosNotCopied } from '../../../shared/contract';
import { Dialog } from '../../components/dialog';

/** "1 photo could not be copied" / "12 photos could not be copied". */
export function notCopiedHeading(count: number): string {
  return `${count} ${count === 1 ? 'photo' : 'photos'} could not be copied`;
}

/**
 * After a photo import that left files behind: how many, and a button that lists them with the
 * reason for each in a dialog (focus moves into it and back to the button, Escape closes it), so
 * a photo the phone would not give is never silently missing from the folder.
 */
export function PhotosNotCopiedNotice({ notCopied }: { readonly notCopied: PhotosNotCopied }) {
  const [open, setOpen] = useState(false);
  const heading = notCopiedHeading(notCopied.count);
  const unlisted = notCopied.count - notCopied.files.length;
  return (
    <div className="hint outcome-failed" data-testid="photos-not-copied-summary">
      {heading}.{' '}
      <button type="button" className="link" onClick={() => setOpen(true)} data-testid="show-photos-not-copied">
        Show which and why
      </button>
      {open ? (
        <Dialog title={heading} onClose={() => setOpen(false)}>
          <p>Everything else was copied. Import again later to copy these; photos already copied are skipped.</p>
          <ul className="not-copied-list" data-testid="photos-not-copied">
            {notCopied.files.map((file, index) => (
              <li key={`${index}:${file.name}`}>
                <strong>{file.name}</strong>
                <span>{file.reason}</span>
              </li>
            ))}
          </ul>
          {unlisted > 0 ? <p className="hint">And {unlisted} more; `lifeboat photos import` lists every one.</p> : null}
          <div className="actions">
            <button type="button" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}
