/**
 * RWKV-6 "Finch" (`rwkv6`), read by calling the family directly: counts tensor by tensor from the
 * Hub's `modeling_rwkv6.py` (Rwkv6SelfAttention, Rwkv6FeedForward, Rwkv6Block, Rwkv6Model,
 * Rwkv6ForCausalLM) and fla's `layers/rwkv6.py` + `models/rwkv6/modeling_rwkv6.py` (RWKV6Attention,
 * RWKV6FeedForward, RWKV6Block), the state per sequence, the FLOPs of the `rwkv6` time mix (fla
 * chunk_rwkv6 / fused_recurrent_rwkv6) and its operation list, LoRA targets, and errors that name
 * the field.
 *
 * Fixture `hand-built/rwkv6-finch-1b6.json`: RWKV/v6-Finch-1B6-HF assembled from Rwkv6Config's keys
 * and the values a stored test quotes for that repository (hidden 2048, 24 layers, vocabulary 65,536,
 * head_size_divisor 8, rescale_every 6, untied); not verbatim. Published: the paper's Finch 1.6B and
 * 3.1B; fla-hub/rwkv6-1.6B-finch's safetensors hold 582 tensors of 1,599,873,024 parameters (a stored
 * harness asserts both), 3.2 GB in BF16.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
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
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import { rwkv6 } from './rwkv6.js';

const FINCH_1B6 = hfFixture('hand-built/rwkv6-finch-1b6');

const read = (config: Json) => rwkv6(new Fields(config, 'rwkv6'), 'x');

/** Rwkv6ForCausalLM's state dict from the config's numbers alone (Rwkv6Config: intermediate_size is always None). */
function hubTensors(V: number, h: number, L: number): number {
  const [m, d] = h === 4096 ? [64, 128] : [32, 64]; // TIME_MIX_EXTRA_DIM, TIME_DECAY_EXTRA_DIM
  const I = Math.floor((h * 3.5) / 32) * 32;
  const attention =
    6 * h + // time_maa_x, _w, _k, _v, _r, _g
    h * 5 * m + // time_maa_w1
    5 * m * h + // time_maa_w2
    h + // time_decay
    h * d + // time_decay_w1
    d * h + // time_decay_w2
    h + // time_faaaa (heads × head_size)
    5 * h * h + // receptance, key, value, gate, output
    2 * h; // ln_x weight, bias
  const feedForward = 2 * h + h * I + h * h + I * h; // time_maa_k, _r; key, receptance, value
  const block = 2 * 2 * h + attention + feedForward; // ln1, ln2
  return V * h + 2 * h + L * block + 2 * h + h * V; // embeddings, pre_ln (block 0), blocks, ln_out, head
}

interface FlaShape {
  readonly V: number;
  readonly h: number;
  readonly L: number;
  readonly v: number;
  readonly r: number;
  readonly g: number;
  readonly I: number;
  readonly normBias: boolean;
  readonly normFirst: boolean;
}

/** fla RWKV6ForCausalLM's state dict (keys k = h) from the config's numbers alone. */
function flaTensors(s: FlaShape): number {
  const { V, h, L, v, r, g, I } = s;
  const k = h;
  const attention =
    h + // x_proj[0].mu
    h * 5 * r + // x_proj[0].linear
    5 * r * h + // x_proj[2]
    5 * h + // x_bias
    h * k + // r_proj
    (h * g + g * k + k) + // w_proj LoRA, bias on its up projection
    h * k + // k_proj
    2 * h * v + // v_proj, g_proj
    k + // bonus
    2 * v + // g_norm weight, bias
    v * h; // o_proj
  const feedForward = h + h * I + I * h + h + h * h; // key (μ, linear), value, receptance (μ, linear)
  const norm = (s.normBias ? 2 : 1) * h;
  return V * h + (s.normFirst ? norm : 0) + L * (2 * norm + attention + feedForward) + norm + h * V;
}

