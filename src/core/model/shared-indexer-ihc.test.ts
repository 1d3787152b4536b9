/**
 * The spec's shared-indexer layers (`LayerSpec.indexerShared`), MLA sinks (`MlaAttention.sinks`) and
 * Hy4's independent hyper-connections (`hyperConnections.kind: 'ihc'`): the operation list's FLOPs still
 * equal FLOPs per token and 2 × the matmul parameters a token touches, the layer kinds keep shared
 * layers apart, and the hand-written spec accepts the new fields and names them when they are wrong.
 */
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import {
  decodeGemmRatio,
  divisorsOf,
  layoutFlopsRatio,
  request,
  single,
} from '../../../test/operation-setup.js';
import type { InputError } from '../errors.js';
import { glmMoeDsa } from './families/deepseek.js';
import { Fields, type Json } from './families/fields.js';
import { hyV4 } from './families/hy-v4.js';
import { layerKinds } from './flops.js';
import { layerMixSummary } from './layer-mix.js';
import { specFromInput } from './model-spec-schema.js';
import { layerOperations, operationFlops } from './operations.js';
import { paramCount } from './param-count.js';
import type { ModelSpec } from './spec.js';

const hy4: Json = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/hf-configs/hand-built/hy4-preview.json', import.meta.url),
    'utf8',
  ),
);
const glm5: Json = hfFixture('glm-5');
const SPECS: Record<string, ModelSpec> = {
  'hy4-preview': hyV4(new Fields(hy4, 'hy_v4'), 'hy4'),
  'glm-5.2 schedule': glmMoeDsa(
    new Fields({ ...glm5, index_topk_freq: 4, index_skip_topk_offset: 3 }, 'glm_moe_dsa'),
    'glm52',
  ),
};
const names = Object.keys(SPECS);

