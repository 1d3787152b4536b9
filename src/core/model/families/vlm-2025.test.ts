/**
 * Command A Vision (`cohere2_vision`) and PaddleOCR-VL (`paddleocr_vl`), vlm-2025.ts. Each checkpoint
 * is listed here tensor by tensor, by name, from the modules the modelling code builds (transformers
 * `models/cohere2_vision/modeling_cohere2_vision.py`, `models/cohere2/modeling_cohere2.py`,
 * `models/siglip/modeling_siglip.py`, `models/paddleocr_vl/modeling_paddleocr_vl.py`), read straight
 * from the config (not through the reader), and the totals are checked against the published ones:
 * - Command A Vision: the card's 112B; the Hub's 111.9B and 223.7 GB of float16 safetensors (a
 *   2025 open-weight survey that sums the Hub API's file sizes, GB = 10⁹ bytes); its text model is
 *   Command A's (c4ai-command-a-03-2025, "111 billion"; Command A Reasoning, the same shape in BF16,
 *   222.1 GB in the same survey).
 * - PaddleOCR-VL: the 620 tensors of the checkpoint (PaddleOCR-VL-1.6 at revision 66317acc, as
 *   catalogued shape by shape in a third-party Rust crate's test, `PaddleOcrVl16Schema`), which sum to
 *   958,588,736 (0.96B; the card's "PaddleOCR-VL-0.9B"); transformers and vLLM skip 12 of them.
 * Fixtures: `hand-built/command-a-vision-07-2025.json`, `hand-built/paddleocr-vl.json` (provenance in
 * test/fixtures/hf-configs/README.md).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import type { Cfg } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { cohere2 } from './classic.js';
import { ernie45Moe } from './ernie45.js';
import { Fields } from './fields.js';
import type { Family } from './readers.js';
import { cohere2VisionWrapper, paddleOcrVlFamily } from './vlm-2025.js';

const familyOf = (t: string): Family | undefined =>
  t === 'cohere2' ? cohere2 : t === 'ernie4_5' ? ernie45Moe : undefined;
const readCommandA = (c: Cfg) =>
  cohere2VisionWrapper(familyOf)(new Fields(c, c.model_type), 'command-a-vision');
const readPaddle = (c: Cfg) => paddleOcrVlFamily(familyOf)(new Fields(c, c.model_type), 'paddleocr-vl');
const commandA = () => structuredClone(hfFixture('hand-built/command-a-vision-07-2025')) as Cfg;
const paddle = () => structuredClone(hfFixture('hand-built/paddleocr-vl')) as Cfg;

/** A checkpoint's tensors by name. */
class Catalog {
  readonly shapes = new Map<string, number[]>();
  add(name: string, ...shape: number[]): void {
    expect(this.shapes.has(name), name).toBe(false);
    this.shapes.set(name, shape);
  }
  /** A Linear's weight [out, in] and bias [out]. */
  linear(name: string, out: number, inp: number): void {
    this.add(`${name}.weight`, out, inp);
    this.add(`${name}.bias`, out);
  }
  /** The parameters of the tensors whose name `keep` accepts. */
  total(keep: (name: string) => boolean = () => true): number {
    let n = 0;
    for (const [name, shape] of this.shapes) if (keep(name)) n += shape.reduce((a, b) => a * b, 1);
    return n;
  }
}

/**
 * SiglipVisionTransformer under `prefix` (PaddleOCRVisionTransformer builds the same names):
 * embeddings.patch_embedding [h, c, p, p] + [h], embeddings.position_embedding [(image/p)², h]; per
 * encoder layer layer_norm1, self_attn q/k/v/out_proj [h, h] + [h], layer_norm2, mlp.fc1 [I, h] +
 * [I], mlp.fc2 [h, I] + [h]; post_layernorm; head (probe [1, 1, h], attention.in_proj [3h, h] + [3h],
 * attention.out_proj, layernorm, mlp) when `head`.
 */
