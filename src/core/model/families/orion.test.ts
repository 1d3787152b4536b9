/**
 * Orion (`orion`), read by calling the family directly: counts tensor by tensor from the modules of
 * vLLM `models/orion.py` (the port of the remote modeling_orion.py): embed_tokens [V, h]; per layer
 * input_layernorm and post_attention_layernorm (nn.LayerNorm: weight and bias [h]), q/k/v_proj
 * [H·d, h], [K·d, h], [K·d, h] and o_proj [h, H·d] without bias, gate/up_proj [I, h] and down_proj
 * [h, I] without bias; model.norm (weight and bias [h]); lm_head [V, h] unless tied.
 *
 * Fixture `hand-built/orion-14b-base.json`: OrionStarAI/Orion-14B-Base's config.json (the -Chat
 * release shares it); its sizes agree with the defaults the Neuron port's OrionInferenceConfig falls
 * back to (hidden 5120, 40 layers, 40 heads, 40 KV heads, intermediate 15360, vocab 84608, 4096
 * positions). Published size "14B"; the Hub's safetensors total 14.5B.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { orion } from './orion.js';

const ORION_14B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/orion-14b-base.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json) => orion(new Fields(config, 'orion'), 'x');

/** OrionForCausalLM's state dict, from the config's numbers alone. */
function orionTensors(c: {
  vocab: number;
  h: number;
  layers: number;
  heads: number;
  kvHeads: number;
  inter: number;
  tied: boolean;
}): number {
  const d = c.h / c.heads;
  const layerNorm = 2 * c.h;
  const attention = c.h * c.heads * d + 2 * c.h * c.kvHeads * d + c.heads * d * c.h;
  const mlp = 3 * c.h * c.inter;
  const layer = 2 * layerNorm + attention + mlp;
  return c.vocab * c.h + c.layers * layer + layerNorm + (c.tied ? 0 : c.vocab * c.h);
}

const SHAPE_14B = { vocab: 84_608, h: 5120, layers: 40, heads: 40, kvHeads: 40, inter: 15_360, tied: false };

describe('orion (OrionStarAI/Orion-14B-Base)', () => {
  it('reads 40 layers of 40 heads of 128, bias-free projections, SwiGLU 15360 and LayerNorms', () => {
    const spec = read(ORION_14B);
    expect(spec.modelType).toBe('orion');
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
    expect(spec.mlp).toEqual({ intermediateSize: 15_360, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 2 });
    expect(spec.activation).toBe('silu');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.layers).toHaveLength(40);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.vocabSize).toBe(84_608);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the tensors: 14,498,703,360 (the "14.5B" of the Hub), LayerNorm biases included', () => {
    const p = paramCount(read(ORION_14B));
    expect(p.totalParams).toBe(orionTensors(SHAPE_14B));
    expect(p.totalParams).toBe(14_498_703_360);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.embeddingParams).toBe(2 * 84_608 * 5120);
    // 81 LayerNorms (two a layer and model.norm), weight and bias each.
    expect(p.breakdown.norms).toBe(81 * 2 * 5120);
    expect(p.breakdown.attention).toBe(40 * 4 * 5120 * 5120);
    expect(p.breakdown.denseMlp).toBe(40 * 3 * 5120 * 15_360);
  });

  it('KV cache: K and V of 40 heads × 128 on all 40 layers', () => {
    const spec = read(ORION_14B);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(40 * 2 * 40 * 128 * 2);
  });

  it('decode FLOPs: four attention projections, three MLP matrices, the untied head', () => {
    const f = forwardFlopsPerToken(read(ORION_14B), { attentionMode: 'decode', contextTokens: 4096 });
    expect(f.breakdown.attentionProjections).toBe(40 * 2 * 4 * 5120 * 5120);
    expect(f.breakdown.denseMlp).toBe(40 * 2 * 3 * 5120 * 15_360);
    expect(f.breakdown.head).toBe(2 * 84_608 * 5120);
  });

  it('follows the release on omitted keys, GQA and tying; never reads head_dim or attention_bias', () => {
    const trimmed: Json = { ...ORION_14B };
    for (const k of ['hidden_act', 'tie_word_embeddings', 'max_position_embeddings']) delete trimmed[k];
    expect(read(trimmed)).toEqual(read(ORION_14B));
    const gqa = { ...ORION_14B, num_key_value_heads: 8, tie_word_embeddings: true };
    expect(paramCount(read(gqa)).totalParams).toBe(orionTensors({ ...SHAPE_14B, kvHeads: 8, tied: true }));
    expect(read({ ...ORION_14B, head_dim: 64 }).attention).toMatchObject({ headDim: 128 });
    const biased = read({ ...ORION_14B, attention_bias: true });
    expect(biased.attention).toMatchObject({ qkvBias: false, outputBias: false });
    expect(biased.warnings).toEqual([
      'orion: attention_bias true is not read: OrionAttention builds q/k/v/o without bias (vllm orion.py); bias tensors in the checkpoint are not counted',
    ]);
  });

  it('refuses malformed fields, naming them', () => {
    expect(inputErrorOf(() => read({ ...ORION_14B, hidden_size: 5121 })).message).toMatch(
      /'hidden_size' \(5121\) must be divisible by 'num_attention_heads' \(40\)/,
    );
    const e = inputErrorOf(() => read({ ...ORION_14B, num_key_value_heads: 3 }));
    expect(e.message).toMatch(/'num_key_value_heads' \(3\) must divide num_attention_heads \(40\)/);
    expect(e.issues[0]?.path).toEqual(['num_key_value_heads']);
    const { intermediate_size: _, ...noMlp } = ORION_14B as Record<string, Json>;
    expect(inputErrorOf(() => read(noMlp)).issues[0]?.path).toEqual(['intermediate_size']);
  });
});
