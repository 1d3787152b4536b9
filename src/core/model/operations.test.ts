/**
 * The operation list: FLOPs conserved under every layout, the FLOPs-per-token function reproduced
 * for every catalog architecture, per-GPU work never rising with more GPUs, backward = 2× forward.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { HAND_BUILT_FIXTURES, HF_FIXTURES, hfFixture } from '../../../test/hf-fixtures.js';
import { loadCatalog } from '../../catalog/catalog.js';
import { adapterRuntime } from './adapters.js';
import { forwardFlopsPerToken, layerKinds, trainingFlopsPerToken } from './flops.js';
import {
  chunkedMeanKeys,
  gatedDeltaNetFlopsPerToken,
  mamba2FlopsPerToken,
  sparseAttentionFlopsPerToken,
} from './layer-kinds.js';
import {
  headOperations,
  layerOperations,
  mixerActivationBytes,
  type Operation,
  type OperationRequest,
  operationFlops,
} from './operations.js';
import { modelSpecFrom } from './resolve-model.js';
import { attentionHeadDims, type LayerSpec, type ModelSpec } from './spec.js';

// Every catalog model, and the 2025–26 configs of test/fixtures/hf-configs (hybrid linear attention,
// Mamba-2, DSA sparse and chunked attention) until the catalog carries them.
const catalog = new Map([
  ...[...loadCatalog().models].map(([id, m]) => [id, modelSpecFrom(m.config, m.name)] as const),
  ...[...HF_FIXTURES, ...HAND_BUILT_FIXTURES].map((id) => [id, modelSpecFrom(hfFixture(id), id)] as const),
  // LatentMoE (Nemotron 3 Super's moe_latent_size) on the Nano shape.
  [
    'nemotron-latent-moe',
    modelSpecFrom({ ...hfFixture('nemotron-3-nano-30b-a3b'), moe_latent_size: 1024 }, 'latent'),
  ] as const,
]);
const models = [...catalog.values()];
const ids = [...catalog.keys()];
const byName = (id: string) => catalog.get(id)!;

function request(
  overrides: Partial<OperationRequest> & { tp?: number; cp?: number; ep?: number } = {},
): OperationRequest {
  const { tp = 1, cp = 1, ep = 1, ...rest } = overrides;
  return {
    phase: 'forward',
    shape: { sequences: 2, tokensPerSequence: 4096, contextTokens: 4096 },
    layout: { tensorParallel: tp, contextParallel: cp, expertParallel: ep, sequenceParallel: tp > 1 },
    datatype: 'bf16',
    gemmInputBytes: 2,
    ...rest,
  };
}

/** GEMM + attention FLOPs of all layers and the head, split into TP-sharded and TP-replicated work. */
function modelFlops(spec: ModelSpec, r: OperationRequest, filter: (op: Operation) => boolean = () => true) {
  let sharded = 0;
  let replicated = 0;
  const add = (ops: Operation[], times: number) => {
    for (const op of ops) {
      if (!filter(op)) continue;
      if ((op.type === 'gemm' || op.type === 'mixer') && op.replicated)
        replicated += times * operationFlops(op);
      else sharded += times * operationFlops(op);
    }
  };
  for (const { layer, count } of layerKinds(spec)) add(layerOperations(spec, layer, r), count);
  add(headOperations(spec, r), 1);
  return { sharded, replicated, total: sharded + replicated };
}

const divisorsOf = (n: number) => [1, 2, 4, 8].filter((d) => n % d === 0);

