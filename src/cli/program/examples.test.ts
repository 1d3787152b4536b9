/** Every catalog model a help example names exists: an example a user copies runs. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/catalog.js';

const dir = dirname(fileURLToPath(import.meta.url));

describe('help examples', () => {
  it('name catalog models (llama-3-70b, which is not one, was the serve example)', () => {
    const models = loadCatalog().models;
    const named = readdirSync(dir)
      .filter((f) => f.endsWith('-commands.ts'))
      .flatMap((f) =>
        [...readFileSync(join(dir, f), 'utf8').matchAll(/--(?:draft-|reward-)?model ([\w.-]+)/g)].map(
          (m) => m[1]!,
        ),
      )
      // Paths to a config.json or a spec are files, not catalog ids.
      .filter((id) => !/\.(json|ya?ml)$/.test(id));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((id) => !models.has(id))).toEqual([]);
  });
});
