/**
 * The operation list: FLOPs conserved under every layout, the FLOPs-per-token function reproduced
 * for every catalog architecture, per-GPU work never rising with more GPUs, backward = 2× forward
 * (the 2025–26 layer kinds: operations-layer-kinds.test.ts).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  byName,
  bytesOf,
  divisorsOf,
  ids,
  layoutFlopsRatio,
  modelFlops,
  models,
  request,
} from '../../../test/operation-setup.js';
import { adapterRuntime, parseTargets, presentTargets } from './adapters.js';
import { forwardFlopsPerToken } from './flops.js';
import { headOperations, layerOperations, localLayerWeights, type Operation } from './operations.js';

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
    fc.boolean(),
  ])(
    'GEMM + attention FLOPs over the tp·cp GPUs of any layout equal tokens × FLOPs per token',
    (name, tpIndex, cpExp, epExp, mask, folded) => {
      const spec = byName(name);
      const tps = divisorsOf(spec.attention.numHeads);
      const tp = tps[tpIndex % tps.length]!;
      const cp = 2 ** cpExp;
      const ep = spec.moe ? Math.min(2 ** epExp, spec.moe.numExperts) : 1;
      // Experts at ETP 1 (EP spanning the TP ranks) do the same work as at ETP = TP.
      const r = request({ tp, cp, ep, ...(folded && { etp: 1 }), attentionMask: mask });
      expect(layoutFlopsRatio(spec, r)).toBeCloseTo(1, 9);
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
      // q and v, or the mixer projections of a model without attention (Mamba).
      const targets =
        presentTargets(spec, ['q', 'v']).length > 0 ? (['q', 'v'] as const) : parseTargets('mixer');
      const adapter = adapterRuntime(spec, { method: 'lora', rank: 8, targets }, 2);
      const base = (op: Operation) => op.type === 'gemm' && op.component !== 'adapter';
      const frozen = modelFlops(spec, request({ phase: 'backward', adapter }), base).total;
      expect(frozen / forward).toBeCloseTo(1, 9);
    },
  );

  it('the FLOPs breakdown sums to FLOPs per token for every model (hyper-connections, AltUp and PLE included)', () => {
    for (const name of ids)
      for (const attentionMode of ['causal', 'decode'] as const) {
        const f = forwardFlopsPerToken(byName(name), { attentionMode, contextTokens: 4096 });
        const parts = Object.values(f.breakdown).reduce((a, b) => a + b, 0);
        expect(parts / f.flopsPerToken, `${name} ${attentionMode}`).toBeCloseTo(1, 12);
      }
  });

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

describe('a 4-bit frozen base dequantises as its library runs it', () => {
  const spec = byName('llama-3-8b');
  const layer = { attention: 'full', mlp: 'dense' } as const;
  const targets = parseTargets('all');
  const runtime = (base: 'nf4' | 'gptq') =>
    adapterRuntime(spec, { method: 'qlora', rank: 16, targets }, base === 'nf4' ? 0.516 : 0.5195, base);
  const dequant = (base: 'nf4' | 'gptq', phase: 'forward' | 'backward', tp = 1) =>
    layerOperations(spec, layer, request({ phase, tp, adapter: runtime(base) })).filter(
      (op) => op.type === 'memory' && op.component === 'dequantize',
    );
  const bytes = (ops: Operation[]) => ops.reduce((sum, op) => sum + bytesOf(op), 0);
  const weights = localLayerWeights(spec, layer, request().layout);

  it('NF4: one fused kernel per pass, backward included (read 0.516 B, write 2 B per weight)', () => {
    expect(dequant('nf4', 'forward')).toHaveLength(1);
    expect(bytes(dequant('nf4', 'forward')) / weights).toBeCloseTo(2.516, 9);
    expect(bytes(dequant('nf4', 'backward')) / weights).toBeCloseTo(2.516, 9);
  });

  it('GPTQ: five eager kernels in the forward (16.5 B per weight), none in the backward (autograd kept the FP16 weight)', () => {
    expect(dequant('gptq', 'forward').map((op) => op.name)).toEqual([
      'dequantize.shift',
      'dequantize.cast',
      'dequantize.mask',
      'dequantize.zeros',
      'dequantize.scales',
    ]);
    expect(bytes(dequant('gptq', 'forward')) / weights).toBeCloseTo(16.5, 9);
    expect(dequant('gptq', 'backward')).toHaveLength(0);
  });

  it('each GPU dequantises its own shard: bytes fall as 1/TP', () => {
    expect(bytes(dequant('gptq', 'forward', 4)) * 4).toBeCloseTo(bytes(dequant('gptq', 'forward')), 0);
  });
});

describe('GEMM formats per component (op-builder.ts gemmFormat)', () => {
  const spec = byName(ids[0]!);
  const gemms = (ops: Operation[], component: string) =>
    ops.filter(
      (o): o is Extract<Operation, { type: 'gemm' }> => o.type === 'gemm' && o.component === component,
    );

  it('runs the output head in BF16 under FP8 training and 4-bit weights, at its own width otherwise', () => {
    for (const [datatype, bytes] of [
      ['fp8', 1],
      ['bf16', 0.5],
      ['fp4', 0.5],
    ] as const) {
      const head = gemms(headOperations(spec, request({ datatype, gemmInputBytes: bytes })), 'head');
      expect(head.length).toBeGreaterThan(0);
      for (const op of head) expect([op.datatype, op.inputBytesPerElement]).toEqual(['bf16', 2]);
    }
    for (const op of gemms(headOperations(spec, request({ datatype: 'tf32', gemmInputBytes: 4 })), 'head'))
      expect([op.datatype, op.inputBytesPerElement]).toEqual(['tf32', 4]);
    // The layers keep the request's format.
    const layer = layerOperations(spec, spec.layers[0]!, request({ datatype: 'fp8', gemmInputBytes: 1 }));
    expect(gemms(layer, 'attentionProjections').every((o) => o.datatype === 'fp8')).toBe(true);
  });

  it("gives the attention projections the checkpoint's own format where it set one (attentionGemm)", () => {
    const r = request({
      datatype: 'bf16',
      gemmInputBytes: 0.5,
      attentionGemm: { datatype: 'bf16', inputBytes: 2 },
    });
    const ops = layerOperations(spec, spec.layers[0]!, r);
    const projections = gemms(ops, 'attentionProjections');
    expect(projections.length).toBeGreaterThan(0);
    for (const op of projections) expect(op.inputBytesPerElement).toBe(2);
    for (const op of gemms(ops, spec.moe ? 'routedExperts' : 'denseMlp'))
      expect(op.inputBytesPerElement).toBe(0.5);
  });
});

describe('routed experts as a weight-only MoE kernel pads them (expertAlignment)', () => {
  it("gpt-oss-120b's 2,880-wide experts run as 2,944 × 3,072 under vLLM's Marlin multiples; unpadded without them", () => {
    const spec = byName('gpt-oss-120b');
    const layer = spec.layers.find((l) => l.mlp === 'moe')!;
    const experts = (r: ReturnType<typeof request>) =>
      layerOperations(spec, layer, r).filter(
        (o): o is Extract<Operation, { type: 'gemm' }> =>
          o.type === 'gemm' && o.component === 'routedExperts',
      );
    const plain = experts(request({ phase: 'decode' }));
    const padded = experts(request({ phase: 'decode', expertAlignment: { intermediate: 128, hidden: 256 } }));
    expect(plain.map((o) => [o.n, o.k])).toEqual([
      [5760, 2880],
      [2880, 2880],
    ]);
    expect(padded.map((o) => [o.n, o.k])).toEqual([
      [5888, 3072],
      [3072, 2944],
    ]);
  });
});
