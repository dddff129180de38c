import { useEffect } from 'react';
import type { AppRow, BookmarkRow, CallRow, ContactRow, ConversationRow, LibraryRow, MediaRefView, MessageRow, NoteRow, PhotoRow, VisitRow, VoicemailRow } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { CALL_WORDS, counted, duration, MEDIA_WORDS, SERVICE_WORDS, when } from './library-words';

/** Row heights per list: the virtual list needs one height per list. */
export const ROW_HEIGHTS = { conversations: 60, messages: 96, contacts: 60, calls: 52, notes: 60, photos: 84, safari: 52, bookmarks: 52, voicemail: 52, apps: 60 } as const;

/** One row of any library list; a row still loading shows as such. */
export function LibraryItem({ row, index, height }: { readonly row: LibraryRow | undefined; readonly index: number; readonly height: number }) {
  if (!row) {
    return (
      <div role="listitem" className="library-row loading" style={{ height }} data-testid="library-row" data-index={index}>
        Loading…
      </div>
    );
  }
  const body = (() => {
    switch (row.kind) {
      case 'conversation':
        return <ConversationItem row={row} />;
      case 'message':
        return <MessageItem row={row} />;
      case 'contact':
        return <ContactItem row={row} />;
      case 'call':
        return <CallItem row={row} />;
      case 'note':
        return <NoteItem row={row} />;
      case 'photo':
        return <PhotoItem row={row} />;
      case 'visit':
        return <VisitItem row={row} />;
      case 'bookmark':
        return <BookmarkItem row={row} />;
      case 'voicemail':
        return <VoicemailItem row={row} />;
      case 'app':
        return <AppItem row={row} />;
      default:
        return null;
    }
  })();
  return (
    <div role="listitem" className={`library-row library-${row.kind}`} style={{ height }} data-testid="library-row" data-index={index} data-kind={row.kind}>
      {body}
    </div>
  );
}

function ConversationItem({ row }: { readonly row: ConversationRow }) {
  const { openConversation } = useActions();
  return (
    <>
      <button type="button" className="link row-title" onClick={() => void openConversation(row)}>
        {row.title}
      </button>
      <span className="hint row-sub">
        {counted(row.messages, 'message', 'messages')} {row.lastAt ? `· last ${when(row.lastAt)}` : ''}
      </span>
    </>
  );
}

export function MessageItem({ row }: { readonly row: MessageRow }) {
  return (
    <div className={row.fromMe ? 'message-line me' : 'message-line'}>
      <span className="hint row-sub">
        {row.conversation && row.conversation !== row.sender ? `${row.conversation} · ` : ''}
        {row.sender} · {when(row.at)}
      </span>
      <div className="message-content">
        {row.text ? <span className="bubble">{row.text}</span> : null}
        {row.attachments.map((attachment, index) => (
          <Attachment key={`${attachment.ref}-${index}`} media={attachment} />
        ))}
      </div>
    </div>
  );
}

function Attachment({ media }: { readonly media: MediaRefView }) {
  if (media.missing) return <span className="attachment missing hint">{media.name} (not in this backup)</span>;
  if (media.image) return <Thumbnail media={media} className="attachment-image" />;
  return <span className="attachment hint">{media.name} ({formatBytes(media.sizeBytes)})</span>;
}

/** A picture from the backup, fetched once when it scrolls into view. */
export function Thumbnail({ media, className }: { readonly media: MediaRefView; readonly className: string }) {
  const dataUrl = useAppState((state) => state.library.thumbnails[media.ref]);
  const { loadThumbnail } = useActions();
  useEffect(() => {
    if (media.image && !media.missing) void loadThumbnail(media.ref);
  }, [media, loadThumbnail]);
  return dataUrl ? <img src={dataUrl} alt={media.name} className={className} data-testid="library-thumbnail" /> : <span className={`${className} placeholder`} aria-label={media.name} role="img" />;
}

function ContactItem({ row }: { readonly row: ContactRow }) {
  return (
    <>
      <span className="row-title">{row.name}</span>
      <span className="hint row-sub">
        {[row.organization, ...row.phones.map((phone) => `${phone.label ? `${phone.label} ` : ''}${phone.value}`), ...row.emails.map((email) => email.value)].filter(Boolean).join(' · ')}
      </span>
    </>
  );
}

function CallItem({ row }: { readonly row: CallRow }) {
  return (
    <>
      <span className={row.direction === 'missed' ? 'row-title missed' : 'row-title'}>{row.who}</span>
      <span className="hint row-sub">
        {CALL_WORDS[row.direction]} {SERVICE_WORDS[row.service]} · {when(row.at)}
        {row.durationSeconds > 0 ? ` · ${duration(row.durationSeconds)}` : ''}
        {row.who !== row.number && row.number ? ` · ${row.number}` : ''}
      </span>
    </>
  );
}

function NoteItem({ row }: { readonly row: NoteRow }) {
  const { openNote } = useActions();
  return (
    <>
      <button type="button" className="link row-title" onClick={() => void openNote(row.id)}>
        {row.locked ? `${row.title} (locked)` : row.title}
      </button>
      <span className="hint row-sub">
        {when(row.modifiedAt)} {row.folder ? `· ${row.folder}` : ''} {row.snippet ? `· ${row.snippet}` : ''}
      </span>
    </>
  );
}

function PhotoItem({ row }: { readonly row: PhotoRow }) {
  const selected = useAppState((state) => !!state.library.selectedPhotos[row.id]);
  const { togglePhoto } = useActions();
  return (
    <div className="photo-line">
      <input type="checkbox" checked={selected} onChange={() => togglePhoto(row.id)} aria-label={`Select ${row.file.name}`} />
      <Thumbnail media={row.file} className="photo-thumbnail" />
      <span className="row-title">
        {row.file.name}
        {row.media === 'live-photo' ? <span className="badge live" data-testid="live-photo">LIVE</span> : null}
      </span>
      <span className="hint row-sub">
        {MEDIA_WORDS[row.media]} · {when(row.takenAt)} · {formatBytes(row.file.sizeBytes + (row.video?.sizeBytes ?? 0))}
        {row.file.missing ? ' · not in this backup' : ''}
      </span>
    </div>
  );
}

function VisitItem({ row }: { readonly row: VisitRow }) {
  return (
    <>
      <span className="row-title">{row.title}</span>
      <span className="hint row-sub">
        {when(row.at)} · {row.url}
      </span>
    </>
  );
}

function BookmarkItem({ row }: { readonly row: BookmarkRow }) {
  return (
    <>
      <span className="row-title">{row.title}</span>
      <span className="hint row-sub">
        {row.folder ? `${row.folder} · ` : ''}
        {row.url}
      </span>
    </>
  );
}

function VoicemailItem({ row }: { readonly row: VoicemailRow }) {
  return (
    <>
      <span className="row-title">{row.who}</span>
      <span className="hint row-sub">
        {when(row.at)} · {duration(row.durationSeconds)} {row.audio ? '' : '· audio not in this backup'}
      </span>
    </>
  );
}

function AppItem({ row }: { readonly row: AppRow }) {
  return (
    <div className="app-line">
      {row.iconDataUrl ? <img src={row.iconDataUrl} alt="" className="app-icon" data-testid="app-icon" /> : <span className="app-icon placeholder" aria-hidden="true" />}
      <span className="row-title">{row.name}</span>
      <span className="hint row-sub">
        {[row.publisher, row.version ? `version ${row.version}` : undefined, counted(row.files, 'file', 'files'), formatBytes(row.sizeBytes)].filter(Boolean).join(' · ')}
      </span>
    </div>
  );
}
