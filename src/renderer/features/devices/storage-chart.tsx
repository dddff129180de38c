import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../../../shared/format';
import { useAppState } from '../../app/store-context';
import { chartDateLabels, labelsThatFit } from './chart-labels';
import { formatDatesApart } from '../../components/format-date';

const WIDTH = 640;
const HEIGHT = 160;
const PAD = { top: 12, right: 12, bottom: 28, left: 64 };

/** Backup sizes per date, oldest to newest: how much room this phone's backups take over time. */
export function StorageChart({ udid }: { readonly udid: string }) {
  // Select the backups themselves (stable objects): mapping inside the selector would make a new
  // array of new objects on every store change, which useShallow never sees as equal.
  const backups = useAppState(useShallow((state) => state.backups.list.filter((backup) => backup.udid === udid)));
  const points = backups.map((backup) => ({ id: backup.id, at: backup.createdAt, bytes: backup.sizeBytes }));
  if (points.length === 0) return null;
  const sorted = [...points].sort((a, b) => a.at.localeCompare(b.at));
  const max = Math.max(...sorted.map((point) => point.bytes), 1);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / sorted.length;
  const barWidth = Math.max(4, Math.min(48, slot * 0.6));
  const newest = sorted[sorted.length - 1]!;
  const labels = chartDateLabels(sorted.map((point) => point.at));
  const dates = formatDatesApart(sorted.map((point) => point.at));
  const centers = sorted.map((_, index) => PAD.left + slot * index + slot / 2);
  const fits = labelsThatFit(centers, labels);
  return (
    <section className="card" aria-labelledby="storage-title">
      <h2 id="storage-title">Backup size over time</h2>
      <figure className="storage-chart">
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="storage-chart-desc" data-testid="storage-chart">
          <desc id="storage-chart-desc">
            {`${sorted.length} ${sorted.length === 1 ? 'backup' : 'backups'}; the largest is ${formatBytes(max)}, the newest ${formatBytes(newest.bytes)}. The table below lists each one.`}
          </desc>
          <line x1={PAD.left} y1={PAD.top + plotHeight} x2={WIDTH - PAD.right} y2={PAD.top + plotHeight} className="axis" />
          <text x={PAD.left - 6} y={PAD.top + 4} textAnchor="end" className="axis-label">
            {formatBytes(max)}
          </text>
          <text x={PAD.left - 6} y={PAD.top + plotHeight} textAnchor="end" className="axis-label">
            0
          </text>
          {sorted.map((point, index) => {
            const height = Math.max(1, (point.bytes / max) * plotHeight);
            const x = PAD.left + slot * index + (slot - barWidth) / 2;
            return (
              <g key={point.id}>
                <rect x={x} y={PAD.top + plotHeight - height} width={barWidth} height={height} rx={3} className="bar">
                  <title>{`${dates.get(point.at)}: ${formatBytes(point.bytes)}`}</title>
                </rect>
                {fits.has(index) ? (
                  <text x={x + barWidth / 2} y={HEIGHT - 8} textAnchor="middle" className="axis-label">
                    {labels[index]}
                  </text>
                ) : null}
              </g>
            );
          })}
        </svg>
        <details className="chart-table">
          <summary>Show as a table</summary>
          <table>
            <caption className="visually-hidden">Backup sizes by date</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Size</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((point) => (
                <tr key={point.id}>
                  <td>{dates.get(point.at)}</td>
                  <td>{formatBytes(point.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figure>
    </section>
  );
}
