/**
 * FlexOlmo (`flex_olmo`, flex-olmo.ts) and VaultGemma (`vaultgemma`, vaultgemma.ts), counted tensor
 * by tensor against transformers' modelling code (modeling_flex_olmo.py, modeling_vaultgemma.py) and
 * against the published totals; the configuration classes' defaults, VaultGemma's sliding/global
 * pattern, and errors that name the malformed field.
 *
 * Configs (hand-built: no verbatim config.json of either checkpoint was found):
 * - allenai/FlexOlmo-7x7B-1T: FlexOlmoConfig's defaults, which are this checkpoint's OLMo-2-7B shape
 *   (vocab 100352, hidden 4096, intermediate 11008, 32 layers, 32 heads, 7 experts, untied), with
 *   num_experts_per_tok 7 and norm_topk_prob false as a write-up of the released config.json quotes
 *   them (all seven experts active); the model card gives 33B total.
 * - google/vaultgemma-1b: the shape keras-hub's convert_gemma test quotes from its config.json
 *   (vocab 256000, 26 layers, 4 heads, 4 KV heads, hidden 1152, intermediate 6912, head_dim 256,
 *   query_pre_attn_scalar 256, sliding_window 512); all 26 layer_types full_attention and both softcaps
 *   null as nnterp's VaultGemma notes describe the released config; max_position_embeddings 1024, the
 *   model card's 1,024-token context. The Hub's safetensors metadata gives 1,038,741,120 parameters.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { Fields, type Json } from './fields.js';
import { flexOlmo } from './flex-olmo.js';
import { vaultgemma } from './vaultgemma.js';

const readFlex = (config: Json, name = 'flexolmo'): ModelSpec =>
  flexOlmo(new Fields(config, 'flex_olmo'), name);
const readVault = (config: Json, name = 'vaultgemma'): ModelSpec =>
  vaultgemma(new Fields(config, 'vaultgemma'), name);

/** allenai/FlexOlmo-7x7B-1T, hand-built (see the header). */
const FLEXOLMO_7X7B: Json = hfFixture('hand-built/flexolmo-7x7b-1t');

/** google/vaultgemma-1b, hand-built (see the header). */
const VAULTGEMMA_1B: Json = hfFixture('hand-built/vaultgemma-1b');

