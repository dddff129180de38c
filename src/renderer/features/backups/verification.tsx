import type { BackupView } from '../../../shared/contract';
import { formatDate } from '../../components/format-date';

/** What a history row says about the last Verify of its backup. */
export interface VerificationWords {
  readonly ok: boolean;
  /** "Verified", or how many problems Verify found. */
  readonly badge: string;
  /** When, so a person knows how old the check is ("Checked Dec 3, 2026, 5:41 AM"). */
  readonly when: string;
}

/**
 * The last Verify of a backup, from the catalog (`verifiedAt`, kept across restarts and dropped
 * once the folder changes), so the badge survives a reload instead of living in one window's memory.
 * Its finding is the backup's own status and problems, which Verify recorded.
 */
export function verificationWords(backup: BackupView, when: (iso: string) => string = formatDate): VerificationWords | undefined {
  if (backup.verifiedAt === undefined) return undefined;
  const ok = backup.status === 'complete' && backup.damaged !== true;
  const problems = backup.problems?.length ?? 0;
  const badge = ok ? 'Verified' : problems === 0 ? 'Not complete' : `${problems} ${problems === 1 ? 'problem' : 'problems'}`;
  return { ok, badge, when: `Checked ${when(backup.verifiedAt)}` };
}

/** The badge and, under it, when the check was made. */
export function VerificationBadge({ backup }: { readonly backup: BackupView }) {
  const words = verificationWords(backup);
  if (!words) return null;
  return (
    <>
      <span className={words.ok ? 'badge badge-ok' : 'badge badge-warn'} data-testid="verified-badge">
        {words.badge}
      </span>
      <div className="hint" data-testid="verified-when">
        {words.when}
      </div>
    </>
  );
}
