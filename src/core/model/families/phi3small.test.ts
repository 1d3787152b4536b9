/**
 * Phi-3-small (`phi3small`), read by calling the family directly: counts tensor by tensor from the
 * modules of the remote `modeling_phi3_small.py` (as vLLM `models/phi3_small.py` builds them):
 * embed_tokens [V, h]; per layer input_layernorm and post_attention_layernorm (nn.LayerNorm: weight
 * and bias [h]), self_attn.query_key_value [(H + 2K)·d, h] + bias, self_attn.dense [h, h] + bias,
 * mlp.up_proj [2·I, h] + bias, mlp.down_proj [h, I] + bias; model.final_layernorm (weight and bias);
 * lm_head [V, h] tied to embed_tokens unless `tie_word_embeddings` is false.
 *
 * Fixture `hand-built/phi-3-small-8k-instruct.json`: microsoft/Phi-3-small-8k-instruct's config.json;
 * every value as scaleapi/llm-engine quotes it from the Hub (model-engine/tests/unit/domain/
 * test_llm_use_cases.py), `_name_or_path` and `auto_map` from a second stored copy. The -128k release's
 * file is not in the stored index; its LongRoPE `rope_scaling` holds no weights, so below it is the 8k
 * file with `max_position_embeddings` 131072 (the card's 128K), not the released file.
 * Published size: "7B" (card), 7.39B on the Hub; counted here 7,392,272,384.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { phi3small } from './phi3small.js';

const PHI3_SMALL_8K: Json = hfFixture('hand-built/phi-3-small-8k-instruct');

const read = (config: Json) => phi3small(new Fields(config, 'phi3small'), 'x');

const SHAPE_8K = { vocab: 100_352, h: 4096, layers: 32, heads: 32, kvHeads: 8, inter: 14_336, tied: true };

/** Phi3SmallForCausalLM's state dict, from the config's numbers alone. */
function phi3SmallTensors(c: typeof SHAPE_8K): number {
  const d = c.h / c.heads;
  const layerNorm = 2 * c.h;
  const qkvOut = (c.heads + 2 * c.kvHeads) * d;
  const attention = c.h * qkvOut + qkvOut + c.h * c.h + c.h;
  const mlp = c.h * 2 * c.inter + 2 * c.inter + c.inter * c.h + c.h;
  const layer = 2 * layerNorm + attention + mlp;
  return c.vocab * c.h + c.layers * layer + layerNorm + (c.tied ? 0 : c.vocab * c.h);
}

const SPARSE_WARNING =
  'phi3small: the 16 block-sparse attention layers (layers i with (i + 1) % 2 ≠ 0) are counted as full attention: ' +
  'there a query reads its 16 latest blocks of 64 tokens (1,024 tokens) and, before them, one block in 8 ' +
  '(blocksparse_vert_stride), so their attention-score FLOPs are overstated up to 8× at long context; ' +
  'their KV cache keeps every key, as counted';

