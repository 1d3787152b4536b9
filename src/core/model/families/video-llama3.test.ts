/**
 * VideoLLaMA3 (`video_llama_3`), video-llama3.ts: VideoLLaMA3-7B in transformers' format counted from
 * the module shapes of its Qwen2.5-7B text model, SigLIP-NaViT encoder and projector; a malformed
 * vision_config refused by name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';
import { videoLlama3Wrapper } from './video-llama3.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/video-llama3-7b.json', import.meta.url),
      'utf8',
    ),
  ) as Cfg;

const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const read = (json: Cfg) => videoLlama3Wrapper(familyOf)(new Fields(json, 'video_llama_3'), 'x');

// Qwen2.5-7B: 152,064 tokens, hidden 3584, 28 layers, 28 heads of 128, 4 KV heads, MLP 18,944.
const [V, H, I, L, heads, kv, hd] = [152_064, 3584, 18_944, 28, 28, 4, 128];
/** Untied embedding and head; q, k, v with bias, o without; gate/up/down; two RMSNorms; final norm. */
const text =
  2 * V * H +
  L * (H * heads * hd + heads * hd + 2 * (H * kv * hd + kv * hd) + heads * hd * H + 3 * H * I + 2 * H) +
  H;

// SigLIP-NaViT (so400m shape): 1152 wide, 27 layers, MLP 4304, patch 14.
const [h, depth, inter, patch] = [1152, 27, 4304, 14];
/** patch_embedding with bias, blocks (2 LayerNorms, q/k/v/out with bias, fc1/fc2 with bias), post_layernorm. */
const encoder =
  3 * patch * patch * h +
  h +
  depth * (2 * 2 * h + 4 * (h * h + h) + (h * inter + inter) + (inter * h + h)) +
  2 * h;
/** readout.0 (h → H) and readout.2 (H → H), with bias. */
const projector = h * H + H + H * H + H;

describe('video_llama_3 (VideoLLaMA3-7B)', () => {
  it('text 7,615,616,512 + encoder 412,147,440 + projector 16,980,992 = 8,044,744,944', () => {
    const spec = read(fixture());
    expect(spec.modelType).toBe('video_llama_3');
    expect(paramCount(spec).totalParams).toBe(text);
    expect(text).toBe(7_615_616_512);
    expect(encoder).toBe(412_147_440);
    expect(projector).toBe(16_980_992);
    expect(spec.vision?.params).toBe(encoder + projector);
    expect(text + encoder + projector).toBe(8_044_744_944);
    expect(spec.vision?.description).toBe('SigLIP-NaViT 27 × 1152, patch 14, projector 1152 → 3584 → 3584');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(kvCacheBytes(spec, 1000, 'bf16').bytesPerToken).toBe(L * 2 * kv * hd * 2);
  });

  it("fills VideoLlama3VisionConfig's defaults; ties the head when the text config does", () => {
    const cfg = fixture();
    cfg.vision_config = { model_type: 'video_llama_3_vision' };
    const [w, n, m, p] = [768, 12, 3072, 16];
    const base = 3 * p * p * w + w + n * (4 * w + 4 * (w * w + w) + (w * m + m) + (m * w + w)) + 2 * w;
    expect(read(cfg).vision?.params).toBe(base + w * H + H + H * H + H);
    const tied = read({ ...fixture(), text_config: { ...fixture().text_config, tie_word_embeddings: true } });
    expect(tied.tieWordEmbeddings).toBe(true);
    expect(paramCount(tied).totalParams).toBe(text - V * H);
  });

  it('refuses a malformed vision_config, naming the field', () => {
    const vision = (patch: Cfg) =>
      read({ ...fixture(), vision_config: { ...fixture().vision_config, ...patch } });
    expect(() => vision({ num_attention_heads: 7 })).toThrowError(
      /'vision_config\.num_attention_heads' \(7\) must divide hidden_size \(1152\)/,
    );
    expect(() => vision({ model_type: 'siglip_vision_model' })).toThrowError(
      /'vision_config\.model_type' is 'siglip_vision_model'/,
    );
    expect(() => vision({ patch_size: 0 })).toThrowError(/'vision_config\.patch_size'/);
  });
});
