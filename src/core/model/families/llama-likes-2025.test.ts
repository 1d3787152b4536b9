/**
 * BitNet b1.58, Ministral, CWM and Helium (llama-likes-2025.ts), counted tensor by tensor against
 * transformers' modelling code and the model cards; the sliding/global layer patterns and what they
 * do to the KV cache; the configuration classes' defaults; errors that name the malformed field.
 *
 * Configs:
 * - microsoft/bitnet-b1.58-2B-4T-bf16 config.json, verbatim as quoted with the checkpoint's tensor
 *   listing (2,412,820,480 parameters) in kevbuh/bitnet's README.md (the packed 2B4T repo's file
 *   differs only in quantization_mode 'offline').
 * - mistralai/Ministral-8B-Instruct-2410 config.json as released (transformers 4.46.0.dev0,
 *   model_type 'mistral'), verbatim as copied into a third-party benchmark harness; read here with
 *   model_type 'ministral'. HAND-BUILT variant: the same with layer_types in the pattern
 *   transformers' ministral.md gives (one full layer, then three sliding) and the card's 128k context.
 * - facebook/cwm: HAND-BUILT from CwmConfig's defaults, which the class states mirror facebook/cwm
 *   (the Hub config is gated; rope_parameters, llama3 scaling, left at the default: no parameters);
 *   the Hub lists 32.581B parameters.
 * - kyutai/helium-1-preview-2b config.json, verbatim as in mlxcel's Helium tests (less the two MLX
 *   quantization keys). kyutai/helium-1-2b: HAND-BUILT from the values AWS's NxDI Helium port reads
 *   from its config.json (vocab 64000, hidden 2048, 28 layers, 16 heads, 8 KV heads).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { bitnet, cwm, helium, ministral } from './llama-likes-2025.js';
import type { Family } from './readers.js';

const reader =
  (family: Family, modelType: string) =>
  (config: Json, name = modelType) =>
    family(new Fields(config, modelType), name);
const readBitnet = reader(bitnet, 'bitnet');
const readMinistral = reader(ministral, 'ministral');
const readCwm = reader(cwm, 'cwm');
const readHelium = reader(helium, 'helium');

const kinds = (config: Json, read: (c: Json) => { layers: readonly { attention: string }[] }) =>
  read(config).layers.map((l) => l.attention);

const BITNET_2B4T: Json = hfFixture('hand-built/bitnet-b1.58-2b4t');

const MINISTRAL_8B_2410: Json = {
  architectures: ['MistralForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 1,
  eos_token_id: 2,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 4096,
  initializer_range: 0.02,
  intermediate_size: 12_288,
  max_position_embeddings: 32_768,
  model_type: 'mistral',
  num_attention_heads: 32,
  num_hidden_layers: 36,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_theta: 100_000_000.0,
  sliding_window: 32_768,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  transformers_version: '4.46.0.dev0',
  use_cache: true,
  vocab_size: 131_072,
};

/** One full layer, then three sliding (transformers ministral.md); CWM's default is the same. */
const oneFullThreeSliding = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 'full_attention' : 'sliding_attention'));

const MINISTRAL_8B_INTERLEAVED: Json = {
  ...MINISTRAL_8B_2410,
  max_position_embeddings: 131_072,
  layer_types: oneFullThreeSliding(36),
};

const CWM: Json = hfFixture('hand-built/cwm');

const HELIUM_1_PREVIEW_2B: Json = hfFixture('hand-built/helium-1-preview-2b');

const HELIUM_1_2B: Json = {
  ...HELIUM_1_PREVIEW_2B,
  vocab_size: 64_000,
  hidden_size: 2048,
  intermediate_size: 8192,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 8,
};

