/**
 * DiffLlama (`diffllama`), read by calling the family directly: counts tensor by tensor from the modules
 * of transformers `models/diffllama/modular_diffllama.py` (DiffLlamaAttention with its four lambda
 * vectors and weightless groupnorm, DiffLlamaMLP, DiffLlamaDecoderLayer, DiffLlamaModel,
 * DiffLlamaForCausalLM), the KV cache, DiffLlamaConfig's defaults, and errors that name the field.
 *
 * Fixture: `hand-built/diffllama.json`: kajuma/DiffLlama-0.3B-handcut's config.json (the checkpoint
 * DiffLlamaConfig's docstring names) as quoted verbatim in a stored Hub snapshot
 * (hlky/dinoml_v2 agents/plans/transformers/diffllama/snapshots/kajuma__DiffLlama-0.3B-handcut/config.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { diffllama } from './diffllama.js';
import { Fields, type Json } from './fields.js';

const HANDCUT: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/diffllama.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json) => diffllama(new Fields(config, 'diffllama'), 'diffllama');

interface Shape {
  readonly vocab: number;
  readonly h: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly intermediate: number;
  readonly tied: boolean;
  readonly bias: boolean;
}

const SHAPE_HANDCUT: Shape = {
  vocab: 128_256,
  h: 2048,
  layers: 16,
  heads: 32,
  kvHeads: 8,
  headDim: 64,
  intermediate: 8192,
  tied: true,
  bias: false,
};

/** One DiffLlamaDecoderLayer's tensors. */
function layerTensors(s: Shape): { projections: number; lambdas: number; mlp: number; norms: number } {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  return {
    // q_proj (h → q), k_proj and v_proj (h → kv), o_proj (q → h), biases per attention_bias.
    projections: s.h * q + 2 * s.h * kv + q * s.h + (s.bias ? q + 2 * kv + s.h : 0),
    // lambda_q1, lambda_k1, lambda_q2, lambda_k2 (head_dim each); groupnorm has no weight.
    lambdas: 4 * s.headDim,
    // mlp.gate_proj, up_proj (h → I), down_proj (I → h), no bias.
    mlp: 3 * s.h * s.intermediate,
    // input_layernorm, post_attention_layernorm.
    norms: 2 * s.h,
  };
}

/** Every tensor of DiffLlamaForCausalLM. */
function tensors(s: Shape): number {
  const l = layerTensors(s);
  return (
    s.layers * (l.projections + l.lambdas + l.mlp + l.norms) +
    s.vocab * s.h + // model.embed_tokens
    s.h + // model.norm
    (s.tied ? 0 : s.vocab * s.h) // lm_head
  );
}

describe('diffllama', () => {
  it('DiffLlama-0.3B-handcut: every tensor, the lambdas held and run with their layers', () => {
    const spec = read(HANDCUT);
    const params = paramCount(spec);
    expect(params.totalParams).toBe(tensors(SHAPE_HANDCUT));
    expect(params.totalParams).toBe(1_235_818_496);
    const l = layerTensors(SHAPE_HANDCUT);
    expect(params.breakdown.attention).toBe(16 * l.projections);
    expect(params.breakdown.layerExtras).toBe(16 * 4 * 64);
    expect(params.breakdown.lookupTables).toBeUndefined();
    expect(params.breakdown.denseMlp).toBe(16 * l.mlp);
    expect(params.breakdown.norms).toBe(16 * l.norms + 2048);
    // Every tensor is run by every token: all active.
    expect(params.activeParams).toBe(params.totalParams);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 8,
      headDim: 64,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.layers.every((x) => x.attention === 'full' && x.mlp === 'dense')).toBe(true);
    expect(spec.warnings).toHaveLength(1);
    expect(spec.warnings![0]).toMatch(/two attention calls .* twice the attention-score FLOPs/);
  });

  it('a standard KV cache; attention FLOPs as one standard call (the warning says twice)', () => {
    const spec = read(HANDCUT);
    // K (after RoPE) and V of 8 × 64 per layer, bf16.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(16 * 2 * 8 * 64 * 2);
    const { breakdown } = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    expect(breakdown.attentionProjections).toBe(16 * 2 * layerTensors(SHAPE_HANDCUT).projections);
    expect(breakdown.attentionScores).toBe(16 * 2 * 2 * 32 * 64 * 4096);
  });

  it('DiffLlamaConfig defaults: a bare config reads as the class builds it', () => {
    const bare = read({ model_type: 'diffllama' });
    // MHA (num_key_value_heads None → heads), head_dim 2048 / 32, 32k vocabulary, untied.
    const shape: Shape = { ...SHAPE_HANDCUT, vocab: 32_000, kvHeads: 32, tied: false };
    expect(paramCount(bare).totalParams).toBe(tensors(shape));
    expect(bare.maxContextTokens).toBe(2048);
    // attention_bias: q/k/v/o biases.
    const biased = read({ ...HANDCUT, attention_bias: true });
    expect(paramCount(biased).totalParams).toBe(tensors({ ...SHAPE_HANDCUT, bias: true }));
  });

  it('errors name the field', () => {
    const odd = inputErrorOf(() => read({ ...HANDCUT, num_attention_heads: 30, num_key_value_heads: 5 }));
    expect(odd.issues[0]?.path).toEqual(['num_key_value_heads']);
    expect(odd.message).toMatch(/must be even/);
    const width = inputErrorOf(() => read({ ...HANDCUT, head_dim: 'sixty-four' }));
    expect(width.issues[0]?.path).toEqual(['head_dim']);
  });
});
