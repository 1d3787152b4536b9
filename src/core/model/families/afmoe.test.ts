/**
 * AFMoE (`afmoe`, afmoe.ts): Arcee's Trinity Nano, Mini and Large, counted tensor by tensor against
 * transformers' modeling_afmoe.py and against the model cards; the sliding/global layer pattern,
 * AfmoeConfig's defaults, and errors that name the malformed field.
 *
 * Configs: arcee-ai/Trinity-Mini config.json (the keys AfmoeForCausalLM reads, as on the Hub and
 * in tokenspeed's `test_get_config_loads_trinity_mini_shape`); arcee-ai/Trinity-Nano-Preview
 * config.json (no `layer_types`, as quoted in the AWS Neuron Trinity port's `test_config.py`);
 * Trinity Large: that port's LARGE_OVERRIDES on the Nano keys (hidden 3072, intermediate 12288,
 * head_dim 128 and the 3:1 pattern as in arcee-ai/Trinity-Large-TrueBase's config.json; vocab 200192
 * as arcee-ai/Trinity-Tokenizer's; max_position_embeddings the Nano's, which no count depends on).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { afmoe } from './afmoe.js';
import { Fields, type Json } from './fields.js';

const read = (config: Json, name = 'trinity'): ModelSpec => afmoe(new Fields(config, 'afmoe'), name);

/** The pattern AfmoeConfig derives: sliding unless (i + 1) % 4 == 0. */
const every4 = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => ((i + 1) % 4 === 0 ? 'full_attention' : 'sliding_attention'));

const TRINITY_NANO_PREVIEW: Json = {
  architectures: ['AfmoeForCausalLM'],
  model_type: 'afmoe',
  global_attn_every_n_layers: 4,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 1024,
  intermediate_size: 3072,
  max_position_embeddings: 131_072,
  moe_intermediate_size: 256,
  mup_enabled: true,
  n_group: 1,
  num_attention_heads: 8,
  num_dense_layers: 2,
  num_expert_groups: 1,
  num_experts: 128,
  num_experts_per_tok: 8,
  num_hidden_layers: 56,
  num_key_value_heads: 2,
  num_limited_groups: 1,
  num_shared_experts: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 10_000,
  route_norm: true,
  route_scale: 2.826,
  score_func: 'sigmoid',
  sliding_window: 2048,
  tie_word_embeddings: false,
  topk_group: 1,
  vocab_size: 200_192,
};

const TRINITY_MINI: Json = hfFixture('hand-built/trinity-mini');

const TRINITY_LARGE: Json = hfFixture('hand-built/trinity-large');

/** One model's parameters from the modelling code's modules, each tensor written out. */
function expected(c: {
  h: number;
  vocab: number;
  layers: number;
  heads: number;
  kvHeads: number;
  dense: number;
  intermediate: number;
  moeIntermediate: number;
  experts: number;
  topK: number;
  shared: number;
}): { total: number; active: number } {
  const { h, moeIntermediate: m } = c;
  const q = c.heads * 128;
  const kv = c.kvHeads * 128;
  // AfmoeAttention: q_proj, k_proj, v_proj, o_proj, gate_proj, q_norm and k_norm (head_dim 128).
  const attention = h * q + h * kv + h * kv + q * h + h * q + 128 + 128;
  // input_layernorm, post_attention_layernorm, pre_mlp_layernorm, post_mlp_layernorm.
  const norms = 4 * h;
  // AfmoeMLP(intermediate_size): gate_proj, up_proj, down_proj.
  const denseMlp = h * c.intermediate + h * c.intermediate + c.intermediate * h;
  // One routed expert: gate_proj [m, h], up_proj [m, h], down_proj [h, m].
  const expert = m * h + m * h + h * m;
  // shared_experts = AfmoeMLP(m · num_shared_experts); router.gate [E, h]; expert_bias [E].
  const sharedMlp = 3 * h * (m * c.shared);
  const router = c.experts * h + c.experts;
  const denseLayer = attention + norms + denseMlp;
  const moeLayer = attention + norms + c.experts * expert + sharedMlp + router;
  const moeLayerActive = attention + norms + c.topK * expert + sharedMlp + router;
  // embed_tokens, lm_head (untied), final norm.
  const outside = c.vocab * h + c.vocab * h + h;
  const moeLayers = c.layers - c.dense;
  return {
    total: c.dense * denseLayer + moeLayers * moeLayer + outside,
    active: c.dense * denseLayer + moeLayers * moeLayerActive + outside,
  };
}

