import { formatBytes } from '../../../shared/format';

/** Used vs. free space, as a bar with a text equivalent for screen readers. */
export function CapacityBar({ total, free }: { readonly total?: number; readonly free?: number }) {
  if (!total) return null;
  const used = Math.max(0, total - (free ?? 0));
  const percent = Math.round((used / total) * 100);
  return (
    <div className="capacity">
      <div className="capacity-bar" role="meter" aria-label="Storage used" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={`${formatBytes(used)} used of ${formatBytes(total)}`}>
        <div className="capacity-used" style={{ width: `${percent}%` }} />
      </div>
      <p className="hint">
        {formatBytes(used)} used · {formatBytes(free ?? 0)} free of {formatBytes(total)}
      </p>
    </div>
  );
}
