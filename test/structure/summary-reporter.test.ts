import { describe, expect, it } from 'vitest';
import { slowestFiles } from '../summary-reporter';

/** A test module as the reporter sees it: its file, its project and its times. */
function moduleOf(file: string, project: string, collectMs: number, runMs: number): Parameters<typeof slowestFiles>[0][number] {
  return {
    moduleId: `/repo/${file}`,
    project: { name: project, config: { root: '/repo' } },
    diagnostic: () => ({ collectDuration: collectMs, duration: runMs }),
  } as unknown as Parameters<typeof slowestFiles>[0][number];
}

describe('the summary names the slowest test files', () => {
  it('lists them slowest first, import time included, relative to the root, at most fifteen', () => {
    const modules = [moduleOf('test/fast.test.ts', 'unit', 100, 400), moduleOf('e2e/web-restore.test.ts', 'e2e', 2_000, 85_000), moduleOf('test/mid.test.ts', 'unit', 1_000, 9_000)];
    for (let index = 0; index < 20; index++) modules.push(moduleOf(`test/tiny-${index}.test.ts`, 'unit', 0, 10));
    const lines = slowestFiles(modules).trim().split('\n');
    expect(lines[0]).toBe('Slowest test files:');
    expect(lines.slice(1, 4)).toEqual(['     87.0 s  [e2e] e2e/web-restore.test.ts', '     10.0 s  [unit] test/mid.test.ts', '      0.5 s  [unit] test/fast.test.ts']);
    expect(lines).toHaveLength(16);
  });
});
