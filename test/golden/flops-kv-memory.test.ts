/** FLOPs, KV cache and memory against published figures, each with its source and tolerance. */
import { describe, expect, it } from 'vitest';
import { activationBytesPerLayer, trainingMemory } from '../../src/core/memory/training-memory.js';
import { forwardFlopsPerToken, trainingFlopsPerToken } from '../../src/core/model/flops.js';
import { kvCacheBytes } from '../../src/core/model/kv-cache.js';
import { specFromInput } from '../../src/core/model/model-spec-schema.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { DEFAULT_LAYOUT } from '../../src/core/parallelism/layout.js';
import { catalogSpec } from '../catalog-spec.js';
import { gpt3_175b } from '../fixtures.js';

describe("training FLOPs per token at seq 4096 (ISCA '25, Table 2; causal convention)", () => {
  // Tolerance 2%: the paper rounds to whole GFLOPs and does not state its convention; the causal
  // (½ attention) count without MTP reproduces DeepSeek's own two models to 0.3%.
  const cases: [string, number][] = [
    ['deepseek-v2', 155e9],
    ['deepseek-v3', 250e9],
    ['llama-3.1-405b', 2448e9],
  ];
  for (const [id, published] of cases) {
    it(`${id}: ${published / 1e9} GFLOPs/token`, () => {
      const ours = trainingFlopsPerToken(catalogSpec(id), 4096).causal.flopsPerToken;
      expect(Math.abs(ours - published) / published).toBeLessThan(0.02);
    });
  }
  it('Qwen-72B row (394 GFLOPs) is the original Qwen-72B, not Qwen2.5-72B: we report the gap', () => {
    // Qwen2.5-72B (GQA, 29,568 FFN, 152K vocab) gives 445 GFLOPs; 6·N alone is already 429 GFLOPs,
    // so no attention convention reaches 394 with this config. Asserted so drift in either shows.
    const ours = trainingFlopsPerToken(catalogSpec('qwen2.5-72b'), 4096);
    expect(ours.causal.flopsPerToken / 1e9).toBeCloseTo(444.9, 0);
    expect(ours.sixN / 1e9).toBeGreaterThan(394);
  });
});

describe('FLOPs cross-checks', () => {
  it('dense models: training FLOPs ≈ 6·N plus attention (Kaplan et al. 2020, Sec. 2.1)', () => {
    for (const id of ['llama-2-7b', 'llama-3-8b', 'qwen2.5-7b', 'mistral-7b', 'gpt2']) {
      const spec = catalogSpec(id);
      const seq = Math.min(2048, spec.maxContextTokens);
      const f = trainingFlopsPerToken(spec, seq);
      const attention = f.causal.breakdown.attentionScores;
      // Matmul FLOPs differ from 6N only by biases and norms (< 0.1%).
      expect(Math.abs(f.causal.flopsPerToken - attention - f.sixN) / f.sixN).toBeLessThan(0.001);
    }
  });
  it('GPT-3 175B: 6·N·D = 3.14e23 FLOPs for 300B tokens (Brown et al. 2020, Table D.1)', () => {
    const gpt3 = gpt3_175b;
    const p = paramCount(gpt3);
    expect(p.totalParams / 1e9).toBeCloseTo(174.6, 1); // PaLM Table 3 / Megatron: 174.6B
    expect((6 * p.totalParams * 300e9) / 1e23).toBeCloseTo(3.14, 1);
  });
  it('decode FLOPs grow with context; MoE decode touches only active experts', () => {
    const v3 = catalogSpec('deepseek-v3');
    const short = forwardFlopsPerToken(v3, { attentionMode: 'decode', contextTokens: 1024 }).flopsPerToken;
    const long = forwardFlopsPerToken(v3, { attentionMode: 'decode', contextTokens: 65536 }).flopsPerToken;
    expect(long).toBeGreaterThan(short);
    const p = paramCount(v3);
    expect(short).toBeLessThan(2.2 * p.activeParams);
  });
});

describe('KV cache per token, BF16', () => {
  // ISCA '25 Table 1 and derivations in DeepSeek-V2 Table 1 (exact byte counts).
  const cases: [string, number, string][] = [
    ['deepseek-v3', 70_272, "ISCA '25 Table 1"],
    ['llama-3.1-405b', 516_096, "ISCA '25 Table 1"],
    ['qwen2.5-72b', 327_680, "ISCA '25 Table 1"],
    ['llama-2-70b', 327_680, '2 × 80 layers × 8 KV heads × 128 × 2 B'],
    ['llama-3-8b', 131_072, '2 × 32 × 8 × 128 × 2 B'],
    ['deepseek-v2', 69_120, '(512 + 64) × 60 layers × 2 B'],
  ];
  for (const [id, bytes, source] of cases) {
    it(`${id}: ${bytes} B (${source})`, () =>
      expect(kvCacheBytes(catalogSpec(id), 1).bytesPerToken).toBe(bytes));
  }
  it("DeepSeek-V2's MLA caches 1.76% of an MHA cache of the same heads (Table 1 derivation)", () => {
    const v2 = catalogSpec('deepseek-v2');
    const mha = 2 * 128 * 128 * 60;
    expect((kvCacheBytes(v2, 1).elementsPerTokenPerLayer * 60) / mha).toBeCloseTo(0.0176, 4);
  });
  it('sliding windows cap the cache: Mistral 7B holds at most 4,096 tokens per layer', () => {
    const mistral = catalogSpec('mistral-7b');
    expect(kvCacheBytes(mistral, 32768).bytesPerSequence).toBe(kvCacheBytes(mistral, 4096).bytesPerSequence);
    const gemma = catalogSpec('gemma-2-9b');
    const k = kvCacheBytes(gemma, 8192);
    expect(k.slidingLayers).toBe(21);
    expect(k.bytesPerSequence).toBe(2 * 8 * 256 * 2 * (21 * 8192 + 21 * 4096));
  });
  it('OPT-13B: 800 KB per token (vLLM paper, Kwon et al. 2023, Sec. 2.3)', () => {
    const opt13b = specFromInput({
      name: 'OPT-13B',
      vocabSize: 50272,
      hiddenSize: 5120,
      numLayers: 40,
      maxContextTokens: 2048,
      attention: { kind: 'gqa', numHeads: 40 },
      mlp: { intermediateSize: 20480, gated: false, bias: true },
    });
    expect(kvCacheBytes(opt13b, 1).bytesPerToken).toBe(819_200); // 2 × 5120 × 40 × 2 B ≈ 800 KB
  });
});

