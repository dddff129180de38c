import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The import graph of src/ (type-only imports included: a cycle of types is still a knot two
 * folders must change together), read with TypeScript's own pre-processor, which only tokenises.
 */
export interface ImportGraph {
  /** Repository-relative module path → the repository-relative modules it imports. */
  readonly edges: ReadonlyMap<string, readonly string[]>;
  /** Repository-relative module path → the bare specifiers it imports (packages, node: built-ins). */
  readonly packages: ReadonlyMap<string, readonly string[]>;
}

const EXTENSIONS = ['.ts', '.tsx', '/index.ts', '/index.tsx'];

function sourceFiles(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [base, ...EXTENSIONS.map((extension) => `${base}${extension}`)]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

export function readImportGraph(repoRoot: string, folder = 'src'): ImportGraph {
  const edges = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of sourceFiles(path.join(repoRoot, folder))) {
    const relative = path.relative(repoRoot, file);
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const local: string[] = [];
    const bare: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) {
        bare.push(fileName);
        continue;
      }
      const resolved = resolveRelative(file, fileName);
      if (resolved) local.push(path.relative(repoRoot, resolved));
    }
    edges.set(relative, local);
    packages.set(relative, bare);
  }
  return { edges, packages };
}

/** Every import cycle, each as the modules of one strongly connected component (Tarjan). */
export function importCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/**
 * The layers of docs/architecture.md, lowest first: a module may import its own layer and the ones
 * before it. `src/main/device/errors.ts` is the device layers' one error file, beside the codec.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['src/main/device/codec/', 'src/main/device/errors.ts'],
  ['src/main/device/usbmux/'],
  ['src/main/device/lockdown/'],
  ['src/main/device/services/'],
  ['src/main/device/manager/'],
  ['src/main/backup/'],
  // What the app does with a backup, each on the backup layer: they may use one another, never core.
  ['src/main/restore/', 'src/main/browser/', 'src/main/photos/', 'src/main/reader/', 'src/main/library/'],
  ['src/main/core/'],
  // The adapters: each stands on core and never on another adapter.
  ['src/main/cli/', 'src/main/web/', 'src/main/electron/'],
];

/**
 * The one import allowed across adapters: `lifeboat serve` is how the web adapter is started on a
 * machine with no screen. It builds the core as every adapter does and hands it to the bridge through
 * the web adapter's front door (its index), never into the bridge's own files.
 */
const ADAPTER_LAUNCHERS: ReadonlyMap<string, string> = new Map([['src/main/cli/commands/serve-command.ts', 'src/main/web/index.ts']]);

function prefixOf(file: string): { readonly layer: number; readonly prefix: string } | undefined {
  for (const [layer, prefixes] of LAYERS.entries()) {
    const prefix = prefixes.find((candidate) => file === candidate || (candidate.endsWith('/') && file.startsWith(candidate)));
    if (prefix) return { layer, prefix };
  }
  return undefined;
}

/** Imports that go up the layers or across adapters, and src/main files in no layer, as sentences. */
export function layerViolations(edges: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = [];
  for (const [from, imports] of edges) {
    if (!from.startsWith('src/main/')) continue;
    const source = prefixOf(from);
    if (!source) {
      problems.push(`${from} is in no layer: add its folder to LAYERS in test/structure/import-graph.ts`);
      continue;
    }
    for (const to of imports) {
      const target = prefixOf(to);
      if (!target) continue;
      if (target.layer > source.layer) problems.push(`${from} imports ${to}: ${source.prefix} sits below ${target.prefix}`);
      else if (
        target.layer === LAYERS.length - 1 &&
        source.layer === target.layer &&
        target.prefix !== source.prefix &&
        ADAPTER_LAUNCHERS.get(from) !== to
      ) {
        problems.push(`${from} imports ${to}: one adapter never imports another (both go through src/main/core)`);
      }
    }
  }
  return problems;
}
