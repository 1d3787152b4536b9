/**
 * LLaVA's own flat configs (llava-original.ts), read by calling the family directly and through the
 * registry. The counts below rebuild LlavaLlamaForCausalLM / LlavaQwenForCausalLM's state dict from the
 * config numbers: model.embed_tokens [V, H]; per layer q/k/v_proj (Qwen2 with bias) and o_proj,
 * gate/up/down_proj, two RMSNorms [H]; model.norm [H]; lm_head [V, H] (untied); then
 * model.vision_tower.vision_tower (CLIPVisionModel: patch conv [h, 3, p, p] without bias, class
 * embedding [h], position table [(S/p)² + 1, h], pre_layrnorm and post_layernorm [h] weight and bias,
 * per layer two LayerNorms, q/k/v/out_proj with bias, fc1/fc2 with bias; SigLIP: patch conv with bias,
 * (S/p)² positions, no class token or pre-norm, 26 of so400m's 27 layers, post_layernorm, no head),
 * model.mm_projector (mlp2x_gelu: Linear(mm → H), GELU, Linear(H → H), with bias) and
 * model.image_newline [H] with "spatial_unpad".
 *
 * Fixtures: hand-built/llava-v1.5-7b.json (liuhaotian/llava-v1.5-7b's config.json as published);
 * llava-v1.6-vicuna-13b.json and llava-onevision-qwen2-7b-ov.json (the hub files as quoted in
 * PaddleMIX tests/models/test_llava.py, Python literals turned back into JSON).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { LLAMA_7B_SHAPE, type LlamaShape } from '../../../../test/llama-tensors.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { llavaOriginalFamily } from './llava-original.js';
import type { Family } from './readers.js';

const fixture = (file: string): Json => hfFixture(`hand-built/${file}`);

const V15_7B = fixture('llava-v1.5-7b');
const V16_13B = fixture('llava-v1.6-vicuna-13b');
const OV_7B = fixture('llava-onevision-qwen2-7b-ov');

const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const read = (config: Json, type = 'llava') => llavaOriginalFamily(familyOf)(new Fields(config, type), 'x');

/** Vicuna-7B's shape (LlamaConfig's 7B), which the other decoders below vary. */
const VICUNA_7B = { ...LLAMA_7B_SHAPE, qkvBias: false };

/** A Llama-like decoder's tensors: untied embedding and head, attention (Qwen2's q/k/v biases), SwiGLU, RMSNorms. */
function decoderTensors(c: Omit<LlamaShape, 'tied'> & { readonly qkvBias: boolean }): number {
  const kv = (c.kvHeads * c.h) / c.heads;
  const attention = 2 * c.h * c.h + 2 * c.h * kv + (c.qkvBias ? c.h + 2 * kv : 0);
  return 2 * c.vocab * c.h + c.layers * (attention + 3 * c.h * c.inter + 2 * c.h) + c.h;
}

/** A CLIP or SigLIP tower of width w, MLP m, `layers` blocks, patch p at `image` px (the conv floors). */
function towerTensors(
  kind: 'clip' | 'siglip',
  w: number,
  m: number,
  layers: number,
  p: number,
  image: number,
) {
  const patches = Math.floor(image / p) ** 2;
  const clip = kind === 'clip';
  const block = 2 * 2 * w + 4 * (w * w + w) + (w * m + m) + (m * w + w);
  // CLIP: a bias-free conv, the class embedding and pre_layrnorm; SigLIP: the conv's bias.
  const embeddings = 3 * p * p * w + w + (patches + (clip ? 1 : 0)) * w + (clip ? 2 * w : 0);
  return { patches, params: embeddings + layers * block + 2 * w };
}

/** build_vision_projector's mlpNx_gelu: Linear(mm → H), then N − 1 × Linear(H → H), all biased. */
const mlpGelu = (n: number, mm: number, H: number) => mm * H + H + (n - 1) * (H * H + H);

const CLIP_336 = towerTensors('clip', 1024, 4096, 24, 14, 336);

