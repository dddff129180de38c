import { useEffect } from 'react';
import type { BrowserEntryView } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { MiddleEllipsis } from '../../components/middle-ellipsis';

export const ROW_HEIGHT = 44;

/** Camera Roll pictures get a thumbnail: small JPEGs as they are, HEICs decoded and shrunk by the core. */
export function hasThumbnail(entry: BrowserEntryView): boolean {
  return entry.kind === 'file' && entry.domain === 'CameraRollDomain' && /\.(jpe?g|hei[cf])$/i.test(entry.relativePath);
}

export function baseName(relativePath: string): string {
  return relativePath.slice(relativePath.lastIndexOf('/') + 1) || relativePath;
}

interface BrowserRowProps {
  readonly entry: BrowserEntryView | undefined;
  readonly index: number;
  /** Show the domain and full path (search results) instead of the name alone. */
  readonly showPath: boolean;
  readonly onOpenFolder: (entry: BrowserEntryView) => void;
}

/** One file or folder: a checkbox to select it for extraction, its name (folders open), size and date. */
export function BrowserRow({ entry, index, showPath, onOpenFolder }: BrowserRowProps) {
  const selected = useAppState((state) => (entry ? !!state.browser.selected[entry.fileId] : false));
  const preview = useAppState((state) => (entry ? state.browser.previews[entry.fileId] : undefined));
  const { toggleSelected, loadPreview } = useActions();
  useEffect(() => {
    if (entry && hasThumbnail(entry)) void loadPreview(entry);
  }, [entry, loadPreview]);

  if (!entry) {
    return (
      <div role="listitem" className="file-row loading" style={{ height: ROW_HEIGHT }} data-testid="file-row" data-index={index}>
        Loading…
      </div>
    );
  }
  const name = showPath ? `${entry.domain}/${entry.relativePath}` : baseName(entry.relativePath);
  return (
    <div role="listitem" className={selected ? 'file-row selected' : 'file-row'} style={{ height: ROW_HEIGHT }} data-testid="file-row" data-index={index} data-path={entry.relativePath}>
      <input type="checkbox" checked={selected} onChange={() => toggleSelected(entry)} aria-label={`Select ${name}`} />
      <span className="file-icon" aria-hidden="true">
        {preview ? <img src={preview} alt="" className="thumbnail" data-testid="thumbnail" /> : <KindIcon kind={entry.kind} />}
      </span>
      {/* Cut in the middle, so search results that share a long folder still show different names. */}
      {entry.kind === 'directory' ? (
        <button type="button" className="link file-name" onClick={() => onOpenFolder(entry)}>
          <MiddleEllipsis text={name} />
        </button>
      ) : (
        <MiddleEllipsis text={name} className="file-name" />
      )}
      <span className="file-size">{entry.kind === 'file' ? formatBytes(entry.sizeBytes) : ''}</span>
      <span className="file-date">{entry.modifiedAt ? new Date(entry.modifiedAt).toLocaleDateString() : ''}</span>
    </div>
  );
}

/** Drawn, not emoji: emoji fonts are missing on many Linux desktops. */
function KindIcon({ kind }: { readonly kind: BrowserEntryView['kind'] }) {
  return (
    <svg viewBox="0 0 24 24">
      {kind === 'directory' ? <path d="M3 6.5h6l2 2h10v10H3z" /> : <path d="M6 3h8l4 4v14H6z M14 3v4h4" />}
    </svg>
  );
}