function siglip(t: Catalog, prefix: string, v: Cfg, head: boolean): void {
  const [h, i, p] = [v.hidden_size, v.intermediate_size, v.patch_size];
  t.add(`${prefix}.embeddings.patch_embedding.weight`, h, v.num_channels ?? 3, p, p);
  t.add(`${prefix}.embeddings.patch_embedding.bias`, h);
  t.add(`${prefix}.embeddings.position_embedding.weight`, Math.floor(v.image_size / p) ** 2, h);
  for (let l = 0; l < v.num_hidden_layers; l += 1) {
    const layer = `${prefix}.encoder.layers.${l}`;
    for (const norm of ['layer_norm1', 'layer_norm2']) {
      t.add(`${layer}.${norm}.weight`, h);
      t.add(`${layer}.${norm}.bias`, h);
    }
    for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj'])
      t.linear(`${layer}.self_attn.${proj}`, h, h);
    t.linear(`${layer}.mlp.fc1`, i, h);
    t.linear(`${layer}.mlp.fc2`, h, i);
  }
  t.add(`${prefix}.post_layernorm.weight`, h);
  t.add(`${prefix}.post_layernorm.bias`, h);
  if (!head) return;
  t.add(`${prefix}.head.probe`, 1, 1, h);
  t.add(`${prefix}.head.attention.in_proj_weight`, 3 * h, h);
  t.add(`${prefix}.head.attention.in_proj_bias`, 3 * h);
  t.linear(`${prefix}.head.attention.out_proj`, h, h);
  t.add(`${prefix}.head.layernorm.weight`, h);
  t.add(`${prefix}.head.layernorm.bias`, h);
  t.linear(`${prefix}.head.mlp.fc1`, i, h);
  t.linear(`${prefix}.head.mlp.fc2`, h, i);
}

/**
 * Cohere2VisionForConditionalGeneration: model.language_model (Cohere2Model: embed_tokens [V, h]; per
 * layer input_layernorm [h] (CohereLayerNorm, weight only; attention and MLP run in parallel),
 * q/k/v/o_proj and gate/up/down_proj without bias; norm [h]; lm_head tied), model.vision_tower
 * (SiglipVisionModel), model.multi_modal_projector linear_1 [A, h·f²] + [A], linear_2 [text, A/2] + [text].
 */
function commandATensors(c: Cfg): Catalog {
  const [x, v] = [c.text_config, c.vision_config];
  const [h, d] = [x.hidden_size, x.hidden_size / x.num_attention_heads];
  const t = new Catalog();
  t.add('model.language_model.embed_tokens.weight', x.vocab_size, h);
  for (let l = 0; l < x.num_hidden_layers; l += 1) {
    const layer = `model.language_model.layers.${l}`;
    t.add(`${layer}.input_layernorm.weight`, h);
    t.add(`${layer}.self_attn.q_proj.weight`, x.num_attention_heads * d, h);
    t.add(`${layer}.self_attn.k_proj.weight`, x.num_key_value_heads * d, h);
    t.add(`${layer}.self_attn.v_proj.weight`, x.num_key_value_heads * d, h);
    t.add(`${layer}.self_attn.o_proj.weight`, h, x.num_attention_heads * d);
    t.add(`${layer}.mlp.gate_proj.weight`, x.intermediate_size, h);
    t.add(`${layer}.mlp.up_proj.weight`, x.intermediate_size, h);
    t.add(`${layer}.mlp.down_proj.weight`, h, x.intermediate_size);
  }
  t.add('model.language_model.norm.weight', h);
  siglip(t, 'model.vision_tower.vision_model', v, v.vision_use_head !== false);
  const [f, a] = [c.downsample_factor, c.alignment_intermediate_size];
  t.linear('model.multi_modal_projector.linear_1', a, v.hidden_size * f * f);
  t.linear('model.multi_modal_projector.linear_2', h, a / 2);
  return t;
}

const isText = (n: string) => n.startsWith('model.language_model.');
const isTower = (n: string) => n.startsWith('model.vision_tower.');

