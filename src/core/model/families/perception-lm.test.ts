/**
 * PerceptionLM (`perception_lm`), perception-lm.ts: the Llama text model by its own family, the timm
 * Perception Encoder (Eva) tower and PerceptionLMMultiModalProjector, counted here module by module on
 * facebook/Perception-LM-1B's shape (hand-built fixture: the converter's config over the PLM-1B recipe).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { perceptionLmWrapper } from './perception-lm.js';
import type { Family } from './readers.js';

const perceptionLm = perceptionLmWrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const FIXTURE: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/perception-lm-1b.json', import.meta.url),
    'utf8',
  ),
);
const release = (): Json => structuredClone(FIXTURE);
const read = (c: Json) => perceptionLm(new Fields(c, 'perception_lm'), 'perception-lm-1b');
const vision = (c: Json) => c.vision_config as Json;
const modelArgs = (c: Json) => vision(c).model_args as Json;

// Llama 3.2 1B: 16 layers of 2048, 32 query heads and 8 KV heads of 64, SwiGLU 8192, vocab 128,256.
const h = 2048;
const vocab = 128_256;
const kv = 8 * 64;
// q_proj, k_proj, v_proj, o_proj (no bias), gate/up/down, input and post-attention RMSNorms.
const textLayer = 2 * h * h + 2 * h * kv + 3 * h * 8192 + 2 * h;
const textTied = vocab * h + 16 * textLayer + h;

// PE ViT 23 × 1024 at 448 px, patch 14: 32² patches and a cls token.
const w = 1024;
const patches = 32 * 32;
// An EvaBlock: norm1, norm2 (LayerNorm weight + bias), qkv [3w, w] + 3w bias, proj [w, w] + w,
// gamma_1 and gamma_2 [w], mlp fc1 [4w, w] + 4w, fc2 [w, 4w] + w.
const block = (d: number, inner: number) =>
  2 * 2 * d + 3 * d * d + 3 * d + d * d + d + 2 * d + d * inner + inner + inner * d + d;
// patch_embed.proj [w, 3, 14, 14] (no bias beside norm_pre), cls_token, pos_embed (patches + 1), norm_pre.
const tower = w * 3 * 14 * 14 + w + (patches + 1) * w + 2 * w + 23 * block(w, 4 * w);
// linear_1 [h, w] + h, linear_2 [h, h] + h.
const projector = (d: number, text: number) => d * text + text + text * text + text;

describe('PerceptionLM', () => {
  it('Perception-LM-1B: 1,235,814,400 in the tied Llama text model, 297,710,592 in the tower and projector', () => {
    const spec = read(release());
    expect(spec.modelType).toBe('perception_lm');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(paramCount(spec).totalParams).toBe(textTied);
    expect(paramCount(spec).totalParams).toBe(1_235_814_400);
    expect(spec.vision?.params).toBe(tower + projector(w, h));
    expect(spec.vision?.params).toBe(297_710_592);
    // The cls token is dropped, then 2×2 average pooling of the 32 × 32 grid leaves 256 tokens a tile.
    expect(spec.vision?.description).toMatch(
      /23 × 1024 .*448px tiles, patch 14 \(1024 patches → 256 tokens\)/,
    );
    expect(spec.vision?.flopsPerImage).toBeNull();
    // Every layer full attention: K and V of 8 heads × 64 in bf16.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(16 * 2 * kv * 2 * 4096);
  });

  it("ignores vision_config.num_classes (TimmWrapperModel builds num_classes=0) and reads timm's defaults", () => {
    const c = release();
    vision(c).num_classes = 5;
    // PE-Core's own post-norm and attention-pool head come back when model_args stop removing them.
    const { global_pool: _pool, use_post_transformer_norm: _post, ...args } = modelArgs(c);
    vision(c).model_args = args;
    // AttentionPoolLatent: latent [w], q [w, w] + w, kv [2w, w] + 2w, proj [w, w] + w, norm, mlp 4w.
    const attnPool = w + 4 * w * w + 4 * w + 2 * w + w * 4 * w + 4 * w + 4 * w * w + w;
    expect(read(c).vision?.params).toBe(tower + 2 * w + attnPool + projector(w, h));
  });

  it('Perception-LM-8B shape: the PE-G tower without cls token, 47 × 1536, MLP 8960, untied Llama 3.1 8B', () => {
    const c = release();
    c.text_config = {
      ...(c.text_config as Json),
      hidden_size: 4096,
      intermediate_size: 14_336,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      head_dim: 128,
      tie_word_embeddings: false,
    };
    c.vision_use_cls_token = false;
    c.vision_config = {
      ...vision(c),
      architecture: 'vit_pe_core_gigantic_patch14_448',
      model_args: { ...modelArgs(c), depth: 47, embed_dim: 1536 },
    };
    const spec = read(c);
    const g = 1536;
    const text8b =
      2 * vocab * 4096 + 32 * (2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14_336 + 2 * 4096) + 4096;
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(paramCount(spec).totalParams).toBe(text8b);
    // No cls token: pos_embed holds the patches only.
    const towerG = g * 3 * 14 * 14 + patches * g + 2 * g + 47 * block(g, 8960);
    expect(spec.vision?.params).toBe(towerG + projector(g, 4096));
    expect(spec.vision?.description).toMatch(/1024 patches → 256 tokens/);
  });

  it('ties by the top-level tie_word_embeddings first, else by text_config', () => {
    const c = release();
    c.tie_word_embeddings = false;
    expect(paramCount(read(c)).totalParams).toBe(textTied + vocab * h);
    const { tie_word_embeddings: _tie, ...text } = c.text_config as Json;
    c.text_config = text;
    c.tie_word_embeddings = undefined;
    // LlamaConfig's default is untied.
    expect(read(c).tieWordEmbeddings).toBe(false);
  });

  it('keeps every token without pooling (projector_pooling_ratio 1, the class default)', () => {
    const c = release();
    c.projector_pooling_ratio = undefined;
    expect(read(c).vision?.description).toMatch(/1024 patches → 1024 tokens/);
  });

  it('names the field of a bad or uncountable vision config', () => {
    const missing = release();
    modelArgs(missing).embed_dim = undefined;
    expect(() => read(missing)).toThrow(/vision_config\.model_args.*embed_dim/);
    const unknown = release();
    vision(unknown).architecture = 'resnet50';
    expect(() => read(unknown)).toThrow(/vision_config\.architecture/);
    const swiglu = release();
    modelArgs(swiglu).swiglu_mlp = true;
    expect(() => read(swiglu)).toThrow(/vision_config\.model_args\.swiglu_mlp/);
    const depth = release();
    modelArgs(depth).depth = 0;
    expect(() => read(depth)).toThrow(/vision_config\.model_args\.depth/);
    // Keeping the cls token leaves 1025 tokens, which PerceptionLMAdaptiveAvgPooling cannot pool.
    const cls = release();
    cls.vision_use_cls_token = false;
    expect(() => read(cls)).toThrow(/projector_pooling_ratio.*1025 tokens/);
    const absent = release();
    absent.vision_config = undefined;
    expect(() => read(absent)).toThrow(/vision_config/);
  });
});
