import type { Reporter, TestModule } from 'vitest/node';

/** How many of the slowest test files the summary names. */
const SLOWEST_FILES_SHOWN = 15;

/**
 * Prints the closing line CI looks for ("N passed, N failed, N skipped") after vitest's own summary,
 * so a run that executes no test, or fails one, is visible from the last line alone. Above it, the
 * slowest test files with their own time (import, hooks and tests), so a run that nears CI's limit
 * says where its minutes went without a second run.
 */
export class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      if (module.state() === 'failed' && module.children.size === 0) failed += 1;
    }
    if (testModules.length > 1) process.stdout.write(slowestFiles(testModules));
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

/** "Slowest test files:" and one line per file, slowest first, in seconds. */
export function slowestFiles(testModules: ReadonlyArray<Pick<TestModule, 'moduleId' | 'project' | 'diagnostic'>>): string {
  const timed = testModules.map((module) => {
    const diagnostic = module.diagnostic();
    return { name: `${module.project.name ? `[${module.project.name}] ` : ''}${relativeToRoot(module.moduleId, module.project.config.root)}`, ms: diagnostic.collectDuration + diagnostic.duration };
  });
  timed.sort((a, b) => b.ms - a.ms);
  const lines = timed.slice(0, SLOWEST_FILES_SHOWN).map((file) => `  ${(file.ms / 1000).toFixed(1).padStart(7)} s  ${file.name}`);
  return `\nSlowest test files:\n${lines.join('\n')}\n`;
}

function relativeToRoot(file: string, root: string): string {
  return file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
}

export default SummaryReporter;
