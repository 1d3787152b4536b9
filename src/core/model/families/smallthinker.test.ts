/**
 * PowerInfer SmallThinker (`smallthinker`), read by calling the family directly: counts tensor by tensor
 * from the modules of the remote `modeling_smallthinker.py` (SmallThinkerAttention, SmallThinkerExpert,
 * SmallThinkerMoeBlock, SmallThinkerDecoderLayer, SmallThinkerModel, SmallThinkerForCausalLM), the KV
 * cache per layer kind, SmallThinkerConfig's defaults, and errors that name the field.
 *
 * Fixtures: `hand-built/smallthinker-4ba0.6b-instruct.json`, the released config.json of
 * PowerInfer/SmallThinker-4BA0.6B-Instruct as quoted in stored code; `hand-built/smallthinker-21ba3b-instruct.json`,
 * PowerInfer/SmallThinker-21BA3B-Instruct rebuilt from the 4B's keys with the 21B's sizes (the SmallThinker
 * README's model summary), its 1-in-4 full/NoPE layout (13 full layers at 0, 4, 8, … and 39 sliding, window
 * 4096: llama.cpp `set_swa_pattern(4, true)`, a shipped-config test) and an untied head (the 21.5B total a
 * safetensors survey reports).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { smallthinker } from './smallthinker.js';

const fixture = (name: string): Json =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  );

const SMALL = fixture('smallthinker-4ba0.6b-instruct');
const LARGE = fixture('smallthinker-21ba3b-instruct');

const read = (config: Json) => smallthinker(new Fields(config, 'smallthinker'), 'smallthinker');

interface Shape {
  readonly layers: number;
  readonly h: number;
  readonly heads: number;
  readonly kv: number;
  readonly experts: number;
  readonly topK: number;
  readonly tied: boolean;
}

/** SmallThinkerForCausalLM's tensors: vocabulary 151,936, head_dim 128, experts of 768. */
function counts({ layers, h, heads, kv, experts, topK, tied }: Shape) {
  const [vocab, d, ffn] = [151_936, 128, 768];
  // q_proj and o_proj (h ↔ heads·d), k_proj and v_proj (h → kv·d), no bias.
  const attention = 2 * h * heads * d + 2 * h * kv * d;
  // SmallThinkerExpert: up, gate (h → ffn) and down (ffn → h), no bias.
  const expert = 3 * h * ffn;
  const router = h * experts; // primary_router, no bias
  const norms = 2 * h; // input_layernorm, post_attention_layernorm
  const embedding = vocab * h; // embed_tokens; lm_head the same shape
  const head = tied ? 0 : embedding;
  const total = layers * (attention + experts * expert + router + norms) + embedding + head + h;
  // A token runs topK of the experts; active counts the embedding and the head (once when tied).
  const active = total - layers * (experts - topK) * expert;
  return { total, active };
}

const SMALL_SHAPE: Shape = { layers: 32, h: 1536, heads: 12, kv: 2, experts: 32, topK: 4, tied: true };
const LARGE_SHAPE: Shape = { layers: 52, h: 2560, heads: 28, kv: 4, experts: 64, topK: 6, tied: false };

describe('smallthinker', () => {
  it('SmallThinker-4BA0.6B: 32 full-attention layers, 32 ReGLU experts top-4 in each, tied head', () => {
    const spec = read(SMALL);
    const c = counts(SMALL_SHAPE);
    const count = paramCount(spec);
    expect(count.totalParams).toBe(c.total);
    expect(count.totalParams).toBe(4_035_085_824);
    expect(count.activeParams).toBe(c.active);
    expect(count.activeParams).toBe(864_192_000);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 12,
      numKvHeads: 2,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.moe).toMatchObject({
      numExperts: 32,
      topK: 4,
      expertIntermediateSize: 768,
      gated: true,
      routerBias: false,
      expertBias: false,
      numSharedExperts: 0,
    });
    expect(spec.activation).toBe('relu');
    expect(spec.maxContextTokens).toBe(32_768);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'moe')).toBe(true);
    // K and V of 2 heads × 128 in every layer, bf16, over the whole context.
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(32 * 2 * 2 * 128 * 2 * 32_768);
  });

  it('SmallThinker-21BA3B: 13 full and 39 sliding layers, 64 experts top-6, untied head', () => {
    const spec = read(LARGE);
    const c = counts(LARGE_SHAPE);
    const count = paramCount(spec);
    expect(count.totalParams).toBe(c.total);
    expect(count.totalParams).toBe(21_506_562_560);
    expect(count.activeParams).toBe(c.active);
    expect(count.activeParams).toBe(3_717_470_720);
    expect(spec.moe?.topK).toBe(6);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.slidingWindow).toBe(4096);
    const full = spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []));
    expect(full).toEqual(Array.from({ length: 13 }, (_, i) => 4 * i));
    expect(spec.layers.filter((l) => l.attention === 'sliding')).toHaveLength(39);
    // At 16K: the 13 full layers keep every token, the 39 sliding ones their 4,096-token window.
    const perTokenLayer = 2 * 4 * 128 * 2;
    const kv = kvCacheBytes(spec, 16_384, 'bf16');
    expect(kv.bytesPerSequence).toBe(perTokenLayer * (13 * 16_384 + 39 * 4096));
    expect([kv.fullLayers, kv.slidingLayers]).toEqual([13, 39]);
  });

  it('SmallThinkerConfig defaults: a bare config reads as the 4B shape at 131,072 positions', () => {
    const bare = read({ model_type: 'smallthinker' });
    expect(paramCount(bare).totalParams).toBe(counts(SMALL_SHAPE).total);
    expect(bare.maxContextTokens).toBe(4096 * 32);
    expect(bare.tieWordEmbeddings).toBe(true);
    // Sliding layers without a window size take the class default 4096.
    const { sliding_window_size: _w, ...noWindow } = LARGE as Record<string, unknown>;
    expect(read(noWindow as Json).slidingWindow).toBe(4096);
  });

  it('errors name the field', () => {
    const short = inputErrorOf(() => read({ ...SMALL, sliding_window_layout: [0, 1] }));
    expect(short.issues[0]?.path).toEqual(['sliding_window_layout']);
    expect(short.message).toMatch(/one 0 \(full attention\) or 1 \(sliding window\) per layer \(32\), got 2/);
    const flag = inputErrorOf(() => read({ ...SMALL, sliding_window_layout: Array(32).fill(2) }));
    expect(flag.issues[0]?.path).toEqual(['sliding_window_layout']);
    const topK = inputErrorOf(() => read({ ...SMALL, moe_num_active_primary_experts: 33 }));
    expect(topK.issues[0]?.path).toEqual(['moe_num_active_primary_experts']);
    const window = inputErrorOf(() => read({ ...LARGE, sliding_window_size: 0 }));
    expect(window.issues[0]?.path).toEqual(['sliding_window_size']);
  });
});