/** fla-hub/rwkv6-1.6B-finch as fla's RWKV6Config writes it (32 heads of 64, keys and values h wide). */
const FLA_1B6: Json = {
  architectures: ['RWKV6ForCausalLM'],
  model_type: 'rwkv6',
  attn_mode: 'chunk',
  vocab_size: 65_536,
  hidden_size: 2048,
  num_hidden_layers: 24,
  expand_k: 1,
  expand_v: 1,
  hidden_ratio: 3.5,
  intermediate_size: 7168,
  num_heads: 32,
  proj_low_rank_dim: 32,
  gate_low_rank_dim: 64,
  hidden_act: 'sqrelu',
  max_position_embeddings: 2048,
  norm_first: true,
  norm_bias: true,
  norm_eps: 1e-5,
  attn: null,
  fuse_norm: true,
  tie_word_embeddings: false,
};
const FLA_SHAPE: FlaShape = {
  V: 65_536,
  h: 2048,
  L: 24,
  v: 2048,
  r: 32,
  g: 64,
  I: 7168,
  normBias: true,
  normFirst: true,
};

describe('rwkv6 (RWKV/v6-Finch-*-HF, Hub remote code)', () => {
  it('reads 24 layers of the RWKV-6 time mix (32 heads of 64, LoRA ranks 32 and 64), a 7168 squared-ReLU channel mix, LayerNorms', () => {
    const spec = read(FINCH_1B6);
    expect(spec.modelType).toBe('rwkv6');
    expect(spec.linearAttention).toEqual({
      numKeyHeads: 32,
      numValueHeads: 32,
      keyHeadDim: 64,
      valueHeadDim: 64,
      convKernel: 0,
      chunkTokens: 64,
      stateBytesPerElement: 4,
      projections: 'rwkv6',
      decayRank: 64,
      tokenShiftRank: 32,
    });
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 32, headDim: 64 });
    expect(spec.mlp).toEqual({ intermediateSize: 7168, gated: false, bias: false });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 2, embedding: true });
    expect(spec.activation).toBe('sqrelu');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.layers.every((l) => l.attention === 'linear' && l.mlp === 'dense' && !l.valueFirst)).toBe(
      true,
    );
    expect(describeLayerMix(spec)).toBe('24 layers: 24 linear (RWKV-6 time mix); dense MLP on 24 layers');
    expect(spec.warnings).toBeUndefined();
    // Rwkv6Config has no context key: no positional limit.
    expect(spec.maxContextTokens).toBe(MAX.positions);
  });

  it('counts every tensor: 1,599,873,024 (fla-hub/rwkv6-1.6B-finch’s safetensors; 3.2 GB at BF16)', () => {
    const p = paramCount(read(FINCH_1B6));
    expect(p.totalParams).toBe(hubTensors(65_536, 2048, 24));
    expect(p.totalParams).toBe(1_599_873_024);
    expect(p.embeddingParams).toBe(2 * 65_536 * 2048);
    // pre_ln, ln1 and ln2 of 24 blocks, ln_out: weight and bias each.
    expect(p.breakdown.norms).toBe((2 * 24 + 2) * 2 * 2048);
    expect(p.breakdown.denseMlp).toBe(24 * 2 * 2048 * 7168);
  });

  it('Finch 3B (32 × 2560) and 7B (32 × 4096, LoRA ranks 64 and 128): 3,099,863,040 and 7,635,746,816', () => {
    const finch3b = read({
      ...FINCH_1B6,
      hidden_size: 2560,
      attention_hidden_size: 2560,
      num_hidden_layers: 32,
    });
    expect(paramCount(finch3b).totalParams).toBe(hubTensors(65_536, 2560, 32));
    expect(paramCount(finch3b).totalParams).toBe(3_099_863_040);
    expect(finch3b.mlp.intermediateSize).toBe(8960);
    const finch7b = read({
      ...FINCH_1B6,
      hidden_size: 4096,
      attention_hidden_size: 4096,
      num_hidden_layers: 32,
    });
    expect(finch7b.linearAttention).toMatchObject({ decayRank: 128, tokenShiftRank: 64, numValueHeads: 64 });
    expect(paramCount(finch7b).totalParams).toBe(hubTensors(65_536, 4096, 32));
    expect(paramCount(finch7b).totalParams).toBe(7_635_746_816);
  });

  it('state per sequence: per layer the WKV state 32 × 64 × 64 in FP32 and the two token shifts of 2048 at BF16', () => {
    const spec = read(FINCH_1B6);
    const state = recurrentStateBytes(spec);
    expect(state.stateBytesPerSequence).toBe(24 * 32 * 64 * 64 * 4);
    expect(state.convBytesPerSequence).toBe(24 * 2 * 2048 * 2);
    expect(state.bytesPerSequence).toBe(12_779_520);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(0);
  });

  it('FLOPs per token: every RWKV-6 matmul, and the WKV of chunk_rwkv6 (chunks of 64) and fused_recurrent_rwkv6', () => {
    const spec = read(FINCH_1B6);
    const [h, m, d, H, dk, dv, C] = [2048, 32, 64, 32, 64, 64, 64];
    const at = (attentionMode: 'causal' | 'decode') =>
      forwardFlopsPerToken(spec, { attentionMode, contextTokens: 4096 });
    const [prefill, decode] = [at('causal'), at('decode')];
    // receptance, key, value, gate, output and the channel mix's receptance; time_maa_w1, time_maa_w2; time_decay_w1, _w2.
    const projections = 24 * 2 * (6 * h * h + 2 * 5 * m * h + 2 * d * h);
    for (const f of [prefill, decode]) {
      expect(f.breakdown.attentionProjections).toBe(projections);
      expect(f.breakdown.denseMlp).toBe(24 * 2 * 2 * h * 7168);
      expect(f.breakdown.head).toBe(2 * 65_536 * h);
    }
    // chunk_rwkv6 per head: Q·Kᵀ and A·V (C·(d_k + d_v)), Kᵀ·V and Q·S (2·d_k·d_v) multiply-adds; decode kᵀv and r·S.
    expect(prefill.breakdown.attentionScores).toBe(24 * H * 2 * (C * (dk + dv) + 2 * dk * dv));
    expect(decode.breakdown.attentionScores).toBe(24 * H * 2 * 2 * dk * dv);
    expect(prefill.flopsPerToken).toBe(2_954_887_168);
    expect(decode.flopsPerToken).toBe(2_942_304_256);
  });

  it('the operation list: FLOPs over any TP × CP layout equal FLOPs per token; decode GEMMs 2 × the matmul weights', () => {
    for (const spec of [read(FINCH_1B6), read(FLA_1B6), read({ ...FLA_1B6, expand_v: 2 })])
      for (const tp of [1, 2, 8])
        for (const cp of [1, 4])
          for (const attentionMask of ['causal', 'full'] as const)
            expect(layoutFlopsRatio(spec, request({ tp, cp, attentionMask }))).toBeCloseTo(1, 9);
    const spec = read(FINCH_1B6);
    // Off only by the vectors that multiply elementwise (mixes, time_decay, time_faaaa, ln_x, norms).
    expect(Math.abs(decodeGemmRatio(spec) - 1)).toBeLessThan(0.001);
    for (const ratio of breakdownSumRatios(spec)) expect(ratio).toBeCloseTo(1, 12);
  });

  it('LoRA on the mixer: attention.receptance, key, value, gate (h → v) and output (v → h)', () => {
    const lora = { method: 'lora' as const, rank: 8, targets: parseTargets('mixer') };
    const modules = (spec: ModelSpec) =>
      adaptedMatrices(spec, lora).map((a) => [a.module, a.inFeatures, a.outFeatures, a.count]);
    expect(modules(read(FINCH_1B6))).toEqual([
      ['attention.receptance', 2048, 2048, 24],
      ['attention.key', 2048, 2048, 24],
      ['attention.value', 2048, 2048, 24],
      ['attention.gate', 2048, 2048, 24],
      ['attention.output', 2048, 2048, 24],
    ]);
    const wide = adaptedMatrices(read({ ...FLA_1B6, expand_v: 2 }), lora);
    expect(wide.map((a) => [a.module, a.inFeatures, a.outFeatures])).toEqual([
      ['attention.receptance', 2048, 2048],
      ['attention.key', 2048, 2048],
      ['attention.value', 2048, 4096],
      ['attention.gate', 2048, 4096],
      ['attention.output', 4096, 2048],
    ]);
    expect(wide.reduce((sum, a) => sum + a.trainableParams, 0)).toBe(
      24 * 8 * (2 * 4096 + 2 * (2048 + 4096) + 6144),
    );
  });

  it('Rwkv6Config drops intermediate_size: a value is not read, and a differing one is named', () => {
    const absent: Json = { ...FINCH_1B6 };
    for (const key of ['intermediate_size', 'attention_hidden_size', 'num_attention_heads'])
      delete absent[key];
    expect(read(absent)).toEqual(read(FINCH_1B6));
    expect(read({ ...FINCH_1B6, intermediate_size: 7168 }).warnings).toBeUndefined();
    const stray = read({ ...FINCH_1B6, intermediate_size: 8192 });
    expect(stray.mlp.intermediateSize).toBe(7168);
    expect(stray.warnings).toEqual([
      "intermediate_size (8192) is not used: Rwkv6Config sets it to None, so Rwkv6FeedForward's key is 7168 wide (int(h · 3.5 // 32 · 32))",
    ]);
  });

  it('refuses what it cannot read, naming the field', () => {
    const narrow = inputErrorOf(() => read({ ...FINCH_1B6, attention_hidden_size: 1024 }));
    expect(narrow.issues[0]?.path).toEqual(['attention_hidden_size']);
    expect(narrow.message).toMatch(/\(1024\) must equal hidden_size \(2048\)/);
    const odd = inputErrorOf(() => read({ ...FINCH_1B6, head_size: 48 }));
    expect(odd.issues[0]?.path).toEqual(['head_size']);
    expect(inputErrorOf(() => read({ ...FINCH_1B6, hidden_size: 0 })).issues[0]?.path).toEqual([
      'hidden_size',
    ]);
    const mixed = inputErrorOf(() => read({ ...FINCH_1B6, proj_low_rank_dim: 32 }));
    expect(mixed.issues[0]?.path).toEqual(['head_size']);
    expect(mixed.message).toMatch(/'proj_low_rank_dim' one of fla's RWKV6Config/);
  });
});

