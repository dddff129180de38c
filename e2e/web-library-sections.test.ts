import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupView, LibraryRow } from '../src/shared/contract';
import type { VirtualDevice } from '../src/simulator/device/virtual-device';
import type { SimHarness } from '../test/helpers/sim-harness';
import { checkScreen, focusedName } from './web-a11y';
import { HAS_CHROMIUM, SIZES, STEP_MS, startWebApp, type WebApp } from './web-helpers';
import { BACKUP_TEST_MS, libraryPage, type LibraryPage, parseCsv, parseVcards } from './web-library-helpers';

/**
 * The backup browser in a person's words (issue 15, item 2), in web mode against a generated phone
 * with real app databases: the overview, Messages (a conversation with its picture attachments
 * inline), Contacts, Call history, Notes, Photos (thumbnails, HEIC ones too, a Live Photo as one item), Apps by
 * name with icons, Safari, Voicemail and the search over people and message text; each export
 * opened and checked (CSV parsed, the conversation's HTML rendered in Chromium, vCard parsed,
 * original photos byte for byte). A damaged or encrypted backup: web-library-unusual-backups.test.ts.
 * Every new screen is checked with axe and saved at 800×600 and 1600×1000.
 */
describe.skipIf(!HAS_CHROMIUM)('browser mode: the backup browser in a person’s words', () => {
  let app: WebApp;
  let harness: SimHarness;
  let page: Page;
  let device: VirtualDevice;
  let library: LibraryPage;
  let backup: BackupView;
  let livePhoto: string;
  let exports: string;

  beforeAll(async () => {
    app = await startWebApp({ viewport: SIZES[0] });
    ({ harness, page, device } = app);
    exports = path.join(harness.workDir, 'exports');
    library = libraryPage(app, exports);
    // A Live Photo: the phone keeps its motion half as a .MOV of the same name beside the picture.
    const picture = [...device.phone.entries()].find((entry) => entry.domain === 'CameraRollDomain' && /^Media\/DCIM\/\d{3}APPLE\/IMG_\d+\.JPG$/.test(entry.relativePath))!;
    const { inode: _inode, size: _size, ...input } = picture;
    livePhoto = picture.relativePath;
    await device.phone.writeFile({ ...input, relativePath: picture.relativePath.replace(/\.JPG$/, '.MOV') }, Buffer.from('the motion half of a Live Photo'));
  }, BACKUP_TEST_MS);

  afterAll(async () => {
    await app?.close();
  });

  /** Every row of a list in the backup this file made. */
  const allRows = (view: 'conversations' | 'messages' | 'contacts' | 'calls' | 'notes' | 'photos', options: { chatId?: number } = {}): Promise<LibraryRow[]> =>
    library.rows(view, { backupId: backup.id, ...options });

  it('backs up the phone and opens the browser on what it holds, in a person’s words', async () => {
    backup = await library.backUp();
    await library.browse(backup);
    const cards = page.locator('.overview-cards');
    await cards.getByTestId('overview-messages').filter({ hasText: /\d+ conversations/ }).waitFor({ timeout: STEP_MS });
    for (const [name, words] of [['contacts', /\d+ contacts/], ['calls', /\d+ calls/], ['notes', /\d+ notes/], ['photos', /\d+ photos and videos/], ['apps', /\d+ apps/], ['safari', /\d+ visited pages/], ['voicemail', /\d+ voicemails/]] as const) {
      expect(await cards.getByTestId(`overview-${name}`).textContent()).toMatch(words);
    }
    await checkScreen(page, 'library', 'overview');
  }, BACKUP_TEST_MS);

  it('Messages: conversations by contact name, one open with its pictures inline, exported as HTML and CSV', async () => {
    const conversations = (await allRows('conversations')) as Array<Extract<LibraryRow, { kind: 'conversation' }>>;
    let withPicture: { index: number; messages: number; id: number; title: string; participants: readonly string[] } | undefined;
    for (const [index, conversation] of conversations.entries()) {
      const messages = await allRows('messages', { chatId: conversation.id });
      if (messages.some((message) => message.kind === 'message' && message.attachments.some((attachment) => attachment.image && !attachment.missing))) {
        withPicture = { index, messages: messages.length, id: conversation.id, title: conversation.title, participants: conversation.participants };
        break;
      }
    }
    expect(withPicture).toBeDefined();
    await library.section('Messages');
    const list = page.getByTestId('library-list');
    await expect.poll(() => list.getAttribute('data-total'), { timeout: STEP_MS }).toBe(String(conversations.length));
    // Named after the contacts, not their numbers.
    const titles = await page.locator('[data-kind="conversation"] .row-title').allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.every((title) => !/^\+\d+$/.test(title))).toBe(true);
    await checkScreen(page, 'library', 'messages');

    await list.evaluate((element, top) => (element.scrollTop = top), withPicture!.index * 60);
    await page.locator(`[data-testid="library-row"][data-index="${withPicture!.index}"] .row-title`).click();
    await expect.poll(() => list.getAttribute('data-total'), { timeout: STEP_MS }).toBe(String(withPicture!.messages));
    // A one-to-one chat's title is its person: the name is not said a second time under it.
    expect(await page.locator('#section-title').textContent()).toBe(withPicture!.title);
    expect(withPicture!.participants).toEqual([withPicture!.title]);
    expect(await page.locator('.library-section > p.hint').filter({ hasText: withPicture!.title }).count()).toBe(0);
    // Scroll to each message with a picture in turn until one has rendered as an image.
    const thumbnail = page.getByTestId('library-thumbnail').first();
    for (let top = 0; (await thumbnail.count()) === 0 && top < withPicture!.messages * 96; top += 400) await list.evaluate((element, to) => (element.scrollTop = to), top);
    await thumbnail.waitFor({ timeout: STEP_MS });
    expect(await thumbnail.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    // The screenshot shows the picture inline.
    await thumbnail.scrollIntoViewIfNeeded();
    await checkScreen(page, 'library', 'conversation');

    const html = await library.exportAs('conversation-html', 'conversation');
    expect(path.basename(html)).toBe('index.html');
    const viewer = await page.context().newPage();
    try {
      await viewer.goto(`file://${html}`);
      expect(await viewer.locator('.message').count()).toBe(withPicture!.messages);
      const images = viewer.locator('.attachment img');
      expect(await images.count()).toBeGreaterThan(0);
      // Every picture is a copy beside the page, and Chromium draws it.
      await expect.poll(() => images.evaluateAll((all) => all.every((image) => (image as unknown as { complete: boolean; naturalWidth: number }).complete && (image as unknown as { naturalWidth: number }).naturalWidth > 0)), { timeout: STEP_MS }).toBe(true);
      const sources = await images.evaluateAll((all) => all.map((image) => (image as unknown as { getAttribute(name: string): string }).getAttribute('src')));
      for (const source of sources) expect(fs.existsSync(path.join(path.dirname(html), decodeURI(source)))).toBe(true);
      await viewer.screenshot({ path: path.join(path.dirname(html), '..', 'conversation-html.png') });
    } finally {
      await viewer.close();
    }
    await checkScreen(page, 'library', 'conversation-exported');

    const csvFile = await library.exportAs('messages-csv', 'conversation-csv');
    const records = parseCsv(fs.readFileSync(csvFile, 'utf8'));
    expect(records[0]).toEqual(['Date', 'Conversation', 'From', 'Direction', 'Text', 'Attachments', 'Service']);
    expect(records.length - 1).toBe(withPicture!.messages);
    expect(records.slice(1).every((record) => record.length === 7 && ['sent', 'received'].includes(record[3]!))).toBe(true);
    expect(records.slice(1).some((record) => /IMG_\d+\.jpeg/.test(record[5]!))).toBe(true);

    // All messages of every conversation.
    await page.getByRole('button', { name: 'All conversations' }).click();
    const everything = parseCsv(fs.readFileSync(await library.exportAs('messages-csv', 'all-messages'), 'utf8'));
    const total = conversations.reduce((sum, conversation) => sum + conversation.messages, 0);
    expect(everything.length - 1).toBe(total);
  }, BACKUP_TEST_MS);

  it('Contacts: every contact with numbers, filtered, and exported as vCard 3.0 and CSV', async () => {
    const contacts = (await allRows('contacts')) as Array<Extract<LibraryRow, { kind: 'contact' }>>;
    await library.section('Contacts');
    const list = page.getByTestId('library-list');
    await expect.poll(() => list.getAttribute('data-total'), { timeout: STEP_MS }).toBe(String(contacts.length));
    expect(await page.locator('[data-kind="contact"]').first().textContent()).toMatch(/\+1555\d{7}/);
    await checkScreen(page, 'library', 'contacts');

    const vcard = parseVcards(fs.readFileSync(await library.exportAs('contacts-vcard', 'vcard'), 'utf8'));
    expect(vcard.length).toBe(contacts.length);
    expect(vcard.every((card) => card.VERSION === '3.0' && card.FN && card.N && card.TEL?.startsWith('+1555'))).toBe(true);
    expect(vcard.map((card) => card.FN).sort()).toEqual(contacts.map((contact) => contact.name).sort());
    const csv = parseCsv(fs.readFileSync(await library.exportAs('contacts-csv', 'contacts-csv'), 'utf8'));
    expect(csv[0]).toEqual(['First name', 'Last name', 'Organization', 'Phone numbers', 'E-mail addresses', 'Note']);
    expect(csv.length - 1).toBe(contacts.length);
    expect(csv.slice(1).every((record) => /Mobile: \+1555\d{7}/.test(record[3]!))).toBe(true);

    const someone = contacts[1]!;
    await page.getByLabel('Show contacts whose name, number or address contains').fill(someone.phones[0]!.value.slice(-7));
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => list.getAttribute('data-total'), { timeout: STEP_MS }).toBe('1');
    expect(await page.locator('[data-kind="contact"] .row-title').textContent()).toBe(someone.name);
    await checkScreen(page, 'library', 'contacts-filtered');
  }, BACKUP_TEST_MS);

  it('Call history: calls newest first with who, direction and duration, exported as CSV', async () => {
    const calls = await allRows('calls');
    await library.section('Call history');
    const list = page.getByTestId('library-list');
    await expect.poll(() => list.getAttribute('data-total'), { timeout: STEP_MS }).toBe(String(calls.length));
    expect(await page.locator('[data-kind="call"]').first().textContent()).toMatch(/(Outgoing|Incoming|Missed) (Phone|FaceTime)/);
    await checkScreen(page, 'library', 'calls');
    const csv = parseCsv(fs.readFileSync(await library.exportAs('calls-csv', 'calls'), 'utf8'));
    expect(csv[0]).toEqual(['Date', 'Name', 'Number', 'Direction', 'Service', 'Duration (seconds)']);
    expect(csv.length - 1).toBe(calls.length);
    expect(csv.slice(1).every((record) => /^\+1555\d{7}$/.test(record[2]!) && Number.isInteger(Number(record[5])))).toBe(true);
  });

  it('Notes: a note opens with its whole text', async () => {
    const notes = await allRows('notes');
    await library.section('Notes');
    await expect.poll(() => page.getByTestId('library-list').getAttribute('data-total'), { timeout: STEP_MS }).toBe(String(notes.length));
    await page.locator('[data-kind="note"] .row-title').first().click();
    const panel = page.getByTestId('note-panel');
    await panel.waitFor({ timeout: STEP_MS });
    const first = notes[0] as Extract<LibraryRow, { kind: 'note' }>;
    expect(await panel.locator('.note-text').textContent()).toBe(`${first.title}\n${first.snippet}`);
    await checkScreen(page, 'library', 'notes');
  });

  it('Photos: thumbnails, the Live Photo as one item, and originals exported byte for byte', async () => {
    await library.section('Photos');
    const list = page.getByTestId('library-list');
    await list.waitFor({ timeout: STEP_MS });
    const photos = (await allRows('photos')) as Array<Extract<LibraryRow, { kind: 'photo' }>>;
    expect(await list.getAttribute('data-total')).toBe(String(photos.length));
    const live = photos.filter((photo) => photo.media === 'live-photo');
    const ours = live.find((photo) => photo.file.ref === `CameraRollDomain/${livePhoto}`)!;
    expect(ours).toBeDefined();
    expect(ours.video?.ref).toBe(`CameraRollDomain/${livePhoto.replace(/\.JPG$/, '.MOV')}`);
    // The motion half of a Live Photo is never listed as an item of its own.
    const motions = new Set(live.map((photo) => photo.video?.ref).filter(Boolean));
    expect(photos.some((photo) => motions.has(photo.file.ref))).toBe(false);
    const index = photos.indexOf(ours);
    await list.evaluate((element, top) => (element.scrollTop = top), index * 84);
    const row = page.locator(`[data-testid="library-row"][data-index="${index}"]`);
    await row.getByTestId('live-photo').waitFor({ timeout: STEP_MS });
    // A JPEG's thumbnail is the picture itself.
    const thumbnail = row.getByTestId('library-thumbnail');
    await thumbnail.waitFor({ timeout: STEP_MS });
    expect(await thumbnail.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    // A HEIC still (what iPhones shoot) shows a real thumbnail too, decoded by the core, not a grey placeholder.
    const heicIndex = photos.findIndex((photo) => /\.HEIC$/.test(photo.file.name) && !photo.file.missing);
    expect(heicIndex).toBeGreaterThanOrEqual(0);
    expect(photos[heicIndex]!.file.image).toBe(true);
    await list.evaluate((element, top) => (element.scrollTop = top), heicIndex * 84);
    const heicThumbnail = page.locator(`[data-testid="library-row"][data-index="${heicIndex}"]`).getByTestId('library-thumbnail');
    await heicThumbnail.waitFor({ timeout: STEP_MS });
    expect(await heicThumbnail.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    expect(await heicThumbnail.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    await list.evaluate((element, top) => (element.scrollTop = top), index * 84);
    await row.getByRole('checkbox').check();
    await checkScreen(page, 'library', 'photos');

    const folder = await library.exportAs('photos-originals', 'photos');
    const exported = fs.readdirSync(folder, { recursive: true }).map(String).filter((name) => fs.statSync(path.join(folder, name)).isFile());
    const name = path.posix.basename(livePhoto);
    expect(exported.map((file) => path.basename(file)).sort()).toEqual([name, name.replace(/\.JPG$/, '.MOV')].sort());
    for (const file of exported) {
      const entry = device.phone.entry('CameraRollDomain', `${path.posix.dirname(livePhoto)}/${path.basename(file)}`)!;
      const chunks: Buffer[] = [];
      for await (const chunk of device.phone.readContent(entry)) chunks.push(chunk);
      expect(fs.readFileSync(path.join(folder, file)).equals(Buffer.concat(chunks))).toBe(true);
    }
  });

  it('Apps by their names with icons; Safari history; Voicemail with its audio', async () => {
    await library.section('Apps');
    await page.locator('[data-kind="app"]').first().waitFor({ timeout: STEP_MS });
    const names = await page.locator('[data-kind="app"] .row-title').allTextContents();
    const known = new Set(device.phone.apps().map((phoneApp) => phoneApp.name));
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name) => known.has(name))).toBe(true);
    expect(await page.getByTestId('app-icon').count()).toBeGreaterThan(0);
    await checkScreen(page, 'library', 'apps');
    await library.section('Safari');
    await page.locator('[data-kind="visit"]').first().waitFor({ timeout: STEP_MS });
    expect(await page.locator('[data-kind="visit"]').first().textContent()).toContain('https://');
    await checkScreen(page, 'library', 'safari');
    // Beside the history, the bookmarks the phone keeps in Bookmarks.db.
    await page.getByTestId('safari-bookmarks').click();
    await page.getByTestId('library-count').filter({ hasText: /^\d+ bookmarks$/ }).waitFor({ timeout: STEP_MS });
    expect(await page.locator('[data-kind="bookmark"]').first().textContent()).toMatch(/Favorites · https:\/\//);
    // Which of the two lists is shown is seen, not only announced (aria-pressed had no style: both looked alike).
    const background = (testId: string) => page.evaluate<string>(`getComputedStyle(document.querySelector('[data-testid="${testId}"]')).backgroundColor`);
    expect(await page.getByTestId('safari-bookmarks').getAttribute('aria-pressed')).toBe('true');
    expect(await background('safari-bookmarks')).not.toBe(await background('safari-safari'));
    await checkScreen(page, 'library', 'safari-bookmarks');
    // The virtual iPhone keeps visual voicemail as a phone does: voicemail.db and each message's .amr beside it.
    await library.section('Voicemail');
    await page.getByTestId('library-count').filter({ hasText: /^\d+ voicemails?$/ }).waitFor({ timeout: STEP_MS });
    const voicemail = page.locator('[data-kind="voicemail"]').first();
    await voicemail.waitFor({ timeout: STEP_MS });
    const contactNames = new Set((await allRows('contacts')).map((row) => (row as Extract<LibraryRow, { kind: 'contact' }>).name));
    expect(contactNames.has((await voicemail.locator('.row-title').textContent()) ?? '')).toBe(true);
    expect(await voicemail.textContent()).not.toContain('audio not in this backup');
    await checkScreen(page, 'library', 'voicemail');
  });

  it('chooses the export folder with the folder chooser Settings uses, not only by typing it', async () => {
    const chosen = path.join(exports, 'chosen');
    fs.mkdirSync(chosen, { recursive: true });
    await library.section('Call history');
    await page.getByTestId('export-destination').fill('');
    await page.getByTestId('choose-export-folder').click();
    const chooser = page.getByTestId('folder-chooser');
    await chooser.waitFor({ timeout: STEP_MS });
    // The backup folder's parent is one of the chooser's places (folders in use and their parents).
    await chooser.getByLabel('Places').selectOption(fs.realpathSync(harness.workDir));
    await chooser.getByRole('button', { name: 'exports', exact: true }).click();
    await chooser.getByRole('button', { name: 'chosen', exact: true }).click();
    await expect.poll(() => chooser.getByTestId('folder-current').getAttribute('title'), { timeout: STEP_MS }).toBe(fs.realpathSync(chosen));
    await checkScreen(page, 'library', 'export-chooser');
    await chooser.getByRole('button', { name: 'Choose This Folder' }).click();
    expect(await page.getByTestId('export-destination').inputValue()).toBe(fs.realpathSync(chosen));
    await page.getByTestId('export-calls-csv').click();
    const done = page.getByTestId('exported');
    await done.waitFor({ timeout: STEP_MS });
    expect(path.dirname((await done.getAttribute('data-path'))!)).toBe(fs.realpathSync(chosen));
  });

  it('search finds people by name and number and messages by their words', async () => {
    const contacts = (await allRows('contacts')) as Array<Extract<LibraryRow, { kind: 'contact' }>>;
    const search = page.getByLabel('Search people, messages and notes');
    await search.fill(contacts[0]!.last!);
    await search.press('Enter');
    await page.getByTestId('found-people').waitFor({ timeout: STEP_MS });
    expect(await page.getByTestId('found-people').textContent()).toContain(contacts[0]!.name);
    await checkScreen(page, 'library', 'search-people');
    await search.fill('thanks');
    await search.press('Enter');
    await page.getByTestId('found-messages').waitFor({ timeout: STEP_MS });
    const hits = await page.getByTestId('found-messages').locator('.bubble').allTextContents();
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((text) => text.includes('thanks'))).toBe(true);
    await checkScreen(page, 'library', 'search-messages');
    await page.getByRole('button', { name: 'Clear search' }).click();
  });

  it('opens a section from the overview by keyboard with the focus on its heading, not lost to the page', async () => {
    await library.section('Overview');
    await page.getByTestId('overview-apps').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor({ timeout: STEP_MS });
    await expect.poll(() => focusedName(page), { timeout: STEP_MS }).toBe('Apps');
    expect(await page.evaluate<string>('document.activeElement?.id ?? ""')).toBe('section-title');
  });

  it('keeps the files by domain under "Advanced: files by domain"', async () => {
    await library.section('Advanced: files by domain');
    await page.getByRole('navigation', { name: 'Domains and apps' }).getByRole('button', { name: /^HomeDomain/ }).click();
    await page.getByTestId('file-row').first().waitFor({ timeout: STEP_MS });
    expect(await page.getByTestId('browser-count').textContent()).toMatch(/\d+ items?/);
    await checkScreen(page, 'library', 'advanced');
  });
});