describe('BitNet b1.58 (bitnet)', () => {
  it('2B4T: Llama attention with attn_sub_norm, a ReLU² GLU, tied embeddings; 2.41B less ffn_sub_norm', () => {
    const spec = readBitnet(BITNET_2B4T, 'bitnet-2b4t');
    expect(spec.activation).toBe('relu2');
    expect(spec.mlp).toEqual({ intermediateSize: 6912, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 3 });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.slidingWindow).toBeNull();
    const h = 2560;
    // q_proj, k_proj, v_proj (5 × 128), o_proj; gate/up/down; input, post_attention and attn_sub_norm.
    const attention = h * h + h * 640 + h * 640 + h * h;
    const mlp = h * 6912 + h * 6912 + 6912 * h;
    const layer = attention + mlp + 3 * h;
    const counted = 30 * layer + 128_256 * h + h;
    expect(paramCount(spec).totalParams).toBe(counted);
    // The checkpoint's listing adds model.layers.*.mlp.ffn_sub_norm.weight [6912], said in a warning.
    expect(counted + 30 * 6912).toBe(2_412_820_480);
    expect(spec.warnings?.join(' ')).toMatch(/ffn_sub_norm .*6,912 weights a layer, 207,360 in all/);
    // Model card: "~2 billion" parameters; 2.41B in BF16 (bitnet-b1.58-2B-4T-bf16).
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(2.41, 2);
    // K and V of 5 heads × 128 on every layer, bf16.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(30 * 2 * 640 * 2);
  });

  it("BitNetConfig's defaults where the config omits keys; attention_bias as Llama's", () => {
    const bare = { ...BITNET_2B4T };
    for (const key of ['hidden_act', 'tie_word_embeddings', 'max_position_embeddings']) delete bare[key];
    const spec = readBitnet(bare);
    expect(spec.activation).toBe('relu2');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(2048);
    const tied = paramCount(readBitnet(BITNET_2B4T)).totalParams;
    expect(paramCount(spec).totalParams).toBe(tied + 128_256 * 2560);
    // LlamaAttention: bias on q, k, v and o.
    const biased = readBitnet({ ...BITNET_2B4T, attention_bias: true });
    expect(paramCount(biased).totalParams).toBe(tied + 30 * (2560 + 640 + 640 + 2560));
  });

  it('malformed fields throw an error naming the field', () => {
    const bad = (overrides: Json) => () => readBitnet({ ...BITNET_2B4T, ...overrides });
    expect(bad({ head_dim: 64 })).toThrowError(
      /'head_dim' \(64\) × num_attention_heads \(20\) must equal hidden_size \(2560\): BitNetAttention/,
    );
    expect(bad({ num_key_value_heads: 3 })).toThrowError(/'num_key_value_heads' \(3\) must divide/);
    expect(bad({ hidden_act: 2 })).toThrowError(/'hidden_act' must be a string/);
    expect(bad({ intermediate_size: 0 })).toThrowError(/'intermediate_size' must be at least 1/);
    expect(bad({ tie_word_embeddings: 'yes' })).toThrowError(/'tie_word_embeddings' must be true or false/);
    expect(bad({ vocab_size: undefined })).toThrowError(/missing field 'vocab_size'.*'bitnet'/);
  });
});

describe('Ministral (ministral)', () => {
  const h = 4096;
  // q_proj, k_proj, v_proj (8 × 128), o_proj, all without bias; gate/up/down; two RMSNorms.
  const layer = h * h + 2 * h * 1024 + h * h + 3 * h * 12_288 + 2 * h;
  const total = 36 * layer + 2 * 131_072 * h + h;

  it('8B-Instruct-2410: 8.02B; without layer_types every layer slides (MinistralConfig)', () => {
    const spec = readMinistral(MINISTRAL_8B_2410, 'ministral-8b');
    expect(paramCount(spec).totalParams).toBe(total);
    // Model card: 8.0B (8.02B in safetensors).
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(8.02, 2);
    expect(spec.attention).toMatchObject({ numHeads: 32, numKvHeads: 8, headDim: 128, qkvBias: false });
    expect(spec.slidingWindow).toBe(32_768);
    expect(spec.layers.every((l) => l.attention === 'sliding')).toBe(true);
  });

  it('hand-built interleaved config: one full layer then three sliding, and the KV cache it keeps', () => {
    const spec = readMinistral(MINISTRAL_8B_INTERLEAVED);
    expect(paramCount(spec).totalParams).toBe(total);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.slidingWindow).toBe(32_768);
    const mixers = spec.layers.map((l) => l.attention);
    expect(mixers.slice(0, 5)).toEqual(['full', 'sliding', 'sliding', 'sliding', 'full']);
    expect(mixers.filter((k) => k === 'full')).toHaveLength(9);
    // K and V, 8 heads × 128, bf16: 27 layers keep the window, 9 the whole context.
    const perTokenLayer = 2 * 8 * 128 * 2;
    const kv = kvCacheBytes(spec, 131_072, 'bf16');
    expect(kv.bytesPerToken).toBe(36 * perTokenLayer);
    expect(kv.bytesPerSequence).toBe((27 * 32_768 + 9 * 131_072) * perTokenLayer);
    expect(kv.slidingLayers).toBe(27);
  });

  it('window defaults, a null window, no attention bias whatever attention_bias says', () => {
    const { sliding_window: _w, ...noWindowKey } = MINISTRAL_8B_INTERLEAVED;
    // sliding_window absent: MinistralConfig's 4096 on the sliding layers.
    expect(readMinistral(noWindowKey).slidingWindow).toBe(4096);
    const { layer_types: _t, ...bare } = noWindowKey;
    expect(readMinistral(bare).slidingWindow).toBe(4096);
    expect(kinds(bare, readMinistral).every((k) => k === 'sliding')).toBe(true);
    // sliding_window null: layer_types default all full; listed sliding layers attend to everything.
    for (const config of [MINISTRAL_8B_2410, MINISTRAL_8B_INTERLEAVED]) {
      const full = readMinistral({ ...config, sliding_window: null });
      expect(full.slidingWindow).toBeNull();
      expect(full.layers.every((l) => l.attention === 'full')).toBe(true);
    }
    const biased = readMinistral({ ...MINISTRAL_8B_2410, attention_bias: true });
    expect(paramCount(biased).totalParams).toBe(total);
    // No head_dim: hidden_size / num_attention_heads.
    const { head_dim: _d, ...noHeadDim } = MINISTRAL_8B_2410;
    expect(readMinistral(noHeadDim).attention).toMatchObject({ headDim: 128 });
    expect(readMinistral({ ...bare, max_position_embeddings: undefined }).maxContextTokens).toBe(131_072);
  });

  it('malformed fields throw an error naming the field', () => {
    const bad = (overrides: Json) => () => readMinistral({ ...MINISTRAL_8B_INTERLEAVED, ...overrides });
    expect(bad({ layer_types: oneFullThreeSliding(35) })).toThrowError(
      /'layer_types' must list one entry per layer \(36\)/,
    );
    expect(bad({ layer_types: [...oneFullThreeSliding(35), 'chunked_attention'] })).toThrowError(
      /layer_types.*must be one of 'full_attention', 'sliding_attention'/,
    );
    expect(bad({ sliding_window: 0 })).toThrowError(/'sliding_window' must be a positive integer or null/);
    expect(bad({ num_key_value_heads: 5 })).toThrowError(/'num_key_value_heads' \(5\) must divide/);
    expect(bad({ head_dim: 'wide' })).toThrowError(/'head_dim' must be a non-negative integer/);
  });
});