describe('Command A Vision (cohere2_vision)', () => {
  it('111,057,580,032 text + 413,534,448 SigLIP + 396,410,880 projector = 111,867,525,360 (Hub 111.9B, 223.7 GB F16)', () => {
    const c = commandA();
    const t = commandATensors(c);
    const [text, tower] = [t.total(isText), t.total(isTower)];
    const projector = t.total((n) => n.startsWith('model.multi_modal_projector.'));
    expect([text, tower, projector]).toEqual([111_057_580_032, 413_534_448, 396_410_880]);
    expect(t.shapes.size).toBe(514 + 437 + 4);
    const spec = readCommandA(c);
    const p = paramCount(spec);
    expect([p.totalParams, p.visionParams]).toEqual([text, tower + projector]);
    const all = p.totalParams + p.visionParams;
    expect(all).toBe(111_867_525_360);
    expect((all / 1e9).toFixed(1)).toBe('111.9');
    expect(((2 * all) / 1e9).toFixed(1)).toBe('223.7');
    // Command A's text model alone: the card's 111B; Command A Reasoning's 222.1 GB of BF16.
    expect(((2 * text) / 1e9).toFixed(1)).toBe('222.1');
    expect(spec.modelType).toBe('cohere2_vision');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vision).toMatchObject({
      description:
        'SigLIP 27 × 1152, 512px tiles, patch 16, 2×2 pixel shuffle (1024 patches → 256 tokens per tile)',
      patchSize: 16,
      imageSize: 512,
    });
  });

  it('keeps Command A’s attention: 48 sliding layers (window 4096) and 16 full, 8 KV heads of 128', () => {
    const spec = readCommandA(commandA());
    expect(spec.layers.filter((l) => l.attention === 'sliding')).toHaveLength(48);
    expect(spec.layers[3]?.attention).toBe('full');
    expect(spec.slidingWindow).toBe(4096);
    expect(spec.attention).toMatchObject({ numHeads: 96, numKvHeads: 8, headDim: 128 });
    // K and V of 8 × 128 in 16-bit per layer per token; sliding layers stop growing at 4096 tokens.
    expect(kvCacheBytes(spec, 1).bytesPerToken).toBe(64 * 2 * 8 * 128 * 2);
  });

  it('FLOPs per 512-px tile (one image of image_size): patch embedding, 27 layers over 1024 patches, projector over 256 tokens', () => {
    const [n, h, i, tokens, a, text] = [1024, 1152, 4304, 256, 36_864, 12_288];
    const patchEmbedding = 2 * n * (3 * 16 * 16) * h;
    const encoder = 27 * (2 * n * (4 * h * h + 2 * h * i) + 2 * 2 * h * n * n);
    const projector = 2 * tokens * (4 * h * a + (a / 2) * text);
    expect(readCommandA(commandA()).vision?.flopsPerImage).toBe(patchEmbedding + encoder + projector);
  });

  it('without vision_use_head false SiglipVisionTransformer builds the pooling head (+15,238,352: 223.8 GB, not the published 223.7)', () => {
    const c = commandA();
    delete c.vision_config.vision_use_head;
    const t = commandATensors(c);
    expect(t.total(isTower) - 413_534_448).toBe(15_238_352);
    const p = paramCount(readCommandA(c));
    expect(p.visionParams).toBe(t.total((n) => !isText(n)));
    expect(((2 * (p.totalParams + p.visionParams)) / 1e9).toFixed(1)).toBe('223.8');
  });

  it('sub-configs without their class defaults read the same; no vision_config is Cohere2VisionConfig’s default tower', () => {
    const c = commandA();
    for (const key of ['vocab_size', 'sliding_window', 'sliding_window_pattern']) delete c.text_config[key];
    delete c.vision_config.patch_size;
    delete c.downsample_factor;
    delete c.alignment_intermediate_size;
    expect(readCommandA(c)).toEqual(readCommandA(commandA()));
    const bare = commandA();
    delete bare.vision_config;
    // SiglipVisionConfig(hidden 1152, intermediate 3072, image 512, 27 layers, 12 heads), with its head.
    const tower = { hidden_size: 1152, intermediate_size: 3072, image_size: 512, num_hidden_layers: 27 };
    const t = commandATensors({ ...bare, vision_config: { ...tower, patch_size: 16 } });
    expect(readCommandA(bare).vision?.params).toBe(t.total((n) => !isText(n)));
  });

  it('refuses a bad field, naming its path', () => {
    const bad = (edit: (c: Cfg) => void) => {
      const c = commandA();
      edit(c);
      return inputErrorOf(() => readCommandA(c));
    };
    const odd = bad((c) => {
      c.alignment_intermediate_size = 36_865;
    });
    expect(odd.issues[0]?.path).toEqual(['alignment_intermediate_size']);
    expect(odd.message).toMatch(/must be even/);
    const shuffle = bad((c) => {
      c.downsample_factor = 3;
    });
    expect(shuffle.issues[0]?.path).toEqual(['downsample_factor']);
    expect(shuffle.message).toMatch(/\(3\) must divide the 32-patch side of a 512px tile/);
    const tower = bad((c) => {
      c.vision_config.model_type = 'siglip2_vision_model';
    });
    expect(tower.issues[0]?.path).toEqual(['vision_config', 'model_type']);
    const heads = bad((c) => {
      c.vision_config.num_attention_heads = 17;
    });
    expect(heads.issues[0]?.path).toEqual(['vision_config', 'num_attention_heads']);
    const head = bad((c) => {
      c.vision_config.vision_use_head = 'no';
    });
    expect(head.issues[0]?.path).toEqual(['vision_config', 'vision_use_head']);
    const moe = bad((c) => {
      c.text_config.model_type = 'cohere2_moe';
    });
    expect(moe.issues[0]?.path).toEqual(['text_config', 'model_type']);
    expect(moe.message).toMatch(/'cohere2_moe'\) is not a text model llmecon reads/);
    const layers = bad((c) => {
      c.text_config.layer_types = ['full_attention'];
    });
    expect(layers.issues[0]?.path).toEqual(['text_config', 'layer_types']);
  });
});

