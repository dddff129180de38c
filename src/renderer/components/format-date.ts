/**
 * A date as the UI shows it everywhere (the summary's latest backup, the history, the restore
 * wizard): in its own file so those pages do not import the device page that shows them.
 */
export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * Dates for a list of backups, told apart: two backups made in the same minute read the same
 * ("Dec 3, 2026, 5:53 AM" twice, seen in issue 12's walk), so those get their seconds. `format`
 * is the locale's by default, fixed in tests.
 */
export function formatDatesApart(isos: readonly string[], format: (iso: string, seconds: boolean) => string = localeDate): ReadonlyMap<string, string> {
  const short = isos.map((iso) => format(iso, false));
  return new Map(isos.map((iso, index) => [iso, short.indexOf(short[index]!) === short.lastIndexOf(short[index]!) ? short[index]! : format(iso, true)]));
}

/**
 * One backup's date as its list (`among`, which may hold it) shows it (formatDatesApart): with
 * seconds when another backup of the list shares its minute, so a dialog's title or a sentence
 * names the row that was chosen. Another backup of the very same second (an archive keeps the date
 * of the backup it copies) counts too: the list shows both with their seconds, the same words.
 */
export function formatDateAmong(iso: string, among: readonly string[], format: (iso: string, seconds: boolean) => string = localeDate): string {
  return formatDatesApart(among.includes(iso) ? among : [iso, ...among], format).get(iso) ?? format(iso, false);
}

function localeDate(iso: string, seconds: boolean): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: seconds ? 'medium' : 'short' });
}