/** A small hand-written MLA + DSA model; `extra` adds or overrides fields. */
const small = (extra: object = {}) => ({
  name: 'small',
  vocabSize: 1000,
  hiddenSize: 256,
  numLayers: 8,
  maxContextTokens: 8192,
  attention: {
    kind: 'mla',
    numHeads: 4,
    qLoraRank: 128,
    kvLoraRank: 64,
    qkNopeHeadDim: 32,
    qkRopeHeadDim: 16,
    vHeadDim: 32,
  },
  layerPattern: ['sparse'],
  sparseAttention: { numHeads: 4, headDim: 32, topKTokens: 256 },
  mlp: { intermediateSize: 512 },
  ...extra,
});
const issues = (input: object) => {
  try {
    specFromInput(input);
  } catch (e) {
    return (e as InputError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }
  return [];
};

describe('shared indexers, MLA sinks and iHC', () => {
  test.prop([
    fc.constantFrom(...names),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 2 }),
    fc.constantFrom<'causal' | 'full'>('causal', 'full'),
  ])(
    'GEMM + attention FLOPs over any layout equal tokens × FLOPs per token',
    (name, tpIndex, cpExp, mask) => {
      const spec = SPECS[name]!;
      const tps = divisorsOf(spec.attention.numHeads);
      const tp = tps[tpIndex % tps.length]!;
      const cp = 2 ** cpExp;
      expect(layoutFlopsRatio(spec, request({ tp, cp, attentionMask: mask }))).toBeCloseTo(1, 9);
    },
  );

  it.each(names)(
    '%s: decode GEMM FLOPs are 2 × the matmul parameters a token touches (within 0.5%)',
    (name) => {
      const spec = SPECS[name]!;
      expect(decodeGemmRatio(spec)).toBeGreaterThan(0.995);
      expect(decodeGemmRatio(spec)).toBeLessThan(1.005);
    },
  );

  it('shared-indexer layers are a layer kind of their own, and the layer mix says so', () => {
    const spec = SPECS['hy4-preview']!;
    const kinds = layerKinds(spec).map(({ layer, count }) => [
      layer.mlp,
      layer.indexerShared === true,
      count,
    ]);
    expect(kinds).toEqual([
      ['dense', false, 1],
      ['moe', false, 20],
      ['moe', true, 57],
    ]);
    expect(layerMixSummary(spec).text).toContain(
      "78 sparse attention (MLA + DSA indexer, top-2048 keys) (57 reuse an earlier layer's top-k)",
    );
    // Summing every layer's list one by one gives what flops.ts sums kind by kind.
    const r = single('forward', 4096);
    const byLayer = spec.layers.reduce(
      (sum, layer) => sum + layerOperations(spec, layer, r).reduce((s, op) => s + operationFlops(op), 0),
      0,
    );
    const byKind = layerKinds(spec).reduce(
      (sum, { layer, count }) =>
        sum + count * layerOperations(spec, layer, r).reduce((s, op) => s + operationFlops(op), 0),
      0,
    );
    expect(byLayer / byKind).toBeCloseTo(1, 12);
  });

  it('the hand-written spec: sinks add one logit per head and layer; iHC counts 2n outputs and 2 scales', () => {
    const h = 256;
    const n = 4;
    const base = paramCount(specFromInput(small())).totalParams;
    const sinks = { ...small().attention, sinks: true };
    expect(paramCount(specFromInput(small({ attention: sinks }))).totalParams - base).toBe(8 * 4);
    const mhc = paramCount(specFromInput(small({ hyperConnections: { streams: n } }))).totalParams;
    const ihc = paramCount(
      specFromInput(small({ hyperConnections: { streams: n, kind: 'ihc' } })),
    ).totalParams;
    // Per layer attn_hc + ffn_hc: fn outputs × n·h, base outputs, scales; hc_head n·n·h + n + 1 either way.
    const perLayer = (outputs: number, scales: number) => 2 * (outputs * n * h + outputs + scales);
    const head = n * n * h + n + 1;
    expect(mhc - base).toBe(8 * perLayer((2 + n) * n, 3) + head);
    expect(ihc - base).toBe(8 * perLayer(2 * n, 2) + head);
  });

  it('the hand-written spec: indexerPattern drops the shared layers’ indexers and names itself when wrong', () => {
    const own = specFromInput(small());
    const shared = specFromInput(small({ indexerPattern: ['full', 'shared', 'shared', 'shared'] }));
    expect(shared.layers.map((l) => l.indexerShared === true)).toEqual([
      false,
      true,
      true,
      true,
      false,
      true,
      true,
      true,
    ]);
    // DSA indexer: wq_b (q latent → heads·d), wk (h → d), k_norm LayerNorm(d), weights_proj (h → heads).
    const indexer = 128 * 4 * 32 + 256 * 32 + 2 * 32 + 256 * 4;
    expect(paramCount(own).totalParams - paramCount(shared).totalParams).toBe(6 * indexer);
    expect(issues(small({ indexerPattern: ['shared', 'full'] }))).toEqual([
      "indexerPattern: the first sparse layer (layer 0) is 'shared': there is no earlier indexer to reuse",
    ]);
    expect(issues(small({ layerPattern: ['sparse', 'full'], indexerPattern: ['full', 'shared'] }))).toEqual([
      "indexerPattern: layer 1 is 'full', not 'sparse': only sparse layers can share an indexer",
    ]);
    expect(issues(small({ indexerPattern: ['some'] }))[0]).toMatch(/^indexerPattern\.0: /);
    expect(issues(small({ indexerPattern: [] }))[0]).toMatch(/^indexerPattern: /);
    expect(issues(small({ hyperConnections: { streams: 4, kind: 'hc' } }))[0]).toMatch(
      /^hyperConnections\.kind: /,
    );
    expect(issues(small({ attention: { ...small().attention, sinks: 1 } }))[0]).toMatch(
      /^attention\.sinks: /,
    );
  });
});
