import { useState } from 'react';
import type { BackupView } from '../../../shared/contract';
import { useActions } from '../../app/store-context';

/**
 * "Browse" on a history row: opens the backup; an encrypted one asks for its password through the
 * one password prompt (the core asks, features/passwords answers), so the row has no dialog of its own.
 * Returns what the row needs: `browse()` for its menu, `opening` for its label, and `dialog` (none).
 */
export function useBrowseBackup(backup: BackupView) {
  const { openBrowser } = useActions();
  const [opening, setOpening] = useState(false);

  async function open(): Promise<void> {
    setOpening(true);
    try {
      await openBrowser(backup.id);
    } finally {
      setOpening(false);
    }
  }

  return { browse: () => void open(), opening, dialog: null };
}
