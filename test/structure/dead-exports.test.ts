/**
 * No exported value that nothing else names (issue 16 item 6): an export is a promise that another
 * module, a test or an adapter uses it. A function or constant used only inside its own file is not
 * exported; one used nowhere is deleted. Types are left out of the check: an interface that only
 * describes an exported function's argument or result is part of that function's API. Names are
 * matched as words across src/, test/, bench/, e2e/ and scripts/, which errs towards keeping (a word
 * in a comment elsewhere keeps an export).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FOLDERS = ['src', 'test', 'bench', 'e2e', 'scripts'];
/** Kept on purpose: the house style's exhaustiveness helper (docs/architecture.md). */
const KEPT = new Set(['assertNever']);
const EXPORT = /^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|enum|abstract class)\s+([A-Za-z_$][\w$]*)/gm;

function sourceFiles(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(ts|tsx|mts|mjs)$/.test(entry.name) ? [full] : [];
  });
}

/** Value exports of src/main and src/shared (tests aside) whose name no other file contains as a word. */
function unnamedExports(repoRoot: string): string[] {
  const texts = new Map(FOLDERS.flatMap((folder) => sourceFiles(path.join(repoRoot, folder))).map((file) => [path.relative(repoRoot, file), fs.readFileSync(file, 'utf8')]));
  const filesByWord = new Map<string, Set<string>>();
  for (const [file, text] of texts) {
    for (const word of new Set(text.match(/[A-Za-z_$][\w$]*/g))) {
      let files = filesByWord.get(word);
      if (!files) filesByWord.set(word, (files = new Set()));
      files.add(file);
    }
  }
  const unnamed: string[] = [];
  for (const [file, text] of texts) {
    if (!/^src\/(main|shared)\//.test(file) || /\.test\.tsx?$/.test(file)) continue;
    for (const match of text.matchAll(EXPORT)) {
      const name = match[1] as string;
      const elsewhere = [...(filesByWord.get(name) ?? [])].filter((other) => other !== file);
      if (elsewhere.length === 0 && !KEPT.has(name)) unnamed.push(`${file}: ${name}`);
    }
  }
  return unnamed.sort();
}

describe('exports', () => {
  it('of functions, classes and constants are each named by another file (else drop `export`, or delete what nothing uses)', () => {
    expect(unnamedExports(REPO_ROOT)).toEqual([]);
  });
});
