import { formatBytes, formatDuration } from '../../shared/format';
import type { ProgressView } from './progress-renderer';

/** The words of a progress line, shared by the bar and the plain lines so both say the same. */
export function describeProgress(view: ProgressView): string {
  const parts: string[] = [];
  parts.push(view.filesTotal === undefined ? `${view.filesDone} files` : `${view.filesDone}/${view.filesTotal} files`);
  parts.push(view.bytesTotal === undefined ? formatBytes(view.bytesDone) : `${formatBytes(view.bytesDone)} of ${formatBytes(view.bytesTotal)}`);
  if (view.bytesPerSecond !== undefined && view.bytesPerSecond > 0) parts.push(`${formatBytes(view.bytesPerSecond)}/s`);
  if (view.etaSeconds !== undefined && view.percent < 100) parts.push(`about ${formatDuration(view.etaSeconds)} left`);
  return parts.join(', ');
}

export function percentText(percent: number): string {
  return `${Math.floor(Math.max(0, Math.min(100, percent)))}%`.padStart(4);
}
