/**
 * 2025 dense and MoE decoders read through the standard decoder (OLMo 3, SmolLM3, Seed-OSS,
 * EXAONE 4.0, dots.llm1): hand-built configs with the released models' shapes (stated per case),
 * counted against an independent tensor enumeration written from each modelling file, and against
 * the model cards' totals within their rounding.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

interface Shape {
  readonly vocab: number;
  readonly h: number;
  readonly layers: number;
  readonly heads: number;
  readonly kv: number;
  readonly hd: number;
  readonly inter: number;
  readonly tie: boolean;
  readonly qkvBias?: boolean;
  /** q/k norms: per head (head_dim each) or over all heads. */
  readonly qkNorm?: 'per-head' | 'full';
  readonly normsPerLayer: number;
  /** MoE from layer `firstDense`: routed experts, top-k, expert width, shared experts of that width, router bias. */
  readonly moe?: { experts: number; topK: number; inter: number; shared: number; firstDense: number };
}

/** Total and active parameters, tensor by tensor. */
function enumerate(s: Shape): { total: number; active: number } {
  const { h, hd } = s;
  let total = s.vocab * h * (s.tie ? 1 : 2) + h;
  let inactive = 0;
  for (let i = 0; i < s.layers; i += 1) {
    total += s.normsPerLayer * h;
    total += h * s.heads * hd + 2 * h * s.kv * hd + s.heads * hd * h;
    if (s.qkvBias) total += s.heads * hd + 2 * s.kv * hd;
    if (s.qkNorm === 'per-head') total += 2 * hd;
    if (s.qkNorm === 'full') total += s.heads * hd + s.kv * hd;
    if (s.moe && i >= s.moe.firstDense) {
      const expert = 3 * h * s.moe.inter;
      total += s.moe.experts * expert + s.moe.shared * expert + s.moe.experts * h + s.moe.experts;
      inactive += (s.moe.experts - s.moe.topK) * expert;
    } else {
      total += 3 * h * s.inter;
    }
  }
  return { total, active: total - inactive };
}

const CASES: {
  name: string;
  config: Record<string, unknown>;
  shape: Shape;
  publishedTotalB: number;
  publishedActiveB?: number;
  /** The card truncates to whole billions (e.g. 142.8B written "142B") instead of rounding. */
  truncated?: boolean;
  source: string;
  kvBytesPerToken: number;
  slidingLayers: number;
}[] = [
  {
    name: 'OLMo-3-7B (allenai/Olmo-3-1025-7B shape)',
    config: {
      model_type: 'olmo3',
      vocab_size: 100_278,
      hidden_size: 4096,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      intermediate_size: 11_008,
      max_position_embeddings: 65_536,
      sliding_window: 4096,
      tie_word_embeddings: false,
    },
    shape: {
      vocab: 100_278,
      h: 4096,
      layers: 32,
      heads: 32,
      kv: 32,
      hd: 128,
      inter: 11_008,
      tie: false,
      qkNorm: 'full',
      normsPerLayer: 2,
    },
    publishedTotalB: 7,
    source: 'OLMo 3 7B model card',
    kvBytesPerToken: 32 * 2 * 32 * 128 * 2,
    slidingLayers: 24,
  },
  {
    name: 'SmolLM3-3B',
    config: {
      model_type: 'smollm3',
      vocab_size: 128_256,
      hidden_size: 2048,
      num_hidden_layers: 36,
      num_attention_heads: 16,
      num_key_value_heads: 4,
      intermediate_size: 11_008,
      max_position_embeddings: 65_536,
      no_rope_layer_interval: 4,
      use_sliding_window: false,
    },
    shape: {
      vocab: 128_256,
      h: 2048,
      layers: 36,
      heads: 16,
      kv: 4,
      hd: 128,
      inter: 11_008,
      tie: true,
      normsPerLayer: 2,
    },
    publishedTotalB: 3,
    source: 'SmolLM3 model card: 3B',
    kvBytesPerToken: 36 * 2 * 4 * 128 * 2,
    slidingLayers: 0,
  },
  {
    name: 'Seed-OSS-36B',
    config: {
      model_type: 'seed_oss',
      vocab_size: 155_136,
      hidden_size: 5120,
      num_hidden_layers: 64,
      num_attention_heads: 80,
      num_key_value_heads: 8,
      head_dim: 128,
      intermediate_size: 27_648,
      max_position_embeddings: 524_288,
      attention_bias: true,
      attention_out_bias: false,
      tie_word_embeddings: false,
    },
    shape: {
      vocab: 155_136,
      h: 5120,
      layers: 64,
      heads: 80,
      kv: 8,
      hd: 128,
      inter: 27_648,
      tie: false,
      qkvBias: true,
      normsPerLayer: 2,
    },
    publishedTotalB: 36,
    source: 'Seed-OSS-36B model card: 36B',
    kvBytesPerToken: 64 * 2 * 8 * 128 * 2,
    slidingLayers: 0,
  },
  {
    name: 'EXAONE-4.0-32B (pattern spelled LLLG)',
    config: {
      model_type: 'exaone4',
      vocab_size: 102_400,
      hidden_size: 5120,
      num_hidden_layers: 64,
      num_attention_heads: 40,
      num_key_value_heads: 8,
      head_dim: 128,
      intermediate_size: 27_392,
      max_position_embeddings: 131_072,
      sliding_window: 4096,
      sliding_window_pattern: 'LLLG',
      tie_word_embeddings: false,
    },
    shape: {
      vocab: 102_400,
      h: 5120,
      layers: 64,
      heads: 40,
      kv: 8,
      hd: 128,
      inter: 27_392,
      tie: false,
      qkNorm: 'per-head',
      normsPerLayer: 2,
    },
    publishedTotalB: 32,
    source: 'EXAONE 4.0 32B model card: 32B',
    kvBytesPerToken: 64 * 2 * 8 * 128 * 2,
    slidingLayers: 48,
  },
  {
    name: 'dots.llm1 (rednote-hilab/dots.llm1.inst shape)',
    config: {
      model_type: 'dots1',
      vocab_size: 152_064,
      hidden_size: 4096,
      num_hidden_layers: 62,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      head_dim: 128,
      intermediate_size: 10_944,
      moe_intermediate_size: 1408,
      n_routed_experts: 128,
      n_shared_experts: 2,
      num_experts_per_tok: 6,
      first_k_dense_replace: 1,
      max_position_embeddings: 32_768,
      tie_word_embeddings: false,
    },
    shape: {
      vocab: 152_064,
      h: 4096,
      layers: 62,
      heads: 32,
      kv: 32,
      hd: 128,
      inter: 10_944,
      tie: false,
      qkNorm: 'per-head',
      normsPerLayer: 2,
      moe: { experts: 128, topK: 6, inter: 1408, shared: 2, firstDense: 1 },
    },
    publishedTotalB: 142,
    publishedActiveB: 14,
    truncated: true,
    source: 'dots.llm1 model card: 142B total, 14B activated',
    kvBytesPerToken: 62 * 2 * 32 * 128 * 2,
    slidingLayers: 0,
  },
];

