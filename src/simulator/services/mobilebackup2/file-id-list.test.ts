import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FileIdList } from './file-id-list';

describe('file ID list', () => {
  it('gives back every ID in order, in batches, past its first growth', () => {
    const ids = Array.from({ length: 3000 }, (_, index) => crypto.createHash('sha1').update(String(index)).digest('hex'));
    const list = new FileIdList();
    for (const id of ids) list.push(id);
    expect(list.length).toBe(3000);
    const batches = [...list.batches(128)];
    expect(batches).toHaveLength(Math.ceil(3000 / 128));
    expect(batches.every((batch, index) => batch.length === (index < batches.length - 1 ? 128 : 3000 % 128))).toBe(true);
    expect(batches.flat()).toEqual(ids);
    expect([...new FileIdList().batches(128)]).toEqual([]);
  });
});
