/**
 * RWKV-5 "Eagle" (`rwkv5`), read by calling the family directly: counts tensor by tensor from the
 * Hub's `modeling_rwkv5.py` (RwkvSelfAttention, RwkvFeedForward, Rwkv5Block, Rwkv5Model,
 * Rwkv5ForCausalLM), the state per sequence, the FLOPs of the `rwkv5` time mix and its operation
 * list, LoRA targets, and errors that name the field.
 *
 * Fixture `hand-built/rwkv5-eagle-3b.json`: RWKV/rwkv-5-world-3b assembled from Rwkv5Config's keys
 * (hidden 2560, 32 layers, vocabulary 65,536, head_size 64, head_size_divisor 8, rescale_every 6,
 * untied); not verbatim. Published: the paper's Eagle 3B (Peng et al. 2024, arXiv:2404.05892); 3.06B
 * parameters, 6.1 GB at FP16.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf, specIssues } from '../../../../test/input-error.js';
import {
  breakdownSumRatios,
  decodeGemmRatio,
  layoutFlopsRatio,
  request,
} from '../../../../test/operation-setup.js';
import { adaptedMatrices, parseTargets } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { describeLayerMix } from '../layer-mix.js';
import { specFromInput } from '../model-spec-schema.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json, MAX } from './fields.js';
import { rwkv5 } from './rwkv5.js';

const EAGLE_3B = hfFixture('hand-built/rwkv5-eagle-3b');

const read = (config: Json) => rwkv5(new Fields(config, 'rwkv5'), 'x');

/** Rwkv5ForCausalLM's state dict from the config's numbers alone (intermediate_size None: int(h · 3.5 // 32 · 32)). */
function hubTensors(V: number, h: number, L: number, I = Math.floor((h * 3.5) / 32) * 32): number {
  const attention =
    4 * h + // time_mix_key, _value, _receptance, _gate
    2 * h + // time_decay, time_faaaa (heads × head_size)
    5 * h * h + // key, value, receptance, gate, output
    2 * h; // ln_x weight, bias
  const feedForward = 2 * h + h * I + h * h + I * h; // time_mix_key, _receptance; key, receptance, value
  const block = 2 * 2 * h + attention + feedForward; // ln1, ln2
  return V * h + 2 * h + L * block + 2 * h + h * V; // embeddings, pre_ln (block 0), blocks, ln_out, head
}