/**
 * The PaddleOCR-VL checkpoint (model.safetensors), all 620 tensors: lm_head [V, h] (untied) and the
 * ERNIE 4.5 model.* (embed_tokens, per layer input_ and post_attention_layernorm [h], q/k/v/o_proj
 * and gate/up/down_proj without bias, norm); visual.vision_model.* (the SigLIP of `siglip` with its
 * head, plus embeddings.packing_position_embedding [32768, h]); mlp_AR.* (pre_norm [h] ×2,
 * linear_1 [h·m², h·m²] + [h·m²], linear_2 [text, h·m²] + [text]).
 */
function paddleTensors(c: Cfg): Catalog {
  const [v, h] = [c.vision_config, c.hidden_size];
  const [q, kv] = [c.num_attention_heads * c.head_dim, c.num_key_value_heads * c.head_dim];
  const t = new Catalog();
  t.add('lm_head.weight', c.vocab_size, h);
  t.add('model.embed_tokens.weight', c.vocab_size, h);
  t.add('model.norm.weight', h);
  for (let l = 0; l < c.num_hidden_layers; l += 1) {
    const layer = `model.layers.${l}`;
    t.add(`${layer}.input_layernorm.weight`, h);
    t.add(`${layer}.post_attention_layernorm.weight`, h);
    t.add(`${layer}.self_attn.q_proj.weight`, q, h);
    t.add(`${layer}.self_attn.k_proj.weight`, kv, h);
    t.add(`${layer}.self_attn.v_proj.weight`, kv, h);
    t.add(`${layer}.self_attn.o_proj.weight`, h, q);
    t.add(`${layer}.mlp.gate_proj.weight`, c.intermediate_size, h);
    t.add(`${layer}.mlp.up_proj.weight`, c.intermediate_size, h);
    t.add(`${layer}.mlp.down_proj.weight`, h, c.intermediate_size);
  }
  t.add('visual.vision_model.embeddings.packing_position_embedding.weight', 32_768, v.hidden_size);
  siglip(t, 'visual.vision_model', v, true);
  const merged = v.hidden_size * v.spatial_merge_size ** 2;
  t.add('mlp_AR.pre_norm.weight', v.hidden_size);
  t.add('mlp_AR.pre_norm.bias', v.hidden_size);
  t.linear('mlp_AR.linear_1', merged, merged);
  t.linear('mlp_AR.linear_2', h, merged);
  return t;
}

/** PaddleOCRVLModel's `_keys_to_ignore_on_load_unexpected`: not built, skipped on load. */
const built = (n: string) => !n.includes('packing_position_embedding') && !n.includes('vision_model.head');
const isPaddleText = (n: string) => n.startsWith('model.') || n === 'lm_head.weight';

