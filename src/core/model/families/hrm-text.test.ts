/**
 * HRM-Text (`hrm_text`), read by calling the family directly: counts tensor by tensor from the modules
 * of transformers `models/hrm_text/modeling_hrm_text.py` (HrmTextAttention, HrmTextMLP,
 * HrmTextDecoderLayer, HrmTextStack, HrmTextModel, HrmTextForCausalLM), the stacks read unrolled with
 * their weights counted once, a KV cache per stack call, class defaults, and errors that name the field.
 *
 * Fixture: `hand-built/hrm-text.json`: sapientinc/HRM-Text-1B's config.json as quoted verbatim (a curl
 * of the Hub file and an hf_hub_download of it, identical) in stored agent logs; its legacy form keeps
 * the per-stack count in `num_hidden_layers` (16) and has no `num_layers_per_stack`. A stored load
 * check of that checkpoint expects 1,182,795,264 parameters from transformers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { hrmText } from './hrm-text.js';

const HRM_1B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/hrm-text.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json) => hrmText(new Fields(config, 'hrm_text'), 'hrm_text');

interface Shape {
  readonly h: number;
  readonly vocab: number;
  readonly perStack: number;
  readonly heads: number;
  readonly headDim: number;
  readonly intermediate: number;
  readonly tied: boolean;
}

const SHAPE_1B: Shape = {
  h: 1536,
  vocab: 65_536,
  perStack: 16,
  heads: 12,
  headDim: 128,
  intermediate: 4096,
  tied: false,
};

/** One HrmTextDecoderLayer's weights (no biases, weightless norms). */
function layerWeights(s: Shape): { attention: number; mlp: number } {
  const q = s.heads * s.headDim;
  return {
    // q_proj, k_proj, v_proj, gate_proj (h → heads·d each), o_proj (heads·d → h).
    attention: 4 * s.h * q + q * s.h,
    // mlp.gate_proj, up_proj (h → I), down_proj (I → h).
    mlp: 3 * s.h * s.intermediate,
  };
}

/** Every tensor of HrmTextForCausalLM, from the modules' shapes. */
function tensors(s: Shape): number {
  const { attention, mlp } = layerWeights(s);
  return (
    2 * s.perStack * (attention + mlp) + // L_module.layers and H_module.layers
    s.vocab * s.h + // model.embed_tokens
    s.h + // model.z_L_init
    (s.tied ? 0 : s.vocab * s.h) // lm_head
  );
}

