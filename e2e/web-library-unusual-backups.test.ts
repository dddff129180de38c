import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../src/main/core/app-core';
import type { BackupView } from '../src/shared/contract';
import type { VirtualDevice } from '../src/simulator/device/virtual-device';
import type { SimHarness } from '../test/helpers/sim-harness';
import { checkScreen } from './web-a11y';
import { HAS_CHROMIUM, nextJobFinished, SCREENSHOT_DIR, SIZES, STEP_MS, startWebApp, type WebApp } from './web-helpers';
import { BACKUP_TEST_MS, libraryPage, type LibraryPage, parseVcards } from './web-library-helpers';

const PASSWORD = 'library-e2e-secret';

/**
 * The backup browser (issue 15, item 2) on backups that are not plain, in web mode: a copy of the
 * phone's backup whose sms.db is damaged (a sentence in Messages, the other sections still work),
 * and an encrypted backup read through the password prompt. Every new screen is checked with axe
 * and saved at 800×600 and 1600×1000. A plain backup's sections: web-library-sections.test.ts.
 */
describe.skipIf(!HAS_CHROMIUM)('browser mode: the backup browser on a damaged and an encrypted backup', () => {
  let app: WebApp;
  let harness: SimHarness;
  let core: AppCore;
  let page: Page;
  let device: VirtualDevice;
  let library: LibraryPage;
  let backup: BackupView;

  beforeAll(async () => {
    app = await startWebApp({ viewport: SIZES[0] });
    ({ harness, core, page, device } = app);
    library = libraryPage(app, path.join(harness.workDir, 'exports'));
    backup = await library.backUp();
  }, BACKUP_TEST_MS);

  afterAll(async () => {
    await app?.close();
  });

  it('a backup whose sms.db is damaged says so in Messages; the other sections still work', async () => {
    const elsewhere = path.join(harness.workDir, 'elsewhere');
    const copy = path.join(elsewhere, device.udid);
    fs.cpSync(backup.path, copy, { recursive: true });
    const fileId = createHash('sha1').update('HomeDomain-Library/SMS/sms.db').digest('hex');
    const content = path.join(copy, fileId.slice(0, 2), fileId);
    const bytes = fs.readFileSync(content);
    // The header stays (it opens), every page after it is overwritten: SQLite finds out mid-read.
    bytes.fill(0xa5, 4096);
    fs.writeFileSync(content, bytes);
    await core.invoke('settings:set', { extraFolders: [elsewhere] });
    const damaged = (await core.invoke('backups:list', {})).find((candidate) => candidate.path.startsWith(elsewhere))!;
    await library.browse(damaged);
    const messages = page.getByTestId('overview-messages');
    await messages.filter({ hasText: 'Cannot be read' }).waitFor({ timeout: STEP_MS });
    expect(await messages.textContent()).toMatch(/Messages database \(sms\.db\).*(damaged|malformed)/);
    expect(await page.getByTestId('overview-contacts').textContent()).toMatch(/\d+ contacts/);
    await checkScreen(page, 'library', 'damaged-messages');
    await page.getByRole('button', { name: 'Close' }).click();
  }, BACKUP_TEST_MS);

  it('an encrypted backup: asks for its password, then shows Messages and Contacts', async () => {
    await page.getByTestId('encryption-switch').click();
    const setDialog = page.getByRole('dialog', { name: 'Set a backup password' });
    await setDialog.getByLabel('New password').fill(PASSWORD);
    await setDialog.getByLabel('Confirm password').fill(PASSWORD);
    await setDialog.getByRole('button', { name: 'Set Password' }).click();
    await page.locator('[data-testid="encryption-switch"][aria-checked="true"]').waitFor({ timeout: STEP_MS });
    const finished = nextJobFinished(core, 'backup');
    await page.getByTestId('backup-now').click();
    const outcome = await Promise.race([finished.then((done) => done.outcome), new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 400_000).unref())]);
    if (outcome !== 'succeeded') await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'library-encrypted-backup-stuck.png') });
    expect(outcome).toBe('succeeded');
    const encrypted = (await core.invoke('backups:list', {})).find((candidate) => candidate.encrypted && candidate.udid === device.udid)!;
    expect(encrypted).toBeDefined();
    await library.browse(encrypted, { opens: false });
    const prompt = page.getByRole('dialog', { name: 'Enter the backup password' });
    await prompt.waitFor({ timeout: STEP_MS });
    await prompt.getByLabel('Backup password').fill(PASSWORD);
    await prompt.getByLabel('Backup password').press('Enter');
    await page.getByTestId('overview-messages').filter({ hasText: /\d+ conversations/ }).waitFor({ timeout: STEP_MS });
    const conversations = await library.rows('conversations', { backupId: encrypted.id, password: PASSWORD });
    expect(conversations.length).toBeGreaterThan(0);
    await library.section('Messages');
    await expect.poll(() => page.getByTestId('library-list').getAttribute('data-total'), { timeout: STEP_MS }).toBe(String(conversations.length));
    await checkScreen(page, 'library', 'encrypted-messages');
    await library.section('Contacts');
    await page.locator('[data-kind="contact"]').first().waitFor({ timeout: STEP_MS });
    const vcard = parseVcards(fs.readFileSync(await library.exportAs('contacts-vcard', 'encrypted-vcard'), 'utf8'));
    // The encrypted backup is now the current one (the first became a snapshot): compare with its own rows.
    expect(vcard.length).toBe((await library.rows('contacts', { backupId: encrypted.id, password: PASSWORD })).length);
    expect(vcard.length).toBeGreaterThan(0);
  }, 2 * BACKUP_TEST_MS);
});
