import { describe, expect, it } from 'vitest';
import { labelsThatFit } from './chart-labels';

describe('storage chart labels', () => {
  it('draws every label when there is room', () => {
    expect([...labelsThatFit([50, 150, 250], ['Jan 1', 'Jan 2', 'Jan 3'])].sort()).toEqual([0, 1, 2]);
  });

  it('thins crowded labels so none overlap, always keeping the newest', () => {
    const centers = Array.from({ length: 12 }, (_, index) => 70 + index * 47);
    const labels = centers.map((_, index) => `Dec ${index + 1}, 5:4${index % 10} PM`);
    const shown = [...labelsThatFit(centers, labels)].sort((a, b) => a - b);
    expect(shown).toContain(11);
    expect(shown.length).toBeLessThan(12);
    expect(shown.length).toBeGreaterThan(2);
    for (let index = 1; index < shown.length; index++) {
      const [a, b] = [shown[index - 1]!, shown[index]!];
      const halfWidths = (labels[a]!.length + labels[b]!.length) * 3.3;
      expect(centers[b]! - centers[a]!).toBeGreaterThanOrEqual(halfWidths);
    }
  });
});
