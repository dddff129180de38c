import { useEffect } from 'react';
import { jobStatus } from '../features/backups/job-words';
import { useAppState } from './store-context';

const APP_NAME = 'Lifeboat';

/**
 * The running job in the window's title ("Backing up · 42 % — Lifeboat"), so it shows in the
 * taskbar, the window switcher and a background browser tab. Electron's window follows the page
 * title, so one hook serves both modes.
 */
export function useWindowTitle(): void {
  const line = useAppState((state) => {
    const jobs = Object.values(state.jobs.active);
    if (jobs.length === 0) return undefined;
    return jobs.length === 1 ? jobStatus(jobs[0]!) : `${jobs.length} jobs running`;
  });
  useEffect(() => {
    document.title = line === undefined ? APP_NAME : `${line} — ${APP_NAME}`;
  }, [line]);
}