describe('phi3small (microsoft/Phi-3-small-8k-instruct)', () => {
  it('reads 32 LayerNorm layers of GQA 32/8 × 128 with fused biased qkv and dense, GeGeLU 14336', () => {
    const spec = read(PHI3_SMALL_8K);
    expect(spec.modelType).toBe('phi3small');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: true,
      outputBias: true,
      qkNorm: 'none',
      sinks: false,
      fusedQkv: true,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 14_336, gated: true, bias: true, fusedGateUp: true });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 2 });
    expect(spec.activation).toBe('gegelu');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vocabSize).toBe(100_352);
    expect(spec.maxContextTokens).toBe(8192);
    expect(spec.layers).toHaveLength(32);
    // Block-sparse layers have no ModelSpec kind without an indexer: every layer is full attention.
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense' && !l.extras)).toBe(true);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.sparseAttention).toBeNull();
    expect(spec.warnings).toEqual([SPARSE_WARNING]);
  });

  it('counts the tensors: 7,392,272,384 (the Hub\'s "7.39B"; the card\'s "7B"/"7.4B" rounded)', () => {
    const p = paramCount(read(PHI3_SMALL_8K));
    expect(p.totalParams).toBe(phi3SmallTensors(SHAPE_8K));
    expect(p.totalParams).toBe(7_392_272_384);
    // Against 7.4B: 7.7M (0.1%) below, the card's rounding.
    expect(7.4e9 - p.totalParams).toBe(7_727_616);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.embeddingParams).toBe(100_352 * 4096);
    // 65 LayerNorms (two a layer and final_layernorm), weight and bias each.
    expect(p.breakdown.norms).toBe(65 * 2 * 4096);
    expect(p.breakdown.attention).toBe(32 * (4096 * 6144 + 6144 + 4096 * 4096 + 4096));
    expect(p.breakdown.denseMlp).toBe(32 * (4096 * 2 * 14_336 + 2 * 14_336 + 14_336 * 4096 + 4096));
  });

  it('KV cache: K and V of 8 heads × 128 on all 32 layers, block-sparse ones included', () => {
    expect(kvCacheBytes(read(PHI3_SMALL_8K), 8192, 'bf16').bytesPerToken).toBe(32 * 2 * 8 * 128 * 2);
  });

  it('forward FLOPs per token ≈ 2 × active parameters + attention scores', () => {
    const spec = read(PHI3_SMALL_8K);
    const active = paramCount(spec).activeParams;
    const decode = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 8192 });
    // Decode reads 8192 keys per layer: 2 · 2 · 32 heads · 128 (Q·Kᵀ and P·V) per key, 32 layers.
    expect(decode.breakdown.attentionScores).toBe(32 * 4 * 32 * 128 * 8192);
    const weights = decode.flopsPerToken - decode.breakdown.attentionScores;
    // Biases and norms are not GEMM weights; the tied head runs once: within 0.1% of 2 × active.
    expect(Math.abs(weights / (2 * active) - 1)).toBeLessThan(1e-3);
    expect(decode.breakdown.head).toBe(2 * 100_352 * 4096);
  });

  it('follows the class defaults on omitted keys, tying, dense layers and ff_dim_multiplier', () => {
    const trimmed: Json = { ...PHI3_SMALL_8K };
    for (const k of [
      'hidden_act',
      'num_key_value_heads',
      'ff_dim_multiplier',
      'dense_attention_every_n_layers',
    ])
      delete trimmed[k];
    expect(read(trimmed)).toEqual(read(PHI3_SMALL_8K));
    const untied = paramCount(read({ ...PHI3_SMALL_8K, tie_word_embeddings: false })).totalParams;
    expect(untied).toBe(phi3SmallTensors({ ...SHAPE_8K, tied: false }));
    // attention_bias and head_dim are read by no Phi-3-small module: the biases stay.
    const other = read({ ...PHI3_SMALL_8K, attention_bias: true, head_dim: 64 });
    expect(paramCount(other).totalParams).toBe(7_392_272_384);
    // Every layer dense: no warning; null: every layer block-sparse.
    expect(read({ ...PHI3_SMALL_8K, dense_attention_every_n_layers: 1 }).warnings).toBeUndefined();
    expect(read({ ...PHI3_SMALL_8K, dense_attention_every_n_layers: null }).warnings?.[0]).toMatch(
      /^phi3small: the 32 block-sparse attention layers \(every layer\)/,
    );
    expect(read({ ...PHI3_SMALL_8K, dense_attention_every_n_layers: 4 }).warnings?.[0]).toMatch(
      /the 24 block-sparse attention layers \(layers i with \(i \+ 1\) % 4 ≠ 0\)/,
    );
    // ff_dim_multiplier 3: 3 · (4096 // 3) · 2 = 8190, padded to 8192 unless gegelu_pad_to_256 is false.
    const multiplied = { ...PHI3_SMALL_8K, ff_intermediate_size: null, ff_dim_multiplier: 3 };
    expect(read(multiplied).mlp.intermediateSize).toBe(8192);
    expect(read({ ...multiplied, gegelu_pad_to_256: false }).mlp.intermediateSize).toBe(8190);
    // The -128k release differs in context (LongRoPE), not in weights.
    const long = read({ ...PHI3_SMALL_8K, max_position_embeddings: 131_072 });
    expect(long.maxContextTokens).toBe(131_072);
    expect(paramCount(long).totalParams).toBe(7_392_272_384);
  });

  it('refuses malformed fields, naming them', () => {
    const act = inputErrorOf(() => read({ ...PHI3_SMALL_8K, hidden_act: 'silu' }));
    expect(act.message).toMatch(/'hidden_act' must be "gegelu" \(Phi3SmallMLP asserts it\), got "silu"/);
    expect(act.issues[0]?.path).toEqual(['hidden_act']);
    expect(inputErrorOf(() => read({ ...PHI3_SMALL_8K, hidden_size: 4100 })).message).toMatch(
      /'hidden_size' \(4100\) must be divisible by 'num_attention_heads' \(32\)/,
    );
    expect(inputErrorOf(() => read({ ...PHI3_SMALL_8K, num_key_value_heads: 6 })).message).toMatch(
      /'num_key_value_heads' \(6\) must divide num_attention_heads \(32\)/,
    );
    const kernel = inputErrorOf(() => read({ ...PHI3_SMALL_8K, blocksparse_triton_kernel_block_size: 128 }));
    expect(kernel.message).toMatch(/\(128\) must equal blocksparse_block_size \(64\)/);
    expect(kernel.issues[0]?.path).toEqual(['blocksparse_triton_kernel_block_size']);
    expect(inputErrorOf(() => read({ ...PHI3_SMALL_8K, ff_dim_multiplier: 3 })).message).toMatch(
      /'ff_dim_multiplier' must be null while ff_intermediate_size is set \(absent, it defaults to 14336\)/,
    );
    const { ff_intermediate_size: _, ...noSize } = PHI3_SMALL_8K as Record<string, Json>;
    expect(inputErrorOf(() => read({ ...noSize, ff_dim_multiplier: 3 })).issues[0]?.path).toEqual([
      'ff_dim_multiplier',
    ]);
    const neither = inputErrorOf(() => read({ ...PHI3_SMALL_8K, ff_intermediate_size: null }));
    expect(neither.message).toMatch(/'ff_intermediate_size' or ff_dim_multiplier must be set/);
    expect(
      inputErrorOf(() => read({ ...PHI3_SMALL_8K, dense_attention_every_n_layers: 1.5 })).message,
    ).toMatch(/'dense_attention_every_n_layers' must be a non-negative integer, got 1.5/);
  });
});
