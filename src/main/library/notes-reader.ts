import type { NoteRow, NoteView } from '../../shared/contract-library';
import { BackupError } from '../backup/backup-error';
import { appleDate, listLength, numberOf, openAppDatabase, textOf } from './app-database';
import { escapeLike } from './contacts-reader';
import { KNOWN_FILES } from './library-files';
import { noteBodyText } from './note-text';

/**
 * Notes from AppDomainGroup-group.com.apple.notes `NoteStore.sqlite` (iOS 9+; what iLEAPP's
 * notes.py reads): notes are the ZICCLOUDSYNCINGOBJECT rows of the ICNote entity (its Z_ENT from
 * Core Data's Z_PRIMARYKEY), titled ZTITLE1, in the folder ZFOLDER (whose name is ZTITLE2), with
 * the body in ZICNOTEDATA.ZDATA (note-text.ts). A locked note's body is encrypted and not shown.
 */
export interface NotesReader {
  count(): number;
  page(offset: number, limit: number): NoteRow[];
  note(id: number): NoteView;
  search(text: string, limit: number): { readonly rows: NoteRow[]; readonly more: boolean };
  close(): void;
}

export function openNotesReader(bytes: Buffer): NotesReader {
  const database = openAppDatabase(bytes, KNOWN_FILES.notes.what, [
    { table: 'ZICCLOUDSYNCINGOBJECT', columns: ['Z_PK', 'Z_ENT', 'ZTITLE1', 'ZNOTEDATA'], optional: ['ZSNIPPET', 'ZFOLDER', 'ZTITLE2', 'ZMODIFICATIONDATE1', 'ZISPASSWORDPROTECTED', 'ZMARKEDFORDELETION'] },
    { table: 'ZICNOTEDATA', columns: ['Z_PK', 'ZDATA'] },
  ], [{ table: 'Z_PRIMARYKEY', columns: ['Z_ENT', 'Z_NAME'] }]);
  const column = (name: string): string => (database.has('ZICCLOUDSYNCINGOBJECT', name) ? `n.${name}` : 'NULL');
  const noteEntity = database.hasTable('Z_PRIMARYKEY') ? database.get<{ ent: number }>("SELECT Z_ENT AS ent FROM Z_PRIMARYKEY WHERE Z_NAME = 'ICNote'")?.ent : undefined;
  // Without Core Data's entity table, a note is the row that has a title and a body.
  const isNote = `${noteEntity === undefined ? 'n.ZTITLE1 IS NOT NULL AND n.ZNOTEDATA IS NOT NULL' : `n.Z_ENT = ${Number(noteEntity)}`}${database.has('ZICCLOUDSYNCINGOBJECT', 'ZMARKEDFORDELETION') ? ' AND COALESCE(n.ZMARKEDFORDELETION, 0) = 0' : ''}`;
  const folderName = database.has('ZICCLOUDSYNCINGOBJECT', 'ZFOLDER') && database.has('ZICCLOUDSYNCINGOBJECT', 'ZTITLE2') ? '(SELECT f.ZTITLE2 FROM ZICCLOUDSYNCINGOBJECT f WHERE f.Z_PK = n.ZFOLDER)' : 'NULL';
  const select = `SELECT n.Z_PK AS id, n.ZTITLE1 AS title, ${column('ZSNIPPET')} AS snippet, ${column('ZMODIFICATIONDATE1')} AS modified,
      ${column('ZISPASSWORDPROTECTED')} AS locked, ${folderName} AS folder, n.ZNOTEDATA AS data FROM ZICCLOUDSYNCINGOBJECT n`;
  type Row = { id: number; title: unknown; snippet: unknown; modified: unknown; locked: unknown; folder: unknown; data: unknown };
  const toRow = (row: Row): NoteRow => {
    const modifiedAt = appleDate(row.modified);
    const folder = textOf(row.folder, 500);
    return {
      kind: 'note',
      id: row.id,
      title: textOf(row.title, 1000) || 'New Note',
      snippet: textOf(row.snippet, 1000),
      ...(modifiedAt ? { modifiedAt } : {}),
      ...(folder ? { folder } : {}),
      locked: numberOf(row.locked) === 1,
    };
  };
  const order = `ORDER BY ${column('ZMODIFICATIONDATE1')} DESC, n.Z_PK DESC`;
  // Which rows are notes, newest first, is worked out once; a page then reads only its own notes.
  const noteOrder = (): string => database.materialize('notes', ['note_id'], `SELECT n.Z_PK FROM ZICCLOUDSYNCINGOBJECT n WHERE ${isNote} ${order}`);
  return {
    count: () => listLength(database, noteOrder()),
    page: (offset, limit) =>
      database.all<Row>(`${select} JOIN ${noteOrder()} o ON o.note_id = n.Z_PK WHERE o.position BETWEEN ? AND ? ORDER BY o.position`, offset + 1, offset + limit).map(toRow),
    note(id) {
      const row = database.get<Row>(`${select} WHERE ${isNote} AND n.Z_PK = ?`, id);
      if (!row) throw new BackupError('not-found', 'That note is not in this backup.');
      const note = toRow(row);
      const body = note.locked ? undefined : database.get<{ data: unknown }>('SELECT ZDATA AS data FROM ZICNOTEDATA WHERE Z_PK = ?', row.data);
      const text = note.locked ? '' : noteBodyText(body?.data) ?? [note.title, note.snippet].filter(Boolean).join('\n');
      return { id: note.id, title: note.title, text, locked: note.locked, ...(note.modifiedAt ? { modifiedAt: note.modifiedAt } : {}) };
    },
    search(text, limit) {
      const like = `%${escapeLike(text)}%`;
      const rows = database.all<Row>(`${select} WHERE ${isNote} AND (n.ZTITLE1 LIKE ? ESCAPE '\\' OR ${column('ZSNIPPET')} LIKE ? ESCAPE '\\') ${order} LIMIT ?`, like, like, limit + 1);
      return { rows: rows.slice(0, limit).map(toRow), more: rows.length > limit };
    },
    close: () => database.close(),
  };
}