describe('RWKV-5 Eagle (rwkv5, Hub remote code)', () => {
  it('reads heads of head_size over h, a squared-ReLU channel mix of int(h · 3.5 // 32 · 32), untied', () => {
    const spec = read(EAGLE_3B);
    expect(spec.linearAttention).toMatchObject({
      numKeyHeads: 40,
      numValueHeads: 40,
      keyHeadDim: 64,
      valueHeadDim: 64,
      convKernel: 0,
      chunkTokens: 64,
      stateBytesPerElement: 4,
      projections: 'rwkv5',
    });
    expect(spec.mlp).toEqual({ intermediateSize: 8960, gated: false, bias: false });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 2, embedding: true });
    expect(spec.activation).toBe('sqrelu');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(describeLayerMix(spec)).toBe('32 layers: 32 linear (RWKV-5 time mix); dense MLP on 32 layers');
    // Rwkv5Config has no context key: no positional limit.
    expect(spec.maxContextTokens).toBe(MAX.positions);
  });

  it('counts every tensor: 3,062,999,040 for Eagle 3B; 1B5 (24 × 2048) and 7B (32 × 4096) too', () => {
    const p = paramCount(read(EAGLE_3B));
    expect(p.totalParams).toBe(hubTensors(65_536, 2560, 32));
    expect(p.totalParams).toBe(3_062_999_040);
    expect(p.embeddingParams).toBe(2 * 65_536 * 2560);
    // pre_ln, ln1 and ln2 of 32 blocks, ln_out: weight and bias each.
    expect(p.breakdown.norms).toBe((2 * 32 + 2) * 2 * 2560);
    expect(p.breakdown.denseMlp).toBe(32 * 2 * 2560 * 8960);
    for (const [hidden, depth] of [
      [2048, 24],
      [4096, 32],
    ] as const) {
      const eagle = read({
        ...EAGLE_3B,
        hidden_size: hidden,
        attention_hidden_size: hidden,
        num_hidden_layers: depth,
      });
      expect(paramCount(eagle).totalParams).toBe(hubTensors(65_536, hidden, depth));
    }
    // A given intermediate_size is the channel mix's width.
    const wide = read({ ...EAGLE_3B, intermediate_size: 10_240 });
    expect(paramCount(wide).totalParams).toBe(hubTensors(65_536, 2560, 32, 10_240));
  });

  it('state per sequence: per layer the WKV state 40 × 64 × 64 in FP32 and the two token shifts of 2560 at BF16', () => {
    const spec = read(EAGLE_3B);
    const state = recurrentStateBytes(spec);
    expect(state.stateBytesPerSequence).toBe(32 * 40 * 64 * 64 * 4);
    expect(state.convBytesPerSequence).toBe(32 * 2 * 2560 * 2);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(0);
  });

  it("FLOPs per token: every RWKV-5 matmul, and the WKV as RWKV-6's chunk_rwkv6 (chunks of 64)", () => {
    const spec = read(EAGLE_3B);
    const [h, I, H, d, C] = [2560, 8960, 40, 64, 64];
    const at = (attentionMode: 'causal' | 'decode') =>
      forwardFlopsPerToken(spec, { attentionMode, contextTokens: 4096 });
    const [prefill, decode] = [at('causal'), at('decode')];
    for (const f of [prefill, decode]) {
      // receptance, key, value, gate, output and the channel mix's receptance: no LoRA.
      expect(f.breakdown.attentionProjections).toBe(32 * 2 * 6 * h * h);
      expect(f.breakdown.denseMlp).toBe(32 * 2 * 2 * h * I);
      expect(f.breakdown.head).toBe(2 * 65_536 * h);
    }
    expect(prefill.breakdown.attentionScores).toBe(32 * H * 2 * (C * 2 * d + 2 * d * d));
    expect(decode.breakdown.attentionScores).toBe(32 * H * 2 * 2 * d * d);
  });

  it('the operation list: FLOPs over any TP × CP layout equal FLOPs per token; decode GEMMs 2 × the matmul weights', () => {
    const spec = read(EAGLE_3B);
    for (const tp of [1, 2, 8])
      for (const cp of [1, 4])
        for (const attentionMask of ['causal', 'full'] as const)
          expect(layoutFlopsRatio(spec, request({ tp, cp, attentionMask }))).toBeCloseTo(1, 9);
    // Off only by the vectors that multiply elementwise (mixes, time_decay, time_faaaa, ln_x, norms).
    expect(Math.abs(decodeGemmRatio(spec) - 1)).toBeLessThan(0.001);
    for (const ratio of breakdownSumRatios(spec)) expect(ratio).toBeCloseTo(1, 12);
  });

  it('LoRA on the mixer: attention.receptance, key, value, gate and output (h → h)', () => {
    const lora = { method: 'lora' as const, rank: 8, targets: parseTargets('mixer') };
    const modules = adaptedMatrices(read(EAGLE_3B), lora).map((a) => [
      a.module,
      a.inFeatures,
      a.outFeatures,
      a.count,
    ]);
    expect(modules).toEqual([
      ['attention.receptance', 2560, 2560, 32],
      ['attention.key', 2560, 2560, 32],
      ['attention.value', 2560, 2560, 32],
      ['attention.gate', 2560, 2560, 32],
      ['attention.output', 2560, 2560, 32],
    ]);
  });

  it('errors name the field: A ≠ h, heads that do not divide h', () => {
    const narrow = inputErrorOf(() => read({ ...EAGLE_3B, attention_hidden_size: 1024 }));
    expect(narrow.issues[0]?.path).toEqual(['attention_hidden_size']);
    expect(narrow.message).toMatch(/\(1024\) must equal hidden_size \(2560\)/);
    const odd = inputErrorOf(() => read({ ...EAGLE_3B, head_size: 48 }));
    expect(odd.issues[0]?.path).toEqual(['head_size']);
    expect(odd.message).toMatch(/must divide hidden_size \(2560\)/);
  });
});

describe('a hand-written RWKV-5 spec (projections: rwkv5)', () => {
  const [h, d] = [512, 64];
  const input = (linear: object) => ({
    name: 'small-eagle',
    vocabSize: 1000,
    hiddenSize: h,
    numLayers: 6,
    maxContextTokens: 4096,
    attention: { kind: 'gqa', numHeads: h / d, headDim: d },
    layerPattern: ['linear'],
    norm: 'layernorm',
    mlp: { intermediateSize: 1792, gated: false },
    linearAttention: linear,
  });
  const eagle = {
    numKeyHeads: h / d,
    numValueHeads: h / d,
    keyHeadDim: d,
    valueHeadDim: d,
    projections: 'rwkv5',
  };
  const issues = (linear: object) => specIssues(specFromInput, input(linear));
  it('counts as the Hub model does and takes no LoRA ranks', () => {
    const spec = specFromInput(input(eagle));
    expect(spec.linearAttention).toMatchObject({ convKernel: 0, chunkTokens: 64, stateBytesPerElement: 4 });
    const perLayer = 4 * h + 2 * h + 5 * h * h + 2 * h + 2 * h + h * h;
    expect(paramCount(spec).breakdown.linearAttention).toBe(6 * perLayer);
  });
  it('refuses values narrower than the keys, RWKV-6 and RWKV-7 ranks and a conv, naming the field', () => {
    expect(issues({ ...eagle, valueHeadDim: 32 })).toEqual([
      "linearAttention.valueHeadDim: RWKV-5's values are as wide as its keys: valueHeadDim must be 64, got 32",
    ]);
    expect(issues({ ...eagle, decayRank: 8 })).toEqual([
      "linearAttention.decayRank: only RWKV-6 and RWKV-7 (projections 'rwkv6', 'rwkv7') have decayRank",
    ]);
    expect(issues({ ...eagle, tokenShiftRank: 8 })).toEqual([
      "linearAttention.tokenShiftRank: only RWKV-6 (projections 'rwkv6') has tokenShiftRank",
    ]);
    expect(issues({ ...eagle, convKernel: 4 })).toEqual([
      'linearAttention.convKernel: RWKV-5 has no conv: leave convKernel out',
    ]);
  });
});
