/**
 * Bamba (`bamba`) and GraniteMoeShared (`granitemoeshared`), read by calling the family directly:
 * the layer mix, the KV-holding layers and the recurrent state, the counts tensor by tensor from the
 * modelling code's modules, the model card's total, the configuration classes' defaults, and errors
 * that name the field.
 *
 * No verbatim copy of either released config.json was found (GitHub code and pages searched), so:
 * - BAMBA_9B is `ibm-ai-platform/Bamba-9B` (formerly ibm-fms/Bamba-9B) as written by BambaConfig,
 *   whose defaults are "taken from ibm-fms/Bamba-9.8b-2.2T-hf", with the values the card, the
 *   release blog (foundation-model-stack/bamba blog/bamba-9b-release.md: 32 layers, 3 attention and
 *   29 Mamba-2, hidden 4096, 32 heads / 8 KV heads, Mamba head 64, conv 4, MLP ×3.5, untied 128k
 *   vocabulary) and IBM's mamba_ssm → HF converter ("unsettables": mamba_d_head 64, mamba_d_state
 *   128, mamba_n_groups 1) state, attention at layers 9, 18 and 27 and the Llama 3 vocabulary 128256.
 * - No released GraniteMoeShared checkpoint was found besides IBM's test model
 *   ibm-research/moe-7b-1b-active-shared-experts, whose config is not published in a citable copy;
 *   GRANITE_MOE_SHARED is the granite-3.0-1b-a400m shape (read-as-another.test.ts, card 1.33B) with a
 *   shared MLP of 1024 added: a test shape, not a released model.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { bamba } from './bamba.js';
import { Fields, type Json } from './fields.js';
import { graniteMoeShared } from './granitemoe-shared.js';

const BAMBA_9B: Json = hfFixture('hand-built/bamba-9b');

const readBamba = (config: Json) => bamba(new Fields(config, 'bamba'), 'bamba-9b');

/** `config` without `keys`. */
function without(config: Json, ...keys: string[]): Json {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !keys.includes(k)));
}

/** The tensors of one Bamba-9B layer kind, from modeling_bamba.py's modules at BAMBA_9B's sizes. */
const h = 4096;
const inner = 2 * h; // BambaMixer.intermediate_size = mamba_expand · hidden = 128 heads × 64
const convDim = inner + 2 * 1 * 128; // conv_dim = intermediate + 2 · n_groups · d_state
const mixer =
  h * (inner + convDim + 128) + // in_proj (no bias): gate, x/B/C, dt
  convDim * 4 + // conv1d.weight [conv_dim, 1, 4]
  convDim + // conv1d.bias (mamba_conv_bias)
  128 + // dt_bias
  128 + // A_log
  128 + // D
  inner + // norm (BambaRMSNormGated)
  inner * h; // out_proj (no bias)
const attention = h * 32 * 128 + 2 * h * 8 * 128 + 32 * 128 * h; // q, k, v, o (attention_bias false)
const mlp = 3 * h * 14_336; // BambaMLP gate_proj, up_proj, down_proj
const norms = 2 * h; // input_layernorm, pre_ff_layernorm
const embeddings = 2 * 128_256 * h; // embed_tokens + untied lm_head

