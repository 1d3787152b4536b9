/**
 * InternLM v1 (`internlm`) and Aquila (`aquila`), read by calling the families directly. Both count
 * tensor by tensor from the remote modules (see internlm-aquila.ts): embed_tokens [V, h]; per layer
 * input_layernorm and post_attention_layernorm (RMSNorm [h]), q_proj [H·d, h], k_proj and v_proj
 * [K·d, h], o_proj [h, H·d] (InternLM: a bias on all four per `bias`, K = H always; Aquila: no bias,
 * K = num_key_value_heads), gate/up_proj [I, h] and down_proj [h, I] without bias; model.norm [h];
 * lm_head [V, h] unless tied.
 *
 * Fixtures: `hand-built/internlm-20b.json`, internlm/internlm-20b's config.json verbatim from the
 * yangulei/internlm-20b mirror, whose pytorch_model.bin.index.json gives total_size 40,177,428,480
 * bytes (bfloat16) = 20,088,714,240 parameters. `hand-built/aquila2-34b.json`, assembled: the shape
 * from BAAI's FlagScale `examples/aquila/34B/pretrain_aquila_34b_distributed_A100_64n_40g.sh` (60
 * layers, hidden 6144, 48 heads, 8 query groups, vocab 100008, 4096 positions, FFN 24576 from
 * multiplier 1.3 rounded up to 4096, untied) and MindSpeed-LLM's aquila2 34B scripts (ffn 24576,
 * norm eps 1e-5), the other keys as in Aquila2-7B's config.json; published size "34B".
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { type LlamaShape, llamaTensors } from '../../../../test/llama-tensors.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { aquila, internlm } from './internlm-aquila.js';

const INTERNLM_20B = hfFixture('hand-built/internlm-20b');
const AQUILA2_34B = hfFixture('hand-built/aquila2-34b');

const readInternlm = (config: Json) => internlm(new Fields(config, 'internlm'), 'x');
const readAquila = (config: Json) => aquila(new Fields(config, 'aquila'), 'x');

const SHAPE_20B: LlamaShape = {
  vocab: 103_168,
  h: 5120,
  layers: 60,
  heads: 40,
  kvHeads: 40,
  inter: 13_824,
  qkvoBias: false,
  tied: false,
};
const SHAPE_INTERNLM_7B: LlamaShape = {
  ...SHAPE_20B,
  h: 4096,
  layers: 32,
  heads: 32,
  kvHeads: 32,
  inter: 11_008,
  qkvoBias: true,
};
const SHAPE_34B: LlamaShape = {
  vocab: 100_008,
  h: 6144,
  layers: 60,
  heads: 48,
  kvHeads: 8,
  inter: 24_576,
  qkvoBias: false,
  tied: false,
};

/** internlm/internlm-chat-7b's model keys (InternLMConfig's defaults but the context). */
const INTERNLM_CHAT_7B: Json = {
  model_type: 'internlm',
  qkvoBias: true,
  hidden_act: 'silu',
  hidden_size: 4096,
  intermediate_size: 11_008,
  max_position_embeddings: 2048,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: false,
  vocab_size: 103_168,
  rotary: { base: 10_000, type: 'dynamic' },
};

describe('internlm (internlm/internlm-20b)', () => {
  it('reads 60 layers of 40 heads × 128, K/V at every head, bias-free per bias false, SwiGLU 13824', () => {
    const spec = readInternlm(INTERNLM_20B);
    expect(spec.modelType).toBe('internlm');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 40,
      numKvHeads: 40,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 13_824, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.layers).toHaveLength(60);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.vocabSize).toBe(103_168);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts 20,088,714,240 parameters: the checkpoint index total_size 40,177,428,480 bytes / 2', () => {
    const p = paramCount(readInternlm(INTERNLM_20B));
    expect(p.totalParams).toBe(llamaTensors(SHAPE_20B));
    expect(p.totalParams).toBe(40_177_428_480 / 2);
    expect(p.breakdown.attention).toBe(60 * 4 * 5120 * 5120);
    expect(p.breakdown.denseMlp).toBe(60 * 3 * 5120 * 13_824);
    expect(p.breakdown.norms).toBe(121 * 5120);
  });

  it('KV cache and decode FLOPs: 40 K/V heads on 60 layers, four projections, the untied head', () => {
    const spec = readInternlm(INTERNLM_20B);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(60 * 2 * 40 * 128 * 2);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    expect(f.breakdown.attentionProjections).toBe(60 * 2 * 4 * 5120 * 5120);
    expect(f.breakdown.head).toBe(2 * 103_168 * 5120);
  });

  it('internlm-chat-7b: bias on q, k, v and o only, 7,321,948,160; a bare config is the same (bias defaults true)', () => {
    const spec = readInternlm(INTERNLM_CHAT_7B);
    expect(spec.attention).toMatchObject({ numKvHeads: 32, qkvBias: true, outputBias: true });
    expect(spec.mlp.bias).toBe(false);
    const total = paramCount(spec).totalParams;
    expect(total).toBe(llamaTensors(SHAPE_INTERNLM_7B));
    expect(total).toBe(7_321_948_160);
    // The biases: q, k, v (4096 each) and o (4096) on 32 layers.
    expect(total - paramCount(readInternlm({ ...INTERNLM_CHAT_7B, bias: false })).totalParams).toBe(
      32 * 4 * 4096,
    );
    expect(paramCount(readInternlm({})).totalParams).toBe(total);
    expect(readInternlm({}).maxContextTokens).toBe(2048);
  });

  it('never reads head_dim or attention_bias, and warns when num_key_value_heads differs from the heads', () => {
    const base = readInternlm(INTERNLM_20B);
    const odd = readInternlm({
      ...INTERNLM_20B,
      head_dim: 64,
      attention_bias: true,
      tie_word_embeddings: true,
    });
    expect(odd.attention).toEqual(base.attention);
    expect(paramCount(odd).totalParams).toBe(llamaTensors({ ...SHAPE_20B, tied: true }));
    const gqa = readInternlm({ ...INTERNLM_20B, num_key_value_heads: 8 });
    expect(gqa.attention).toMatchObject({ numHeads: 40, numKvHeads: 40 });
    expect(paramCount(gqa).totalParams).toBe(llamaTensors(SHAPE_20B));
    expect(gqa.warnings).toEqual([
      'internlm: num_key_value_heads 8 is not read: InternLMAttention (modeling_internlm.py) builds k_proj and v_proj with num_attention_heads (40) heads, so the K/V projections and the KV cache are counted at 40 heads',
    ]);
  });

  it('refuses malformed fields, naming them', () => {
    expect(inputErrorOf(() => readInternlm({ ...INTERNLM_20B, hidden_size: 5121 })).message).toMatch(
      /'hidden_size' \(5121\) must be divisible by 'num_attention_heads' \(40\)/,
    );
    expect(inputErrorOf(() => readInternlm({ ...INTERNLM_20B, bias: 'no' })).issues[0]?.path).toEqual([
      'bias',
    ]);
    expect(
      inputErrorOf(() => readInternlm({ ...INTERNLM_20B, num_key_value_heads: -1 })).issues[0]?.path,
    ).toEqual(['num_key_value_heads']);
  });
});

