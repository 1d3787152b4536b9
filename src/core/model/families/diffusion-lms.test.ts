/**
 * Masked-diffusion language models (diffusion-lms.ts): LLaDA-8B (`llada`, its OLMo-style remote code),
 * Dream-7B (`Dream`, Qwen2's layout with bidirectional attention) and LLaDA2.0-mini (`llada2_moe`,
 * BailingMoeV2's modules), totals derived from the module shapes, KV cache per token, the decoding
 * caveat, and the configs the modules cannot build refused by field.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { bailingMoeV2 } from './bailing-v2.js';
import { dream, llada, llada2Moe } from './diffusion-lms.js';
import { Fields, type Json } from './fields.js';

const fixture = (file: string): Json =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${file}.json`, import.meta.url),
      'utf8',
    ),
  );

const readLlada = (overrides: Json = {}) =>
  llada(new Fields({ ...fixture('llada-8b-instruct'), ...overrides }, 'llada'), 'x');
const readDream = (overrides: Json = {}) =>
  dream(new Fields({ ...fixture('dream-v0-base-7b'), ...overrides }, 'Dream'), 'x');
const readLlada2 = (overrides: Json = {}) =>
  llada2Moe(new Fields({ ...fixture('llada2.0-mini'), ...overrides }, 'llada2_moe'), 'x');

/** LLaDALlamaBlock: attn_norm, q/k/v/attn_out, ff_norm, ff_proj, up_proj and ff_out, no biases. */
const llamaBlock = (d: number, kv: number, hidden: number) => 2 * d * d + 2 * d * kv + 3 * d * hidden + 2 * d;
/** LLaDAModel: wte, the blocks, ln_f and the untied ff_out head. */
const lladaModel = (rows: number, d: number, layers: number, kv: number, hidden: number) =>
  2 * rows * d + layers * llamaBlock(d, kv, hidden) + d;

