/**
 * DeciLM (`deci`, decilm.ts), read by calling the family directly: counts tensor by tensor from the
 * modules of the remote modeling_decilm.py (optimum-habana's port; tt-forge-models loads the release
 * into the same LlamaDecoderLayer shapes with strict=True): embed_tokens [V, h]; per layer
 * input_layernorm and post_attention_layernorm [h], q_proj [H·d, h], k_proj and v_proj [K_i·d, h]
 * with K_i = num_key_value_heads_per_layer[i], o_proj [h, H·d], gate/up_proj [I, h], down_proj [h, I],
 * no bias anywhere; model.norm [h]; lm_head [V, h] unless tied.
 *
 * Fixture `hand-built/deci-variable-gqa.json`: a test shape on Deci/DeciLM-7B's dimensions, not the release (no stored source quotes
 * its config.json). From sources: 32 layers, 32 heads, 8192 positions and "7.04 billion" (the model
 * card), model_type "deci" and the one added key (configuration_decilm.py), the vocabulary of 32,000
 * (its tokenizer.json is byte-identical to Mistral-7B-v0.1's, per a stored tokenizer registry),
 * `transformers_version` 4.35.2 (the vendored LlamaConfig). Recalled: hidden 4096 and MLP 14336
 * (Mistral-7B's shape). The per-layer list is a STAND-IN: 8 layers of 4 KV heads, 8 of 2, 16 of 1
 * (64 in all). Any list summing to 64–68 gives a total that rounds to the card's 7.04B; the release's
 * own list was not found, so the totals below check the reader, not the release's exact figures.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes, kvHeadCounts } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { decilm } from './decilm.js';
import { Fields, type Json } from './fields.js';

const DECILM_7B = hfFixture('hand-built/deci-variable-gqa');
const read = (config: Json): ModelSpec => decilm(new Fields(config, 'deci'), 'x');

interface Shape {
  readonly vocab: number;
  readonly h: number;
  readonly heads: number;
  readonly kv: readonly number[];
  readonly inter: number;
  readonly tied: boolean;
}

/** DeciLMForCausalLM's state dict, from the config's numbers alone. */
function decilmTensors(c: Shape): number {
  const d = c.h / c.heads;
  const layer = (kv: number): number =>
    2 * c.h + c.h * c.heads * d + 2 * c.h * kv * d + c.heads * d * c.h + 3 * c.h * c.inter;
  const layers = c.kv.reduce((sum, kv) => sum + layer(kv), 0);
  return c.vocab * c.h + layers + c.h + (c.tied ? 0 : c.vocab * c.h);
}

