import type { StorageView } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';

/** The categories in Finder's order; free last, as the bar's empty end. */
const CATEGORIES = [
  { key: 'appsBytes', label: 'Apps' },
  { key: 'photosBytes', label: 'Photos' },
  { key: 'mediaBytes', label: 'Media' },
  { key: 'otherBytes', label: 'Other' },
  { key: 'freeBytes', label: 'Free' },
] as const satisfies readonly { key: keyof StorageView; label: string }[];

/**
 * The phone's storage by category, as Finder shows it. The coloured bar is decoration for sighted
 * readers; the same numbers are always written beside it (a list of label and size, each with a
 * pattern swatch), so nothing is told by colour alone.
 */
export function StorageBar({ storage }: { readonly storage: StorageView }) {
  const used = storage.totalBytes - storage.freeBytes;
  const summary = CATEGORIES.map(({ key, label }) => `${label} ${formatBytes(storage[key])}`).join(', ');
  return (
    <div className="storage" data-testid="storage-categories">
      <div className="storage-bar" role="img" aria-label={`Storage: ${summary}, of ${formatBytes(storage.totalBytes)}`}>
        {CATEGORIES.map(({ key }) => (
          <span key={key} className={`storage-segment storage-${key}`} style={{ width: `${percentOf(storage[key], storage.totalBytes)}%` }} />
        ))}
      </div>
      <p className="hint">
        {formatBytes(used)} used · {formatBytes(storage.freeBytes)} free of {formatBytes(storage.totalBytes)}
      </p>
      <ul className="storage-legend" aria-label="Storage by category">
        {CATEGORIES.map(({ key, label }) => (
          <li key={key} data-testid={`storage-${key}`}>
            <span className={`storage-swatch storage-${key}`} aria-hidden="true" />
            <span className="storage-label">{label}</span> <span className="storage-value">{formatBytes(storage[key])}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A segment's width; a non-empty category keeps a sliver so it is not invisible next to its label. */
function percentOf(bytes: number, total: number): number {
  if (total <= 0 || bytes <= 0) return 0;
  return Math.max(0.5, (bytes / total) * 100);
}
