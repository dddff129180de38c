import path from 'node:path';
import { expect } from 'vitest';
import type { BackupView, LibraryRow, LibraryView } from '../src/shared/contract';
import { nextJobFinished, STEP_MS, type WebApp } from './web-helpers';

/** Tests that make a backup: minutes when eight people share two cores. */
export const BACKUP_TEST_MS = 300_000;

/** The backup browser as the two library files drive it (web-library-sections, web-library-unusual-backups). */
export interface LibraryPage {
  /** Trusts the phone, backs it up with Back Up Now and returns the backup. */
  backUp(): Promise<BackupView>;
  /** Browse Files, from the More menu of a backup's history row; waits for the browser unless `opens` is false (a password prompt comes first). */
  browse(target: BackupView, options?: { readonly opens?: boolean }): Promise<void>;
  /** Opens a section from the browser's navigation ("Messages", "Contacts"…). */
  section(name: string): Promise<void>;
  /** Exports with the button `format` into `folder` under the exports folder; returns the path written. */
  exportAs(format: string, folder: string): Promise<string>;
  /** Every row of a library list through the core (its own session), to compare with the page. */
  rows(view: LibraryView, options: { readonly backupId: string; readonly chatId?: number; readonly password?: string }): Promise<LibraryRow[]>;
}

export function libraryPage(app: WebApp, exportsFolder: string): LibraryPage {
  const { page, core } = app;
  return {
    async backUp() {
      await page.goto(app.bridge.url);
      await page.getByRole('button', { name: 'Trust this computer' }).click({ timeout: STEP_MS });
      await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });
      const finished = nextJobFinished(core, 'backup');
      await page.getByTestId('backup-now').click();
      expect((await finished).outcome).toBe('succeeded');
      return (await core.invoke('backups:list', {}))[0]!;
    },
    async browse(target, options = {}) {
      const row = page.locator(`[data-testid="backup-row"][data-backup-id="${target.id}"]`);
      await row.getByTestId('backup-row-more').click();
      await row.getByRole('menuitem', { name: 'Browse Files' }).click();
      if (options.opens !== false) await page.getByRole('heading', { name: /^Backup of/ }).waitFor({ timeout: STEP_MS });
    },
    async section(name) {
      await page.getByRole('navigation', { name: 'What to look at' }).getByRole('button', { name: new RegExp(`^${name}`) }).click();
    },
    async exportAs(format, folder) {
      await page.getByTestId('export-destination').fill(path.join(exportsFolder, folder));
      await page.getByTestId(`export-${format}`).click();
      const done = page.getByTestId('exported');
      await done.waitFor({ timeout: STEP_MS });
      return (await done.getAttribute('data-path'))!;
    },
    async rows(view, { backupId, chatId, password }) {
      const session = await core.invoke('browser:open', { backupId, ...(password === undefined ? {} : { password }) });
      try {
        return [...(await core.invoke('library:page', { sessionId: session.sessionId, view, limit: 2000, ...(chatId === undefined ? {} : { chatId }) })).rows];
      } finally {
        await core.invoke('browser:close', { sessionId: session.sessionId });
      }
    },
  };
}

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks; records end with CRLF. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!;
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      record.push(field);
      field = '';
    } else if (character === '\r' && text[index + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index += 1;
    } else field += character;
  }
  expect(quoted).toBe(false);
  expect(field).toBe('');
  return records;
}

/** vCard 3.0 (RFC 2426): unfolds lines, one record per BEGIN…END, the first value of each property (parameters dropped). */
export function parseVcards(text: string): Array<Record<string, string>> {
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter(Boolean);
  const cards: Array<Record<string, string>> = [];
  let card: Record<string, string> | undefined;
  for (const line of lines) {
    if (line === 'BEGIN:VCARD') card = {};
    else if (line === 'END:VCARD') {
      cards.push(card!);
      card = undefined;
    } else {
      expect(card, `a line outside a card: ${line}`).toBeDefined();
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).split(';')[0]!;
      card![name] ??= line.slice(colon + 1).replace(/\\([,;\\])/g, '$1').replace(/\\n/g, '\n');
    }
  }
  expect(card).toBeUndefined();
  return cards;
}
