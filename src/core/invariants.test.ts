/** Property tests: invariants that must hold for any model and layout. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { inferenceMemory, memoryFit } from './memory/inference-memory.js';
import {
  activationBytesPerLayer,
  OPTIMIZERS,
  TRAINING_PRECISIONS,
  trainingMemory,
} from './memory/training-memory.js';
import { forwardFlopsPerToken, trainingFlopsPerToken } from './model/flops.js';
import { kvCacheBytes } from './model/kv-cache.js';
import { specFromInput } from './model/model-spec-schema.js';
import { paramCount } from './model/param-count.js';
import { DEFAULT_LAYOUT, RECOMPUTE_MODES } from './parallelism/layout.js';
import { KV_FORMATS, WEIGHT_FORMATS } from './precision.js';

const pow2 = (max: number) => fc.integer({ min: 0, max }).map((e) => 2 ** e);

/** Random but valid model specs, dense or MoE, GQA or MLA. */
const modelArb = fc
  .record({
    heads: pow2(5),
    kvDiv: pow2(3),
    headDim: fc.constantFrom(32, 64, 128),
    layers: fc.integer({ min: 2, max: 48 }),
    vocab: fc.integer({ min: 1000, max: 200_000 }),
    ffnMult: fc.integer({ min: 1, max: 8 }),
    moe: fc.option(
      fc.record({
        experts: pow2(7),
        topK: fc.integer({ min: 1, max: 8 }),
        shared: fc.integer({ min: 0, max: 2 }),
      }),
      { nil: null },
    ),
    mla: fc.boolean(),
    tie: fc.boolean(),
  })
  .map((r) => {
    const hidden = r.heads * r.headDim;
    return specFromInput({
      name: 'random',
      vocabSize: r.vocab,
      hiddenSize: hidden,
      numLayers: r.layers,
      maxContextTokens: 32768,
      tieWordEmbeddings: r.tie,
      attention: r.mla
        ? {
            kind: 'mla',
            numHeads: r.heads,
            qLoraRank: 2 * r.headDim,
            kvLoraRank: r.headDim,
            qkNopeHeadDim: r.headDim,
            qkRopeHeadDim: 32,
            vHeadDim: r.headDim,
          }
        : { kind: 'gqa', numHeads: r.heads, numKvHeads: Math.max(1, r.heads / r.kvDiv), headDim: r.headDim },
      mlp: { intermediateSize: hidden * r.ffnMult },
      moe: r.moe
        ? {
            numExperts: r.moe.experts,
            topK: Math.min(r.moe.topK, r.moe.experts),
            expertIntermediateSize: hidden,
            numSharedExperts: r.moe.shared,
          }
        : null,
    });
  });

describe('model arithmetic invariants', () => {
  test.prop([modelArb])('breakdown sums to total; 0 < active ≤ total', (spec) => {
    const p = paramCount(spec);
    expect(Object.values(p.breakdown).reduce((a, b) => a + b, 0)).toBe(p.totalParams);
    expect(p.activeParams).toBeGreaterThan(0);
    expect(p.activeParams).toBeLessThanOrEqual(p.totalParams);
    expect(Number.isSafeInteger(p.totalParams)).toBe(true);
  });

  test.prop([modelArb, fc.integer({ min: 16, max: 32768 })])(
    'training FLOPs: causal ≤ non-causal, ≥ 6N·(matmul share)',
    (spec, seq) => {
      const f = trainingFlopsPerToken(spec, seq);
      expect(f.causal.flopsPerToken).toBeLessThanOrEqual(f.nonCausal.flopsPerToken);
      expect(f.causal.flopsPerToken).toBeGreaterThan(0.99 * f.sixN);
      expect(Number.isFinite(f.nonCausal.flopsPerToken)).toBe(true);
    },
  );

  test.prop([modelArb, fc.integer({ min: 1, max: 16000 }), fc.integer({ min: 1, max: 16000 })])(
    'decode FLOPs never fall as the context grows',
    (spec, a, b) => {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const f = (n: number) =>
        forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: n }).flopsPerToken;
      expect(f(hi)).toBeGreaterThanOrEqual(f(lo));
    },
  );

  test.prop([modelArb, fc.integer({ min: 1, max: 32768 }), fc.constantFrom(...KV_FORMATS)])(
    'KV cache is linear in context without windows',
    (spec, n, format) => {
      const kv = kvCacheBytes(spec, n, format);
      expect(kv.bytesPerSequence).toBeCloseTo(kv.bytesPerToken * n, 3);
    },
  );
});

