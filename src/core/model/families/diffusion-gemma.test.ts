/**
 * DiffusionGemma (`diffusion_gemma`, diffusion-gemma.ts): the Gemma 4 26B A4B trunk shared by the
 * encoder and the decoder (modular_diffusion_gemma.py), Gemma 4's vision tower counted apart, the
 * choices the modules fix whatever the config says, and the fields it refuses by name, on the
 * released google/diffusiongemma-26B-A4B-it config.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { diffusionGemma, diffusionGemmaText } from './diffusion-gemma.js';
import { Fields, type Json } from './fields.js';

const released = (): Json & { text_config: Json } =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/diffusion-gemma.json', import.meta.url),
      'utf8',
    ),
  );

const read = (config: Json) => diffusionGemma(new Fields(config, 'diffusion_gemma'), 'x');

/** The released config with `text` overrides in its text_config. */
const withText = (text: Json, top: Json = {}) => {
  const c = released();
  return { ...c, ...top, text_config: { ...c.text_config, ...text } };
};

// The released text shape: h, vocabulary, 16 heads, 25 sliding and 5 full layers, experts.
const h = 2816;
const vocab = 262_144;
const inter = 2112;
const [experts, topK, expert] = [128, 8, 704];
// Sliding layers: q and o of 16 × 256, k and v of 8 × 256, q/k norms of 256.
const sliding = 2 * h * 16 * 256 + 2 * h * 8 * 256 + 2 * 256;
// Full layers: q and o of 16 × 512, k of 2 × 512 and no v_proj, q/k norms of 512.
const full = 2 * h * 16 * 512 + h * 2 * 512 + 2 * 512;
// Dense GeGLU MLP; router proj, scale and per-expert scale; fused experts; seven RMSNorms.
const moeBlock = 3 * h * inter + (h * experts + h + experts) + experts * 3 * h * expert + 7 * h;
const trunk = 25 * sliding + 5 * full + 30 * moeBlock + h + vocab * h;

describe('DiffusionGemma', () => {
  it('diffusiongemma-26B-A4B-it: one 25,233,141,760-parameter trunk, 3,822,530,560 active, 572,792,112 in the vision tower', () => {
    const spec = read(released());
    const p = paramCount(spec);
    expect(p.totalParams).toBe(trunk);
    expect(p.totalParams).toBe(25_233_141_760);
    // A token runs top_k_experts of the experts; everything else is active.
    expect(p.activeParams).toBe(trunk - 30 * (experts - topK) * 3 * h * expert);
    expect(p.activeParams).toBe(3_822_530_560);
    // Gemma 4 ViT 27 × 1152 (16 heads and KV heads of 72, MLP 4304), patch 16, 10,240 positions × 2,
    // and embed_vision (1152 → h).
    const v = 1152;
    const block = v * 48 * 72 + 16 * 72 * v + 3 * v * 4304 + 2 * 72 + 4 * v;
    expect(p.visionParams).toBe(3 * 16 * 16 * v + 2 * 10_240 * v + 27 * block + v * h);
    expect(spec.modelType).toBe('diffusion_gemma');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(262_144);
  });

  it('is the Gemma 4 26B A4B text model and tower: encoder and decoder tie every trunk weight', () => {
    const gemma = paramCount(specFromHfConfig(hfFixture('gemma-4-26b-a4b'), '26b'));
    const p = paramCount(read(released()));
    expect(p.totalParams).toBe(gemma.totalParams);
    expect(p.activeParams).toBe(gemma.activeParams);
    expect(p.visionParams).toBe(gemma.visionParams);
  });

  it('KV cache: 25 sliding layers of 8 × 256 keys and values within 1,024 tokens, 5 full ones of 2 × 512', () => {
    const spec = read(released());
    expect(spec.slidingWindow).toBe(1024);
    expect(spec.layers.map((l) => (l.attention === 'full' ? 'F' : 's')).join('')).toBe('sssssF'.repeat(5));
    expect(spec.fullAttention).toMatchObject({ numKvHeads: 2, headDim: 512, valueFromKey: true });
    const slidingElements = 2 * 8 * 256;
    // Keys serve as values on full layers, yet the cache keeps both (v_norm makes them differ).
    const fullElements = 2 * 2 * 512;
    const kv = kvCacheBytes(spec, 32_768, 'bf16');
    expect(kv.bytesPerToken).toBe(2 * (25 * slidingElements + 5 * fullElements));
    expect(kv.bytesPerSequence).toBe(2 * (25 * slidingElements * 1024 + 5 * fullElements * 32_768));
  });

  it('warns of the uncounted self-conditioning block and of block-diffusion decoding', () => {
    const warnings = read(released()).warnings?.join('\n') ?? '';
    const selfConditioning = 3 * h * inter + h;
    expect(warnings).toContain(`${selfConditioning.toLocaleString('en-US')} parameters`);
    expect(warnings).toContain('canvas_length (256)');
    expect(warnings).toContain('block diffusion');
    expect(read({ ...released(), canvas_length: 64 }).warnings?.join('\n')).toContain('canvas_length (64)');
  });

  it('fixes the MoE block, keys as values on full layers, no PLE and no KV sharing, whatever the config says', () => {
    const odd = withText({
      enable_moe_block: false,
      attention_k_eq_v: false,
      hidden_size_per_layer_input: 256,
      num_kv_shared_layers: 10,
      use_double_wide_mlp: true,
    });
    expect(paramCount(read(odd)).totalParams).toBe(trunk);
  });

  it('reads per_layer_config, as newer transformers writes the full layers, to the same shape', () => {
    const { global_head_dim: _g, num_global_key_value_heads: _k, ...text } = released().text_config;
    const overrides = { head_dim: 512, num_key_value_heads: 2 };
    const perLayer = Object.fromEntries([5, 11, 17, 23, 29].map((i) => [String(i), overrides]));
    const config = { ...released(), text_config: { ...text, per_layer_config: perLayer } };
    expect(paramCount(read(config)).totalParams).toBe(trunk);
  });

  it('a bare diffusion_gemma_text config reads as the trunk; omitted keys take the class defaults', () => {
    const bare = diffusionGemmaText(new Fields(released().text_config, 'diffusion_gemma_text'), 'bare');
    expect(paramCount(bare).totalParams).toBe(trunk);
    expect(bare.vision).toBeNull();
    const { hidden_size: _h, vocab_size: _v, sliding_window: _w, ...text } = released().text_config;
    const defaults = read({ ...released(), text_config: text, vision_config: null });
    expect(defaults.hiddenSize).toBe(2304);
    expect(defaults.vocabSize).toBe(262_144);
    expect(defaults.slidingWindow).toBe(512);
    expect(defaults.vision).toBeNull();
  });

  it('refuses by name what it does not model, and a config without the MoE shape', () => {
    expect(() => read(withText({ use_bidirectional_attention: 'all' }))).toThrow(
      /text_config\.use_bidirectional_attention.*'all' makes the encoder attend both ways/,
    );
    expect(() => read({ ...released(), tie_word_embeddings: false })).toThrow(
      /tie_word_embeddings.*false undoes all of DiffusionGemma's ties/,
    );
    expect(() => read(withText({ tie_word_embeddings: false }))).toThrow(
      /text_config\.tie_word_embeddings.*false undoes/,
    );
    const { num_experts: _e, ...text } = released().text_config;
    expect(() => read({ ...released(), text_config: text })).toThrow(/text_config\.num_experts/);
    expect(() => read({ ...released(), canvas_length: 0 })).toThrow(/canvas_length/);
  });
});