describe('Code World Model (cwm)', () => {
  const h = 6144;
  // q_proj, k_proj, v_proj (8 × 128), o_proj without bias; LlamaMLP; two RMSNorms.
  const layer = h * h + 2 * h * 1024 + h * h + 3 * h * 21_504 + 2 * h;
  const total = 64 * layer + 2 * 128_256 * h + h;

  it('hand-built from CwmConfig: 32.58B (Hub: 32.581B; paper: 32B), full on every fourth layer', () => {
    const spec = readCwm(CWM, 'cwm-32b');
    expect(paramCount(spec).totalParams).toBe(total);
    expect(paramCount(spec).totalParams).toBe(32_581_097_472);
    expect(spec.slidingWindow).toBe(8192);
    expect(spec.maxContextTokens).toBe(131_072);
    const mixers = spec.layers.map((l) => l.attention);
    expect(mixers).toEqual(oneFullThreeSliding(64).map((t) => (t === 'full_attention' ? 'full' : 'sliding')));
    expect(mixers.filter((k) => k === 'full')).toHaveLength(16);
    // K and V, 8 heads × 128, bf16: 48 layers keep 8192 tokens, 16 the whole context.
    const perTokenLayer = 2 * 8 * 128 * 2;
    const kv = kvCacheBytes(spec, 131_072, 'bf16');
    expect(kv.bytesPerSequence).toBe((48 * 8192 + 16 * 131_072) * perTokenLayer);
    expect(kv.fullLayers).toBe(16);
  });

  it('layer_types when listed (an open mirror ends on a full layer), a null window', () => {
    const lastFull = oneFullThreeSliding(64).map((t, i) => (i === 63 ? 'full_attention' : t));
    const spec = readCwm({ ...CWM, layer_types: lastFull });
    expect(spec.layers.filter((l) => l.attention === 'full')).toHaveLength(17);
    expect(spec.layers[63]?.attention).toBe('full');
    const noWindow = readCwm({ ...CWM, sliding_window: null });
    expect(noWindow.slidingWindow).toBeNull();
    expect(noWindow.layers.every((l) => l.attention === 'full')).toBe(true);
    // window_pattern is not read by CwmConfig: the default pattern stays one in four.
    expect(kinds({ ...CWM, window_pattern: 2 }, readCwm)).toEqual(kinds(CWM, readCwm));
  });

  it("CwmConfig's defaults for absent keys; attention_bias ignored, mlp_bias counted", () => {
    const small: Json = {
      model_type: 'cwm',
      vocab_size: 1000,
      hidden_size: 1024,
      intermediate_size: 2048,
      num_hidden_layers: 8,
      num_attention_heads: 16,
    };
    const spec = readCwm(small);
    // head_dim 128 (not 1024 / 16) and 8 KV heads; window 8192; 131072 positions.
    expect(spec.attention).toMatchObject({ numHeads: 16, numKvHeads: 8, headDim: 128 });
    expect(spec.slidingWindow).toBe(8192);
    expect(spec.maxContextTokens).toBe(131_072);
    const d = 1024;
    const attention = d * 2048 + 2 * d * 1024 + 2048 * d;
    expect(paramCount(spec).totalParams).toBe(8 * (attention + 3 * d * 2048 + 2 * d) + 2 * 1000 * d + d);
    // Explicit nulls: hidden / heads and one KV head per query head.
    const nulls = readCwm({ ...small, head_dim: null, num_key_value_heads: null });
    expect(nulls.attention).toMatchObject({ numKvHeads: 16, headDim: 64 });
    const biased = readCwm({ ...CWM, attention_bias: true, mlp_bias: true });
    expect(paramCount(biased).totalParams).toBe(total + 64 * (2 * 21_504 + h));
  });

  it('malformed fields throw an error naming the field', () => {
    const bad = (overrides: Json) => () => readCwm({ ...CWM, ...overrides });
    expect(bad({ layer_types: oneFullThreeSliding(63) })).toThrowError(
      /'layer_types' must list one entry per layer \(64\)/,
    );
    expect(bad({ sliding_window: -1 })).toThrowError(/'sliding_window' must be a positive integer or null/);
    expect(bad({ num_key_value_heads: 5 })).toThrowError(/'num_key_value_heads' \(5\) must divide/);
    expect(bad({ mlp_bias: 'no' })).toThrowError(/'mlp_bias' must be true or false/);
    expect(bad({ intermediate_size: undefined })).toThrowError(/missing field 'intermediate_size'.*'cwm'/);
  });
});

