/**
 * Fuzzing the config reader: every family's fixture with one field (top level or one level down)
 * set to a hostile value reads to a spec whose counts are finite safe integers, or is refused with
 * an InputError naming a field. Never another error, never NaN or Infinity.
 */
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { HAND_BUILT_FIXTURES, HF_FIXTURES, hfFixture } from '../../../test/hf-fixtures.js';
import { InputError } from '../errors.js';
import { forwardFlopsPerToken } from './flops.js';
import { kvCacheBytes, recurrentStateBytes } from './kv-cache.js';
import { paramCount } from './param-count.js';
import { modelSpecFrom } from './resolve-model.js';

const FIXTURES = [...HF_FIXTURES, ...HAND_BUILT_FIXTURES];

const HOSTILE: readonly unknown[] = [
  0,
  -1,
  1,
  2.5,
  3,
  1e300,
  // JSON.parse('1e400'): a number too large for a double arrives as Infinity.
  Number.POSITIVE_INFINITY,
  Number.MAX_SAFE_INTEGER,
  '12',
  'auto',
  '',
  null,
  true,
  false,
  [],
  [0],
  {},
];

/** Paths of the fields of a config: top-level keys and the keys of its object-valued keys. */
function fieldPaths(config: Record<string, unknown>): string[][] {
  return Object.entries(config).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? [[k], ...Object.keys(v as Record<string, unknown>).map((c) => [k, c])]
      : [[k]],
  );
}

function withField(config: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(config);
  if (path.length === 1) copy[path[0]!] = value;
  else (copy[path[0]!] as Record<string, unknown>)[path[1]!] = value;
  return copy;
}

test.prop(
  [
    fc
      .constantFrom(...FIXTURES)
      .chain((id) =>
        fc.tuple(fc.constant(id), fc.constantFrom(...fieldPaths(hfFixture(id))), fc.constantFrom(...HOSTILE)),
      ),
  ],
  { numRuns: 400 },
)('a hostile field reads to finite counts or an InputError naming a field', ([id, path, value]) => {
  const config = withField(hfFixture(id), path, value);
  let spec: ReturnType<typeof modelSpecFrom>;
  try {
    spec = modelSpecFrom(config, id);
  } catch (e) {
    expect(e, `${id} ${path.join('.')} = ${JSON.stringify(value)}: ${String(e)}`).toBeInstanceOf(InputError);
    expect((e as InputError).issues[0]!.path.length).toBeGreaterThan(0);
    // The message names the value it got: never JSON's 'null' for a number beyond a double.
    if (value === Number.POSITIVE_INFINITY) expect(String(e)).not.toMatch(/got null/);
    return;
  }
  const p = paramCount(spec);
  for (const n of [p.totalParams, p.activeParams])
    expect(Number.isSafeInteger(n), `${id} ${path.join('.')}`).toBe(true);
  const flops = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4096 }).flopsPerToken;
  expect(Number.isFinite(flops) && flops > 0).toBe(true);
  expect(Number.isFinite(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence)).toBe(true);
  expect(Number.isFinite(recurrentStateBytes(spec).bytesPerSequence)).toBe(true);
});

test('a count beyond a double is named as such, not as JSON null', () => {
  const config = { ...hfFixture('glm-5'), hidden_size: JSON.parse('1e400') as number };
  expect(() => modelSpecFrom(config, 'glm-5')).toThrowError(
    /'hidden_size' must be a non-negative integer, got a number beyond the range of a double/,
  );
});

/** The message of the error reading a config raises, or '' where it reads. */
function refusal(config: Record<string, unknown>, id: string): string {
  try {
    modelSpecFrom(config, id);
    return '';
  } catch (e) {
    expect(e, `${id}: ${String(e)}`).toBeInstanceOf(InputError);
    return String(e);
  }
}

const nulls = (text: string): number => text.match(/\bnull\b/g)?.length ?? 0;

// Exhaustive, not drawn: a number beyond a double (Infinity once parsed) is refused as 1e300 is,
// and its message never shows JSON's 'null' where 1e300's shows the number.
test('every field of every fixture set beyond a double: no message shows it as JSON null', () => {
  let refused = 0;
  for (const id of FIXTURES)
    for (const path of fieldPaths(hfFixture(id))) {
      const beyond = refusal(withField(hfFixture(id), path, Number.POSITIVE_INFINITY), id);
      const large = refusal(withField(hfFixture(id), path, 1e300), id);
      expect(nulls(beyond), `${id} ${path.join('.')}: ${beyond}`).toBeLessThanOrEqual(nulls(large));
      expect(beyond, `${id} ${path.join('.')}`).not.toMatch(/Infinity/);
      if (beyond) refused += 1;
    }
  expect(refused).toBeGreaterThan(100);
});
