import { describe, expect, it } from 'vitest';
import { moveWords } from './backup-folder-change';

describe('the backup folder move in words', () => {
  it('says the bytes moved of all, with the backups and the one moving now', () => {
    expect(moveWords({ moved: 1, total: 2, current: 'BBBB1111', bytesMoved: 1_200_000_000, bytesTotal: 3_400_000_000 })).toBe('Moved 1.2 GB of 3.4 GB (1 of 2 backups); now BBBB1111.');
    expect(moveWords({ moved: 2, total: 2, bytesMoved: 3_400_000_000, bytesTotal: 3_400_000_000 })).toBe('Moved 3.4 GB of 3.4 GB (2 of 2 backups).');
  });

  it('counts backups only when the core sent no bytes', () => {
    expect(moveWords({ moved: 0, total: 3, current: 'AAAA0000' })).toBe('Moved 0 of 3 backups; now AAAA0000.');
  });
});
