/**
 * The operation list of the 2025–26 layer kinds: hybrid linear attention, Mamba-2, DSA sparse and
 * chunked attention, mixer-less and MLP-less layers.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  byName,
  bytesOf,
  flopsOf,
  ids,
  isMixing,
  layerOf,
  request,
  single,
  sumOps,
  withKind,
} from '../../../test/operation-setup.js';
import { forwardFlopsPerToken, layerKinds, trainingFlopsPerToken } from './flops.js';
import {
  chunkedMeanKeys,
  gatedDeltaNetFlopsPerToken,
  sparseAttentionFlopsPerToken,
  stateSpaceFlopsPerToken,
} from './layer-kinds.js';
import {
  headOperations,
  layerOperations,
  mixerActivationBytes,
  type Operation,
  type OperationRequest,
} from './operations.js';
import { attentionHeadDims } from './spec.js';

/** Sparse layers that select tokens or blocks (DeepSeek-V4's compressed entries: compressed-attention.test.ts). */
const tokenSparse = withKind('sparse').filter((name) => byName(name).attention.kind !== 'compressed');

describe('operation list of the 2025–26 layer kinds', () => {
  it('every hybrid, sparse and chunked family is in the property set', () => {
    for (const kind of ['chunked', 'sparse', 'linear', 'mamba', 'cross', 'none'] as const) {
      expect(withKind(kind).length, kind).toBeGreaterThan(0);
    }
  });

  test.prop([fc.constantFrom(...ids), fc.constantFrom(1024, 4096, 20_000)])(
    'forward GEMM FLOPs per token are 2 × the matmul parameters a token touches (within 0.5%)',
    (name, context) => {
      const spec = byName(name);
      const gemms = (op: Operation) => op.type === 'gemm';
      const perToken = (r: OperationRequest) => {
        let flops = 0;
        for (const { layer, count } of layerKinds(spec))
          flops += count * flopsOf(layerOperations(spec, layer, r), gemms);
        return flops + flopsOf(headOperations(spec, r), gemms);
      };
      // 6·N of flops.ts: active parameters that multiply (embedding lookup out, tied head in), less
      // Mamba-1's per-channel parameters that do not (conv, A_log, D, dt_proj's bias: D·(k + N + 3)),
      // a percent of a small Mamba's layer.
      const m = spec.stateSpace;
      const mambaLayers = spec.layers.filter((l) => l.attention === 'mamba').length;
      const selectiveVectors = m?.selective
        ? mambaLayers * m.numHeads * (m.convKernel + m.stateSize + (m.convBias ? 1 : 0) + 2)
        : 0;
      // Cross-attention layers' k_proj and v_proj multiply the image's tokens once per image (the
      // vision tower's FLOPs), not the text tokens; they read the context's width (IDEFICS: the vision's).
      const a = spec.attention;
      const contextWidth = spec.crossAttention?.contextWidth ?? spec.hiddenSize;
      const crossKv =
        spec.layers.filter((l) => l.attention === 'cross').length *
        (a.kind === 'gqa' ? 2 * contextWidth * a.numKvHeads * a.headDim : 0);
      // A layer running an earlier layer's weights (Zamba2) multiplies them again: count them per call.
      const perCall = { ...spec, layers: spec.layers.map(({ reusesWeights: _r, ...l }) => l) };
      const matmulParams = trainingFlopsPerToken(perCall, context).sixN / 6 - selectiveVectors - crossKv;
      const decode = perToken(single('decode', context));
      expect(decode / (2 * matmulParams)).toBeGreaterThan(0.995);
      expect(decode / (2 * matmulParams)).toBeLessThan(1.005);
    },
  );

  test.prop([fc.constantFrom(...withKind('linear')), fc.constantFrom(512, 4096, 32_768)])(
    'Gated DeltaNet: conv + delta-rule FLOPs equal layer-kinds.ts, chunked in a sequence and recurrent at decode',
    (name, context) => {
      const spec = byName(name);
      const layer = layerOf(spec, 'linear');
      const g = spec.linearAttention!;
      const forward = flopsOf(layerOperations(spec, layer, single('forward', context)), isMixing);
      expect(forward / context / gatedDeltaNetFlopsPerToken(g, 'causal')).toBeCloseTo(1, 12);
      const decode = flopsOf(layerOperations(spec, layer, single('decode', context)), isMixing);
      expect(decode / gatedDeltaNetFlopsPerToken(g, 'decode')).toBeCloseTo(1, 12);
    },
  );

  test.prop([fc.constantFrom(...withKind('mamba')), fc.constantFrom(512, 4096, 32_768)])(
    'Mamba-2 and Mamba-1: conv + SSD or selective-scan FLOPs equal layer-kinds.ts, chunked or recurrent',
    (name, context) => {
      const spec = byName(name);
      const layer = layerOf(spec, 'mamba');
      const m = spec.stateSpace!;
      const forward = flopsOf(layerOperations(spec, layer, single('forward', context)), isMixing);
      expect(forward / context / stateSpaceFlopsPerToken(m, 'causal')).toBeCloseTo(1, 12);
      const decode = flopsOf(layerOperations(spec, layer, single('decode', context)), isMixing);
      expect(decode / stateSpaceFlopsPerToken(m, 'decode')).toBeCloseTo(1, 12);
    },
  );

  test.prop([fc.constantFrom(...tokenSparse), fc.constantFrom(1024, 4096, 65_536)])(
    'DSA and block indexers: scoring of every earlier key and attention over the selected keys equal layer-kinds.ts',
    (name, context) => {
      const spec = byName(name);
      const layer = layerOf(spec, 'sparse');
      const { qkHeadDim, vHeadDim } = attentionHeadDims(spec.attention);
      const perKey = 2 * spec.attention.numHeads * (qkHeadDim + vHeadDim);
      for (const [phase, mode] of [
        ['forward', 'causal'],
        ['decode', 'decode'],
      ] as const) {
        const tokens = phase === 'decode' ? 1 : context;
        const ops = layerOperations(spec, layer, single(phase, context));
        const expected = sparseAttentionFlopsPerToken(spec.sparseAttention!, perKey, context, mode);
        const indexer = flopsOf(ops, (op) => op.type === 'mixer' && op.kernel === 'dsa-indexer');
        const attention = flopsOf(ops, (op) => op.type === 'attention');
        expect(indexer / tokens / expected.indexerFlops).toBeCloseTo(1, 12);
        expect(attention / tokens / expected.attentionFlops).toBeCloseTo(1, 12);
      }
    },
  );

  it('sparse decode reads only the selected keys’ K/V (plus every indexer key) however long the context', () => {
    for (const name of tokenSparse) {
      const spec = byName(name);
      const layer = layerOf(spec, 'sparse');
      // DSA's top-k keys; block selection's k blocks, the query's own one (B + 1)/2 keys on average.
      const { topKTokens, blockTokens } = spec.sparseAttention!;
      const topK = blockTokens === undefined ? topKTokens : topKTokens - (blockTokens - 1) / 2;
      const kvRead = (context: number) =>
        sumOps(
          layerOperations(spec, layer, single('decode', context)),
          (op) => op.type === 'attention',
          bytesOf,
        );
      expect(kvRead(8 * topK)).toBeCloseTo(kvRead(topK), 6);
      expect(kvRead(topK / 2) / kvRead(topK)).toBeCloseTo(0.5, 9);
    }
  });

  test.prop([fc.constantFrom(...withKind('chunked')), fc.integer({ min: 1, max: 200_000 })])(
    'chunked attention: keys per query from chunkedMeanKeys, KV read at decode capped at one chunk',
    (name, context) => {
      const spec = byName(name);
      const chunk = spec.chunkedAttentionTokens!;
      const { qkHeadDim, vHeadDim } = attentionHeadDims(spec.attention);
      const perKey = 2 * spec.attention.numHeads * (qkHeadDim + vHeadDim);
      const layer = layerOf(spec, 'chunked');
      const forward = flopsOf(layerOperations(spec, layer, single('forward', context)), isMixing);
      expect(forward / context / (perKey * chunkedMeanKeys(context, chunk, 'causal'))).toBeCloseTo(1, 9);
      const decodeOps = layerOperations(spec, layer, single('decode', context));
      const fullOps = layerOperations(spec, { ...layer, attention: 'full' }, single('decode', context));
      const kv = (ops: Operation[]) => sumOps(ops, (op) => op.type === 'attention', bytesOf);
      expect(kv(decodeOps) / kv(fullOps)).toBeCloseTo(Math.min(context, chunk) / context, 9);
    },
  );

  test.prop([
    fc.constantFrom(...withKind('linear'), ...withKind('mamba')),
    fc.integer({ min: 1, max: 1_000_000 }),
    fc.integer({ min: 1, max: 1_000_000 }),
  ])('a linear or Mamba layer’s decode FLOPs and bytes do not grow with the context', (name, c1, c2) => {
    const spec = byName(name);
    for (const kind of ['linear', 'mamba'] as const) {
      if (!spec.layers.some((l) => l.attention === kind)) continue;
      const layer = layerOf(spec, kind);
      const at = (c: number) => layerOperations(spec, layer, single('decode', c));
      expect(flopsOf(at(c1), () => true)).toBe(flopsOf(at(c2), () => true));
      expect(sumOps(at(c1), () => true, bytesOf)).toBe(sumOps(at(c2), () => true, bytesOf));
      // The recurrent state is read and written once per sequence: it splits over TP like the heads
      // (Mamba-1's B and C, 2·N per token, are whole on every rank: a hair above half).
      const state = (tp: number) =>
        sumOps(layerOperations(spec, layer, single('decode', c1, tp)), (op) => op.type === 'mixer', bytesOf);
      if (kind === 'mamba' && spec.stateSpace?.selective) {
        expect(state(2) / state(1)).toBeGreaterThan(0.5);
        expect(state(2) / state(1)).toBeLessThan(0.501);
      } else expect(state(2) / state(1)).toBeCloseTo(0.5, 9);
    }
  });

  test.prop([fc.constantFrom(...withKind('linear'), ...withKind('mamba')), fc.integer({ min: 1, max: 8 })])(
    'a hybrid’s prefill mixing FLOPs per token grow with the sequence only through its attention layers',
    (name, k) => {
      const spec = byName(name);
      const s = 1024 * k;
      type Kind = 'recurrent' | 'full' | 'other attention';
      const kindOf = (mixer: string): Kind =>
        mixer === 'linear' || mixer === 'mamba' ? 'recurrent' : mixer === 'full' ? 'full' : 'other attention';
      const perToken = (context: number, kind: Kind) => {
        let flops = 0;
        for (const { layer, count } of layerKinds(spec)) {
          if (kindOf(layer.attention) !== kind) continue;
          flops +=
            (count * flopsOf(layerOperations(spec, layer, single('forward', context)), isMixing)) / context;
        }
        return flops;
      };
      // Recurrent layers: the same per token at s and 4s (no s² term).
      expect(perToken(4 * s, 'recurrent') / perToken(s, 'recurrent')).toBeCloseTo(1, 12);
      // Full attention layers: per-token score FLOPs ∝ s (the ½ causal convention), so 4s costs 4×
      // (sliding and DSA-sparse layers cap their keys at the window or top-k).
      if (perToken(s, 'full') > 0) expect(perToken(4 * s, 'full') / perToken(s, 'full')).toBeCloseTo(4, 9);
      const all = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4 * s }).breakdown;
      const kinds: Kind[] = ['recurrent', 'full', 'other attention'];
      expect(all.attentionScores).toBeCloseTo(
        kinds.reduce((sum, k) => sum + perToken(4 * s, k), 0),
        0,
      );
    },
  );

  it('a layer without a mixer or without an MLP lists no work for it, and no TP collective for it', () => {
    for (const name of withKind('none')) {
      const spec = byName(name);
      const r = request({ tp: 2 });
      const ops = layerOperations(spec, { attention: 'none', mlp: 'none' }, r);
      expect(ops.filter((op) => op.type !== 'memory' || op.component !== 'norm')).toEqual([]);
      const mlpOnly = layerOperations(spec, { attention: 'none', mlp: 'dense' }, r);
      expect(mlpOnly.some((op) => op.component === 'attentionProjections' || isMixing(op))).toBe(false);
      expect(mlpOnly.filter((op) => op.type === 'collective').map((op) => op.name)).toEqual([
        'mlp.all-gather',
        'mlp.reduce-scatter',
      ]);
    }
  });

  it('Nemotron-H: Mamba-2 in_proj/out_proj shapes, ungated relu² MLP as plain up/down', () => {
    const spec = byName('nemotron-h-56b-base-8k');
    const m = spec.stateSpace!;
    const inner = m.numHeads * m.headDim;
    const ops = layerOperations(spec, { attention: 'mamba', mlp: 'none' }, request({ tp: 8 }));
    expect(ops.find((op) => op.name === 'in_proj')).toMatchObject({
      m: 8192,
      n: (2 * inner + 2 * m.numGroups * m.stateSize + m.numHeads) / 8,
      k: spec.hiddenSize,
    });
    expect(ops.find((op) => op.name === 'out_proj')).toMatchObject({ n: spec.hiddenSize, k: inner / 8 });
    const mlp = layerOperations(spec, { attention: 'none', mlp: 'dense' }, request()).map((op) => op.name);
    expect(mlp).toContain('mlp.up');
    expect(mlp).not.toContain('mlp.gate_up');
  });

  it('CP on a recurrent layer: an all-to-all to heads and back (Megatron), no K/V all-gather', () => {
    const spec = byName('qwen3.5-27b');
    const ops = layerOperations(spec, layerOf(spec, 'linear'), request({ cp: 2 }));
    const names = ops.filter((op) => op.type === 'collective').map((op) => op.name);
    expect(names).toEqual(['mixer.cp2hp', 'mixer.hp2cp']);
  });

  test.prop([
    fc.constantFrom(...withKind('linear'), ...withKind('mamba'), ...withKind('sparse')),
    fc.integer({ min: 1, max: 16 }),
  ])('training activations a mixer keeps grow linearly with the sequence (no s² tensor)', (name, k) => {
    const spec = byName(name);
    for (const kind of ['linear', 'mamba', 'sparse'] as const) {
      if (!spec.layers.some((l) => l.attention === kind)) continue;
      const layer = layerOf(spec, kind);
      const at = (s: number) => mixerActivationBytes(spec, layer, single('forward', s));
      expect(at(8192 * k) / at(4096 * k)).toBeCloseTo(2, 9);
      expect(at(4096 * k)).toBeGreaterThan(0);
    }
    expect(mixerActivationBytes(spec, { attention: 'none', mlp: 'dense' }, single('forward', 4096))).toBe(0);
  });
});