describe('llava (liuhaotian/llava-v1.5-7b, flat format)', () => {
  it('Vicuna-7B 6,738,415,616 + CLIP ViT-L/14-336 and mlp2x_gelu 324,487,168 = 7,062,902,784', () => {
    const spec = read(V15_7B);
    expect(spec.modelType).toBe('llava');
    expect(spec.layers).toHaveLength(32);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 32,
      headDim: 128,
      qkvBias: false,
    });
    const p = paramCount(spec);
    expect(p.totalParams).toBe(decoderTensors(VICUNA_7B));
    expect(p.totalParams).toBe(6_738_415_616);
    expect(p.activeParams).toBe(p.totalParams);
    const vision = CLIP_336.params + mlpGelu(2, 1024, 4096);
    expect(p.visionParams).toBe(vision);
    // The checkpoint's 7,062,902,784 (its index, fp16): every CLIP layer and post_layernorm included, though
    // mm_vision_select_layer -2 reads the second-to-last hidden state. The Hub card says "7B"; gap 0.
    expect(p.totalParams + p.visionParams).toBe(7_062_902_784);
    expect(spec.vision?.description).toBe(
      'CLIP 24 × 1024, 336px, patch 14, mlp2x_gelu projector (576 tokens)',
    );
    expect(spec.warnings).toBeUndefined();
  });

  it('"pad": the whole tower over 577 positions per image, then 576 patch tokens through the projector', () => {
    const [w, m, p] = [1024, 4096, 14];
    const tower = 2 * 576 * 3 * p * p * w + 24 * (2 * 577 * (4 * w * w + 2 * w * m) + 4 * w * 577 * 577);
    const projector = 2 * 576 * (w * 4096 + 4096 * 4096);
    expect(read(V15_7B).vision).toMatchObject({
      imageSize: 336,
      patchSize: 14,
      flopsPerImage: tower + projector,
    });
    const cls = read({ ...V15_7B, mm_vision_select_feature: 'cls_patch' }).vision!;
    expect(cls.flopsPerImage).toBe(tower + (projector * 577) / 576);
  });

  it('the registry sends llava with mm_vision_tower and no vision_config here, with no warning', () => {
    const spec = specFromHfConfig(V15_7B, 'x');
    expect(spec.vision).toEqual(read(V15_7B).vision);
    expect(spec.warnings).toBeUndefined();
  });

  it('KV cache and decode FLOPs are the text model’s: 2 × active parameters plus attention over the context', () => {
    const spec = read(V15_7B);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(32 * 2 * 32 * 128 * 2);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    const twoN = 2 * (paramCount(spec).activeParams - 32_000 * 4096);
    expect(f.flopsPerToken - f.breakdown.attentionScores).toBeGreaterThan(0.99 * twoN);
    expect(f.flopsPerToken - f.breakdown.attentionScores).toBeLessThan(1.01 * twoN);
    expect(f.breakdown.attentionScores).toBeGreaterThan(0);
  });
});

describe('llava (liuhaotian/llava-v1.6-vicuna-13b, anyres)', () => {
  it('Vicuna-13B 13,015,864,320 + CLIP-336, projector and image_newline 334,980,096 = 13,350,844,416', () => {
    const spec = read(V16_13B);
    const text = decoderTensors({ ...VICUNA_7B, h: 5120, layers: 40, heads: 40, kvHeads: 40, inter: 13_824 });
    expect(paramCount(spec).totalParams).toBe(text);
    expect(text).toBe(13_015_864_320);
    const vision = CLIP_336.params + mlpGelu(2, 1024, 5120) + 5120;
    expect(spec.vision?.params).toBe(vision);
    // No published count found for this checkpoint; the 13.35B is its "13B" name plus the tower.
    expect(text + vision).toBe(13_350_844_416);
    expect(spec.vision).toMatchObject({ imageSize: null, flopsPerImage: null });
    expect(spec.vision?.description).toMatch(/\(anyres tiles of 576 tokens\)$/);
  });
});

describe('llava_qwen (lmms-lab/llava-onevision-qwen2-7b-ov: model_type llava, LlavaQwenForCausalLM)', () => {
  const QWEN2_7B = {
    vocab: 152_064,
    h: 3584,
    layers: 28,
    heads: 28,
    kvHeads: 4,
    inter: 18_944,
    qkvBias: true,
  };

  it('Qwen2-7B 7,615,616,512 + SigLIP (26 layers), projector and image_newline 414,732,320 = 8,030,348,832', () => {
    const spec = read(OV_7B);
    expect(spec.attention).toMatchObject({ numHeads: 28, numKvHeads: 4, qkvBias: true });
    expect(paramCount(spec).totalParams).toBe(decoderTensors(QWEN2_7B));
    expect(decoderTensors(QWEN2_7B)).toBe(7_615_616_512);
    const siglip = towerTensors('siglip', 1152, 4304, 26, 14, 384);
    expect(siglip.patches).toBe(729);
    const vision = siglip.params + mlpGelu(2, 1152, 3584) + 3584;
    expect(spec.vision?.params).toBe(vision);
    // The card's 8.03B; gap under 0.01B. The -hf port (vocabulary 152,000) has the same 414,732,320 vision side.
    expect(decoderTensors(QWEN2_7B) + vision).toBe(8_030_348_832);
    expect(spec.vision?.description).toBe(
      'SigLIP 26 × 1152, 384px, patch 14, mlp2x_gelu projector (anyres_max_9 tiles of 729 tokens)',
    );
    // GQA: K and V of 4 heads × 128 on each of 28 layers.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(28 * 2 * 4 * 128 * 2);
  });

  it('reads the text model by model_type when architectures is absent, and through the llava_* entries', () => {
    const { architectures: _, ...bare } = OV_7B;
    expect(read(bare, 'llava_qwen')).toEqual({ ...read(OV_7B), modelType: 'llava_qwen' });
    expect(FAMILIES.llava_qwen(new Fields(OV_7B, 'llava_qwen'), 'x').vision).toEqual(read(OV_7B).vision);
    // A Mistral text model (LlavaMistralForCausalLM over a v1.5 file with GQA): Mistral's reader.
    const mistral = { ...V15_7B, architectures: ['LlavaMistralForCausalLM'], num_key_value_heads: 8 };
    const spec = FAMILIES.llava_mistral(new Fields(mistral, 'llava_mistral'), 'x');
    expect(spec.attention).toMatchObject({ numKvHeads: 8 });
    expect(paramCount(spec).totalParams).toBe(decoderTensors({ ...VICUNA_7B, kvHeads: 8 }));
  });
});