describe('bamba', () => {
  it('Bamba-9B: attention at layers 9, 18 and 27, Mamba-2 elsewhere, a SwiGLU MLP on every layer', () => {
    const spec = readBamba(BAMBA_9B);
    expect(spec.layers).toHaveLength(32);
    const attentionAt = spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []));
    expect(attentionAt).toEqual([9, 18, 27]);
    expect(spec.layers.filter((l) => l.attention === 'mamba')).toHaveLength(29);
    expect(spec.layers.every((l) => l.mlp === 'dense')).toBe(true);
    expect(spec.attention).toMatchObject({ numHeads: 32, numKvHeads: 8, headDim: 128, qkvBias: false });
    expect(spec.mlp).toEqual({ intermediateSize: 14_336, gated: true, bias: false });
    expect(spec.stateSpace).toMatchObject({
      numHeads: 128,
      headDim: 64,
      stateSize: 128,
      numGroups: 1,
      convKernel: 4,
      chunkTokens: 256,
      projBias: false,
      convBias: true,
    });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(262_144);
  });

  it("Bamba-9B counts tensor by tensor: 9,780,235,392, the card's 9.78B", () => {
    const p = paramCount(readBamba(BAMBA_9B));
    expect(p.breakdown.stateSpace).toBe(29 * mixer);
    expect(p.breakdown.attention).toBe(3 * attention);
    expect(p.breakdown.denseMlp).toBe(32 * mlp);
    const total = 29 * (mixer + mlp + norms) + 3 * (attention + mlp + norms) + embeddings + h;
    expect(p.totalParams).toBe(total);
    expect(total).toBe(9_780_235_392);
    expect(p.activeParams).toBe(total);
    // The card: "9B (9.78B)". Without the embedding and head: 8.73B (the release blog's table says 8.8B).
    expect(p.totalParams / 1e9).toBeCloseTo(9.78, 2);
    expect((p.totalParams - p.embeddingParams) / 1e9).toBeCloseTo(8.73, 2);
  });

  it('KV only on the 3 attention layers; a constant Mamba state on the other 29', () => {
    const spec = readBamba(BAMBA_9B);
    // 3 layers × (k, v) × 8 KV heads × 128 × 2 bytes (bf16).
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(3 * 2 * 8 * 128 * 2);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(4096 * 3 * 2 * 8 * 128 * 2);
    const state = recurrentStateBytes(spec);
    expect(state.mambaLayers).toBe(29);
    // HybridMambaAttentionDynamicCache.ssm_states [n_heads, d_head, d_state] per Mamba layer.
    expect(state.stateBytesPerSequence).toBe(29 * 128 * 64 * 128 * 2);
    expect(state.convBytesPerSequence).toBe(29 * 3 * convDim * 2);
  });

  it('BambaConfig defaults: 8 KV heads, 128 Mamba heads, state 256, d_head "auto", context 262144', () => {
    const minimal = without(
      BAMBA_9B,
      'num_key_value_heads',
      'mamba_n_heads',
      'mamba_d_head',
      'mamba_d_state',
      'mamba_expand',
      'mamba_n_groups',
      'mamba_d_conv',
      'mamba_chunk_size',
      'mamba_conv_bias',
      'mamba_proj_bias',
      'max_position_embeddings',
    );
    const spec = readBamba(minimal);
    expect(spec.attention).toMatchObject({ numHeads: 32, numKvHeads: 8 });
    expect(spec.stateSpace).toMatchObject({
      numHeads: 128,
      headDim: 64, // "auto": mamba_expand · hidden / mamba_n_heads = 8192 / 128
      stateSize: 256,
      numGroups: 1,
      convKernel: 4,
      chunkTokens: 256,
      projBias: false,
      convBias: true,
    });
    expect(spec.maxContextTokens).toBe(262_144);
    expect(readBamba({ ...BAMBA_9B, mamba_d_head: 'auto' }).stateSpace?.headDim).toBe(64);
    // num_key_value_heads: null is "one per query head" (BambaConfig's backward compatibility).
    expect(readBamba({ ...BAMBA_9B, num_key_value_heads: null }).attention).toMatchObject({ numKvHeads: 32 });
  });

  it('without attn_layer_indices every layer is Mamba-2: no KV cache', () => {
    for (const config of [without(BAMBA_9B, 'attn_layer_indices'), { ...BAMBA_9B, attn_layer_indices: [] }]) {
      const spec = readBamba(config);
      expect(spec.layers.every((l) => l.attention === 'mamba' && l.mlp === 'dense')).toBe(true);
      expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(0);
      expect(paramCount(spec).totalParams).toBe(32 * (mixer + mlp + norms) + embeddings + h);
    }
  });

  it('attention_bias and mlp_bias, which BambaConfig sets false, add their biases when a config sets them', () => {
    const base = paramCount(readBamba(BAMBA_9B)).totalParams;
    const attentionBias = paramCount(readBamba({ ...BAMBA_9B, attention_bias: true })).totalParams;
    expect(attentionBias - base).toBe(3 * (32 * 128 + 2 * 8 * 128 + h));
    const mlpBias = paramCount(readBamba({ ...BAMBA_9B, mlp_bias: true })).totalParams;
    expect(mlpBias - base).toBe(32 * (2 * 14_336 + h));
  });

  it('malformed fields are errors that name the field', () => {
    const cases: [Json, RegExp][] = [
      [without(BAMBA_9B, 'hidden_size'), /missing field 'hidden_size'/],
      [{ ...BAMBA_9B, num_hidden_layers: 32.5 }, /'num_hidden_layers' must be a non-negative integer/],
      [
        { ...BAMBA_9B, attn_layer_indices: [9, 32] },
        /'attn_layer_indices' must be a list of integers between 0 and 31/,
      ],
      [{ ...BAMBA_9B, attn_layer_indices: 9 }, /'attn_layer_indices' must be a list of integers/],
      [
        { ...BAMBA_9B, mamba_n_heads: 96 },
        /'mamba_n_heads' \(96\) must divide mamba_expand · hidden_size \(8192\)/,
      ],
      [{ ...BAMBA_9B, mamba_d_head: 32 }, /'mamba_d_head' × mamba_n_heads \(128\) must equal/],
      [{ ...BAMBA_9B, mamba_d_head: '64' }, /'mamba_d_head' must be a non-negative integer/],
      [{ ...BAMBA_9B, mamba_n_groups: 3 }, /'mamba_n_groups' \(3\) must divide mamba_n_heads/],
      [{ ...BAMBA_9B, mamba_expand: 1.5 }, /'mamba_expand' must be a non-negative integer/],
    ];
    for (const [config, message] of cases) expect(() => readBamba(config)).toThrowError(message);
    expect(inputErrorOf(() => readBamba({ ...BAMBA_9B, mamba_d_head: 32 })).issues[0]?.path).toEqual([
      'mamba_d_head',
    ]);
  });
});

