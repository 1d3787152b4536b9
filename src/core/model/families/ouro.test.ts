/**
 * Ouro (`ouro`), read by calling the family directly: counts tensor by tensor from the modules of
 * the Hub remote code `modeling_ouro.py` (OuroAttention, OuroMLP, OuroDecoderLayer with four sandwich
 * RMSNorms, OuroModel with norm and early_exit_gate, OuroForCausalLM) and vLLM
 * `vllm/model_executor/models/ouro.py`: the layers read unrolled over total_ut_steps with their
 * weights counted once, a KV cache per step and layer, class defaults, and errors that name the field.
 *
 * Fixture: `hand-built/ouro.json`: ByteDance/Ouro-1.4B's config.json as established from stored
 * quotes (a trimmed mlx-community Ouro-2.6B config.json, pinned-checkpoint checks of the 1.4B's
 * fields, the model cards' total_ut_steps 4 and early_exit_threshold 1.0) with the keys OuroConfig
 * writes at their values. Ouro-2.6B is the same with 48 layers; a stored conversion of a 2.6B
 * checkpoint found 533 tensors in about 4.969 GiB of BF16 (4.969 GiB / 2 bytes ≈ 2.668B parameters).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { ouro } from './ouro.js';

const OURO_14B: Json = JSON.parse(
  readFileSync(new URL('../../../../test/fixtures/hf-configs/hand-built/ouro.json', import.meta.url), 'utf8'),
);
const OURO_26B: Json = { ...OURO_14B, num_hidden_layers: 48, layer_types: Array(48).fill('full_attention') };

const read = (config: Json) => ouro(new Fields(config, 'ouro'), 'ouro');

interface Shape {
  readonly h: number;
  readonly vocab: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly intermediate: number;
  readonly tied: boolean;
}

const SHAPE_14B: Shape = {
  h: 2048,
  vocab: 49_152,
  layers: 24,
  heads: 16,
  kvHeads: 16,
  headDim: 128,
  intermediate: 5632,
  tied: false,
};
const SHAPE_26B: Shape = { ...SHAPE_14B, layers: 48 };

/** One OuroDecoderLayer's weights (no biases). */
function layerWeights(s: Shape): { attention: number; mlp: number; norms: number } {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  return {
    // q_proj (h → heads·d), k_proj and v_proj (h → kv·d), o_proj (heads·d → h).
    attention: s.h * q + 2 * s.h * kv + q * s.h,
    // gate_proj, up_proj (h → I), down_proj (I → h).
    mlp: 3 * s.h * s.intermediate,
    // input_layernorm, input_layernorm_2, post_attention_layernorm, post_attention_layernorm_2.
    norms: 4 * s.h,
  };
}

/** Every tensor of OuroForCausalLM, from the modules' shapes: the layers once, whatever total_ut_steps. */
function tensors(s: Shape): number {
  const { attention, mlp, norms } = layerWeights(s);
  return (
    s.layers * (attention + mlp + norms) + // model.layers
    s.vocab * s.h + // model.embed_tokens
    s.h + // model.norm
    (s.h + 1) + // model.early_exit_gate (weight and bias)
    (s.tied ? 0 : s.vocab * s.h) // lm_head
  );
}