describe('FlexOlmo (flex_olmo)', () => {
  // FlexOlmoAttention (h 4096, 32 heads × 128, 32 KV heads): q_proj, k_proj, v_proj, o_proj, no bias;
  // q_norm RMSNorm(32·128), k_norm RMSNorm(32·128).
  const h = 4096;
  const attention = h * 4096 + h * 4096 + h * 4096 + 4096 * h + 4096 + 4096;
  // FlexOlmoExperts, one expert: gate [11008, h], up [11008, h] (gate_up_proj), down [h, 11008].
  const expert = 11_008 * h + 11_008 * h + h * 11_008;
  // FlexOlmoTopKRouter.weight [7, h]; post_attention_layernorm, post_feedforward_layernorm.
  const router = 7 * h;
  const norms = h + h;
  // embed_tokens, lm_head (untied), the final norm.
  const outside = 100_352 * h + 100_352 * h + h;

  it('FlexOlmo-7x7B-1T: every tensor of FlexOlmoForCausalLM, 33.27B (card: 33B), all 7 experts active', () => {
    const p = paramCount(readFlex(FLEXOLMO_7X7B, 'flexolmo-7x7b'));
    const layer = attention + 7 * expert + router + norms;
    expect(p.totalParams).toBe(32 * layer + outside);
    expect(p.totalParams).toBe(33_270_665_216);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.totalParams / 1e9).toBeCloseTo(33, 0);
    expect(p.breakdown.attention).toBe(32 * attention);
    expect(p.breakdown.routedExperts).toBe(32 * 7 * expert);
    expect(p.breakdown.router).toBe(32 * router);
    expect(p.breakdown.denseMlp).toBe(0);
    expect(p.breakdown.sharedExperts).toBe(0);
    expect(p.breakdown.norms).toBe(32 * norms + h);
    expect(p.breakdown.head).toBe(100_352 * h);
  });

  it('FlexOlmo-7x7B-1T: the spec the modelling code builds', () => {
    const spec = readFlex(FLEXOLMO_7X7B);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 32,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'full',
      sinks: false,
    });
    expect(spec.moe).toEqual({
      numExperts: 7,
      topK: 7,
      expertIntermediateSize: 11_008,
      gated: true,
      expertBias: false,
      numSharedExperts: 0,
      sharedIntermediateSize: 0,
      routerBias: false,
      sharedExpertGate: false,
      routingGroups: null,
    });
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'moe')).toBe(true);
    expect(spec.layers).toHaveLength(32);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.activation).toBe('silu');
    expect(spec.modelType).toBe('flex_olmo');
  });

  it("FlexOlmoConfig's defaults: 7 experts, top 5, 4096 positions, one KV head per query head", () => {
    const { num_experts, num_experts_per_tok, max_position_embeddings, num_key_value_heads, ...rest } =
      FLEXOLMO_7X7B;
    const spec = readFlex(rest);
    expect(spec.moe).toMatchObject({ numExperts: 7, topK: 5 });
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.attention).toMatchObject({ numKvHeads: 32 });
    const p = paramCount(spec);
    expect(p.totalParams).toBe(33_270_665_216);
    // Two of the seven experts idle on every layer.
    expect(p.activeParams).toBe(p.totalParams - 32 * 2 * expert);
  });

  it('num_local_experts (FlexOlmoConfig.attribute_map) is read as num_experts', () => {
    // allenai/Flex-reddit-2x7B-1T's shape: the public expert and one domain expert, both active.
    const { num_experts, ...rest } = FLEXOLMO_7X7B;
    const spec = readFlex({ ...rest, num_local_experts: 2, num_experts_per_tok: 2 });
    expect(spec.moe).toMatchObject({ numExperts: 2, topK: 2 });
    const layer = attention + 2 * expert + 2 * h + norms;
    expect(paramCount(spec).totalParams).toBe(32 * layer + outside);
    expect(() => readFlex({ ...rest, num_local_experts: 0 })).toThrowError(/num_local_experts/);
  });

  it('attention_bias puts a bias on q, k, v and o; a head_dim key sets the head width', () => {
    const biased = paramCount(readFlex({ ...FLEXOLMO_7X7B, attention_bias: true })).totalParams;
    expect(biased - paramCount(readFlex(FLEXOLMO_7X7B)).totalParams).toBe(32 * (4096 + 4096 + 4096 + h));
    const spec = readFlex({ ...FLEXOLMO_7X7B, head_dim: 64 });
    expect(spec.attention).toMatchObject({ headDim: 64 });
  });

  it('malformed fields throw an error naming the field', () => {
    expect(() => readFlex({ ...FLEXOLMO_7X7B, num_experts_per_tok: 8 })).toThrowError(
      /num_experts_per_tok.*exceeds the number of experts \(7\)/,
    );
    expect(() => readFlex({ ...FLEXOLMO_7X7B, num_experts: 0 })).toThrowError(/num_experts/);
    expect(() => readFlex({ ...FLEXOLMO_7X7B, num_experts: null })).toThrowError(/num_experts/);
    expect(() => readFlex({ ...FLEXOLMO_7X7B, num_key_value_heads: 5 })).toThrowError(/num_key_value_heads/);
    expect(() => readFlex({ ...FLEXOLMO_7X7B, intermediate_size: '11008' })).toThrowError(
      /intermediate_size/,
    );
    expect(() => readFlex({ ...FLEXOLMO_7X7B, tie_word_embeddings: 'no' })).toThrowError(
      /tie_word_embeddings/,
    );
    const { hidden_size, ...noHidden } = FLEXOLMO_7X7B;
    expect(() => readFlex(noHidden)).toThrowError(/hidden_size/);
  });
});

