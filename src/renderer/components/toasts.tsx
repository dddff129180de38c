import { useEffect } from 'react';
import type { NoticeView } from '../../shared/contract';
import { useActions, useAppState } from '../app/store-context';

/** How long an informational toast stays; errors stay until dismissed. */
const TOAST_MS = 6_000;

export function Toasts() {
  const notices = useAppState((state) => state.ui.notices);
  return (
    <div className="toasts" role="status" aria-live="polite" aria-label="Notifications">
      {notices.map((notice) => (
        <Toast key={notice.id} notice={notice} />
      ))}
    </div>
  );
}

function Toast({ notice }: { readonly notice: NoticeView }) {
  const { dismissNotice } = useActions();
  useEffect(() => {
    if (notice.level === 'error') return;
    const timer = setTimeout(() => dismissNotice(notice.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [notice, dismissNotice]);
  return (
    <div className={`toast toast-${notice.level}`} data-testid="toast">
      <div>
        <strong>{notice.title}</strong>
        {notice.body ? <p>{notice.body}</p> : null}
      </div>
      <button type="button" className="link" onClick={() => dismissNotice(notice.id)} aria-label={`Dismiss: ${notice.title}`}>
        ×
      </button>
    </div>
  );
}