describe('rwkv6 (fla RWKV6Config / RWKV6ForCausalLM)', () => {
  it('fla-hub/rwkv6-1.6B-finch: the same model, 1,599,873,024 parameters and the same state', () => {
    const spec = read(FLA_1B6);
    const hub = read(FINCH_1B6);
    expect(paramCount(spec).totalParams).toBe(flaTensors(FLA_SHAPE));
    expect(paramCount(spec).totalParams).toBe(1_599_873_024);
    expect(spec.linearAttention).toEqual(hub.linearAttention);
    expect(spec.maxContextTokens).toBe(2048);
    expect(recurrentStateBytes(spec).bytesPerSequence).toBe(12_779_520);
  });

  it('values twice as wide, norms without bias, no pre_norm, the FFN from hidden_ratio', () => {
    const wide = { ...FLA_1B6, expand_v: 2 };
    expect(read(wide).linearAttention).toMatchObject({ keyHeadDim: 64, valueHeadDim: 128 });
    expect(paramCount(read(wide)).totalParams).toBe(flaTensors({ ...FLA_SHAPE, v: 4096 }));
    const bare = read({ ...FLA_1B6, norm_bias: false, norm_first: false });
    expect(bare.norm).toEqual({ kind: 'layernorm', perLayer: 2, bias: false });
    expect(paramCount(bare).totalParams).toBe(
      flaTensors({ ...FLA_SHAPE, normBias: false, normFirst: false }),
    );
    const { intermediate_size: _i, ...ratio } = FLA_1B6;
    expect(read({ ...ratio, hidden_ratio: 3.3 }).mlp.intermediateSize).toBe(6784); // ⌈6758 / 32⌉ · 32
    expect(read({ ...ratio, hidden_ratio: null }).mlp.intermediateSize).toBe(7168);
  });

  it('refuses fla’s defaults of half-width keys, hybrid attention and heads that do not divide', () => {
    const { expand_k: _k, ...defaultKeys } = FLA_1B6;
    const half = inputErrorOf(() => read(defaultKeys));
    expect(half.issues[0]?.path).toEqual(['expand_k']);
    expect(half.message).toMatch(/as wide as hidden_size \(2048\), got 1024/);
    const hybrid = inputErrorOf(() => read({ ...FLA_1B6, attn: { layers: [3], num_heads: 32 } }));
    expect(hybrid.issues[0]?.path).toEqual(['attn']);
    expect(inputErrorOf(() => read({ ...FLA_1B6, num_heads: 3 })).issues[0]?.path).toEqual(['num_heads']);
    expect(inputErrorOf(() => read({ ...FLA_1B6, proj_low_rank_dim: 0 })).issues[0]?.path).toEqual([
      'proj_low_rank_dim',
    ]);
  });
});