describe('VaultGemma (vaultgemma)', () => {
  // VaultGemmaAttention (h 1152, 4 heads × 256, 4 KV heads): q_proj, k_proj, v_proj, o_proj, no bias.
  const h = 1152;
  const attention = h * 1024 + h * 1024 + h * 1024 + 1024 * h;
  // VaultGemmaMLP: gate_proj [6912, h], up_proj [6912, h], down_proj [h, 6912].
  const mlp = 6912 * h + 6912 * h + h * 6912;
  // input_layernorm, pre_feedforward_layernorm (no post-attention or post-feedforward norm).
  const norms = h + h;
  // embed_tokens (lm_head tied to it), the final norm.
  const outside = 256_000 * h + h;

  it('VaultGemma 1B: every tensor of VaultGemmaForCausalLM, 1,038,741,120 (the Hub safetensors total)', () => {
    const p = paramCount(readVault(VAULTGEMMA_1B, 'vaultgemma-1b'));
    expect(p.totalParams).toBe(26 * (attention + mlp + norms) + outside);
    expect(p.totalParams).toBe(1_038_741_120);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.breakdown.head).toBe(0);
    expect(p.breakdown.embedding).toBe(256_000 * h);
    expect(p.breakdown.norms).toBe(26 * norms + h);
    expect(p.breakdown.denseMlp).toBe(26 * mlp);
    // Read as a Llama lookalike it had an untied 256000 × 1152 head: +294.9M (+28%).
    expect(256_000 * h).toBe(294_912_000);
  });

  it('VaultGemma 1B: the spec the modelling code builds (every layer global: no window)', () => {
    const spec = readVault(VAULTGEMMA_1B);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 4,
      numKvHeads: 4,
      headDim: 256,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 6912, gated: true, bias: false });
    expect(spec.moe).toBeNull();
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.layers.map((l) => l.attention)).toEqual(Array(26).fill('full'));
    // sliding_window 512 is read by no layer when layer_types lists none sliding.
    expect(spec.slidingWindow).toBeNull();
    expect(spec.maxContextTokens).toBe(1024);
    expect(spec.activation).toBe('gelu_pytorch_tanh');
    expect(spec.modelType).toBe('vaultgemma');
    // K and V of 26 layers × 4 heads × 256, BF16, per token.
    expect(kvCacheBytes(spec, 1024).bytesPerToken).toBe(26 * 2 * 4 * 256 * 2);
  });

  it("VaultGemmaConfig's default layer_types: even layers slide (window sliding_window)", () => {
    const { layer_types, ...rest } = VAULTGEMMA_1B;
    const spec = readVault(rest);
    expect(spec.layers.map((l) => l.attention)).toEqual(
      Array.from({ length: 26 }, (_, i) => (i % 2 === 0 ? 'sliding' : 'full')),
    );
    expect(spec.slidingWindow).toBe(512);
    // Without sliding_window, VaultGemmaConfig's 4096; set to null, no layer slides.
    const { sliding_window, ...noWindow } = rest;
    expect(readVault(noWindow).slidingWindow).toBe(4096);
    const unbounded = readVault({ ...noWindow, sliding_window: null });
    expect(unbounded.slidingWindow).toBeNull();
    expect(unbounded.layers.every((l) => l.attention === 'full')).toBe(true);
    // The pattern changes the cache, not the count.
    expect(paramCount(spec).totalParams).toBe(1_038_741_120);
    // A layer_types that lists sliding layers uses them.
    const listed = readVault({
      ...VAULTGEMMA_1B,
      layer_types: [...Array(25).fill('sliding_attention'), 'full_attention'],
    });
    expect(listed.layers.filter((l) => l.attention === 'sliding')).toHaveLength(25);
    expect(listed.slidingWindow).toBe(512);
  });

  it("VaultGemmaConfig's defaults: head_dim 256, 4 KV heads, 8192 positions, tied embeddings", () => {
    const { head_dim, num_key_value_heads, max_position_embeddings, layer_types, ...rest } = VAULTGEMMA_1B;
    const spec = readVault(rest);
    expect(spec.attention).toMatchObject({ headDim: 256, numKvHeads: 4 });
    expect(spec.maxContextTokens).toBe(8192);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(paramCount(spec).totalParams).toBe(1_038_741_120);
    const untied = paramCount(readVault({ ...VAULTGEMMA_1B, tie_word_embeddings: false }));
    expect(untied.totalParams).toBe(1_038_741_120 + 256_000 * h);
  });

  it('malformed fields throw an error naming the field', () => {
    expect(() => readVault({ ...VAULTGEMMA_1B, hidden_size: 1150 })).toThrowError(
      /hidden_size.*must be divisible by.*num_attention_heads/,
    );
    expect(() => readVault({ ...VAULTGEMMA_1B, head_dim: 0 })).toThrowError(/head_dim/);
    expect(() => readVault({ ...VAULTGEMMA_1B, num_key_value_heads: 3 })).toThrowError(/num_key_value_heads/);
    expect(() => readVault({ ...VAULTGEMMA_1B, layer_types: ['full_attention'] })).toThrowError(
      /layer_types/,
    );
    expect(() =>
      readVault({
        ...VAULTGEMMA_1B,
        layer_types: [...Array(25).fill('full_attention'), 'chunked_attention'],
      }),
    ).toThrowError(/layer_types/);
    expect(() => readVault({ ...VAULTGEMMA_1B, layer_types: undefined, sliding_window: 0 })).toThrowError(
      /sliding_window/,
    );
    expect(() => readVault({ ...VAULTGEMMA_1B, tie_word_embeddings: 1 })).toThrowError(/tie_word_embeddings/);
    expect(() => readVault({ ...VAULTGEMMA_1B, intermediate_size: -1 })).toThrowError(/intermediate_size/);
  });
});

describe('a Gemma derivative under an unknown model_type', () => {
  it('reads as Gemma 2 (tied head, GeGLU), not as Llama with an untied head', () => {
    const spec = specFromHfConfig({ ...VAULTGEMMA_1B, model_type: 'gemma_private_variant' }, 'g');
    expect(spec.warnings?.[0]).toMatch(/'gemma_private_variant' is not supported; read as gemma2-like/);
    // VaultGemma's exact count plus the two post-norms per layer Gemma 2 has and VaultGemma drops.
    expect(paramCount(spec).totalParams).toBe(1_038_741_120 + 26 * 2 * 1152);
  });
});