describe('operation list', () => {
  it('covers every architecture: dense, GQA, MLA, MoE, sliding, chunked, sparse, linear, Mamba, mixer-less', () => {
    for (const kind of ['full', 'sliding', 'chunked', 'sparse', 'linear', 'mamba', 'none'] as const) {
      expect(
        models.some((m) => m.layers.some((l) => l.attention === kind)),
        kind,
      ).toBe(true);
    }
    expect(models.some((m) => m.layers.some((l) => l.mlp === 'none'))).toBe(true);
    expect(models.some((m) => m.attention.kind === 'mla')).toBe(true);
    expect(models.some((m) => m.moe !== null)).toBe(true);
    expect(models.some((m) => m.layers.some((l) => l.attention === 'sliding'))).toBe(true);
    expect(models.some((m) => new Set(m.layers.map((l) => l.attention)).size > 1)).toBe(true);
  });

  test.prop([
    fc.constantFrom(...ids),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 3 }),
    fc.constantFrom<'causal' | 'full'>('causal', 'full'),
  ])(
    'GEMM + attention FLOPs over the tp·cp GPUs of any layout equal tokens × FLOPs per token',
    (name, tpIndex, cpExp, epExp, mask) => {
      const spec = byName(name);
      const tps = divisorsOf(spec.attention.numHeads);
      const tp = tps[tpIndex % tps.length]!;
      const cp = 2 ** cpExp;
      const ep = spec.moe ? Math.min(2 ** epExp, spec.moe.numExperts) : 1;
      const r = request({ tp, cp, ep, attentionMask: mask });
      const perGpu = modelFlops(spec, r);
      const tokens = r.shape.sequences * r.shape.tokensPerSequence;
      const perToken = forwardFlopsPerToken(spec, {
        attentionMode: mask === 'full' ? 'non-causal' : 'causal',
        contextTokens: r.shape.contextTokens,
      }).flopsPerToken;
      // Sharded work splits over tp·cp GPUs; replicated work runs on every TP rank of a CP shard.
      const summed = perGpu.sharded * tp * cp + perGpu.replicated * cp;
      expect(summed / (tokens * perToken)).toBeCloseTo(1, 9);
    },
  );

  test.prop([fc.constantFrom(...ids), fc.integer({ min: 1, max: 3 })])(
    'more GPUs never raise per-GPU work: doubling TP, CP or EP does not add FLOPs on a GPU',
    (name, step) => {
      const spec = byName(name);
      const base = modelFlops(spec, request()).total;
      const tp = 2 ** step;
      if (spec.attention.numHeads % tp === 0) {
        expect(modelFlops(spec, request({ tp })).total).toBeLessThanOrEqual(base * (1 + 1e-12));
      }
      expect(modelFlops(spec, request({ cp: 2 ** step })).total).toBeLessThanOrEqual(base * (1 + 1e-12));
      if (spec.moe && spec.moe.numExperts % 2 ** step === 0) {
        expect(modelFlops(spec, request({ ep: 2 ** step })).total).toBeLessThanOrEqual(base * (1 + 1e-12));
      }
    },
  );

  test.prop([fc.constantFrom(...ids)])(
    'backward GEMMs are 2× the forward (input + weight gradients); a frozen base keeps only input gradients',
    (name) => {
      const spec = byName(name);
      const gemms = (op: Operation) => op.type === 'gemm';
      const forward = modelFlops(spec, request(), gemms).total;
      const backward = modelFlops(spec, request({ phase: 'backward' }), gemms).total;
      expect(backward / forward).toBeCloseTo(2, 9);
      const adapter = adapterRuntime(spec, { method: 'lora', rank: 8, targets: ['q', 'v'] }, 2);
      const base = (op: Operation) => op.type === 'gemm' && op.component !== 'adapter';
      const frozen = modelFlops(spec, request({ phase: 'backward', adapter }), base).total;
      expect(frozen / forward).toBeCloseTo(1, 9);
    },
  );

  it('decode reads the KV cache: a sliding layer reads at most its window, a full layer the whole context', () => {
    const spec = byName('gemma-2-9b');
    const decode = request({
      phase: 'decode',
      shape: { sequences: 4, tokensPerSequence: 1, contextTokens: 32768 },
      kvBytesPerElement: 2,
    });
    const kvBytes = (attention: 'full' | 'sliding') =>
      layerOperations(spec, { attention, mlp: 'dense' }, decode)
        .filter((op) => op.type === 'attention')
        .reduce((sum, op) => sum + (op.type === 'attention' ? op.kvBytes : 0), 0);
    expect(kvBytes('sliding') / kvBytes('full')).toBeCloseTo(spec.slidingWindow! / 32768, 9);
  });

  it('lists every kind of operation for an MoE layer with TP, CP and EP', () => {
    const spec = byName('deepseek-v3');
    const ops = layerOperations(
      spec,
      { attention: 'full', mlp: 'moe' },
      request({ tp: 2, cp: 2, ep: 8, datatype: 'fp8', gemmInputBytes: 1 }),
    );
    const names = new Set(ops.map((op) => op.name));
    for (const name of [
      'q_a',
      'q_b',
      'kv_a',
      'kv_b',
      'o',
      'attention',
      'router',
      'experts.gate_up',
      'experts.down',
      'shared_experts.gate_up',
      'dispatch',
      'combine',
      'kv.all-gather',
      'norm',
      'fp8-cast',
    ]) {
      expect(names.has(name), name).toBe(true);
    }
    const experts = ops.find((op) => op.name === 'experts.gate_up');
    // 256 experts over EP 8: 32 local experts, each gathering 8 ranks × 4096 tokens × top-8 / 256.
    expect(experts).toMatchObject({ type: 'gemm', count: 32, m: (8 * 4096 * 8) / 256 });
  });
});

