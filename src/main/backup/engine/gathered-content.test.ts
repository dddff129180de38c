import { describe, expect, it } from 'vitest';
import { GATHER_BUFFER_BYTES, GatherBuffers, GatheredContent } from './gathered-content';

/** Bytes that differ along the way, so a misplaced copy shows. */
function patterned(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += 1) bytes[offset] = (seed + offset * 7 + (offset >> 11)) & 0xff;
  return bytes;
}

describe('GatheredContent', () => {
  it('copies pieces across buffer edges and gives back exactly what arrived, the caller free to reuse its memory', () => {
    const memory = new GatherBuffers();
    const content = new GatheredContent(memory);
    const expected = patterned(2 * GATHER_BUFFER_BYTES + 12_345, 3);
    const lent = Buffer.alloc(300_000);
    for (let offset = 0; offset < expected.length; offset += 300_000) {
      const size = Math.min(300_000, expected.length - offset);
      expected.copy(lent, 0, offset, offset + size);
      content.append(lent.subarray(0, size));
      lent.fill(0xee);
    }
    expect(content.bytes).toBe(expected.length);
    expect(content.hasFullBuffer).toBe(true);
    expect(Buffer.concat(content.views()).equals(expected)).toBe(true);

    const full = content.takeFull();
    expect(full.bytes).toBe(2 * GATHER_BUFFER_BYTES);
    expect(content.bytes).toBe(12_345);
    expect(content.hasFullBuffer).toBe(false);
    const rest = content.takeAll();
    expect(rest.bytes).toBe(12_345);
    expect(Buffer.concat([...full.pieces, ...rest.pieces]).equals(expected)).toBe(true);
    expect(content.bytes).toBe(0);

    memory.giveBack([...full.buffers, ...rest.buffers]);
    expect(memory.spareCount).toBe(3);
  });

  it('reuses spare buffers for the next file and keeps only a bounded number', () => {
    const memory = new GatherBuffers();
    const first = new GatheredContent(memory);
    first.append(patterned(GATHER_BUFFER_BYTES, 1));
    const [buffer] = first.takeFull().buffers;
    expect(buffer?.length).toBe(GATHER_BUFFER_BYTES);
    memory.giveBack(buffer === undefined ? [] : [buffer]);
    const second = new GatheredContent(memory);
    second.append(Buffer.from('next file'));
    expect(second.views()[0]?.buffer).toBe(buffer?.buffer);
    expect(second.views()[0]?.toString()).toBe('next file');
    second.release();

    const many = new GatheredContent(memory);
    many.append(Buffer.alloc(30 * GATHER_BUFFER_BYTES));
    many.release();
    expect(memory.spareCount).toBe(12);
  });

  it('takes nothing out when no buffer is full, and an exactly full buffer counts as full', () => {
    const content = new GatheredContent(new GatherBuffers());
    expect(content.takeFull().bytes).toBe(0);
    content.append(Buffer.alloc(GATHER_BUFFER_BYTES - 1));
    expect(content.hasFullBuffer).toBe(false);
    content.append(Buffer.alloc(1));
    expect(content.hasFullBuffer).toBe(true);
    expect(content.takeFull().bytes).toBe(GATHER_BUFFER_BYTES);
    content.append(Buffer.from('after'));
    expect(Buffer.concat(content.views()).toString()).toBe('after');
  });
});
