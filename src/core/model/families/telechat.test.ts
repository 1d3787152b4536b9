/**
 * TeleChat (`telechat`) and transformers' TeleChat2 port (`telechat2`), read by calling the families
 * directly: counts tensor by tensor from the modules of Tele-AI/TeleChat2 `model/115B/modeling_telechat.py`
 * (TelechatAttention query/key_value/dense, TelechatMLP, TelechatBlock, TelechatModel,
 * TelechatForCausalLM) and transformers `models/telechat2/modular_telechat2.py`, checked against the
 * released checkpoints' `total_size`, the KV cache, the class defaults, and errors that name the field.
 *
 * Fixtures: `hand-built/telechat2-115b.json`, Tele-AI/TeleChat2-115B's config.json verbatim from the
 * stored Tele-AI/TeleChat2 repository (`model/115B/config.json`; its `model.safetensors.index.json`
 * gives total_size 453,131,665,408 bytes, float32); `hand-built/telechat-7b.json`, Tele-AI/telechat-7B's
 * (TeleChat 1) config.json verbatim from Tele-AI/Telechat (`models/7B/config.json`; its
 * `pytorch_model.bin.index.json` gives 14,400,036,864 bytes, float16, and lists no lm_head).
 * TeleChat2-7B and -35B: the 115B config with the shapes of the TeleChat2 README's structure table and
 * MindFormers' `research/telechat2/predict_telechat_7b.yaml` / `predict_telechat_35b.yaml` (no GQA, untied).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { telechat, telechat2 } from './telechat.js';

const fixture = (file: string): Json =>
  JSON.parse(
    readFileSync(new URL(`../../../../test/fixtures/hf-configs/hand-built/${file}`, import.meta.url), 'utf8'),
  );

const TELECHAT2_115B = fixture('telechat2-115b.json');
const TELECHAT_7B = fixture('telechat-7b.json');

const read = (config: Json) => telechat(new Fields(config, 'telechat'), 'telechat');
const readPort = (config: Json) => telechat2(new Fields(config, 'telechat2'), 'telechat2');

interface Shape {
  readonly vocab: number;
  readonly h: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly ffn: number;
  readonly tied: boolean;
}

const SHAPE_115B: Shape = {
  vocab: 131_072,
  h: 8192,
  layers: 96,
  heads: 64,
  kvHeads: 8,
  ffn: 40_960,
  tied: false,
};
const SHAPE_35B: Shape = {
  vocab: 131_072,
  h: 6144,
  layers: 64,
  heads: 48,
  kvHeads: 48,
  ffn: 20_480,
  tied: false,
};
const SHAPE_2_7B: Shape = {
  vocab: 131_072,
  h: 4096,
  layers: 30,
  heads: 32,
  kvHeads: 32,
  ffn: 12_288,
  tied: false,
};
const SHAPE_1_7B: Shape = { ...SHAPE_2_7B, vocab: 160_256, tied: true };

/** One TelechatBlock's tensors; head_dim = h / heads. */
function layerTensors(s: Shape): { attention: number; mlp: number; downBias: number; norms: number } {
  const kv = s.kvHeads * (s.h / s.heads);
  return {
    // query h → h and key_value h → 2·kv (no bias); dense h → h with a bias.
    attention: s.h * s.h + s.h * 2 * kv + s.h * s.h + s.h,
    // gate_proj and up_proj h → ffn, down_proj ffn → h.
    mlp: 3 * s.h * s.ffn,
    // down_proj.bias.
    downBias: s.h,
    // input_layernorm, post_attention_layernorm.
    norms: 2 * s.h,
  };
}

/** Every tensor of TelechatForCausalLM. */
function tensors(s: Shape): number {
  const l = layerTensors(s);
  return (
    s.layers * (l.attention + l.mlp + l.downBias + l.norms) +
    s.vocab * s.h + // transformer.word_embeddings
    s.h + // transformer.ln_f
    (s.tied ? 0 : s.vocab * s.h) // lm_head
  );
}

/** The 115B config.json with another TeleChat2 size's shape (MHA: no num_key_value_heads). */
const resized = (s: Shape): Json => ({
  ...TELECHAT2_115B,
  hidden_size: s.h,
  n_layer: s.layers,
  n_head: s.heads,
  ffn_hidden_size: s.ffn,
  num_key_value_heads: null,
});

