import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BrowserEntryView } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { MiddleEllipsis } from '../../components/middle-ellipsis';
import { VirtualList } from '../../components/virtual-list';
import { formatDateAmong } from '../../components/format-date';
import { LibrarySections } from '../library/library-sections';
import { LibraryView } from '../library/library-view';
import { BrowserRow, ROW_HEIGHT } from './browser-row';
import { searchCount } from './browser-words';

const LIST_HEIGHT = 480;

/**
 * The backup browser: domains and apps with their sizes on the left, the folder (or search) on the
 * right as a virtual list, breadcrumbs above it, and extraction of the selected files below.
 */
export function BackupBrowser() {
  const browser = useAppState((state) => state.browser);
  const backup = useAppState((state) => state.backups.list.find((candidate) => candidate.id === state.browser.backupId));
  // The phone's other backups, so the title names this one as the history does (seconds when two share a minute).
  const phoneDates = useAppState(useShallow((state) => state.backups.list.filter((candidate) => candidate.udid === backup?.udid).map((candidate) => candidate.createdAt)));
  const { browseTo, loadRows, searchBrowser, closeBrowser, libraryOpened } = useActions();
  const place = useAppState((state) => state.library.place);
  const [query, setQuery] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const { location, rows } = browser;

  useEffect(() => heading.current?.focus(), []);
  // The top level in a person's words (features/library) starts over with each backup opened.
  const sessionId = browser.session?.sessionId;
  useEffect(() => void libraryOpened(sessionId), [sessionId, libraryOpened]);
  const onWindowChange = useCallback((first: number, last: number) => void loadRows(first, last), [loadRows]);
  const openFolder = useCallback(
    (entry: BrowserEntryView) => void browseTo({ domain: entry.domain, directory: entry.relativePath }),
    [browseTo],
  );

  function search(event: FormEvent): void {
    event.preventDefault();
    if (query.trim()) void searchBrowser(query);
  }

  const searching = browser.query !== '';
  return (
    <article className="backup-browser" aria-labelledby="browser-title">
      <header className="browser-head">
        <div>
          <h1 id="browser-title" tabIndex={-1} ref={heading}>
            Backup of {backup ? formatDateAmong(backup.createdAt, phoneDates) : 'this iPhone'}
          </h1>
          <p className="hint">
            {backup?.deviceName ?? ''} {browser.session ? `· ${counted(browser.session.fileCount, 'item', 'items')}` : ''}
          </p>
        </div>
        <button type="button" onClick={() => void closeBrowser()}>
          Close
        </button>
      </header>
      <LibrarySections />
      {place !== 'files' ? <LibraryView /> : null}
      <div className="browser-body" hidden={place !== 'files'}>
        <nav className="card domain-list" aria-label="Domains and apps">
          <h2>Domains and apps</h2>
          <ul>
            {browser.domains.map((domain) => (
              <li key={domain.domain}>
                <button
                  type="button"
                  className="domain-button"
                  aria-current={location?.domain === domain.domain && !searching ? 'true' : undefined}
                  onClick={() => void browseTo({ domain: domain.domain, directory: '' })}
                >
                  <MiddleEllipsis text={domain.domain || '(no domain)'} className="domain-name" />
                  <span className="hint">{formatBytes(domain.sizeBytes)}</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <section className="card files" aria-labelledby="files-title">
          <h2 id="files-title" className="visually-hidden">
            Files
          </h2>
          <form className="inline-form" role="search" onSubmit={search}>
            <label className="field grow">
              <span>Search this backup</span>
              <input type="search" value={query} onChange={(event) => setQuery(event.target.value)} placeholder="File name or path" />
            </label>
            <button type="submit" disabled={!query.trim()}>
              Search
            </button>
          </form>
          <Breadcrumbs />
          <p className="hint" role="status" data-testid="browser-count">
            {searching ? searchCount(browser.total, browser.more, browser.query) : location ? counted(browser.total, 'item', 'items') : 'Choose a domain or app on the left.'}
          </p>
          {location || searching ? (
            <VirtualList
              total={browser.total}
              rowHeight={ROW_HEIGHT}
              height={LIST_HEIGHT}
              label={searching ? 'Search results' : 'Files'}
              resetKey={browser.generation}
              onWindowChange={onWindowChange}
              testId="file-list"
              renderRow={(index) => <BrowserRow key={index} index={index} entry={rows[index]} showPath={searching} onOpenFolder={openFolder} />}
            />
          ) : null}
          <ExtractForm />
        </section>
      </div>
    </article>
  );
}

/** Backup › Domain › folder › folder: every part but the last goes back up. */
function Breadcrumbs() {
  const location = useAppState((state) => state.browser.location);
  const searching = useAppState((state) => state.browser.query !== '');
  const { browseTo } = useActions();
  const parts = location && location.directory ? location.directory.split('/') : [];
  return (
    <nav aria-label="Folder path" className="breadcrumbs" data-testid="breadcrumbs">
      <ol>
        <li>
          <button type="button" className="link" onClick={() => void browseTo(undefined)}>
            Backup
          </button>
        </li>
        {location ? (
          <li>
            <button type="button" className="link" aria-current={parts.length === 0 && !searching ? 'page' : undefined} onClick={() => void browseTo({ domain: location.domain, directory: '' })}>
              {location.domain}
            </button>
          </li>
        ) : null}
        {parts.map((part, index) => (
          <li key={parts.slice(0, index + 1).join('/')}>
            <button
              type="button"
              className="link"
              aria-current={index === parts.length - 1 && !searching ? 'page' : undefined}
              onClick={() => location && void browseTo({ domain: location.domain, directory: parts.slice(0, index + 1).join('/') })}
            >
              {part}
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** Copies the selected files and folders (with what is inside) to a folder on this computer. */
function ExtractForm() {
  const selected = useAppState((state) => state.browser.selected);
  const extracted = useAppState((state) => state.browser.extracted);
  const { extractSelected, clearSelection } = useActions();
  const [destination, setDestination] = useState('');
  const [working, setWorking] = useState(false);
  const count = Object.keys(selected).length;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setWorking(true);
    await extractSelected(destination.trim());
    setWorking(false);
  }

  return (
    <form className="extract-form" onSubmit={(event) => void submit(event)} aria-labelledby="extract-title">
      <h3 id="extract-title">
        {count === 0 ? 'Select files or folders to extract them' : `${count} selected`}
        {count > 0 ? (
          <button type="button" className="link" onClick={clearSelection}>
            Clear
          </button>
        ) : null}
      </h3>
      <div className="inline-form">
        <label className="field grow">
          <span>Extract to this folder</span>
          <input type="text" value={destination} onChange={(event) => setDestination(event.target.value)} spellCheck={false} required />
        </label>
        <button type="submit" className="primary" disabled={count === 0 || !destination.trim() || working} data-testid="extract">
          {working ? 'Extracting…' : 'Extract'}
        </button>
      </div>
      {extracted ? (
        <p role="status" className="hint" data-testid="extracted">
          Extracted {extracted.files} {extracted.files === 1 ? 'file' : 'files'} ({formatBytes(extracted.bytes)}) to {extracted.destination}.
        </p>
      ) : null}
    </form>
  );
}

/** "1 item", "2 items", "1,234 matches". */
function counted(count: number, one: string, many: string): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