describe('aquila (BAAI/Aquila2-34B)', () => {
  it('reads 60 layers of 48 query and 8 K/V heads × 128, no bias, SwiGLU 24576, RMSNorms', () => {
    const spec = readAquila(AQUILA2_34B);
    expect(spec.modelType).toBe('aquila');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 48,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 24_576, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.layers).toHaveLength(60);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts 33,693,554,688 parameters (the published "34B")', () => {
    const p = paramCount(readAquila(AQUILA2_34B));
    expect(p.totalParams).toBe(llamaTensors(SHAPE_34B));
    expect(p.totalParams).toBe(33_693_554_688);
    expect(p.breakdown.attention).toBe(60 * (2 * 6144 * 6144 + 2 * 6144 * 1024));
    expect(p.embeddingParams).toBe(2 * 100_008 * 6144);
  });

  it('KV cache: 8 K/V heads × 128 on 60 layers', () => {
    expect(kvCacheBytes(readAquila(AQUILA2_34B), 4096, 'bf16').bytesPerToken).toBe(60 * 2 * 8 * 128 * 2);
  });

  it('Aquila2-7B and Aquila-7B: one K/V head per query head when the key is absent, 7,295,537,152', () => {
    const aquila2_7b: Json = {
      model_type: 'aquila',
      hidden_act: 'silu',
      hidden_size: 4096,
      intermediate_size: 11_008,
      max_position_embeddings: 2048,
      num_attention_heads: 32,
      num_hidden_layers: 32,
      rms_norm_eps: 1e-5,
      tie_word_embeddings: false,
      vocab_size: 100_008,
    };
    const spec = readAquila(aquila2_7b);
    expect(spec.attention).toMatchObject({ numHeads: 32, numKvHeads: 32, headDim: 128 });
    const shape7b: LlamaShape = { ...SHAPE_34B, h: 4096, layers: 32, heads: 32, kvHeads: 32, inter: 11_008 };
    expect(paramCount(spec).totalParams).toBe(llamaTensors(shape7b));
    expect(paramCount(spec).totalParams).toBe(7_295_537_152);
    // AquilaConfig's defaults are Aquila-7B's shape.
    expect(paramCount(readAquila({})).totalParams).toBe(7_295_537_152);
  });

  it('never reads attention_bias, bias or head_dim; follows tie_word_embeddings', () => {
    const base = readAquila(AQUILA2_34B);
    const odd = readAquila({ ...AQUILA2_34B, attention_bias: true, bias: true, head_dim: 64 });
    expect(odd.attention).toEqual(base.attention);
    const tied = readAquila({ ...AQUILA2_34B, tie_word_embeddings: true });
    expect(paramCount(tied).totalParams).toBe(llamaTensors({ ...SHAPE_34B, tied: true }));
  });

  it('refuses malformed fields, naming them', () => {
    const e = inputErrorOf(() => readAquila({ ...AQUILA2_34B, num_key_value_heads: 5 }));
    expect(e.message).toMatch(/'num_key_value_heads' \(5\) must divide num_attention_heads \(48\)/);
    expect(e.issues[0]?.path).toEqual(['num_key_value_heads']);
    expect(inputErrorOf(() => readAquila({ ...AQUILA2_34B, hidden_size: 6145 })).message).toMatch(
      /'hidden_size' \(6145\) must be divisible by 'num_attention_heads' \(48\)/,
    );
    // A key set to null is not filled from AquilaConfig's defaults.
    expect(
      inputErrorOf(() => readAquila({ ...AQUILA2_34B, intermediate_size: null })).issues[0]?.path,
    ).toEqual(['intermediate_size']);
  });
});