/** One sequence of `tokens` on one GPU, or one decode token after `context` cached ones. */
function single(phase: 'forward' | 'decode', context: number, tp = 1): OperationRequest {
  return request({
    phase,
    tp,
    shape: { sequences: 1, tokensPerSequence: phase === 'decode' ? 1 : context, contextTokens: context },
    kvBytesPerElement: 2,
  });
}

const sumOps = (ops: Operation[], pick: (op: Operation) => boolean, value: (op: Operation) => number) =>
  ops.filter(pick).reduce((sum, op) => sum + value(op), 0);
const flopsOf = (ops: Operation[], pick: (op: Operation) => boolean) => sumOps(ops, pick, operationFlops);
/** Bytes an op moves (reads + writes; attention's K/V reads), 0 for collectives. */
function bytesOf(op: Operation): number {
  if (op.type === 'mixer') return op.bytesRead + op.bytesWritten;
  if (op.type === 'memory') return op.count * (op.bytesRead + op.bytesWritten);
  if (op.type === 'attention') return op.kvBytes;
  return 0;
}

const withKind = (kind: LayerSpec['attention']) =>
  ids.filter((id) => byName(id).layers.some((l) => l.attention === kind));
const layerOf = (spec: ModelSpec, kind: LayerSpec['attention']) =>
  spec.layers.find((l) => l.attention === kind)!;
const isMixing = (op: Operation) => op.type === 'mixer' || op.type === 'attention';

