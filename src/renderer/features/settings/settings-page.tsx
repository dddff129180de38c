import { type FormEvent, useState } from 'react';
import { useActions, useAppState } from '../../app/store-context';
import { SavedPasswords } from '../passwords/saved-passwords';

/** Where backups go and how many to keep. */
export function SettingsPage() {
  const settings = useAppState((state) => state.settings.value);
  const { saveSettings } = useActions();
  const [root, setRoot] = useState<string | undefined>(undefined);
  const [keep, setKeep] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  if (!settings) return <p className="hint">Loading settings…</p>;
  const rootValue = root ?? settings.backupRoot;
  const keepValue = keep ?? (settings.retention.keepLast === null ? '' : String(settings.retention.keepLast));

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const keepLast = keepValue.trim() === '' ? null : Number.parseInt(keepValue, 10);
    setSaved(await saveSettings({ backupRoot: rootValue, retention: { keepLast: Number.isFinite(keepLast) ? keepLast : null } }));
  }

  return (
    <article className="card" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <label className="field">
          <span>Backup folder</span>
          <input type="text" value={rootValue} onChange={(event) => setRoot(event.target.value)} spellCheck={false} />
        </label>
        <label className="field">
          <span>Keep this many older backups per iPhone, plus one a month for a year (empty keeps all)</span>
          <input type="number" min={1} max={1000} value={keepValue} onChange={(event) => setKeep(event.target.value)} />
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
      <SavedPasswords />
    </article>
  );
}