const layoutArb = fc.record({
  tp: pow2(3),
  pp: pow2(2),
  dp: pow2(6),
  micro: pow2(2),
  recompute: fc.constantFrom(...RECOMPUTE_MODES),
  zero: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
  sp: fc.boolean(),
  precision: fc.constantFrom(...TRAINING_PRECISIONS),
  optimizer: fc.constantFrom(...OPTIMIZERS),
});

const llamaLike = specFromInput({
  name: 'llama-like',
  vocabSize: 128256,
  hiddenSize: 4096,
  numLayers: 32,
  maxContextTokens: 8192,
  attention: { kind: 'gqa', numHeads: 32, numKvHeads: 8 },
  mlp: { intermediateSize: 14336 },
});

describe('memory invariants', () => {
  test.prop([layoutArb])('more data-parallel GPUs never raise per-GPU memory for the same layout', (l) => {
    const layout = {
      ...DEFAULT_LAYOUT,
      tensorParallel: l.tp,
      pipelineParallel: l.pp,
      dataParallel: l.dp,
      microBatchSize: l.micro,
      recompute: l.recompute,
      zeroStage: l.zero,
      sequenceParallel: l.sp && l.tp > 1,
    };
    const opts = {
      seqLen: 4096,
      globalBatchSize: 1024 * l.micro * 4,
      precision: l.precision,
      optimizer: l.optimizer,
    };
    const small = trainingMemory(llamaLike, layout, opts).peak.totalBytes;
    const large = trainingMemory(llamaLike, { ...layout, dataParallel: 2 * l.dp }, opts).peak.totalBytes;
    expect(large).toBeLessThanOrEqual(small * (1 + 1e-12));
    expect(small).toBeGreaterThan(0);
  });

  test.prop([layoutArb])('more tensor parallelism never raises per-GPU weight bytes', (l) => {
    const layout = { ...DEFAULT_LAYOUT, tensorParallel: l.tp, dataParallel: l.dp, zeroStage: l.zero };
    const opts = { seqLen: 2048, globalBatchSize: 64 * l.dp, precision: l.precision, optimizer: l.optimizer };
    const a = trainingMemory(llamaLike, layout, opts).peak.modelStates.weights;
    const b = trainingMemory(llamaLike, { ...layout, tensorParallel: l.tp * 2 }, opts).peak.modelStates
      .weights;
    expect(b).toBeLessThanOrEqual(a);
  });

  test.prop([layoutArb])('recomputation never raises activation memory: full ≤ selective ≤ none', (l) => {
    const layout = {
      ...DEFAULT_LAYOUT,
      tensorParallel: l.tp,
      microBatchSize: l.micro,
      sequenceParallel: l.sp && l.tp > 1,
    };
    const opts = { seqLen: 4096, flashAttention: false, dropout: true };
    const act = (recompute: (typeof RECOMPUTE_MODES)[number]) =>
      activationBytesPerLayer(llamaLike, 'dense', { ...layout, recompute }, opts);
    expect(act('full')).toBeLessThanOrEqual(act('selective'));
    expect(act('selective')).toBeLessThanOrEqual(act('none'));
  });

  test.prop([fc.constantFrom(...WEIGHT_FORMATS), fc.integer({ min: 1, max: 256 }), pow2(3)])(
    'inference: a larger batch never needs less memory; headroom = capacity − total',
    (format, batch, tp) => {
      const opts = {
        weightFormat: format,
        kvFormat: 'bf16' as const,
        contextTokens: 4096,
        tensorParallel: tp,
      };
      const a = inferenceMemory(llamaLike, { ...opts, batchSize: batch });
      const b = inferenceMemory(llamaLike, { ...opts, batchSize: batch + 1 });
      expect(b.totalBytes).toBeGreaterThanOrEqual(a.totalBytes);
      const fit = memoryFit(a.totalBytes, { memoryBytes: 80e9 });
      expect(fit.headroomBytes).toBeCloseTo(80e9 - a.totalBytes, 0);
      expect(fit.fits).toBe(fit.headroomBytes >= 0);
    },
  );
});
