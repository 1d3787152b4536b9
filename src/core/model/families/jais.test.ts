/**
 * Jais (`jais`), read by calling the family directly: counts tensor by tensor from the modules of the
 * remote modeling_jais.py (as vLLM `models/jais.py` ports it: JAISAttention, JAISMLP, JAISBlock,
 * JAISModel with relative_pe, JAISLMHeadModel), the KV cache, JAISConfig's defaults, and errors that
 * name the field.
 *
 * Fixtures: `hand-built/jais-13b.json` and `hand-built/jais-30b-v3.json`: the shapes of Cerebras
 * modelzoo's params_jais_13b.yaml / params_jais_30b.yaml (hidden_size → n_embd, filter_size → n_inner,
 * num_heads → n_head, num_hidden_layers → n_layer, max_position_embeddings → n_positions, SwiGLU, ALiBi,
 * share_embedding_weights → tied) under the HF keys jais_hf_cs.py writes; the muP keys in the older
 * (13b: embeddings_scale, width_scale, scale_qk_dot_by_d) and newer (30b-v3: mup_*) spellings vLLM reads.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { jais } from './jais.js';

const fixture = (file: string): Json =>
  JSON.parse(
    readFileSync(new URL(`../../../../test/fixtures/hf-configs/hand-built/${file}`, import.meta.url), 'utf8'),
  );
const JAIS_13B = fixture('jais-13b.json');
const JAIS_30B = fixture('jais-30b-v3.json');

const read = (config: Json) => jais(new Fields(config, 'jais'), 'x');

/** A Conv1D / Linear in → out with its bias. */
const linear = (i: number, o: number) => i * o + o;

/** JAISLMHeadModel's tensors: `swiglu` adds c_fc2, `alibi` the slopes instead of wpe; lm_head tied. */
function shapes(s: {
  vocab: number;
  h: number;
  layers: number;
  heads: number;
  inner: number;
  positions: number;
  swiglu: boolean;
  alibi: boolean;
}) {
  const attention = linear(s.h, 3 * s.h) + linear(s.h, s.h); // c_attn, c_proj
  const mlp = (s.swiglu ? 2 : 1) * linear(s.h, s.inner) + linear(s.inner, s.h); // c_fc (+ c_fc2), c_proj
  const block = 2 * s.h + attention + 2 * s.h + mlp; // ln_1, attn, ln_2, mlp (LayerNorms with bias)
  const positions = s.alibi ? s.heads : s.positions * s.h; // relative_pe.slopes, or wpe
  return s.vocab * s.h + positions + s.layers * block + 2 * s.h; // wte, …, h, ln_f
}

describe('jais', () => {
  it('jais-13b: 40 SwiGLU blocks of 5120, MHA of 40 heads, ALiBi, tied head: 13,020,811,960', () => {
    const spec = read(JAIS_13B);
    const total = shapes({
      vocab: 84_992,
      h: 5120,
      layers: 40,
      heads: 40,
      inner: 13_653,
      positions: 2048,
      swiglu: true,
      alibi: true,
    });
    expect(paramCount(spec).totalParams).toBe(total);
    expect(total).toBe(13_020_811_960);
    expect(paramCount(spec).activeParams).toBe(total);
    expect(spec.attention).toMatchObject({
      numHeads: 40,
      numKvHeads: 40,
      headDim: 128,
      qkvBias: true,
      outputBias: true,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 13_653, gated: true, bias: true });
    expect(spec.learnedPositionEmbeddings).toBe(0);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(2048);
    // K and V of all 40 heads × 128 on each of the 40 layers, bf16.
    expect(kvCacheBytes(spec, 2048, 'bf16').bytesPerToken).toBe(40 * 2 * 40 * 128 * 2);
  });

  it('jais-30b-v3: 48 SwiGLU blocks of 7168, 56 heads, 8K context: 30,208,489,464', () => {
    const spec = read(JAIS_30B);
    const total = shapes({
      vocab: 84_992,
      h: 7168,
      layers: 48,
      heads: 56,
      inner: 19_114,
      positions: 8192,
      swiglu: true,
      alibi: true,
    });
    expect(paramCount(spec).totalParams).toBe(total);
    expect(total).toBe(30_208_489_464);
    expect(spec.maxContextTokens).toBe(8192);
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerToken).toBe(48 * 2 * 56 * 128 * 2);
  });

  it('learned positions add wpe and drop the slopes; a GELU MLP has no c_fc2; an untied head adds vocab × h', () => {
    const learned = { ...JAIS_13B, position_embedding_type: 'learned' };
    const sizes = { vocab: 84_992, h: 5120, layers: 40, heads: 40, inner: 13_653, positions: 2048 };
    expect(paramCount(read(learned)).totalParams).toBe(shapes({ ...sizes, swiglu: true, alibi: false }));
    const gelu = { ...JAIS_13B, activation_function: 'gelu_new' };
    expect(paramCount(read(gelu)).totalParams).toBe(shapes({ ...sizes, swiglu: false, alibi: true }));
    const untied = { ...JAIS_13B, tie_word_embeddings: false };
    expect(paramCount(read(untied)).totalParams - paramCount(read(JAIS_13B)).totalParams).toBe(84_992 * 5120);
  });

  it("JAISConfig's defaults: a bare config is GPT-2 small's shape, learned positions, GELU", () => {
    const bare = read({ model_type: 'jais' });
    const total = shapes({
      vocab: 50_257,
      h: 768,
      layers: 12,
      heads: 12,
      inner: 4 * 768,
      positions: 1024,
      swiglu: false,
      alibi: false,
    });
    expect(paramCount(bare).totalParams).toBe(total);
    expect(bare.activation).toBe('gelu_new');
  });

  it('errors name the field', () => {
    const heads = inputErrorOf(() => read({ ...JAIS_13B, n_head: 48 }));
    expect(heads.issues[0]?.path).toEqual(['n_head']);
    const inner = inputErrorOf(() => read({ ...JAIS_13B, n_inner: 'wide' }));
    expect(inner.issues[0]?.path).toEqual(['n_inner']);
    const cross = inputErrorOf(() => read({ ...JAIS_13B, add_cross_attention: true }));
    expect(cross.issues[0]?.path).toEqual(['add_cross_attention']);
  });
});
