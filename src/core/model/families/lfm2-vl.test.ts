/**
 * LFM2-VL (lfm2-vl.ts): the SigLIP2 NaFlex tower, the pixel-unshuffle projector and the LFM2 text
 * model are counted tensor by tensor here from the modules transformers builds
 * (`models/lfm2_vl/modeling_lfm2_vl.py`, `models/siglip2/modeling_siglip2.py`,
 * `models/lfm2/modeling_lfm2.py`), read straight from the config (not through the reader), and the
 * totals are checked against the Hub's safetensors parameter counts: LFM2-VL-450M 450,822,656,
 * LFM2-VL-1.6B 1,584,804,000, LFM2-VL-3B 2,998,975,216 and LFM2.5-VL-1.6B 1,596,625,904 (as
 * recorded from the Hub API in llmfit's `scripts/scrape_hf_models.py` fallback list), and the text
 * models LFM2-350M 354,483,968, LFM2-1.2B 1,170,340,608 and LFM2-2.6B 2,569,272,320 (same list).
 * Fixtures: `hand-built/lfm2-vl-450m.json` (the release's remote-code config, `model_type`
 * "lfm2-vl") and `hand-built/lfm2-vl-1.6b.json` (rebuilt in transformers' `lfm2_vl` form).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { lfm2 } from './lfm2.js';
import { lfm2VlWrapper, readLfm2VlVision } from './lfm2-vl.js';
import type { Family } from './readers.js';

const familyOf = (t: string): Family | undefined => (t === 'lfm2' ? lfm2 : undefined);
const read = (c: Cfg) => lfm2VlWrapper(familyOf)(new Fields(c, c.model_type), 'lfm2-vl');
const vl450m = () => structuredClone(hfFixture('hand-built/lfm2-vl-450m')) as Cfg;
const vl16b = () => structuredClone(hfFixture('hand-built/lfm2-vl-1.6b')) as Cfg;

/**
 * `model.language_model.*` (Lfm2Model): embed_tokens [V, h] (lm_head tied to it), embedding_norm
 * [h]; per layer operator_norm and ffn_norm [h]; a conv block's conv.in_proj [3h, h], conv.conv
 * [h, 1, L], conv.out_proj [h, h] (bias-free); an attention block's q_proj, k_proj, v_proj, out_proj
 * and q_layernorm, k_layernorm [d]; feed_forward w1, w3 [ff, h] and w2 [h, ff] with Lfm2MLP's width.
 */
function lfm2TextTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const d = h / c.num_attention_heads;
  const kv = c.num_key_value_heads * d;
  let ff: number = c.block_ff_dim ?? c.intermediate_size;
  if (c.block_auto_adjust_ff_dim) {
    ff = Math.floor((c.block_ffn_dim_multiplier * Math.floor((2 * ff) / 3)) as number);
    ff = c.block_multiple_of * Math.ceil(ff / c.block_multiple_of);
  }
  const t = new Tensors();
  t.add([c.vocab_size, h], [h]);
  for (const type of c.layer_types as string[]) {
    t.add([h], [h]);
    if (type === 'conv') t.add([3 * h, h], [h, 1, c.conv_L_cache], [h, h]);
    else t.add([h, h], [kv, h], [kv, h], [h, h], [d], [d]);
    t.add([ff, h], [ff, h], [h, ff]);
  }
  return t;
}

/**
 * `model.vision_tower.vision_model.*` (Siglip2VisionTransformer): embeddings.patch_embedding
 * [h, c·p²] + [h], embeddings.position_embedding [num_patches, h]; per encoder layer layer_norm1,
 * self_attn q/k/v/out_proj [h, h] + [h], layer_norm2, mlp.fc1 [I, h] + [I], mlp.fc2 [h, I] + [h];
 * post_layernorm; head (probe, attention in_proj [3h, h] + [3h], out_proj, layernorm, mlp) unless
 * vision_use_head is false. `model.multi_modal_projector.*`: layer_norm [h·f²] ×2 (when
 * projector_use_layernorm), linear_1 [mid, h·f²] + [mid], linear_2 [text, mid] + [text].
 */
function visionTensors(top: Cfg, text: number, layers: number = top.vision_config.num_hidden_layers) {
  const v = top.vision_config;
  const [h, i, p] = [v.hidden_size, v.intermediate_size, v.patch_size];
  const tower = new Tensors();
  tower.add([h, v.num_channels * p * p], [h], [v.num_patches, h]);
  for (let l = 0; l < layers; l += 1) {
    tower.add([h], [h], [h, h], [h], [h, h], [h], [h, h], [h], [h, h], [h], [h], [h]);
    tower.add([i, h], [i], [h, i], [h]);
  }
  tower.add([h], [h]);
  if (v.vision_use_head !== false) {
    tower.add([1, 1, h], [3 * h, h], [3 * h], [h, h], [h], [h], [h], [i, h], [i], [h, i], [h]);
  }
  const f = top.downsample_factor;
  const [inp, mid] = [h * f * f, top.projector_hidden_size];
  const projector = new Tensors();
  if (top.projector_use_layernorm !== false) projector.add([inp], [inp]);
  projector.add([mid, inp], [mid], [text, mid], [text]);
  return { tower: tower.total, projector: projector.total };
}