describe('operation list of the 2025–26 layer kinds', () => {
  it('every hybrid, sparse and chunked family is in the property set', () => {
    for (const kind of ['chunked', 'sparse', 'linear', 'mamba', 'none'] as const) {
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
      // 6·N of flops.ts: active parameters that multiply (embedding lookup out, tied head in).
      const matmulParams = trainingFlopsPerToken(spec, context).sixN / 6;
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
    'Mamba-2: conv + SSD FLOPs equal layer-kinds.ts, chunked in a sequence and recurrent at decode',
    (name, context) => {
      const spec = byName(name);
      const layer = layerOf(spec, 'mamba');
      const m = spec.stateSpace!;
      const forward = flopsOf(layerOperations(spec, layer, single('forward', context)), isMixing);
      expect(forward / context / mamba2FlopsPerToken(m, 'causal')).toBeCloseTo(1, 12);
      const decode = flopsOf(layerOperations(spec, layer, single('decode', context)), isMixing);
      expect(decode / mamba2FlopsPerToken(m, 'decode')).toBeCloseTo(1, 12);
    },
  );

  test.prop([fc.constantFrom(...withKind('sparse')), fc.constantFrom(1024, 4096, 65_536)])(
    'DSA: indexer scoring of every earlier key and MLA over the top-k keys equal layer-kinds.ts',
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

  it('DSA decode reads only the top-k keys’ latents (plus every indexer key) however long the context', () => {
    for (const name of withKind('sparse')) {
      const spec = byName(name);
      const layer = layerOf(spec, 'sparse');
      const topK = spec.sparseAttention!.topKTokens;
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
      // The recurrent state is read and written once per sequence: it splits over TP like the heads.
      const state = (tp: number) =>
        sumOps(layerOperations(spec, layer, single('decode', c1, tp)), (op) => op.type === 'mixer', bytesOf);
      expect(state(2) / state(1)).toBeCloseTo(0.5, 9);
    }
  });

  test.prop([fc.constantFrom(...withKind('linear'), ...withKind('mamba')), fc.integer({ min: 1, max: 8 })])(
    'a hybrid’s prefill mixing FLOPs per token grow with the sequence only through its attention layers',
    (name, k) => {
      const spec = byName(name);
      const s = 1024 * k;
      const perToken = (context: number, attention: boolean) => {
        let flops = 0;
        for (const { layer, count } of layerKinds(spec)) {
          const isAttention = layer.attention !== 'linear' && layer.attention !== 'mamba';
          if (isAttention !== attention) continue;
          flops +=
            (count * flopsOf(layerOperations(spec, layer, single('forward', context)), isMixing)) / context;
        }
        return flops;
      };
      // Recurrent layers: the same per token at s and 4s (no s² term).
      expect(perToken(4 * s, false) / perToken(s, false)).toBeCloseTo(1, 12);
      // Full attention layers: per-token score FLOPs ∝ s (the ½ causal convention), so 4s costs 4×.
      expect(perToken(4 * s, true) / perToken(s, true)).toBeCloseTo(4, 9);
      const all = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4 * s }).breakdown;
      expect(all.attentionScores).toBeCloseTo(perToken(4 * s, false) + perToken(4 * s, true), 0);
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

describe('eager (Hugging Face) attention moves the scores through memory more often than Megatron’s fused softmax', () => {
  const spec = byName('llama-2-7b');
  const layer = spec.layers[0]!;
  const scoreBytes = (implementation: 'unfused' | 'eager', phase: 'forward' | 'backward') =>
    layerOperations(spec, layer, request({ attentionImplementation: implementation, phase }))
      .filter((op) => op.type === 'memory' && op.name === 'softmax')
      .reduce((sum, op) => sum + (op.type === 'memory' ? (op.bytesRead + op.bytesWritten) * op.count : 0), 0);
  // Score elements of one layer: 2 sequences × 32 heads × 4096 × 4096.
  const elements = 2 * 32 * 4096 * 4096;
  it('forward: 24 B per score element against 8 (scale, mask, FP32 softmax and cast are separate kernels)', () => {
    expect(scoreBytes('unfused', 'forward') / elements).toBeCloseTo(8, 9);
    expect(scoreBytes('eager', 'forward') / elements).toBeCloseTo(24, 9);
  });
  it('backward: 36 B per score element against 16; the GEMMs and their FLOPs are the same', () => {
    expect(scoreBytes('unfused', 'backward') / elements).toBeCloseTo(16, 9);
    expect(scoreBytes('eager', 'backward') / elements).toBeCloseTo(36, 9);
    const flops = (implementation: 'unfused' | 'eager') =>
      modelFlops(spec, request({ attentionImplementation: implementation })).total;
    expect(flops('eager')).toBe(flops('unfused'));
  });
});