describe('2025 decoders over the standard reader', () => {
  for (const c of CASES) {
    it(`${c.name}: exact count, ${c.publishedTotalB}B (${c.source}), KV per token`, () => {
      const spec = specFromHfConfig(c.config, c.name);
      const p = paramCount(spec);
      const e = enumerate(c.shape);
      expect(p.totalParams).toBe(e.total);
      expect(p.activeParams).toBe(e.active);
      const offB = p.totalParams / 1e9 - c.publishedTotalB;
      if (c.truncated) expect(offB >= 0 && offB < 1).toBe(true);
      else expect(Math.abs(offB)).toBeLessThanOrEqual(0.5);
      if (c.publishedActiveB)
        expect(Math.abs(p.activeParams / 1e9 - c.publishedActiveB)).toBeLessThanOrEqual(0.5);
      expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(c.kvBytesPerToken);
      expect(spec.layers.filter((l) => l.attention === 'sliding')).toHaveLength(c.slidingLayers);
    });
  }

  it('an explicit sliding_window: null means no window, a missing one takes the class default', () => {
    const base = CASES[0]!.config;
    expect(specFromHfConfig({ ...base, sliding_window: null }, 'o').slidingWindow).toBeNull();
    const { sliding_window: _, ...noKey } = base;
    expect(specFromHfConfig(noKey, 'o').slidingWindow).toBe(4096);
  });

  it("Granite 4.0-H-Small (granitemoehybrid): Mamba-2 and attention layers, each with a shared MLP and 72 experts top-10; the card's 32B / 9B", () => {
    // test/fixtures/hf-configs/hand-built/granite-4.0-h-small.json (provenance in its README).
    const c = hfFixture('hand-built/granite-4.0-h-small');
    const types = c.layer_types as string[];
    expect(types.filter((t) => t === 'attention')).toHaveLength(4);
    const h = 4096;
    // Independent enumeration (GraniteMoeHybridDecoderLayer, BambaMixer, GraniteMoeSharedMLP/MoE).
    const inner = 128 * 64;
    const conv = inner + 2 * 128;
    const mamba = h * (inner + conv + 128) + conv * 4 + conv + 3 * 128 + inner + inner * h;
    const attention = h * 4096 + 2 * h * 1024 + 4096 * h;
    const expert = 3 * h * 768;
    const ffn = 72 * h + 72 * expert + 3 * h * 1024;
    let total = 100_352 * h + h;
    for (const t of types) total += 2 * h + (t === 'mamba' ? mamba : attention) + ffn;
    const active = total - 40 * (72 - 10) * expert;
    const spec = specFromHfConfig(c, 'granite');
    const p = paramCount(spec);
    expect(p.totalParams).toBe(total);
    expect(p.activeParams).toBe(active);
    expect(Math.abs(p.totalParams / 1e9 - 32)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(p.activeParams / 1e9 - 9)).toBeLessThanOrEqual(0.5);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(4 * 2 * 8 * 128 * 2);
    // "auto" head width: mamba_expand · hidden / heads.
    expect(specFromHfConfig({ ...c, mamba_d_head: 'auto' }, 'g').stateSpace?.headDim).toBe(64);
    // No experts: the shared MLP is a dense SwiGLU on every layer.
    const dense = paramCount(specFromHfConfig({ ...c, num_local_experts: 0 }, 'g'));
    expect(dense.totalParams).toBe(total - 40 * (72 * h + 72 * expert));
  });
});