describe('Helium (helium)', () => {
  it('Helium-1 Preview 2B: Llama shapes, untied; 2.17B (card: 2B)', () => {
    const spec = readHelium(HELIUM_1_PREVIEW_2B, 'helium-1-preview-2b');
    const h = 2560;
    // q/k/v (20 × 128 each), o_proj Linear(h, h); gate/up/down; two RMSNorms.
    const layer = 4 * h * h + 3 * h * 7040 + 2 * h;
    expect(paramCount(spec).totalParams).toBe(24 * layer + 2 * 48_000 * h + h);
    expect(paramCount(spec).totalParams).toBe(2_172_643_840);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.maxContextTokens).toBe(4096);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(24 * 2 * 20 * 128 * 2);
  });

  it('hand-built Helium-1 2B: GQA 16/8 heads of 128, 2.02B (card: 2B)', () => {
    const spec = readHelium(HELIUM_1_2B, 'helium-1-2b');
    const h = 2048;
    const layer = h * h + 2 * h * 1024 + h * h + 3 * h * 8192 + 2 * h;
    expect(paramCount(spec).totalParams).toBe(28 * layer + 2 * 64_000 * h + h);
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(2.02, 2);
  });

  it("HeliumConfig's defaults; attention_bias on q/k/v only, mlp_bias", () => {
    const {
      head_dim: _d,
      num_key_value_heads: _kv,
      max_position_embeddings: _p,
      ...bare
    } = HELIUM_1_PREVIEW_2B;
    const spec = readHelium(bare);
    expect(spec.attention).toMatchObject({ numHeads: 20, numKvHeads: 20, headDim: 128 });
    expect(spec.maxContextTokens).toBe(4096);
    const base = paramCount(readHelium(HELIUM_1_PREVIEW_2B)).totalParams;
    // HeliumAttention: q/k/v bias from attention_bias, o_proj never.
    const biased = readHelium({ ...HELIUM_1_PREVIEW_2B, attention_bias: true });
    expect(biased.attention).toMatchObject({ qkvBias: true, outputBias: false });
    expect(paramCount(biased).totalParams).toBe(base + 24 * 3 * 2560);
    const mlpBias = readHelium({ ...HELIUM_1_PREVIEW_2B, mlp_bias: true });
    expect(paramCount(mlpBias).totalParams).toBe(base + 24 * (2 * 7040 + 2560));
  });

  it('malformed fields throw an error naming the field', () => {
    const bad = (overrides: Json) => () => readHelium({ ...HELIUM_1_PREVIEW_2B, ...overrides });
    expect(bad({ head_dim: 64 })).toThrowError(
      /'head_dim' \(64\) × num_attention_heads \(20\) must equal hidden_size \(2560\): HeliumAttention.o_proj/,
    );
    // HeliumConfig's default of 20 KV heads does not divide 16 query heads.
    expect(bad({ num_attention_heads: 16, head_dim: 160, num_key_value_heads: undefined })).toThrowError(
      /'num_key_value_heads' \(20\) must divide num_attention_heads \(16\)/,
    );
    expect(bad({ attention_bias: 1 })).toThrowError(/'attention_bias' must be true or false/);
    expect(bad({ num_hidden_layers: 0 })).toThrowError(/'num_hidden_layers' must be at least 1/);
  });
});