describe('llava projectors and towers', () => {
  it('linear, mlp3x_gelu and identity; CLIP ViT-L/14 at 224 px', () => {
    const vision = (c: Json) => read({ ...V15_7B, ...c }).vision!.params;
    expect(vision({ mm_projector_type: 'linear' })).toBe(CLIP_336.params + mlpGelu(1, 1024, 4096));
    expect(vision({ mm_projector_type: undefined })).toBe(CLIP_336.params + mlpGelu(1, 1024, 4096));
    expect(vision({ mm_projector_type: 'mlp3x_gelu' })).toBe(CLIP_336.params + mlpGelu(3, 1024, 4096));
    const identity = { mm_projector_type: 'identity', mm_vision_tower: 'openai/clip-vit-large-patch14' };
    const small = read({
      ...V15_7B,
      ...identity,
      hidden_size: 1024,
      num_attention_heads: 8,
      num_key_value_heads: 8,
    });
    expect(small.vision?.params).toBe(towerTensors('clip', 1024, 4096, 24, 14, 224).params);
    expect(small.vision?.imageSize).toBe(224);
  });
});

describe('llava refusals', () => {
  it('an unknown tower id, naming mm_vision_tower and the ids known', () => {
    const e = inputErrorOf(() => read({ ...V15_7B, mm_vision_tower: './checkpoints/clip-vit-large' }));
    expect(e.issues[0]?.path).toEqual(['mm_vision_tower']);
    expect(e.message).toMatch(
      /'mm_vision_tower' is '\.\/checkpoints\/clip-vit-large'; llmecon knows the configs of openai\/clip-vit-large-patch14, openai\/clip-vit-large-patch14-336, google\/siglip-so400m-patch14-384/,
    );
  });

  it('a projector type the builder does not make here, and an identity that changes width', () => {
    expect(() => read({ ...V15_7B, mm_projector_type: 'mlp2x_res2x_gelu' })).toThrowError(
      /'mm_projector_type' is 'mlp2x_res2x_gelu'; llmecon reads 'linear', 'mlpNx_gelu'/,
    );
    expect(() => read({ ...V15_7B, mm_projector_type: 'identity' })).toThrowError(
      /'mm_projector_type' 'identity' needs mm_hidden_size \(1024\) = hidden_size \(4096\)/,
    );
  });

  it('an mm_hidden_size other than the tower width, and a select layer outside its hidden states', () => {
    expect(() => read({ ...V15_7B, mm_hidden_size: 1152 })).toThrowError(
      /'mm_hidden_size' \(1152\) must be the width of openai\/clip-vit-large-patch14-336 \(1024\)/,
    );
    expect(() => read({ ...V15_7B, mm_vision_select_layer: -26 })).toThrowError(
      /'mm_vision_select_layer' must be an index into the tower's 25 hidden states, in \[-25, 24\], got -26/,
    );
    expect(() => read({ ...V15_7B, mm_vision_select_feature: 'slicefour_patch' })).toThrowError(
      /'mm_vision_select_feature' is 'slicefour_patch'/,
    );
  });

  it('a class it does not read, a resampler and an S2 tower', () => {
    expect(() => read({ ...V15_7B, architectures: ['LlavaMixtralForCausalLM'] })).toThrowError(
      /'architectures' \(\["LlavaMixtralForCausalLM"\]\) names no LLaVA class llmecon reads: LlavaLlamaForCausalLM, LlavaMistralForCausalLM, LlavaQwenForCausalLM/,
    );
    expect(() => read(V15_7B, 'llava_qwen')).toThrowError(
      /'architectures' names LlavaLlamaForCausalLM \(llama\), but model_type 'llava_qwen' is qwen2's config/,
    );
    expect(() => read({ ...OV_7B, mm_resampler_type: 'perceiver' })).toThrowError(
      /'mm_resampler_type' is "perceiver"; llmecon reads LLaVA without a resampler/,
    );
    expect(() => read({ ...V15_7B, s2: true })).toThrowError(/'s2' is true/);
  });
});