describe('telechat', () => {
  it('TeleChat2-115B: every tensor, the checkpoint total_size at float32', () => {
    const spec = read(TELECHAT2_115B);
    const params = paramCount(spec);
    expect(params.totalParams).toBe(tensors(SHAPE_115B));
    expect(params.totalParams).toBe(453_131_665_408 / 4);
    expect(params.activeParams).toBe(params.totalParams);
    const l = layerTensors(SHAPE_115B);
    expect(params.breakdown.attention).toBe(96 * l.attention);
    expect(params.breakdown.denseMlp).toBe(96 * l.mlp);
    expect(params.breakdown.layerExtras).toBe(96 * 8192);
    expect(params.breakdown.norms).toBe(96 * l.norms + 8192);
    expect(params.breakdown.head).toBe(131_072 * 8192);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 64,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: false,
      outputBias: true,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 40_960, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.maxContextTokens).toBe(8192);
    expect(spec.activation).toBe('silu');
    expect(spec.layers.every((x) => x.attention === 'full' && x.mlp === 'dense')).toBe(true);
  });

  it('TeleChat2-115B KV cache: K and V of 8 heads × 128 a layer', () => {
    const spec = read(TELECHAT2_115B);
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerToken).toBe(96 * 2 * 8 * 128 * 2);
  });

  it('TeleChat 1 7B: lm_head tied by default (no lm_head in the checkpoint), total_size at float16', () => {
    const spec = read(TELECHAT_7B);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(paramCount(spec).totalParams).toBe(tensors(SHAPE_1_7B));
    expect(paramCount(spec).totalParams).toBe(14_400_036_864 / 2);
    expect(spec.attention.kind === 'gqa' && spec.attention.numKvHeads).toBe(32);
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerToken).toBe(30 * 2 * 32 * 128 * 2);
  });

  it('TeleChat2-7B and -35B: MHA, untied; 7.6B and 35.4B', () => {
    const seven = paramCount(read(resized(SHAPE_2_7B))).totalParams;
    expect(seven).toBe(tensors(SHAPE_2_7B));
    expect(seven).toBe(7_617_351_680);
    const big = read(resized(SHAPE_35B));
    expect(paramCount(big).totalParams).toBe(tensors(SHAPE_35B));
    expect(paramCount(big).totalParams).toBe(35_435_059_200);
    expect(kvCacheBytes(big, 8192, 'bf16').bytesPerToken).toBe(64 * 2 * 48 * 128 * 2);
  });

  it('TelechatConfig defaults, embed_layernorm and n_embed', () => {
    const bare = read({ model_type: 'telechat' });
    expect(paramCount(bare).totalParams).toBe(tensors(SHAPE_1_7B));
    expect(bare.maxContextTokens).toBe(8192);
    const normed = read({ ...TELECHAT2_115B, embed_layernorm: true });
    expect(normed.norm.embedding).toBe(true);
    expect(paramCount(normed).totalParams).toBe(tensors(SHAPE_115B) + 8192);
    const { hidden_size: _h, ...rest } = resized(SHAPE_2_7B) as Record<string, Json>;
    expect(paramCount(read({ ...rest, n_embed: 4096 })).totalParams).toBe(tensors(SHAPE_2_7B));
  });

  it('telechat2 (transformers port): Llama keys, the same tensors', () => {
    const port = readPort({
      model_type: 'telechat2',
      vocab_size: 131_072,
      hidden_size: 8192,
      intermediate_size: 40_960,
      num_hidden_layers: 96,
      num_attention_heads: 64,
      num_key_value_heads: 8,
      max_position_embeddings: 8192,
    });
    expect(paramCount(port).totalParams).toBe(tensors(SHAPE_115B));
    // TeleChat2Config defaults: LlamaConfig's shape, 32k vocabulary, MHA, untied.
    const bare: Shape = {
      vocab: 32_000,
      h: 4096,
      layers: 32,
      heads: 32,
      kvHeads: 32,
      ffn: 11_008,
      tied: false,
    };
    expect(paramCount(readPort({ model_type: 'telechat2' })).totalParams).toBe(tensors(bare));
    // mlp_bias: gate_proj and up_proj biased as well.
    const biased = readPort({ model_type: 'telechat2', mlp_bias: true });
    expect(paramCount(biased).totalParams).toBe(tensors(bare) + 32 * 2 * 11_008);
  });

  it('errors name the field', () => {
    const kv = inputErrorOf(() => read({ ...TELECHAT2_115B, num_key_value_heads: 7 }));
    expect(kv.issues[0]?.path).toEqual(['num_key_value_heads']);
    const heads = inputErrorOf(() => read({ ...TELECHAT2_115B, n_head: 60 }));
    expect(heads.issues[0]?.path).toEqual(['hidden_size']);
    expect(heads.message).toMatch(/divisible by 'n_head'/);
    const ffn = inputErrorOf(() => read({ ...TELECHAT2_115B, ffn_hidden_size: 'wide' }));
    expect(ffn.issues[0]?.path).toEqual(['ffn_hidden_size']);
  });
});
