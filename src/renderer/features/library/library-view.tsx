import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import type { LibraryExportFormat, LibraryView } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { VirtualList } from '../../components/virtual-list';
import { FolderChooser } from '../settings/folder-chooser';
import { LibraryItem, MessageItem, ROW_HEIGHTS } from './library-rows';
import { LibraryOverviewCards } from './library-sections';
import { counted, SECTION_TITLES, when } from './library-words';

const LIST_HEIGHT = 480;

/** The section chosen in LibrarySections (anything but "Advanced: files by domain"). */
export function LibraryView() {
  const place = useAppState((state) => state.library.place);
  const found = useAppState((state) => state.library.found);
  return (
    <div className="library-view">
      <LibrarySearch />
      {found ? <FoundView /> : place === 'overview' ? <LibraryOverviewCards /> : <SectionView />}
    </div>
  );
}

function SectionView() {
  const library = useAppState((state) => state.library);
  const { loadLibraryRows, showPlace } = useActions();
  const onWindowChange = useCallback((first: number, last: number) => void loadLibraryRows(first, last), [loadLibraryRows]);
  const { place, view, total, rows, conversation, note } = library;
  const category = library.overview?.categories.find((item) => item.section === place);
  const title = conversation ? conversation.title : SECTION_TITLES[place];
  const heading = useRef<HTMLHeadingElement>(null);
  // The overview card or conversation row that opened this view is gone from the page: without this,
  // the keyboard focus falls to the document and the next Tab starts again at the top of the window.
  useEffect(() => {
    if (document.activeElement === null || document.activeElement === document.body) heading.current?.focus();
  }, [title, view]);
  if (!view) return null;
  const height = ROW_HEIGHTS[view];
  return (
    <section className="card library-section" aria-labelledby="section-title">
      <div className="section-head">
        <h2 id="section-title" ref={heading} tabIndex={-1}>
          {title}
        </h2>
        {conversation ? (
          <button type="button" className="link" onClick={() => void showPlace('messages')}>
            All conversations
          </button>
        ) : null}
      </div>
      {/* The people only when they say more than the title (a one-to-one chat is titled by its one person). */}
      {conversation && conversation.participants.length > 0 && conversation.participants.join(', ') !== conversation.title ? (
        <p className="hint" data-testid="conversation-people">
          {conversation.participants.join(', ')}
        </p>
      ) : null}
      {category?.problem ? (
        <p className="field-error" role="alert">
          {category.problem}
        </p>
      ) : null}
      {place === 'contacts' ? <ContactsFilter /> : null}
      {place === 'safari' ? <SafariLists view={view} /> : null}
      <p className="hint" role="status" data-testid="library-count">
        {sectionCount(view, total)}
      </p>
      {total > 0 ? (
        <VirtualList
          total={total}
          rowHeight={height}
          height={Math.min(LIST_HEIGHT, Math.max(height * 3, total * height + 2))}
          label={title}
          resetKey={library.generation}
          onWindowChange={onWindowChange}
          testId="library-list"
          focusable
          renderRow={(index) => <LibraryItem key={index} row={rows[index]} index={index} height={height} />}
        />
      ) : null}
      {note ? <NotePanel /> : null}
      <ExportForm />
    </section>
  );
}

function sectionCount(view: string, total: number): string {
  switch (view) {
    case 'conversations':
      return counted(total, 'conversation', 'conversations');
    case 'messages':
      return counted(total, 'message', 'messages');
    case 'contacts':
      return counted(total, 'contact', 'contacts');
    case 'calls':
      return counted(total, 'call', 'calls');
    case 'notes':
      return counted(total, 'note', 'notes');
    case 'photos':
      return counted(total, 'photo or video', 'photos and videos');
    case 'safari':
      return counted(total, 'visited page', 'visited pages');
    case 'bookmarks':
      return total === 0 ? 'This backup holds no Safari bookmarks.' : counted(total, 'bookmark', 'bookmarks');
    case 'voicemail':
      return total === 0 ? 'This backup holds no voicemail.' : counted(total, 'voicemail', 'voicemails');
    default:
      return counted(total, 'app', 'apps');
  }
}