describe('LLaDA (llada)', () => {
  it('LLaDA-8B-Instruct: 8,015,581,184 parameters, every one active', () => {
    const spec = readLlada();
    const p = paramCount(spec);
    // 32 llama blocks of d 4096 (32 heads and KV heads of 128), hidden 12,288, 126,464 rows untied.
    expect(p.totalParams).toBe(lladaModel(126_464, 4096, 32, 4096, 12_288));
    expect(p.totalParams).toBe(8_015_581_184);
    expect(p.activeParams).toBe(p.totalParams);
    expect(spec.attention).toMatchObject({ numHeads: 32, numKvHeads: 32, headDim: 128, qkvBias: false });
    expect(spec.mlp).toEqual({ intermediateSize: 12_288, gated: true, bias: false });
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.learnedPositionEmbeddings).toBe(0);
  });

  it("matches the 124,327,616 a 100M variant's model.num_parameters() printed (d 448, 7 heads, 6 layers, hidden 768)", () => {
    const small = {
      d_model: 448,
      n_heads: 7,
      n_kv_heads: 7,
      n_layers: 6,
      mlp_hidden_size: 768,
      mlp_ratio: 2,
      max_sequence_length: 1024,
    };
    const p = paramCount(readLlada(small));
    expect(p.totalParams).toBe(lladaModel(126_464, 448, 6, 448, 768));
    expect(p.totalParams).toBe(124_327_616);
  });

  it('reads the sequential block: fused att_proj, SwiGLU ff_proj split in halves, q/k norms, GQA, learned positions', () => {
    const config = {
      block_type: 'sequential',
      activation_type: 'swiglu',
      n_kv_heads: 8,
      attention_layer_norm: true,
      rope: false,
      weight_tying: true,
    };
    const spec = readLlada(config);
    const [d, kv, hidden, rows] = [4096, 8 * 128, 12_288, 126_464];
    // att_proj d → d + 2·kv, attn_out, ff_proj d → hidden, ff_out hidden/2 → d, q_norm(d), k_norm(kv), two norms.
    const block = d * (d + 2 * kv) + d * d + d * hidden + (hidden / 2) * d + d + kv + 2 * d;
    // wte tied to the head, wpe of max_sequence_length rows, ln_f.
    expect(paramCount(spec).totalParams).toBe(rows * d + 4096 * d + 32 * block + d);
    expect(spec.attention).toMatchObject({ fusedQkv: true, qkNorm: 'full', numKvHeads: 8 });
    expect(spec.mlp).toMatchObject({ intermediateSize: hidden / 2, gated: true, fusedGateUp: true });
    // GELU on a sequential block is a plain two-matrix MLP of the full hidden width.
    expect(readLlada({ ...config, activation_type: 'gelu' }).mlp).toMatchObject({
      intermediateSize: hidden,
      gated: false,
    });
  });

  it('reads multi_query_attention, mlp_ratio, LayerNorm biases and ModelConfig defaults', () => {
    expect(readLlada({ n_kv_heads: null, multi_query_attention: true }).attention).toMatchObject({
      numKvHeads: 1,
    });
    expect(readLlada({ mlp_hidden_size: null, mlp_ratio: 3 }).mlp.intermediateSize).toBe(3 * 4096);
    expect(readLlada({ layer_norm_type: 'default', bias_for_layer_norm: true }).norm).toEqual({
      kind: 'layernorm',
      perLayer: 2,
    });
    // A bare config: ModelConfig's GPT-2-sized defaults (sequential SwiGLU, 50,304 rows tied, 1,024 learned positions).
    const bare = llada(new Fields({ model_type: 'llada' }, 'llada'), 'x');
    expect(bare).toMatchObject({
      hiddenSize: 768,
      numLayers: 12,
      vocabSize: 50_304,
      tieWordEmbeddings: true,
    });
    expect(bare.learnedPositionEmbeddings).toBe(1024);
    expect(bare.norm).toEqual({ kind: 'layernorm', perLayer: 2, bias: false });
  });

  it('KV cache: 32 layers of 32 × 128 keys and values per token, with the no-cache decoding caveat', () => {
    const spec = readLlada();
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(2 * 32 * 2 * 32 * 128);
    const warnings = spec.warnings?.join('\n') ?? '';
    expect(warnings).toContain('masked-diffusion');
    expect(warnings).toContain('keeps no KV cache');
  });

  it('refuses what the modules cannot build or llmecon cannot hold, by field', () => {
    expect(() => readLlada({ block_type: 'parallel' })).toThrow(/block_type/);
    expect(() => readLlada({ activation_type: 'swiglu' })).toThrow(/activation_type/);
    expect(() => readLlada({ include_bias: true })).toThrow(/include_bias/);
    expect(() => readLlada({ bias_for_layer_norm: true })).toThrow(/bias_for_layer_norm/);
    expect(() => readLlada({ layer_norm_type: 'amd_compatible' })).toThrow(/layer_norm_type/);
    expect(() => readLlada({ n_kv_heads: 5 })).toThrow(/n_kv_heads/);
    expect(() => readLlada({ n_kv_heads: 8, multi_query_attention: true })).toThrow(/n_kv_heads/);
    expect(() => readLlada({ embedding_size: 1000 })).toThrow(/embedding_size/);
    expect(() => readLlada({ alibi: true })).toThrow(/alibi/);
    expect(() => readLlada({ d_model: 4100 })).toThrow(/d_model/);
  });
});

