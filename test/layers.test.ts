/** The dependency order is enforced: the checker passes on this tree and fails on planted wrong imports. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { layerViolations } from '../scripts/check-layers.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const planted: string[] = [];

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'llmecon-layers-'));
  planted.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterEach(() => {
  for (const root of planted.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('dependency order', () => {
  it('holds in this repository', () => {
    expect(layerViolations(repo)).toEqual([]);
  });

  it('fails on a core module importing the CLI, naming the file and line', () => {
    const root = tree({
      'src/core/a.ts': "import { x } from './b.js';\nimport { table } from '../cli/format.js';\n",
      'src/core/b.ts': 'export const x = 1;\n',
      'src/cli/format.ts': 'export const table = 1;\n',
    });
    expect(layerViolations(root)).toEqual([
      "src/core/a.ts:2: core imports '../cli/format.js' (cli); the order is core ← catalog ← scenario/levers/validation ← cli, web",
    ]);
  });

  it('fails on the web app importing the CLI and the catalog importing a scenario', () => {
    const root = tree({
      'web/src/view.ts': "export { formatUsd } from '../../src/cli/format.js';\n",
      'src/cli/format.ts': 'export const formatUsd = 1;\n',
      'src/catalog/c.ts': "import type { S } from '../scenario/schema.js';\n",
      'src/scenario/schema.ts': 'export type S = number;\n',
    });
    const v = layerViolations(root);
    expect(v).toHaveLength(2);
    expect(v[0]).toMatch(/^src\/catalog\/c\.ts:1: catalog imports .*\(scenario\)/);
    expect(v[1]).toMatch(/^web\/src\/view\.ts:1: web imports .*\(cli\)/);
  });

  it('fails on Node built-ins in the core and on core folders that import each other', () => {
    const root = tree({
      'src/core/x/a.ts':
        "import { readFileSync } from 'node:fs';\nimport { b } from '../y/b.js';\nexport const a = b;\n",
      'src/core/y/b.ts': "import { a } from '../x/a.js';\nexport const b = a;\n",
    });
    const v = layerViolations(root);
    expect(v).toContain("src/core/x/a.ts:1: the core imports 'node:fs'; it must run in the browser (no I/O)");
    expect(v.some((line) => line.includes('core/x, core/y import each other'))).toBe(true);
  });

  it('lets tests import anything', () => {
    const root = tree({
      'src/core/a.test.ts': "import { main } from '../cli/main.js';\n",
      'src/cli/main.ts': 'export const main = 1;\n',
    });
    expect(layerViolations(root)).toEqual([]);
  });
});