const STAND_IN_KV = [...Array(8).fill(4), ...Array(8).fill(2), ...Array(16).fill(1)] as number[];
const SHAPE_7B: Shape = { vocab: 32_000, h: 4096, heads: 32, kv: STAND_IN_KV, inter: 14_336, tied: false };
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe("deci (DeciLM-7B's dimensions, a stand-in per-layer KV list)", () => {
  it('reads 32 heads of 128, KV heads per layer (4 model-wide, fewer carried by the layer), SwiGLU 14336', () => {
    const spec = read(DECILM_7B);
    expect(spec.modelType).toBe('deci');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 4,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 14_336, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.layers).toHaveLength(32);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    const modelWide = spec.attention.kind === 'gqa' ? spec.attention.numKvHeads : 0;
    expect(spec.layers.map((l) => l.numKvHeads ?? modelWide)).toEqual(STAND_IN_KV);
    expect(spec.layers[0]).toEqual({ attention: 'full', mlp: 'dense' });
    expect(spec.layers[31]).toEqual({ attention: 'full', mlp: 'dense', numKvHeads: 1 });
    expect(kvHeadCounts(spec)).toEqual([1, 2, 4]);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(8192);
    expect(spec.vocabSize).toBe(32_000);
    expect(spec.activation).toBe('silu');
    expect(spec.warnings).toBeUndefined();
  });

  it("counts the tensors: 7,040,405,504 with the stand-in list (any sum of 64–68 rounds to the card's 7.04B)", () => {
    const p = paramCount(read(DECILM_7B));
    expect(p.totalParams).toBe(decilmTensors(SHAPE_7B));
    expect(p.totalParams).toBe(7_040_405_504);
    expect((p.totalParams / 1e9).toFixed(2)).toBe('7.04');
    expect(p.embeddingParams).toBe(2 * 32_000 * 4096);
    // k_proj and v_proj follow each layer's own KV heads: 64 heads × 2 × 4096 × 128 in all.
    expect(p.breakdown.attention).toBe(32 * 2 * 4096 * 4096 + sum(STAND_IN_KV) * 2 * 4096 * 128);
    expect(p.breakdown.denseMlp).toBe(32 * 3 * 4096 * 14_336);
    expect(p.breakdown.norms).toBe(65 * 4096);
    // A 4-head layer holds 3 × 2 × 4096 × 128 more than a 1-head layer.
    expect(p.perLayer[0]!.totalParams - p.perLayer[31]!.totalParams).toBe(3 * 2 * 4096 * 128);
  });

  it('KV cache: each layer caches its own KV heads (64 in all), half of uniform GQA at 4', () => {
    const spec = read(DECILM_7B);
    const kv = kvCacheBytes(spec, 8192, 'bf16');
    // K and V of 128 each per KV head, bf16, summed over the layers' own heads.
    expect(kv.bytesPerToken).toBe(sum(STAND_IN_KV) * 2 * 128 * 2);
    expect(kv.bytesPerToken).toBe(32_768);
    expect(kv.bytesPerSequence).toBe(32_768 * 8192);
    const uniform = read({ ...DECILM_7B, num_key_value_heads_per_layer: Array(32).fill(4) });
    expect(kvCacheBytes(uniform, 8192, 'bf16').bytesPerToken).toBe(2 * kv.bytesPerToken);
  });

  it("decode FLOPs: q and o full width, k and v at each layer's KV heads; the untied head", () => {
    const f = forwardFlopsPerToken(read(DECILM_7B), { attentionMode: 'decode', contextTokens: 8192 });
    const d = 128;
    const qo = 2 * 4096 * 4096;
    expect(f.breakdown.attentionProjections).toBe(2 * (32 * qo + sum(STAND_IN_KV) * 2 * 4096 * d));
    expect(f.breakdown.denseMlp).toBe(32 * 2 * 3 * 4096 * 14_336);
    expect(f.breakdown.head).toBe(2 * 32_000 * 4096);
  });

  it('follows LlamaConfig on omitted keys and tying; never reads head_dim or num_key_value_heads', () => {
    const trimmed: Json = { ...DECILM_7B };
    for (const k of ['vocab_size', 'hidden_act', 'tie_word_embeddings']) delete trimmed[k];
    expect(read(trimmed)).toEqual(read(DECILM_7B));
    const { max_position_embeddings: _, ...noPositions } = DECILM_7B;
    expect(read(noPositions).maxContextTokens).toBe(2048);
    expect(read({ ...DECILM_7B, head_dim: 64, num_key_value_heads: 32 })).toEqual(read(DECILM_7B));
    const tied = read({ ...DECILM_7B, tie_word_embeddings: true });
    expect(paramCount(tied).totalParams).toBe(decilmTensors({ ...SHAPE_7B, tied: true }));
    const small = { vocab: 1000, h: 256, heads: 8, kv: [8, 2, 1], inter: 512, tied: false };
    const spec = read({
      model_type: 'deci',
      vocab_size: 1000,
      hidden_size: 256,
      num_attention_heads: 8,
      num_hidden_layers: 3,
      intermediate_size: 512,
      num_key_value_heads_per_layer: [8, 2, 1],
    });
    expect(spec.attention).toMatchObject({ numHeads: 8, numKvHeads: 8, headDim: 32 });
    expect(paramCount(spec).totalParams).toBe(decilmTensors(small));
  });

  it('warns that attention_bias and mlp_bias are not read (the Linears have no bias)', () => {
    const spec = read({ ...DECILM_7B, attention_bias: true, mlp_bias: true });
    expect(spec.attention).toMatchObject({ qkvBias: false, outputBias: false });
    expect(spec.mlp.bias).toBe(false);
    expect(paramCount(spec).totalParams).toBe(7_040_405_504);
    expect(spec.warnings).toEqual([
      'deci: attention_bias and mlp_bias true is not read: DeciLMAttention and LlamaMLP build their Linears without bias (modeling_decilm.py); bias tensors in the checkpoint are not counted',
    ]);
  });

  it('refuses malformed fields, naming them', () => {
    const key = 'num_key_value_heads_per_layer';
    const { [key]: _, ...noList } = DECILM_7B;
    const missing = inputErrorOf(() => read(noList));
    expect(missing.issues[0]?.path).toEqual([key]);
    expect(missing.message).toMatch(/'num_key_value_heads_per_layer' is required/);
    const short = inputErrorOf(() => read({ ...DECILM_7B, [key]: STAND_IN_KV.slice(1) }));
    expect(short.message).toMatch(/must list 32 KV head counts \(one per layer\), got 31/);
    const three = STAND_IN_KV.map((k, i) => (i === 5 ? 3 : k));
    const indivisible = inputErrorOf(() => read({ ...DECILM_7B, [key]: three }));
    expect(indivisible.message).toMatch(
      /\(3 at layer 5\) must be at least 1 and divide num_attention_heads \(32\)/,
    );
    expect(indivisible.issues[0]?.path).toEqual([key]);
    const zero = STAND_IN_KV.map((k, i) => (i === 0 ? 0 : k));
    expect(inputErrorOf(() => read({ ...DECILM_7B, [key]: zero })).message).toMatch(/\(0 at layer 0\)/);
    expect(inputErrorOf(() => read({ ...DECILM_7B, [key]: 4 })).issues[0]?.path).toEqual([key]);
    expect(inputErrorOf(() => read({ ...DECILM_7B, hidden_size: 4097 })).message).toMatch(
      /'hidden_size' \(4097\) must be divisible by 'num_attention_heads' \(32\)/,
    );
  });
});