describe('ouro', () => {
  it('Ouro-1.4B: 24 layers counted once, 1,434,652,673', () => {
    const spec = read(OURO_14B);
    const params = paramCount(spec);
    expect(params.totalParams).toBe(tensors(SHAPE_14B));
    expect(params.totalParams).toBe(1_434_652_673);
    expect(params.breakdown.norms).toBe(24 * 4 * 2048 + 2048);
    expect(params.breakdown.layerExtras).toBe(2049);
    expect(spec.warnings).toHaveLength(1);
    expect(spec.warnings![0]).toMatch(/total_ut_steps \(4\) passes, 96 layers/);
  });

  it('Ouro-2.6B: 48 layers, 2,667,974,657 — 533 tensors, 4.969 GiB in BF16', () => {
    const params = paramCount(read(OURO_26B));
    expect(params.totalParams).toBe(tensors(SHAPE_26B));
    expect(params.totalParams).toBe(2_667_974_657);
    expect((2 * params.totalParams) / 2 ** 30).toBeCloseTo(4.969, 3);
  });

  it('unrolled in forward order: four passes over the 24 layers, the gate after each', () => {
    const spec = read(OURO_14B);
    expect(spec.numLayers).toBe(96);
    expect(spec.layers).toHaveLength(96);
    const owners = spec.layers.map((l, i) => l.reusesWeights ?? i);
    const pass = Array.from({ length: 24 }, (_, j) => j);
    expect(owners).toEqual([...pass, ...pass, ...pass, ...pass]);
    expect(spec.layers.filter((l) => l.reusesWeights === undefined)).toHaveLength(24);
    const gated = spec.layers.flatMap((l, i) => (l.extras ? [i] : []));
    expect(gated).toEqual([23, 47, 71, 95]);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 16,
      numKvHeads: 16,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 4 });
    expect(spec.slidingWindow).toBeNull();
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(65_536);
  });

  it('a KV cache and compute per step and layer: 96 layers of 16 × 128 keys and values', () => {
    const spec = read(OURO_14B);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(4 * 24 * 2 * 16 * 128 * 2);
    const { breakdown } = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    const { attention, mlp } = layerWeights(SHAPE_14B);
    expect(breakdown.attentionProjections).toBe(96 * 2 * attention);
    expect(breakdown.denseMlp).toBe(96 * 2 * mlp);
    expect(breakdown.head).toBe(2 * 49_152 * 2048);
  });

  it('total_ut_steps changes the passes, not the weights', () => {
    const one = read({ ...OURO_14B, total_ut_steps: 1 });
    expect(one.layers).toHaveLength(24);
    expect(one.layers.some((l) => l.reusesWeights !== undefined)).toBe(false);
    expect(paramCount(one).totalParams).toBe(1_434_652_673);
    expect(kvCacheBytes(one, 4096, 'bf16').bytesPerToken).toBe(24 * 2 * 16 * 128 * 2);
    const three = read({ ...OURO_14B, total_ut_steps: 3 });
    expect(three.layers).toHaveLength(72);
    expect(paramCount(three).totalParams).toBe(1_434_652_673);
  });

  it('OuroConfig defaults: a config that leaves them out reads as the class builds it', () => {
    const bare = read({ model_type: 'ouro' });
    const shape: Shape = {
      h: 4096,
      vocab: 151_936,
      layers: 32,
      heads: 32,
      kvHeads: 32,
      headDim: 128,
      intermediate: 22_016,
      tied: false,
    };
    expect(paramCount(bare).totalParams).toBe(tensors(shape));
    expect(bare.layers).toHaveLength(4 * 32);
    expect(bare.slidingWindow).toBeNull();
    expect(bare.maxContextTokens).toBe(32_768);
    // Tied, GQA: the head goes, k/v narrow; attention_bias is not read.
    const tied = read({
      ...OURO_14B,
      tie_word_embeddings: true,
      num_key_value_heads: 4,
      attention_bias: true,
    });
    expect(paramCount(tied).totalParams).toBe(tensors({ ...SHAPE_14B, tied: true, kvHeads: 4 }));
    // use_sliding_window without layer_types: Qwen2's rule, layers ≥ max_window_layers (28 by default) slide.
    const { layer_types: _types, sliding_window: _window, ...untyped } = OURO_26B;
    const sliding = read({ ...untyped, use_sliding_window: true });
    expect(sliding.slidingWindow).toBe(4096);
    expect(sliding.layers.filter((l) => l.attention === 'sliding')).toHaveLength(4 * 20);
  });

  it('errors name the field', () => {
    const steps = inputErrorOf(() => read({ ...OURO_14B, total_ut_steps: 0 }));
    expect(steps.issues[0]?.path).toEqual(['total_ut_steps']);
    const deep = inputErrorOf(() => read({ ...OURO_14B, total_ut_steps: 500 }));
    expect(deep.issues[0]?.path).toEqual(['total_ut_steps']);
    expect(deep.message).toMatch(/exceeds 10,000 layer passes/);
    const types = inputErrorOf(() => read({ ...OURO_14B, layer_types: ['full_attention'] }));
    expect(types.issues[0]?.path).toEqual(['layer_types']);
    const width = inputErrorOf(() => read({ ...OURO_14B, hidden_size: 'wide' }));
    expect(width.issues[0]?.path).toEqual(['hidden_size']);
  });
});