describe('training memory', () => {
  // ZeRO, Sec. 3.1 and Fig. 1: Ψ = 7.5B, N_d = 64: 120 / 31.4 / 16.6 / 1.9 GB.
  const zeroModel = specFromInput({
    name: 'ZeRO 7.5B',
    vocabSize: 50000,
    hiddenSize: 4096,
    numLayers: 36,
    maxContextTokens: 1024,
    attention: { kind: 'gqa', numHeads: 32 },
    mlp: { intermediateSize: 16384, gated: false },
  });
  const states = (zero: 0 | 1 | 2 | 3) => {
    const m = trainingMemory(
      zeroModel,
      { ...DEFAULT_LAYOUT, dataParallel: 64, zeroStage: zero },
      {
        seqLen: 1024,
        globalBatchSize: 64,
        precision: 'bf16',
        optimizer: 'adamw',
      },
    ).peak;
    return (m.modelStates.weights + m.modelStates.gradients + m.modelStates.optimizerStates) / m.paramsPerGpu;
  };
  it('16 bytes per parameter for mixed-precision AdamW, sharded as ZeRO-1/2/3 (Fig. 1)', () => {
    expect(states(0)).toBeCloseTo(16, 10);
    expect(states(1) * 7.5).toBeCloseTo(31.41, 2);
    expect(states(2) * 7.5).toBeCloseTo(16.64, 2);
    expect(states(3) * 7.5).toBeCloseTo(1.875, 3);
  });

  // Korthikanti et al. 2022, Table 2, with dropout and without FlashAttention (as in the paper).
  const gpt = specFromInput({
    name: 'GPT-3 175B',
    vocabSize: 51200,
    hiddenSize: 12288,
    numLayers: 96,
    maxContextTokens: 2048,
    norm: 'layernorm',
    attention: { kind: 'gqa', numHeads: 96, qkvBias: true, outputBias: true },
    mlp: { intermediateSize: 4 * 12288, gated: false, bias: true },
  });
  const s = 2048;
  const b = 1;
  const h = 12288;
  const a = 96;
  const t = 8;
  const per = (layout: Partial<typeof DEFAULT_LAYOUT>) =>
    activationBytesPerLayer(
      gpt,
      'dense',
      { ...DEFAULT_LAYOUT, microBatchSize: b, ...layout },
      { seqLen: s, flashAttention: false, dropout: true },
    );
  it('no parallelism: sbh(34 + 5as/h)', () => expect(per({})).toBe(s * b * h * (34 + (5 * a * s) / h)));
  it('tensor parallel: sbh(10 + 24/t + 5as/(ht))', () =>
    expect(per({ tensorParallel: t })).toBeCloseTo(s * b * h * (10 + 24 / t + (5 * a * s) / (h * t)), -1));
  it('tensor + sequence parallel: (sbh/t)(34 + 5as/h)', () =>
    expect(per({ tensorParallel: t, sequenceParallel: true })).toBeCloseTo(
      ((s * b * h) / t) * (34 + (5 * a * s) / h),
      -1,
    ));
  it('tensor parallel + selective recompute: sbh(10 + 24/t)', () =>
    expect(per({ tensorParallel: t, recompute: 'selective' })).toBeCloseTo(s * b * h * (10 + 24 / t), -1));
  it('tensor + sequence parallel + selective: 34 sbh/t', () =>
    expect(per({ tensorParallel: t, sequenceParallel: true, recompute: 'selective' })).toBeCloseTo(
      (34 * s * b * h) / t,
      -1,
    ));
  it('full recompute: 2sbh', () => expect(per({ recompute: 'full' })).toBe(2 * s * b * h));
  it('GPT-3: selective recompute saves 70% of activation memory (Sec. 5: 5as/h = 80)', () => {
    const full = per({ tensorParallel: t, sequenceParallel: true });
    const selective = per({ tensorParallel: t, sequenceParallel: true, recompute: 'selective' });
    expect((5 * a * s) / h).toBe(80);
    expect(1 - selective / full).toBeCloseTo(0.7, 2);
  });
});
