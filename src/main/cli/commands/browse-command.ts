import { formatBytes } from '../../../shared/format';
import { type BackupBrowser, type BrowserEntry, openBackupBrowser, parseBackupPath } from '../../browser';
import { checkFlags, type ParsedArgs, stringFlag, UsageError } from '../cli-io';
import { ExitCode } from '../exit-codes';
import { type CliIoWithStdin, backupFolderFromArgs, passwordFromArgs, reportBackupError } from './backup-command-support';

/** Most search hits printed; the count says when there were more. */
const SEARCH_LIMIT = 500;

/**
 * `lifeboat browse`: what a backup holds. Without PATH: the backup's summary and its domains
 * (with sizes); with a domain or `Domain/folder`: that folder's entries; with a file: its record;
 * `--search TEXT`: paths containing TEXT. BACKUP is a folder, a history id or a UDID.
 */
export async function browseCommand(args: ParsedArgs, io: CliIoWithStdin, signal?: AbortSignal): Promise<number> {
  const [reference, target, ...extra] = args.positional;
  if (reference === undefined) throw new UsageError('Name the backup to browse: a folder, a backup id or a UDID.');
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  checkFlags(args, ['search', 'apps', 'password-stdin', 'json', 'backup-root']);
  const json = args.flags.get('json') === true;
  let browser: BackupBrowser | undefined;
  try {
    const folder = await backupFolderFromArgs(reference, args, io);
    browser = await openBackupBrowser(folder, { password: await passwordFromArgs(args, io), ...(signal ? { signal } : {}) });
    const search = stringFlag(args, 'search');
    if (search !== undefined) {
      const hits = browser.search(search, { limit: SEARCH_LIMIT + 1, ...(target === undefined ? {} : { domain: parseBackupPath(target).domain }) });
      print(io, json, { search, hits: hits.slice(0, SEARCH_LIMIT).map(view), more: hits.length > SEARCH_LIMIT }, () => [...hits.slice(0, SEARCH_LIMIT).map(line), ...(hits.length > SEARCH_LIMIT ? [`… more than ${SEARCH_LIMIT} matches; search for something longer.`] : []), hits.length === 0 ? `Nothing in the backup matches "${search}".` : ''].filter(Boolean));
      return ExitCode.ok;
    }
    if (args.flags.get('apps') === true) {
      const apps = browser.apps();
      print(io, json, { apps }, () => apps.map((app) => `${app.bundleId}  ${files(app.files)}  ${formatBytes(app.bytes)}`));
      return ExitCode.ok;
    }
    if (target === undefined) {
      const summary = browser.summary;
      const domains = browser.domains();
      const missing = browser.missingFiles({ exampleLimit: 5 });
      print(io, json, { summary, domains, missingFiles: { count: missing.count, checked: missing.checked, examples: missing.examples.map(view) } }, () => [
        `${summary.deviceName ?? 'Unknown iPhone'} (${summary.udid ?? 'unknown UDID'}), iOS ${summary.productVersion ?? '?'}, ${summary.date ?? 'date unknown'}${summary.encrypted ? ', encrypted' : ''}`,
        `${summary.entries} entries in ${summary.format === 'manifest-db' ? 'Manifest.db' : 'Manifest.mbdb'}`,
        ...summary.notes,
        ...(missing.count > 0 ? [`Incomplete: ${missing.count} of ${missing.checked} files are not in the folder (e.g. ${missing.examples.map((entry) => `${entry.domain}/${entry.relativePath}`).slice(0, 3).join(', ')}).`] : []),
        '',
        ...domains.map((domain) => `${domain.domain}  ${files(domain.files)}  ${formatBytes(domain.bytes)}`),
      ]);
      return ExitCode.ok;
    }
    const where = parseBackupPath(target);
    const entry = where.relativePath === '' ? undefined : browser.entry(where.domain, where.relativePath);
    if (entry && entry.kind !== 'directory') {
      print(io, json, { entry: view(entry), present: isPresent(browser, entry) }, () => [line(entry), ...(isPresent(browser as BackupBrowser, entry) ? [] : ['Its content is not in the backup folder (the backup is incomplete).'])]);
      return ExitCode.ok;
    }
    const children = browser.list(where.domain, where.relativePath);
    if (children.length === 0 && !entry) throw new UsageError(`The backup has nothing at ${target}.`);
    print(io, json, { path: target, entries: children.map(view) }, () => children.map(line));
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return reportBackupError(error, io, json);
  } finally {
    browser?.close();
  }
}

function files(count: number): string {
  return `${count} ${count === 1 ? 'file' : 'files'}`;
}

/** A regular file is present when its content file is in the folder. */
function isPresent(browser: BackupBrowser, entry: BrowserEntry): boolean {
  return browser.hasContent(entry);
}

function print(io: CliIoWithStdin, json: boolean, value: unknown, lines: () => readonly string[]): void {
  io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : `${lines().join('\n')}\n`);
}

/** An entry for JSON: the wrapped key is a secret of the backup, never printed. */
export function view(entry: BrowserEntry): Record<string, unknown> {
  return {
    domain: entry.domain,
    path: entry.relativePath,
    kind: entry.kind,
    size: entry.size,
    modified: entry.lastModified === undefined ? undefined : new Date(entry.lastModified * 1000).toISOString(),
    fileId: entry.fileId || undefined,
    ...(entry.linkTarget === undefined ? {} : { linkTarget: entry.linkTarget }),
  };
}

function line(entry: BrowserEntry): string {
  const date = entry.lastModified === undefined ? '                   ' : new Date(entry.lastModified * 1000).toISOString().slice(0, 19);
  const size = entry.kind === 'directory' ? '     <dir>' : formatBytes(entry.size).padStart(10);
  return `${date}  ${size}  ${entry.domain}/${entry.relativePath}${entry.kind === 'directory' ? '/' : ''}${entry.linkTarget ? ` -> ${entry.linkTarget}` : ''}`;
}
