/**
 * The dependency order, enforced (run by `npm run lint`): core ← catalog ← scenario/levers/validation ←
 * cli, web (and the public entry src/index.ts). A module may import its own layer or a lower one; the CLI
 * and the web app do not import each other; the core imports no Node built-ins (it runs in the browser);
 * and folders inside the core import each other without cycles. Tests and benchmarks may import anything.
 *
 * Usage: tsx scripts/check-layers.ts [root]   (exit 1 and one line per violation when any)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Layer {
  readonly name: string;
  readonly rank: number;
  readonly roots: readonly string[];
}

export const LAYERS: readonly Layer[] = [
  { name: 'core', rank: 0, roots: ['src/core'] },
  { name: 'catalog', rank: 1, roots: ['src/catalog'] },
  { name: 'scenario', rank: 2, roots: ['src/scenario', 'src/levers', 'src/validation'] },
  { name: 'cli', rank: 3, roots: ['src/cli'] },
  { name: 'api', rank: 3, roots: ['src/index.ts'] },
  { name: 'web', rank: 3, roots: ['web'] },
];

const SOURCE = /\.(ts|tsx|mts)$/;
const EXEMPT = /\.(test|bench)\.ts$/;
const SPECIFIER = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;

function posix(path: string): string {
  return path.split(sep).join('/');
}

export function layerOf(relPath: string): Layer | null {
  for (const layer of LAYERS)
    for (const root of layer.roots) if (relPath === root || relPath.startsWith(`${root}/`)) return layer;
  return null;
}

function walk(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (SOURCE.test(name) && !EXEMPT.test(name)) out.push(path);
  }
}

interface Import {
  readonly from: string;
  readonly line: number;
  readonly specifier: string;
  /** Repository-relative target path for relative specifiers; null for packages. */
  readonly target: string | null;
}

function importsOf(root: string, file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const from = posix(relative(root, file));
  const out: Import[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const specifier = (m[1] ?? m[2])!;
    const line = text.slice(0, m.index).split('\n').length;
    const target = specifier.startsWith('.')
      ? posix(relative(root, resolve(dirname(file), specifier))).replace(/\.js$/, '.ts')
      : null;
    out.push({ from, line, specifier, target });
  }
  return out;
}

/** Strongly connected folders of `graph` with more than one member (Tarjan). */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Every wrong-direction import under `root`, one readable line each. */
export function layerViolations(root: string): string[] {
  const files: string[] = [];
  for (const layer of LAYERS)
    for (const r of layer.roots) {
      const path = join(root, r);
      try {
        if (statSync(path).isDirectory()) walk(path, files);
        else if (!EXEMPT.test(path)) files.push(path);
      } catch {
        // A layer that does not exist in this tree has nothing to check.
      }
    }
  const violations: string[] = [];
  const coreFolders = new Map<string, Set<string>>();
  // A core concept is a top-level folder of src/core (core/model/families is part of core/model).
  const coreFolder = (p: string) =>
    p.startsWith('src/core/') ? `/${dirname(p).slice('src/core/'.length).split('/')[0] ?? ''}` : null;
  for (const file of files) {
    for (const imp of importsOf(root, file)) {
      const from = layerOf(imp.from)!;
      const where = `${imp.from}:${imp.line}`;
      if (imp.target === null) {
        if (from.name === 'core' && imp.specifier.startsWith('node:'))
          violations.push(
            `${where}: the core imports '${imp.specifier}'; it must run in the browser (no I/O)`,
          );
        continue;
      }
      const to = layerOf(imp.target);
      if (to === null) {
        if (!imp.target.startsWith('catalog/') && !imp.target.startsWith('package.json'))
          violations.push(`${where}: ${from.name} imports '${imp.specifier}', outside the product's layers`);
        continue;
      }
      if (to.rank > from.rank || (to.rank === from.rank && to.name !== from.name && from.rank === 3))
        violations.push(
          `${where}: ${from.name} imports '${imp.specifier}' (${to.name}); the order is core ← catalog ← scenario/levers/validation ← cli, web`,
        );
      const a = coreFolder(imp.from);
      const b = coreFolder(imp.target);
      if (a !== null && b !== null && a !== b) {
        if (!coreFolders.has(a)) coreFolders.set(a, new Set());
        coreFolders.get(a)!.add(b);
      }
    }
  }
  for (const component of cycles(coreFolders))
    violations.push(
      `src/core: the folders ${component.map((c) => `core${c}`).join(', ')} import each other; move what they share to one of them`,
    );
  return violations.sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = layerViolations(root);
  for (const v of violations) console.error(v);
  if (violations.length > 0) {
    console.error(`${violations.length} import(s) against the dependency order`);
    process.exit(1);
  }
  console.log('dependency order: ok');
}