describe('PaddleOCR-VL (paddleocr_vl)', () => {
  it('466,654,208 text + 412,987,248 SigLIP + 25,960,192 projector = 905,601,648 built of the checkpoint’s 958,588,736', () => {
    const c = paddle();
    const t = paddleTensors(c);
    expect(t.shapes.size).toBe(620);
    expect(t.total()).toBe(958_588_736);
    expect(t.total((n) => !built(n))).toBe(32_768 * 1152 + 15_238_352);
    const text = t.total(isPaddleText);
    const tower = t.total((n) => n.startsWith('visual.') && built(n));
    const projector = t.total((n) => n.startsWith('mlp_AR.'));
    expect([text, tower, projector]).toEqual([466_654_208, 412_987_248, 25_960_192]);
    // ERNIE-4.5-0.3B (tied, the card's 0.36B) plus the untied lm_head.
    expect(text - 103_424 * 1024).toBe(360_748_032);
    const spec = readPaddle(c);
    const p = paramCount(spec);
    expect([p.totalParams, p.visionParams]).toEqual([text, tower + projector]);
    expect(p.totalParams + p.visionParams).toBe(905_601_648);
    expect(spec.modelType).toBe('paddleocr_vl');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.vision).toMatchObject({
      description:
        "SigLIP NaViT 27 × 1152, patch 14, 2×2 merge (5120 patches → 1280 tokens per image at the release's 1,003,520-pixel budget)",
      patchSize: 14,
      imageSize: null,
    });
  });

  it('the ERNIE 4.5 text model: 18 layers of 16 heads and 2 KV heads of 128, no sliding window', () => {
    const spec = readPaddle(paddle());
    expect(spec.attention).toMatchObject({ numHeads: 16, numKvHeads: 2, headDim: 128, qkvBias: false });
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.moe).toBeNull();
    expect(kvCacheBytes(spec, 1).bytesPerToken).toBe(18 * 2 * 2 * 128 * 2);
  });

  it('FLOPs per image at the 1280-token budget (e.g. 1120 × 896 px): 5120 patches through 27 layers, projector over 1280 tokens', () => {
    const [n, h, i, tokens, merged, text] = [5120, 1152, 4304, 1280, 4608, 1024];
    const patchEmbedding = 2 * n * (3 * 14 * 14) * h;
    const encoder = 27 * (2 * n * (4 * h * h + 2 * h * i) + 2 * 2 * h * n * n);
    const projector = 2 * tokens * (merged * merged + merged * text);
    expect(readPaddle(paddle()).vision?.flopsPerImage).toBe(patchEmbedding + encoder + projector);
  });

  it('reads the text keys nested in text_config, or omitted at PaddleOCRTextConfig’s defaults, the same', () => {
    const flat = paddle();
    const nested: Cfg = { model_type: 'paddleocr_vl', vision_config: flat.vision_config, text_config: {} };
    for (const key of ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'head_dim']) {
      nested.text_config[key] = flat[key];
    }
    nested.text_config.model_type = 'paddleocr_vl_text';
    nested.text_config.num_attention_heads = 16;
    nested.text_config.num_key_value_heads = 2;
    nested.text_config.max_position_embeddings = 131_072;
    nested.text_config.tie_word_embeddings = false;
    expect(readPaddle(nested)).toEqual(readPaddle(flat));
    // head_dim defaults to 128 (not 1024 / 16), the rest to ERNIE-4.5-0.3B's shape.
    const bare = paddle();
    for (const key of ['head_dim', 'vocab_size', 'num_key_value_heads', 'intermediate_size'])
      delete bare[key];
    bare.vision_config = {};
    expect(readPaddle(bare)).toEqual(readPaddle(paddle()));
    // PaddleOCRTextConfig ties the head unless told otherwise: the release says false.
    delete bare.tie_word_embeddings;
    expect(paramCount(readPaddle(bare)).totalParams).toBe(360_748_032);
  });

  it('refuses a bad field, naming its path', () => {
    const bad = (edit: (c: Cfg) => void) => {
      const c = paddle();
      edit(c);
      return inputErrorOf(() => readPaddle(c));
    };
    const heads = bad((c) => {
      c.vision_config.num_attention_heads = 17;
    });
    expect(heads.issues[0]?.path).toEqual(['vision_config', 'num_attention_heads']);
    expect(heads.message).toMatch(/\(17\) must divide hidden_size \(1152\)/);
    const merge = bad((c) => {
      c.vision_config.spatial_merge_size = 0;
    });
    expect(merge.issues[0]?.path).toEqual(['vision_config', 'spatial_merge_size']);
    const image = bad((c) => {
      c.vision_config.image_size = 10;
    });
    expect(image.issues[0]?.path).toEqual(['vision_config', 'image_size']);
    const headDim = bad((c) => {
      c.head_dim = '128';
    });
    expect(headDim.issues[0]?.path).toEqual(['head_dim']);
    const kv = bad((c) => {
      c.num_key_value_heads = 3;
    });
    expect(kv.issues[0]?.path).toEqual(['num_key_value_heads']);
    const nested = bad((c) => {
      c.text_config = { hidden_size: -1 };
    });
    expect(nested.issues[0]?.path).toEqual(['text_config', 'hidden_size']);
  });

  it('both are registered: each model_type reads through its family, not as a lookalike', () => {
    for (const [config, read] of [
      [commandA(), readCommandA],
      [paddle(), readPaddle],
    ] as const) {
      const spec = specFromHfConfig(config, 'registered');
      expect(spec.warnings ?? []).not.toContainEqual(expect.stringMatching(/not supported/));
      expect(paramCount(spec).totalParams).toBe(paramCount(read(config)).totalParams);
      expect(paramCount(spec).visionParams).toBe(paramCount(read(config)).visionParams);
    }
  });
});
