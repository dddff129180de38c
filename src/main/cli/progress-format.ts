import { formatBytes, formatTimeLeft } from '../../shared/format';
import type { ProgressView } from './progress-view';

/** The words of a progress line, shared by the bar and the plain lines so both say the same. */
export function describeProgress(view: ProgressView): string {
  const parts: string[] = [];
  parts.push(view.filesTotal === undefined ? `${view.filesDone} files` : `${view.filesDone}/${view.filesTotal} files`);
  // At the end the total is what was done; an estimate beside it would only confuse.
  const showTotal = view.bytesTotal !== undefined && view.percent < 100;
  parts.push(showTotal ? `${formatBytes(view.bytesDone)} of ${formatBytes(view.bytesTotal)}` : formatBytes(view.bytesDone));
  if (view.bytesPerSecond !== undefined && view.bytesPerSecond >= 1) parts.push(`${formatBytes(Math.round(view.bytesPerSecond))}/s`);
  if (view.etaSeconds !== undefined && view.percent < 100) parts.push(`about ${formatTimeLeft(view.etaSeconds)} left`);
  return parts.join(', ');
}

export function percentText(percent: number): string {
  return `${Math.floor(Math.max(0, Math.min(100, percent)))}%`.padStart(4);
}
