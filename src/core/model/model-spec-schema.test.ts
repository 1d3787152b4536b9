/**
 * The hand-written spec's bounds: every count has the limit the Hugging Face reader applies
 * (families/fields.ts MAX), so a spec can never ask for a layer list that exhausts memory, and the
 * message names the field and the largest value allowed.
 */
import { describe, expect, it } from 'vitest';
import { specIssues } from '../../../test/input-error.js';
import { MAX } from './families/fields.js';
import { specFromInput } from './model-spec-schema.js';

const base = {
  name: 'tiny',
  vocabSize: 32000,
  hiddenSize: 2048,
  numLayers: 16,
  maxContextTokens: 8192,
  attention: { kind: 'gqa', numHeads: 16, numKvHeads: 4 },
  mlp: { intermediateSize: 5632 },
};
const moe = { numExperts: 8, topK: 2, expertIntermediateSize: 1024 };
const issues = (value: object) => specIssues(specFromInput, value);
const most = (max: number) => `must be at most ${max.toLocaleString('en-US')}`;

describe('spec count bounds', () => {
  it('reads a spec at the bounds', () => {
    expect(issues(base)).toEqual([]);
    const spec = specFromInput({ ...base, numLayers: MAX.layers, numMtpModules: MAX.layers });
    expect(spec.layers).toHaveLength(MAX.layers);
    expect(issues({ ...base, moe: { ...moe, numExperts: MAX.experts } })).toEqual([]);
  });

  it('refuses 1e9 layers at once, naming numLayers and its maximum (no layer list is built)', () => {
    const started = Date.now();
    const found = issues({ ...base, numLayers: 1e9 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(found).toEqual([`numLayers: ${most(MAX.layers)} (the largest supported value), got 1000000000`]);
  });

  it.each([
    [{ vocabSize: MAX.vocab + 1 }, 'vocabSize', MAX.vocab],
    [{ hiddenSize: MAX.hidden + 1 }, 'hiddenSize', MAX.hidden],
    [{ maxContextTokens: 1e12 }, 'maxContextTokens', MAX.positions],
    [{ numMtpModules: 1e9 }, 'numMtpModules', MAX.layers],
    [{ moe: { ...moe, numExperts: 1e9 } }, 'moe.numExperts', MAX.experts],
    [{ moe: { ...moe, numSharedExperts: 1e9 } }, 'moe.numSharedExperts', MAX.experts],
    [{ moe: { ...moe, firstDenseLayers: 1e9 } }, 'moe.firstDenseLayers', MAX.layers],
    [{ mlp: { intermediateSize: 1e9 } }, 'mlp.intermediateSize', MAX.intermediate],
    [{ attention: { kind: 'gqa', numHeads: 1e9 } }, 'attention.numHeads', MAX.heads],
    [{ attention: { kind: 'gqa', numHeads: 16, headDim: 1e9 } }, 'attention.headDim', MAX.headDim],
    [{ slidingWindow: { tokens: 1e12 } }, 'slidingWindow.tokens', MAX.positions],
    [{ learnedPositionEmbeddings: 1e12 }, 'learnedPositionEmbeddings', MAX.positions],
    [{ normsPerLayer: 1e12 }, 'normsPerLayer', MAX.other],
  ])('refuses %j naming %s and its maximum', (change, field, max) => {
    const found = issues({ ...base, ...change });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${field.replace('.', '\\.')}: ${most(max)}\\b`));
  });

  it('names the allowed range when a count is too small', () => {
    expect(issues({ ...base, numLayers: -1 })).toEqual([
      `numLayers: must be a positive integer up to ${MAX.layers.toLocaleString('en-US')}, got -1`,
    ]);
    expect(issues({ ...base, numMtpModules: -1 })[0]).toMatch(
      /^numMtpModules: must be a non-negative integer/,
    );
  });

  it('keeps refusing KV heads that do not divide the query heads', () => {
    expect(issues({ ...base, attention: { kind: 'gqa', numHeads: 32, numKvHeads: 64 } })).toEqual([
      'attention.numKvHeads: numKvHeads (64) must divide numHeads (32)',
    ]);
  });
});

describe('unknown fields', () => {
  it('name their path, the nearest allowed key and the keys allowed there, as a scenario file does', () => {
    const typo = { ...base, attention: { kind: 'gqa', numHeads: 16, numKVHeads: 4 } };
    const [found] = issues(typo);
    expect(found).toMatch(
      /^attention\.numKVHeads: unknown field 'numKVHeads'; did you mean 'numKvHeads'\? \(allowed: .*numHeads, numKvHeads/,
    );
    expect(issues({ ...base, hiddenSise: 2048 })[0]).toMatch(
      /^hiddenSise: unknown field 'hiddenSise'; did you mean 'hiddenSize'\?/,
    );
  });
});
