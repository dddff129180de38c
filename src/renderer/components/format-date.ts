/**
 * A date as the UI shows it everywhere (the summary's latest backup, the history, the restore
 * wizard): in its own file so those pages do not import the device page that shows them.
 */
export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