const GRANITE_MOE_SHARED: Json = hfFixture('hand-built/granitemoeshared-test-shape');

const readShared = (config: Json) =>
  graniteMoeShared(new Fields(config, 'granitemoeshared'), 'granitemoeshared');

/** GraniteMoeSharedDecoderLayer's modules at GRANITE_MOE_SHARED's sizes (hidden 1024, head_dim 64). */
const g = 1024;
const graniteAttention = g * 16 * 64 + 2 * g * 8 * 64 + 16 * 64 * g; // q, k, v, o (no bias)
const expert = g * 2 * 512 + 512 * g; // input_linear [E, 2·512, h], output_linear [E, h, 512], per expert
const router = g * 32; // GraniteMoeTopKGating.layer, no bias
const sharedMlp = g * 2 * 1024 + 1024 * g; // GraniteMoeSharedMLP input_linear, output_linear (no bias)
const graniteNorms = 2 * g; // input_layernorm, post_attention_layernorm
const tiedEmbedding = 49_155 * g;

describe('granitemoeshared', () => {
  it("GraniteMoE's layer plus a gated shared MLP on every layer, counted tensor by tensor", () => {
    const spec = readShared(GRANITE_MOE_SHARED);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'moe')).toBe(true);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.moe).toMatchObject({
      numExperts: 32,
      topK: 8,
      expertIntermediateSize: 512,
      gated: true,
      expertBias: false,
      numSharedExperts: 1,
      sharedIntermediateSize: 1024,
      routerBias: false,
      sharedExpertGate: false,
      fusedGateUp: true,
    });
    const p = paramCount(spec);
    expect(p.breakdown.sharedExperts).toBe(24 * sharedMlp);
    expect(p.breakdown.routedExperts).toBe(24 * 32 * expert);
    expect(p.breakdown.router).toBe(24 * router);
    const total =
      24 * (graniteAttention + 32 * expert + router + sharedMlp + graniteNorms) + tiedEmbedding + g;
    expect(p.totalParams).toBe(total);
    // Each token: 8 of the 32 experts, and the shared MLP always.
    expect(p.activeParams).toBe(total - 24 * (32 - 8) * expert);
    // Every layer holds KV: 24 × (k, v) × 8 heads × 64 × 2 bytes.
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(24 * 2 * 8 * 64 * 2);
  });

  it("shared_intermediate_size 0 (the class default) is GraniteMoE: granite-3.0-1b-a400m's 1.33B card", () => {
    const noShared = { ...GRANITE_MOE_SHARED, shared_intermediate_size: 0 };
    const spec = readShared(noShared);
    expect(spec.moe).toMatchObject({ numSharedExperts: 0 });
    const total = 24 * (graniteAttention + 32 * expert + router + graniteNorms) + tiedEmbedding + g;
    expect(paramCount(spec).totalParams).toBe(total);
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(1.335, 3);
    expect(paramCount(readShared(without(GRANITE_MOE_SHARED, 'shared_intermediate_size'))).totalParams).toBe(
      total,
    );
    // The same modules as `granitemoe`, which llmecon reads through Mixtral's layer.
    const granitemoe = specFromHfConfig({ ...noShared, model_type: 'granitemoe' }, 'granitemoe');
    expect(paramCount(granitemoe).totalParams).toBe(total);
    expect(paramCount(granitemoe).activeParams).toBe(paramCount(spec).activeParams);
  });

  it('GraniteMoeSharedConfig defaults: 8 experts top-2, context 2048, one KV head per query head', () => {
    const spec = readShared(
      without(
        GRANITE_MOE_SHARED,
        'num_local_experts',
        'num_experts_per_tok',
        'max_position_embeddings',
        'num_key_value_heads',
      ),
    );
    expect(spec.moe).toMatchObject({ numExperts: 8, topK: 2 });
    expect(spec.maxContextTokens).toBe(2048);
    expect(spec.attention).toMatchObject({ numHeads: 16, numKvHeads: 16 });
    expect(readShared(without(GRANITE_MOE_SHARED, 'tie_word_embeddings')).tieWordEmbeddings).toBe(false);
  });

  it('attention_bias puts a bias on q, k, v and o', () => {
    const base = paramCount(readShared(GRANITE_MOE_SHARED)).totalParams;
    const biased = paramCount(readShared({ ...GRANITE_MOE_SHARED, attention_bias: true })).totalParams;
    expect(biased - base).toBe(24 * (16 * 64 + 2 * 8 * 64 + g));
  });

  it('malformed fields are errors that name the field', () => {
    const cases: [Json, RegExp][] = [
      [without(GRANITE_MOE_SHARED, 'intermediate_size'), /missing field 'intermediate_size'/],
      [
        { ...GRANITE_MOE_SHARED, shared_intermediate_size: -1 },
        /'shared_intermediate_size' must be a non-negative integer/,
      ],
      [
        { ...GRANITE_MOE_SHARED, shared_intermediate_size: 10.5 },
        /'shared_intermediate_size' must be a non-negative integer/,
      ],
      [
        { ...GRANITE_MOE_SHARED, num_experts_per_tok: 40 },
        /'num_experts_per_tok' \(40\) exceeds the number of experts \(32\)/,
      ],
      [{ ...GRANITE_MOE_SHARED, num_local_experts: 0 }, /'num_local_experts' must be at least 1/],
      [
        { ...GRANITE_MOE_SHARED, num_key_value_heads: 5 },
        /'num_key_value_heads' \(5\) must divide num_attention_heads/,
      ],
    ];
    for (const [config, message] of cases) expect(() => readShared(config)).toThrowError(message);
    expect(
      inputErrorOf(() => readShared({ ...GRANITE_MOE_SHARED, shared_intermediate_size: 'big' })).issues[0]
        ?.path,
    ).toEqual(['shared_intermediate_size']);
  });
});