describe('AFMoE (Arcee Trinity)', () => {
  it('Trinity Mini: every tensor of AfmoeForCausalLM, 26.12B total and 3.47B active (card: 26B, 3B)', () => {
    const spec = read(TRINITY_MINI, 'trinity-mini');
    const p = paramCount(spec);
    const h = 2048;
    const attention = h * 4096 + h * 512 + h * 512 + 4096 * h + h * 4096 + 2 * 128;
    const denseLayer = attention + 4 * h + 3 * h * 6144;
    const moeLayer = attention + 4 * h + 128 * 3 * h * 1024 + 3 * h * 1024 + (128 * h + 128);
    const moeActive = attention + 4 * h + 8 * 3 * h * 1024 + 3 * h * 1024 + (128 * h + 128);
    expect(p.totalParams).toBe(2 * denseLayer + 30 * moeLayer + 2 * 200_192 * h + h);
    expect(p.activeParams).toBe(2 * denseLayer + 30 * moeActive + 2 * 200_192 * h + h);
    expect(p.totalParams).toBe(26_123_974_400);
    expect(p.activeParams).toBe(3_474_732_800);
    const sizes = {
      h,
      vocab: 200_192,
      layers: 32,
      heads: 32,
      kvHeads: 4,
      dense: 2,
      intermediate: 6144,
      moeIntermediate: 1024,
      experts: 128,
      topK: 8,
      shared: 1,
    };
    expect({ total: p.totalParams, active: p.activeParams }).toEqual(expected(sizes));
    expect(p.totalParams / 1e9).toBeCloseTo(26, 0);
    // "3B active": the card's figure without the input embedding (lm_head counted), 3.06B.
    expect((p.activeParams - 200_192 * h) / 1e9).toBeCloseTo(3.06, 2);
    // By component: the gate_proj is counted with the attention, expert_bias with the router.
    expect(p.breakdown.attention).toBe(32 * attention);
    expect(p.breakdown.router).toBe(30 * (128 * h + 128));
    expect(p.breakdown.sharedExperts).toBe(30 * 3 * h * 1024);
    expect(p.breakdown.denseMlp).toBe(2 * 3 * h * 6144);
    expect(p.breakdown.norms).toBe(32 * 4 * h + h);
    expect(p.breakdown.head).toBe(200_192 * h);
  });

  it('Trinity Mini: the spec the modelling code builds', () => {
    const spec = read(TRINITY_MINI, 'trinity-mini');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 4,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
      outputGate: true,
    });
    expect(spec.moe).toMatchObject({
      numExperts: 128,
      topK: 8,
      expertIntermediateSize: 1024,
      gated: true,
      expertBias: false,
      numSharedExperts: 1,
      sharedIntermediateSize: 1024,
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: null,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 6144, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 4 });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.activation).toBe('silu');
    expect(spec.numMtpModules).toBe(0);
    expect(spec.modelType).toBe('afmoe');
  });

  it('Trinity Mini: three sliding layers (window 2048) to one global, MoE after two dense layers', () => {
    const spec = read(TRINITY_MINI);
    expect(spec.slidingWindow).toBe(2048);
    const kinds = spec.layers.map((l) => l.attention);
    expect(kinds.filter((k) => k === 'full')).toHaveLength(8);
    expect(kinds.filter((k) => k === 'sliding')).toHaveLength(24);
    expect(kinds.slice(0, 8)).toEqual([
      'sliding',
      'sliding',
      'sliding',
      'full',
      'sliding',
      'sliding',
      'sliding',
      'full',
    ]);
    expect(spec.layers.map((l, i) => (l.attention === 'full' ? i : -1)).filter((i) => i >= 0)).toEqual([
      3, 7, 11, 15, 19, 23, 27, 31,
    ]);
    expect(spec.layers.slice(0, 3).map((l) => l.mlp)).toEqual(['dense', 'dense', 'moe']);
    expect(spec.layers.filter((l) => l.mlp === 'moe')).toHaveLength(30);
    // K and V, 4 heads × 128, bf16: 24 layers capped at the window, 8 over the whole context.
    const perTokenLayer = 2 * 4 * 128 * 2;
    const kv = kvCacheBytes(spec, 131_072, 'bf16');
    expect(kv.bytesPerToken).toBe(32 * perTokenLayer);
    expect(kv.bytesPerSequence).toBe((24 * 2048 + 8 * 131_072) * perTokenLayer);
  });

  it('Trinity Nano Preview: the pattern from global_attn_every_n_layers, 6.12B total and 1.02B active (card: 6B, 1B)', () => {
    const spec = read(TRINITY_NANO_PREVIEW, 'trinity-nano');
    expect(spec.layers.map((l) => l.attention)).toEqual(
      every4(56).map((t) => (t === 'full_attention' ? 'full' : 'sliding')),
    );
    expect(spec.slidingWindow).toBe(2048);
    const p = paramCount(spec);
    const h = 1024;
    const attention = h * 1024 + h * 256 + h * 256 + 1024 * h + h * 1024 + 2 * 128;
    const denseLayer = attention + 4 * h + 3 * h * 3072;
    const moeLayer = attention + 4 * h + 128 * 3 * h * 256 + 3 * h * 256 + (128 * h + 128);
    const moeActive = attention + 4 * h + 8 * 3 * h * 256 + 3 * h * 256 + (128 * h + 128);
    expect(p.totalParams).toBe(2 * denseLayer + 54 * moeLayer + 2 * 200_192 * h + h);
    expect(p.activeParams).toBe(2 * denseLayer + 54 * moeActive + 2 * 200_192 * h + h);
    expect(p.totalParams).toBe(6_120_003_328);
    expect(p.activeParams).toBe(1_023_923_968);
    expect(p.totalParams / 1e9).toBeCloseTo(6, 0);
    expect(p.activeParams / 1e9).toBeCloseTo(1, 1);
    // The blog's "800M non-embedding parameters active": all but the input embedding, 0.82B.
    expect((p.activeParams - 200_192 * h) / 1e9).toBeCloseTo(0.82, 2);
    // The same as the layer_types that AfmoeConfig derives.
    const listed = read({ ...TRINITY_NANO_PREVIEW, layer_types: every4(56) });
    expect(listed.layers).toEqual(spec.layers);
  });

  it('Trinity Large: 6 dense layers, 256 experts top-4, window 4096: 398.6B total, 13.4B active (card: ~398B, ~13B)', () => {
    const spec = read(TRINITY_LARGE, 'trinity-large');
    const p = paramCount(spec);
    const sizes = {
      h: 3072,
      vocab: 200_192,
      layers: 60,
      heads: 48,
      kvHeads: 8,
      dense: 6,
      intermediate: 12_288,
      moeIntermediate: 3072,
      experts: 256,
      topK: 4,
      shared: 1,
    };
    expect({ total: p.totalParams, active: p.activeParams }).toEqual(expected(sizes));
    expect(p.totalParams).toBe(398_635_286_016);
    expect(p.activeParams).toBe(13_371_686_400);
    expect(p.totalParams / 1e9).toBeCloseTo(398, -1);
    expect(p.activeParams / 1e9).toBeCloseTo(13, 0);
    expect(spec.slidingWindow).toBe(4096);
    expect(spec.layers.filter((l) => l.attention === 'full')).toHaveLength(15);
    expect(spec.layers.slice(5, 7).map((l) => l.mlp)).toEqual(['dense', 'moe']);
  });

  it("AfmoeConfig's defaults for the keys a config omits", () => {
    const spec = read({
      model_type: 'afmoe',
      vocab_size: 1000,
      hidden_size: 64,
      intermediate_size: 192,
      moe_intermediate_size: 32,
      num_hidden_layers: 8,
      num_attention_heads: 4,
      num_experts: 16,
      num_experts_per_tok: 2,
    });
    // head_dim 128, num_key_value_heads = num_attention_heads.
    expect(spec.attention).toMatchObject({ numHeads: 4, numKvHeads: 4, headDim: 128, outputGate: true });
    // num_dense_layers 1; num_shared_experts 2 (one shared MLP of 2 × 32).
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(7).fill('moe')]);
    expect(spec.moe).toMatchObject({ numSharedExperts: 2, sharedIntermediateSize: 32 });
    // global_attn_every_n_layers 4, sliding_window 1024, max_position_embeddings 16384, untied.
    expect(spec.layers.map((l) => l.attention)).toEqual(
      every4(8).map((t) => (t === 'full_attention' ? 'full' : 'sliding')),
    );
    expect(spec.slidingWindow).toBe(1024);
    expect(spec.maxContextTokens).toBe(16_384);
    expect(spec.tieWordEmbeddings).toBe(false);
    const h = 64;
    const attention = h * 512 + 2 * h * 512 + 512 * h + h * 512 + 2 * 128;
    const moeLayer = attention + 4 * h + 16 * 3 * h * 32 + 3 * h * 64 + (16 * h + 16);
    const denseLayer = attention + 4 * h + 3 * h * 192;
    expect(paramCount(spec).totalParams).toBe(denseLayer + 7 * moeLayer + 2 * 1000 * h + h);
  });

  it('layout, shared-expert and embedding variants', () => {
    // A given window with no sliding layer listed, or layer_types without a window: the class default.
    expect(read({ ...TRINITY_MINI, sliding_window: undefined }).slidingWindow).toBe(1024);
    const allFull = read({ ...TRINITY_MINI, layer_types: Array(32).fill('full_attention') });
    expect(allFull.slidingWindow).toBeNull();
    // An explicit null window: the sliding layers attend to everything.
    const noWindow = read({ ...TRINITY_NANO_PREVIEW, sliding_window: null });
    expect(noWindow.slidingWindow).toBeNull();
    expect(noWindow.layers.every((l) => l.attention === 'full')).toBe(true);
    // global_attn_every_n_layers 2: every other layer global.
    const alt = read({ ...TRINITY_NANO_PREVIEW, global_attn_every_n_layers: 2 });
    expect(alt.layers.slice(0, 4).map((l) => l.attention)).toEqual(['sliding', 'full', 'sliding', 'full']);
    // No shared experts: AfmoeMLP of width 0 has no parameters.
    const mini = paramCount(read(TRINITY_MINI)).totalParams;
    const noShared = read({ ...TRINITY_MINI, num_shared_experts: 0 });
    expect(noShared.moe?.numSharedExperts).toBe(0);
    expect(paramCount(noShared).totalParams).toBe(mini - 30 * 3 * 2048 * 1024);
    // Tied embeddings drop lm_head; all-dense when num_dense_layers covers every layer.
    const tied = read({ ...TRINITY_MINI, tie_word_embeddings: true });
    expect(paramCount(tied).totalParams).toBe(mini - 200_192 * 2048);
    const dense = read({ ...TRINITY_MINI, num_dense_layers: 32 });
    expect(dense.moe).toBeNull();
    expect(dense.layers.every((l) => l.mlp === 'dense')).toBe(true);
  });

  it('malformed fields throw an error naming the field', () => {
    const bad = (overrides: Json) => () => read({ ...TRINITY_MINI, ...overrides });
    expect(bad({ layer_types: every4(31) })).toThrowError(
      /'layer_types' must list one entry per layer \(32\)/,
    );
    expect(bad({ layer_types: [...every4(31), 'chunked_attention'] })).toThrowError(
      /layer_types.*must be one of 'full_attention', 'sliding_attention'/,
    );
    expect(bad({ global_attn_every_n_layers: 0 })).toThrowError(
      /'global_attn_every_n_layers' must be at least 1/,
    );
    expect(bad({ num_dense_layers: -1 })).toThrowError(/'num_dense_layers' must be a non-negative integer/);
    expect(bad({ num_dense_layers: 1.5 })).toThrowError(/'num_dense_layers' must be a non-negative integer/);
    expect(bad({ num_shared_experts: 'one' })).toThrowError(
      /'num_shared_experts' must be a non-negative integer/,
    );
    expect(bad({ num_experts: 0 })).toThrowError(/'num_experts' must be at least 1/);
    expect(bad({ num_experts_per_tok: 129 })).toThrowError(
      /'num_experts_per_tok' \(129\) exceeds the number of experts \(128\)/,
    );
    expect(bad({ moe_intermediate_size: null })).toThrowError(/missing field 'moe_intermediate_size'/);
    expect(bad({ num_key_value_heads: 3 })).toThrowError(/'num_key_value_heads' \(3\) must divide/);
    expect(bad({ head_dim: 0 })).toThrowError(/'head_dim' must be at least 1/);
    expect(bad({ sliding_window: 0 })).toThrowError(/'sliding_window' must be a positive integer or null/);
    expect(bad({ tie_word_embeddings: 'no' })).toThrowError(/'tie_word_embeddings' must be true or false/);
    expect(bad({ hidden_size: undefined })).toThrowError(/missing field 'hidden_size'.*'afmoe'/);
  });
});