describe('Dream (Dream)', () => {
  it('Dream-v0-Base-7B: 7,615,616,512 parameters, q/k/v biased whatever the config says', () => {
    const spec = readDream();
    const [h, heads, kv, d, inter, vocab, layers] = [3584, 28, 4, 128, 18_944, 152_064, 28];
    // q_proj and o_proj h·28·128, k_proj and v_proj h·4·128, q/k/v biases, SwiGLU, two RMSNorms.
    const layer = 2 * h * heads * d + 2 * h * kv * d + (heads + 2 * kv) * d + 3 * h * inter + 2 * h;
    expect(paramCount(spec).totalParams).toBe(2 * vocab * h + layers * layer + h);
    expect(paramCount(spec).totalParams).toBe(7_615_616_512);
    expect(spec.attention).toMatchObject({ qkvBias: true, outputBias: false, headDim: 128 });
    expect(readDream({ attention_bias: false }).attention).toMatchObject({ qkvBias: true });
    // DreamAttention never slides: every layer full, whatever use_sliding_window says.
    const windowed = readDream({ use_sliding_window: true, sliding_window: 4096 });
    expect(windowed.slidingWindow).toBeNull();
    expect(windowed.layers.every((l) => l.attention === 'full')).toBe(true);
  });

  it('KV cache: 28 layers of 4 × 128 keys and values per token, with the no-cache decoding caveat', () => {
    const spec = readDream();
    expect(kvCacheBytes(spec, 2048, 'bf16').bytesPerToken).toBe(2 * 28 * 2 * 4 * 128);
    expect(spec.warnings?.join('\n')).toContain('masked-diffusion');
  });

  it('takes DreamConfig defaults for omitted keys and refuses a width the heads do not divide', () => {
    const bare = dream(new Fields({ model_type: 'Dream' }, 'Dream'), 'x');
    expect(bare).toMatchObject({
      hiddenSize: 4096,
      numLayers: 32,
      vocabSize: 151_936,
      maxContextTokens: 32_768,
    });
    expect(bare.mlp.intermediateSize).toBe(22_016);
    expect(() => readDream({ num_attention_heads: 27 })).toThrow(/num_attention_heads|hidden_size/);
    expect(() => readDream({ num_key_value_heads: 3 })).toThrow(/num_key_value_heads/);
  });
});

describe('LLaDA 2.0 (llada2_moe)', () => {
  // LLaDA2.0-mini: h 2048, 20 layers (the first dense), 16 heads and 4 KV heads of 128, 256 experts
  // of 512 top-8 and one shared, vocabulary 157,184 untied.
  const [h, layers, vocab, experts, topK, expert] = [2048, 20, 157_184, 256, 8, 512];
  // query_key_value h → 24·128, per-head q/k norms, dense 16·128 → h with use_bias (the class default).
  const attention = h * 24 * 128 + 2 * 128 + 16 * 128 * h + h;
  const swiglu = (width: number) => 3 * h * width;
  // Gate weight and its expert_bias buffer, routed experts, the shared expert.
  const moe = experts * h + experts + experts * swiglu(expert) + swiglu(expert);
  const total = 2 * vocab * h + layers * (attention + 2 * h) + swiglu(5120) + (layers - 1) * moe + h;

  it('LLaDA2.0-mini: 16,255,684,352 parameters, 1,433,014,016 active', () => {
    const p = paramCount(readLlada2());
    expect(p.totalParams).toBe(total);
    expect(p.totalParams).toBe(16_255_684_352);
    expect(p.activeParams).toBe(total - (layers - 1) * (experts - topK) * swiglu(expert));
    expect(p.activeParams).toBe(1_433_014_016);
  });

  it("is Ling-mini-2.0's BailingMoeV2 shape plus dense's bias (LLaDA2MoeConfig's use_bias default)", () => {
    const ling = paramCount(bailingMoeV2(new Fields(fixture('ling-mini-2.0'), 'bailing_moe_v2'), 'ling'));
    expect(paramCount(readLlada2()).totalParams - ling.totalParams).toBe(layers * h);
    expect(paramCount(readLlada2({ use_bias: false })).totalParams).toBe(ling.totalParams);
  });

  it('takes LLaDA2MoeConfig defaults: KV heads 0 → one per head, head_dim hidden / heads, no shared expert', () => {
    const spec = readLlada2({ num_key_value_heads: 0, head_dim: null, num_shared_experts: null });
    expect(spec.attention).toMatchObject({ numHeads: 16, numKvHeads: 16, headDim: 128 });
    expect(spec.moe).toMatchObject({ numSharedExperts: 0 });
    expect(kvCacheBytes(readLlada2(), 4096, 'bf16').bytesPerToken).toBe(2 * 20 * 2 * 4 * 128);
    expect(readLlada2().warnings?.join('\n')).toContain('block-causal');
    expect(() => readLlada2({ num_key_value_heads: 3 })).toThrow(/num_key_value_heads/);
  });
});