describe('hrm_text', () => {
  it('HRM-Text-1B: both stacks once, 1,182,795,264 — the stored load check’s count', () => {
    const spec = read(HRM_1B);
    const params = paramCount(spec);
    expect(params.totalParams).toBe(tensors(SHAPE_1B));
    expect(params.totalParams).toBe(1_182_795_264);
    expect(params.breakdown.norms).toBe(0);
    expect(params.breakdown.lookupTables).toBe(1536);
    expect(spec.warnings).toHaveLength(1);
  });

  it('unrolled in forward order: per H cycle three L-stack calls, then one H-stack call', () => {
    const spec = read(HRM_1B);
    expect(spec.numLayers).toBe(16 * 2 * (3 + 1));
    expect(spec.layers).toHaveLength(128);
    const owners = spec.layers.map((l, i) => l.reusesWeights ?? i);
    const lStack = Array.from({ length: 16 }, (_, j) => j);
    const hStack = lStack.map((j) => 48 + j);
    expect(owners).toEqual([
      ...lStack,
      ...lStack,
      ...lStack,
      ...hStack,
      ...lStack,
      ...lStack,
      ...lStack,
      ...hStack,
    ]);
    expect(spec.layers.filter((l) => l.reusesWeights === undefined)).toHaveLength(32);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 12,
      numKvHeads: 12,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
      outputGate: true,
      gateProjection: true,
    });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2, affine: false });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(4096);
  });

  it('a KV cache and compute per stack call: 128 layers of 12 × 128 keys and values', () => {
    const spec = read(HRM_1B);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(16 * 2 * 4 * 2 * 12 * 128 * 2);
    const { breakdown } = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    const { attention, mlp } = layerWeights(SHAPE_1B);
    expect(breakdown.attentionProjections).toBe(128 * 2 * attention);
    expect(breakdown.denseMlp).toBe(128 * 2 * mlp);
    expect(breakdown.head).toBe(2 * 65_536 * 1536);
  });

  it('a saved config (num_hidden_layers 128, num_layers_per_stack 16) reads the same', () => {
    const saved = read({ ...HRM_1B, num_hidden_layers: 128, num_layers_per_stack: 16 });
    expect(saved.layers).toEqual(read(HRM_1B).layers);
    expect(paramCount(saved).totalParams).toBe(1_182_795_264);
    expect(saved.warnings).toHaveLength(1);
    // An inflated count that does not match is said; the model follows num_layers_per_stack.
    const off = read({ ...HRM_1B, num_hidden_layers: 32, num_layers_per_stack: 16 });
    expect(off.layers).toHaveLength(128);
    expect(off.warnings![1]).toMatch(/num_hidden_layers \(32\) is not .* \(128\)/);
  });

  it('cycles change the calls, not the weights', () => {
    const spec = read({ ...HRM_1B, H_cycles: 1, L_cycles: 1 });
    expect(spec.layers).toHaveLength(32);
    expect(spec.layers.some((l) => l.reusesWeights !== undefined)).toBe(false);
    expect(paramCount(spec).totalParams).toBe(1_182_795_264);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(32 * 2 * 12 * 128 * 2);
  });

  it('HrmTextConfig defaults: a config that leaves them out reads as the class builds it', () => {
    const bare = read({ model_type: 'hrm_text' });
    const shape = { ...SHAPE_1B, vocab: 151_808 };
    expect(paramCount(bare).totalParams).toBe(tensors(shape));
    expect(bare.layers).toEqual(read(HRM_1B).layers);
    expect(bare.maxContextTokens).toBe(2048);
    // Tied and wider: the head goes, the MLP grows per physical layer.
    expect(
      paramCount(read({ ...HRM_1B, tie_word_embeddings: true, intermediate_size: 8192 })).totalParams,
    ).toBe(tensors({ ...SHAPE_1B, tied: true, intermediate: 8192 }));
    // num_key_value_heads is ignored (MHA), said when it differs.
    const kv = read({ ...HRM_1B, num_key_value_heads: 4 });
    expect(kv.attention).toMatchObject({ numKvHeads: 12 });
    expect(paramCount(kv).totalParams).toBe(1_182_795_264);
    expect(kv.warnings![1]).toMatch(/num_key_value_heads \(4\) is ignored/);
    // attention_bias: q/k/v/o biases counted, gate_proj's said.
    const biased = read({ ...HRM_1B, attention_bias: true });
    expect(paramCount(biased).totalParams).toBe(1_182_795_264 + 32 * (4 * 1536));
    expect(biased.warnings![1]).toMatch(/gate_proj's bias \(49,152 parameters/);
  });

  it('errors name the field', () => {
    const cycles = inputErrorOf(() => read({ ...HRM_1B, L_cycles: 0 }));
    expect(cycles.issues[0]?.path).toEqual(['L_cycles']);
    const stack = inputErrorOf(() => read({ ...HRM_1B, num_layers_per_stack: 'sixteen' }));
    expect(stack.issues[0]?.path).toEqual(['num_layers_per_stack']);
    const deep = inputErrorOf(() => read({ ...HRM_1B, num_hidden_layers: 2000 }));
    expect(deep.issues[0]?.path).toEqual(['num_hidden_layers']);
    expect(deep.message).toMatch(/exceeds 10,000 layer calls/);
  });
});
