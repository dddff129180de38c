import { describe, expect, it } from 'vitest';
import type { BackupView } from '../../../shared/contract';
import { verificationWords } from './verification';

const backup = (patch: Partial<BackupView> = {}): BackupView => ({
  id: 'b', udid: 'A', path: '/b', createdAt: '2026-12-01T10:00:00Z', sizeBytes: 1, encrypted: false, archived: false, status: 'complete', ...patch,
});
const when = (iso: string) => `at ${iso}`;

describe('a backup\'s last verification', () => {
  it('says nothing for a backup never verified (or changed since, which drops verifiedAt)', () => {
    expect(verificationWords(backup(), when)).toBeUndefined();
  });

  it('says Verified and when, from the list the core sends (so a reload keeps it)', () => {
    expect(verificationWords(backup({ verifiedAt: '2026-12-03T05:41:00Z' }), when)).toEqual({ ok: true, badge: 'Verified', when: 'Checked at 2026-12-03T05:41:00Z' });
  });

  it('counts the problems Verify found, in good English', () => {
    expect(verificationWords(backup({ verifiedAt: '2026-12-03T05:41:00Z', status: 'incomplete', problems: ['3 files are missing.'] }), when)?.badge).toBe('1 problem');
    expect(verificationWords(backup({ verifiedAt: '2026-12-03T05:41:00Z', status: 'incomplete', damaged: true, problems: ['a', 'b'] }), when)).toMatchObject({ ok: false, badge: '2 problems' });
  });
});