/** Safari's two lists: the pages visited and the bookmarks. */
function SafariLists({ view }: { readonly view: LibraryView }) {
  const { showLibraryView } = useActions();
  return (
    <div className="inline-form" role="group" aria-label="Safari">
      {([['safari', 'History'], ['bookmarks', 'Bookmarks']] as const).map(([target, label]) => (
        <button key={target} type="button" aria-pressed={view === target} onClick={() => void showLibraryView(target)} data-testid={`safari-${target}`}>
          {label}
        </button>
      ))}
    </div>
  );
}

function ContactsFilter() {
  const { filterContacts } = useActions();
  const [text, setText] = useState('');
  function submit(event: FormEvent): void {
    event.preventDefault();
    void filterContacts(text);
  }
  return (
    <form className="inline-form" onSubmit={submit} role="search" aria-label="Filter contacts">
      <label className="field grow">
        <span>Show contacts whose name, number or address contains</span>
        <input type="search" value={text} onChange={(event) => setText(event.target.value)} />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}

function NotePanel() {
  const note = useAppState((state) => state.library.note);
  const { closeNote } = useActions();
  if (!note) return null;
  return (
    <article className="note-panel" aria-labelledby="note-title" data-testid="note-panel">
      <div className="section-head">
        <h3 id="note-title">{note.title}</h3>
        <button type="button" className="link" onClick={closeNote}>
          Close note
        </button>
      </div>
      <p className="hint">{when(note.modifiedAt)}</p>
      {note.locked ? <p className="hint">This note is locked with a password in Notes; its text is encrypted and Lifeboat does not show it.</p> : <pre className="note-text">{note.text}</pre>}
    </article>
  );
}

/** The exports each section offers. */
function exportsFor(place: string, inConversation: boolean): ReadonlyArray<readonly [LibraryExportFormat, string]> {
  switch (place) {
    case 'messages':
      return inConversation ? [['conversation-html', 'Export as a web page (HTML)'], ['messages-csv', 'Export as CSV']] : [['messages-csv', 'Export all messages as CSV']];
    case 'contacts':
      return [['contacts-vcard', 'Export as vCard'], ['contacts-csv', 'Export as CSV']];
    case 'calls':
      return [['calls-csv', 'Export as CSV']];
    case 'photos':
      return [['photos-originals', 'Export originals']];
    default:
      return [];
  }
}

function ExportForm() {
  const place = useAppState((state) => state.library.place);
  const inConversation = useAppState((state) => state.library.conversation !== undefined);
  const selectedPhotos = useAppState((state) => Object.keys(state.library.selectedPhotos).length);
  const exported = useAppState((state) => state.library.exported);
  const exporting = useAppState((state) => state.library.exporting);
  const { exportLibrary, pickFolder } = useActions();
  const [destination, setDestination] = useState('');
  const [choosing, setChoosing] = useState(false);
  const choices = exportsFor(place, inConversation);
  if (choices.length === 0) return null;
  const start = destination.trim() || undefined;

  // Chosen as Settings chooses the backup folder: the system's dialog in the desktop app, else the web chooser.
  async function choose(): Promise<void> {
    const picked = await pickFolder('Choose the folder to export to', start);
    if (picked === undefined) setChoosing(true);
    else if (picked !== null) setDestination(picked);
  }

  return (
    <div className="export-form" role="group" aria-labelledby="export-title">
      <h3 id="export-title">{place === 'photos' ? (selectedPhotos > 0 ? `Export the ${counted(selectedPhotos, 'selected item', 'selected items')}` : 'Export every photo and video') : 'Export'}</h3>
      <div className="inline-form">
        <div className="field-with-button grow">
          <label className="field">
            <span>Export to this folder</span>
            <input type="text" value={destination} onChange={(event) => setDestination(event.target.value)} spellCheck={false} data-testid="export-destination" />
          </label>
          <button type="button" onClick={() => void choose()} data-testid="choose-export-folder">
            Choose…
          </button>
        </div>
        {choices.map(([format, label]) => (
          <button key={format} type="button" disabled={!destination.trim() || exporting} onClick={() => void exportLibrary(format, destination)} data-testid={`export-${format}`}>
            {label}
          </button>
        ))}
      </div>
      {choosing ? (
        <FolderChooser
          title="Choose the folder to export to"
          {...(start ? { start } : {})}
          onClose={() => setChoosing(false)}
          onChoose={(folder) => {
            setChoosing(false);
            setDestination(folder);
          }}
        />
      ) : null}
      {exporting ? <p className="hint" role="status">Exporting…</p> : null}
      {exported ? (
        <p className="hint" role="status" data-testid="exported" data-path={exported.path}>
          Exported {counted(exported.items, 'item', 'items')} ({formatBytes(exported.bytes)}) to {exported.path}
          {exported.missing > 0 ? `; ${counted(exported.missing, 'file was', 'files were')} not in the backup` : ''}.
        </p>
      ) : null}
    </div>
  );
}

/** Finds people, message text and notes (the files view searches paths). */
function LibrarySearch() {
  const { findInLibrary, clearFound } = useActions();
  const found = useAppState((state) => state.library.found);
  const finding = useAppState((state) => state.library.finding);
  const [text, setText] = useState('');
  function submit(event: FormEvent): void {
    event.preventDefault();
    if (text.trim()) void findInLibrary(text);
  }
  return (
    <form className="inline-form library-search" role="search" onSubmit={submit}>
      <label className="field grow">
        <span>Search people, messages and notes</span>
        <input type="search" value={text} onChange={(event) => setText(event.target.value)} placeholder="A name, a number, words from a message" />
      </label>
      <button type="submit" disabled={!text.trim() || finding}>
        {finding ? 'Searching…' : 'Search'}
      </button>
      {found ? (
        <button type="button" className="link" onClick={clearFound}>
          Clear search
        </button>
      ) : null}
    </form>
  );
}

function FoundView() {
  const found = useAppState((state) => state.library.found);
  const { showPlace, openConversation, openNote } = useActions();
  if (!found) return null;
  const nothing = found.contacts.length + found.messages.length + found.notes.length === 0;
  return (
    <section className="card library-section" aria-labelledby="found-title" data-testid="found">
      <h2 id="found-title">Results for “{found.query}”</h2>
      {nothing ? <p className="hint">No person, message or note contains “{found.query}”.</p> : null}
      {found.more ? <p className="hint">Only the first results of each kind are shown; type more to narrow the search.</p> : null}
      {found.problems.map((problem) => (
        <p key={problem} className="field-error">
          {problem}
        </p>
      ))}
      {found.contacts.length > 0 ? (
        <>
          <h3>People</h3>
          <ul className="found-list" data-testid="found-people">
            {found.contacts.map((contact) => (
              <li key={contact.id}>
                <button type="button" className="link" onClick={() => void showPlace('contacts')}>
                  {contact.name}
                </button>
                <span className="hint"> {[...contact.phones.map((phone) => phone.value), ...contact.emails.map((email) => email.value)].join(' · ')}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {found.messages.length > 0 ? (
        <>
          <h3>Messages</h3>
          <ul className="found-list" data-testid="found-messages">
            {found.messages.map((message) => (
              <li key={message.id}>
                <MessageItem row={message} />
                <button
                  type="button"
                  className="link"
                  onClick={() => void openConversation({ kind: 'conversation', id: message.chatId, title: message.conversation ?? 'Conversation', participants: [], messages: 0 })}
                >
                  Open the conversation
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {found.notes.length > 0 ? (
        <>
          <h3>Notes</h3>
          <ul className="found-list">
            {found.notes.map((note) => (
              <li key={note.id}>
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    void showPlace('notes').then(() => openNote(note.id));
                  }}
                >
                  {note.title}
                </button>
                <span className="hint"> {note.snippet}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