describe('LFM2-VL (lfm2_vl)', () => {
  it('LFM2-VL-450M: 354,483,968 text + 85,843,200 SigLIP2 + 10,495,488 projector = 450,822,656 (Hub)', () => {
    const c = vl450m();
    const spec = read(c);
    const text = lfm2TextTensors(c.text_config).total;
    const { tower, projector } = visionTensors(c, 1024);
    expect([text, tower, projector]).toEqual([354_483_968, 85_843_200, 10_495_488]);
    const p = paramCount(spec);
    expect([p.totalParams, p.visionParams]).toEqual([text, tower + projector]);
    expect(p.totalParams + p.visionParams).toBe(450_822_656);
    expect(spec.modelType).toBe('lfm2-vl');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vision).toMatchObject({
      description:
        'SigLIP2 NaFlex 12 × 768, patch 16, 2×2 pixel unshuffle (1024 patches → 256 tokens per image at the default budget)',
      patchSize: 16,
      imageSize: null,
    });
    expect(spec.warnings ?? []).toEqual([]);
  });

  it('LFM2-VL-1.6B: 1,170,340,608 text + 397,410,208 SigLIP2 (26 layers) + 17,053,184 projector = 1,584,804,000 (Hub)', () => {
    const c = vl16b();
    const spec = read(c);
    const text = lfm2TextTensors(c.text_config).total;
    const { tower, projector } = visionTensors(c, 2048);
    expect([text, tower, projector]).toEqual([1_170_340_608, 397_410_208, 17_053_184]);
    const p = paramCount(spec);
    expect([p.totalParams, p.visionParams]).toEqual([text, tower + projector]);
    expect(p.totalParams + p.visionParams).toBe(1_584_804_000);
    expect(spec.mlp.intermediateSize).toBe(8192);
    expect(spec.layers.filter((l) => l.attention === 'full')).toHaveLength(6);
    expect(spec.vision?.description).toMatch(/^SigLIP2 NaFlex 26 × 1152, patch 16/);
  });

  it("the remote code's vision_feature_layer -2 keeps 26 of so400m's 27 layers; transformers reads all 27 and says so", () => {
    const remote: Cfg = { ...vl16b(), model_type: 'lfm2-vl', vision_feature_layer: -2 };
    remote.vision_config.num_hidden_layers = 27;
    expect(read(remote).vision).toEqual(read(vl16b()).vision);
    expect(read(remote).warnings ?? []).toEqual([]);
    // The remote code builds Siglip2VisionModel whatever vision_config.model_type says (MLX copies write 'lfm2_vl').
    const mlx = structuredClone(remote);
    mlx.vision_config.model_type = 'lfm2_vl';
    expect(read(mlx).vision).toEqual(read(vl16b()).vision);
    const native = { ...remote, model_type: 'lfm2_vl' };
    const spec = read(native);
    const { tower, projector } = visionTensors(native, 2048, 27);
    expect(spec.vision?.params).toBe(tower + projector);
    expect(paramCount(spec).totalParams + tower + projector).toBe(1_600_043_504);
    expect(spec.warnings).toEqual([
      "lfm2_vl: vision_feature_layer (-2) is not read by transformers' Lfm2VlModel, which builds and runs all 27 vision layers (counted); the release's remote code (model_type 'lfm2-vl') would keep encoder.layers[:-1]",
    ]);
    const first = { ...remote, vision_feature_layer: 0 };
    expect(read(first).vision?.description).toMatch(/^SigLIP2 NaFlex 1 × 1152/);
  });

  it('LFM2-VL-3B and LFM2.5-VL-1.6B: 27-layer so400m, projector with / without its LayerNorm (published total − text)', () => {
    // LFM2-VL-3B: LFM2-2.6B text (2,569,272,320) and the shape-optimized encoder (Liquid's docs);
    // LFM2.5-VL-1.6B: LFM2.5-1.2B text (1,170,340,608), projector 2048 wide without layer_norm.
    const so400m = { ...vl16b().vision_config, num_hidden_layers: 27 };
    const vl3b = { downsample_factor: 2, projector_hidden_size: 2560, vision_config: so400m };
    const vl25 = { ...vl3b, projector_hidden_size: 2048, projector_use_layernorm: false };
    const vision = (c: Cfg) =>
      readLfm2VlVision(new Fields(c, 'lfm2_vl'), new Fields(so400m, 'lfm2_vl'), 2048);
    const sum = (v: { tower: number; projector: number }) => v.tower + v.projector;
    expect(vision(vl3b).params).toBe(sum(visionTensors(vl3b, 2048)));
    expect(vision(vl3b).params).toBe(2_998_975_216 - 2_569_272_320);
    expect(vision(vl25).params).toBe(sum(visionTensors(vl25, 2048)));
    expect(vision(vl25).params).toBe(1_596_625_904 - 1_170_340_608);
  });

  it('FLOPs per image at the default budget: 256 tokens of 2×2 patches (1024 patches), 450M', () => {
    const [n, h, i, tokens] = [1024, 768, 3072, 256];
    const patchEmbedding = 2 * n * (3 * 16 * 16) * h;
    const encoder = 12 * (2 * n * (4 * h * h + 2 * h * i) + 2 * 2 * h * n * n);
    const projector = 2 * tokens * (4 * h * 2560 + 2560 * 1024);
    expect(read(vl450m()).vision?.flopsPerImage).toBe(patchEmbedding + encoder + projector);
    const small = { ...vl450m(), max_image_tokens: 64 };
    expect(read(small).vision?.description).toMatch(/256 patches → 64 tokens/);
    expect(read(small).vision?.flopsPerImage).toBeLessThan(patchEmbedding + encoder + projector);
  });

  it('sub-configs without their class defaults (as transformers writes them) read the same', () => {
    const c = vl16b();
    for (const key of ['vocab_size', 'num_attention_heads', 'num_key_value_heads', 'intermediate_size'])
      delete c.text_config[key];
    for (const key of ['num_channels', 'num_patches', 'patch_size']) delete c.vision_config[key];
    expect(read(c)).toEqual(read(vl16b()));
    const bare = vl450m();
    bare.vision_config = { vision_use_head: false };
    expect(read(bare).vision).toEqual(read(vl450m()).vision);
  });

  it('without vision_use_head false, Siglip2VisionTransformer builds (and stores) the pooling head', () => {
    const c = vl450m();
    delete c.vision_config.vision_use_head;
    const withHead = visionTensors(c, 1024);
    expect(withHead.tower - visionTensors(vl450m(), 1024).tower).toBe(
      768 + 4 * 768 * 768 + 4 * 768 + 1536 + 4_722_432,
    );
    expect(read(c).vision?.params).toBe(withHead.tower + withHead.projector);
  });

  it('refuses a bad field, naming its path', () => {
    const bad = (edit: (c: Cfg) => void) => {
      const c = vl16b();
      edit(c);
      return inputErrorOf(() => read(c));
    };
    const clip = bad((c) => {
      c.vision_config.model_type = 'clip_vision_model';
    });
    expect(clip.issues[0]?.path).toEqual(['vision_config', 'model_type']);
    expect(clip.message).toMatch(/'vision_config.model_type' is 'clip_vision_model'; .* SigLIP2 NaFlex/);
    const square = bad((c) => {
      c.vision_config.num_patches = 250;
    });
    expect(square.issues[0]?.path).toEqual(['vision_config', 'num_patches']);
    expect(square.message).toMatch(/\(250\) must be a square/);
    const heads = bad((c) => {
      c.vision_config.num_attention_heads = 17;
    });
    expect(heads.issues[0]?.path).toEqual(['vision_config', 'num_attention_heads']);
    const cut = bad((c) => {
      c.encoder_patch_size = 14;
    });
    expect(cut.message).toMatch(/'encoder_patch_size' \(14\) must equal vision_config.patch_size \(16\)/);
    const norm = bad((c) => {
      c.projector_use_layernorm = 'yes';
    });
    expect(norm.issues[0]?.path).toEqual(['projector_use_layernorm']);
    const factor = bad((c) => {
      c.downsample_factor = 0;
    });
    expect(factor.issues[0]?.path).toEqual(['downsample_factor']);
    const layer = bad((c) => {
      c.model_type = 'lfm2-vl';
      c.vision_feature_layer = -30;
    });
    expect(layer.message).toMatch(/'vision_feature_layer' \(-30\) keeps none of the 26 vision layers/);
    expect(bad((c) => (c.vision_feature_layer = 1.5)).issues[0]?.path).toEqual(['vision_feature_layer']);
    const text = bad((c) => {
      c.text_config.layer_types = ['conv'];
    });
    expect(text.issues[0]?.path).toEqual(['text_config', 'layer_types']);
  });

  it('is registered under both spellings: transformers’ lfm2_vl and the release’s lfm2-vl', () => {
    expect(specFromHfConfig(vl16b(), 'lfm2-vl')).toEqual(read(vl16b()));
    expect(specFromHfConfig(vl450m(), 'lfm2-vl')).toEqual(read(vl450m()));
    expect(specFromHfConfig(vl450m(), 'lfm2-vl').warnings ?? []).not.toContainEqual(
      expect.stringMatching(/not supported/),
    );
  });
});
