import { type FormEvent, useState } from 'react';
import { useActions, useAppState } from '../../app/store-context';
import { SavedPasswords } from '../passwords/saved-passwords';
import { BackgroundSettings } from './background-settings';
import { BackupFolderChange } from './backup-folder-change';
import { FolderChooser } from './folder-chooser';

/** Whether a typed folder is a full path (POSIX or Windows), without node:path in the renderer. */
function looksAbsolute(folder: string): boolean {
  return folder.startsWith('/') || /^[A-Za-z]:[\\/]/.test(folder) || folder.startsWith('\\\\');
}

/** Where backups go and how many to keep. */
export function SettingsPage() {
  const settings = useAppState((state) => state.settings.value);
  const { saveSettings, pickFolder } = useActions();
  const [root, setRoot] = useState<string | undefined>(undefined);
  // Choosing the folder: the web chooser when there is no native dialog, then move or keep.
  const [choosing, setChoosing] = useState(false);
  const [changingTo, setChangingTo] = useState<string | undefined>(undefined);
  const [keep, setKeep] = useState<string | undefined>(undefined);
  const [months, setMonths] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  if (!settings) return <p className="hint">Loading settings…</p>;
  const rootValue = root ?? settings.backupRoot;
  const keepValue = keep ?? (settings.retention.keepLast === null ? '' : String(settings.retention.keepLast));
  const monthsValue = months ?? String(settings.retention.keepMonthly);
  const keepsAll = keepValue.trim() === '';

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const keepLast = keepValue.trim() === '' ? null : Number.parseInt(keepValue, 10);
    const keepMonthly = Number.parseInt(monthsValue, 10);
    // An empty or unreadable month count is left as it was (the core refuses out-of-range numbers with a sentence).
    const retention = { keepLast: Number.isFinite(keepLast) ? keepLast : null, ...(Number.isFinite(keepMonthly) ? { keepMonthly } : {}) };
    // A new, full path asks what becomes of the backups in the old folder; anything else (empty,
    // relative) goes to the core, which refuses it with a sentence.
    if (rootValue !== settings!.backupRoot && rootValue.trim() !== '' && looksAbsolute(rootValue)) {
      setSaved(await saveSettings({ retention }));
      setChangingTo(rootValue);
      return;
    }
    setSaved(await saveSettings({ backupRoot: rootValue, retention }));
  }

  async function choose(): Promise<void> {
    const picked = await pickFolder('Choose the backup folder', settings!.backupRoot);
    if (picked === undefined) setChoosing(true);
    else if (picked !== null && picked !== settings!.backupRoot) setChangingTo(picked);
  }

  return (
    <article className="card" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <div className="field-with-button">
          <label className="field">
            <span>Backup folder</span>
            <input type="text" value={rootValue} onChange={(event) => setRoot(event.target.value)} spellCheck={false} />
          </label>
          <button type="button" onClick={() => void choose()} data-testid="choose-backup-folder">
            Choose…
          </button>
        </div>
        {settings.backupRootMissing ? (
          // The saved folder's disk is unplugged: Lifeboat does not make it again elsewhere (issue 12).
          <p role="alert" className="field-error" data-testid="backup-folder-missing">
            {settings.backupRootMissing}
          </p>
        ) : null}
        {settings.extraFolders.length > 0 ? (
          <p className="hint" data-testid="added-folders">
            Also listed: {settings.extraFolders.join(', ')}
          </p>
        ) : null}
        <label className="field">
          <span>Keep this many older backups per iPhone (empty keeps all)</span>
          <input type="number" min={1} max={1000} value={keepValue} onChange={(event) => setKeep(event.target.value)} />
        </label>
        <label className="field">
          <span>Also keep one backup a month for this many months (0 for none)</span>
          <input type="number" min={0} max={120} value={monthsValue} disabled={keepsAll} onChange={(event) => setMonths(event.target.value)} data-testid="keep-monthly" />
        </label>
        <div className="actions">
          <button type="submit" className="primary">
            Save
          </button>
          {saved ? (
            <span role="status" className="hint">
              Saved.
            </span>
          ) : null}
        </div>
      </form>
      <BackgroundSettings />
      <SavedPasswords />
      {choosing ? (
        <FolderChooser
          title="Choose the backup folder"
          start={settings.backupRoot}
          onClose={() => setChoosing(false)}
          onChoose={(folder) => {
            setChoosing(false);
            if (folder !== settings.backupRoot) setChangingTo(folder);
          }}
        />
      ) : null}
      {changingTo ? (
        <BackupFolderChange
          from={settings.backupRoot}
          to={changingTo}
          onCancel={() => setChangingTo(undefined)}
          onDone={() => {
            setChangingTo(undefined);
            setRoot(undefined);
            setSaved(true);
          }}
        />
      ) : null}
    </article>
  );
}
