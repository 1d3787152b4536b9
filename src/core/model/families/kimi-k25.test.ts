/**
 * Kimi-K2.5 (kimi-k25.ts, `model_type` "kimi_k25"): the DeepSeek-V3 text model read as from its
 * text_config alone, the MoonViT3d tower and PatchMerger projector counted apart, tensor by tensor
 * against the checkpoint's modules (moonshotai/Kimi-K2.5 `modeling_kimi_k25.py`, as copied in
 * Ascend/MindSpeed-MM `mindspeed_mm/fsdp/models/kimik2_5/modeling_kimi_k25.py`), and the fields it
 * refuses by name. The fixture is the exact bytes of ai-dynamo/aiconfigurator's
 * `moonshotai--Kimi-K2.5_config.json`; nvidia/Kimi-K2.5-NVFP4, Kimi-K2.6-NVFP4 and
 * Kimi-K2.7-Code-NVFP4 there carry the same vision_config (plus `model_type: ""`, less
 * `_attn_implementation`) and a `deepseek_v3` text_config of the same shape.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, dsaTensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import { kimiK25Wrapper } from './kimi-k25.js';
import type { Family } from './readers.js';

const familyOf = (t: string): Family | undefined =>
  Object.hasOwn(FAMILIES, t) ? (FAMILIES as Record<string, Family>)[t] : undefined;
const read = (config: Cfg, name = 'kimi-k2.5') =>
  kimiK25Wrapper(familyOf)(new Fields(config, 'kimi_k25'), name);
const k25 = () => hfFixture('hand-built/kimi-k2.5') as Cfg;
const withVision = (v: Cfg) => {
  const c = k25();
  return { ...c, vision_config: { ...c.vision_config, ...v } };
};

const prod = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const sum = (shapes: number[][]) => shapes.reduce((a, s) => a + prod(s), 0);

/**
 * The checkpoint's `vision_tower.*` tensors, written from modeling_kimi_k25.py (not through the
 * reader): MoonVision3dPatchEmbed's proj (Conv2d 3 → h, bias) and pos_emb.weight [H, W, h]; per
 * MoonViTEncoderLayer norm0 and norm1 (LayerNorm weight and bias), wqkv [3h, h] + bias, wo [h, h] +
 * bias (the tower passes attn_bias True), mlp.fc0 [I, h] + bias, mlp.fc1 [h, I] + bias (MLP2's
 * default bias); encoder.final_layernorm.
 */
function towerTensors(v: Cfg): number {
  const h = v.vt_hidden_size;
  const i = v.vt_intermediate_size;
  const block: number[][] = [[h], [h], [h], [h], [3 * h, h], [3 * h], [h, h], [h], [i, h], [i], [h, i], [h]];
  return (
    sum([[h, 3, v.patch_size, v.patch_size], [h], [v.init_pos_emb_height, v.init_pos_emb_width, h]]) +
    v.vt_num_hidden_layers * sum(block) +
    sum([[h], [h]])
  );
}

/** `mm_projector.*` (PatchMergerMLP): pre_norm weight and bias [mm], proj.0 [m, m] + bias, proj.2 [text, m] + bias. */
function projectorTensors(v: Cfg): number {
  const m = v.mm_hidden_size * v.merge_kernel_size[0] * v.merge_kernel_size[1];
  const t = v.text_hidden_size;
  return sum([[v.mm_hidden_size], [v.mm_hidden_size], [m, m], [m], [t, m], [t]]);
}

describe('Kimi-K2.5 (kimi_k25)', () => {
  it('tower and projector exact against the checkpoint modules: 416,866,032 + 54,277,888', () => {
    const c = k25();
    const spec = read(c);
    expect(towerTensors(c.vision_config)).toBe(416_866_032);
    expect(projectorTensors(c.vision_config)).toBe(54_277_888);
    expect(spec.vision?.params).toBe(416_866_032 + 54_277_888);
    expect(paramCount(spec).visionParams).toBe(471_143_920);
    expect(spec.vision).toMatchObject({
      description: 'MoonViT3d 27 × 1152, patch 14, merge 2×2, patchmerger projector',
      patchSize: 14,
      imageSize: null,
      flopsPerImage: null,
    });
  });

  it('the text model is what text_config alone reads to, and matches a DeepSeek-V3 tensor enumeration', () => {
    const c = k25();
    const spec = read(c);
    const alone = specFromHfConfig(c.text_config, 'kimi-k2.5');
    const { vision: _v, modelType: _m, ...text } = spec;
    const { vision: _va, modelType: _ma, ...textAlone } = alone;
    expect(text).toEqual(textAlone);
    expect(spec.modelType).toBe('kimi_k25');
    const p = paramCount(spec);
    const t = dsaTensors(c.text_config);
    expect(p.totalParams).toBe(t.total);
    expect(p.activeParams).toBe(t.total - t.inactive);
    expect(p.totalParams).toBe(1_026_408_232_448);
    expect(p.activeParams).toBe(32_861_500_928);
  });

  it('total = text + tower + projector; no "not supported" warning', () => {
    const c = k25();
    const spec = read(c);
    const p = paramCount(spec);
    const text = paramCount(specFromHfConfig(c.text_config, 't')).totalParams;
    expect(p.totalParams + p.visionParams).toBe(
      text + towerTensors(c.vision_config) + projectorTensors(c.vision_config),
    );
    expect(p.totalParams + p.visionParams).toBe(1_026_879_376_368);
    expect(spec.warnings ?? []).toEqual([]);
  });

  it("published totals: the card's 1T and vision encoder 400M, NVIDIA's 32.86B active", () => {
    // moonshotai/Kimi-K2.5 model card, "Model Summary" (as reproduced in unsloth/Kimi-K2.5's card):
    // Total Parameters 1T, Activated Parameters 32B, Vision Encoder MoonViT, Parameters of Vision
    // Encoder 400M. NVIDIA's blog "Build with Kimi K2.5 Multimodal VLM Using NVIDIA GPU-Accelerated
    // Endpoints" (2026-02-04), Table 1: Active parameters 32.86B.
    const c = k25();
    const p = paramCount(read(c));
    // 1.027T in all: "1T" to one significant figure.
    expect(Math.round((p.totalParams + p.visionParams) / 1e12)).toBe(1);
    // 32,861,500,928 active (the text model's; the tower runs per image, not per token).
    expect(Math.round(p.activeParams / 1e7) / 100).toBe(32.86);
    // "400M" is MoonViT's 416.9M to one significant figure (with the projector's 54.3M, 471M: "500M").
    expect(Math.round(towerTensors(c.vision_config) / 1e8) * 1e8).toBe(400_000_000);
  });

  it("the NVFP4 exports' layout (vision model_type '', text model_type deepseek_v3) reads the same", () => {
    const c = k25();
    const nvfp4 = {
      ...c,
      text_config: { ...c.text_config, model_type: 'deepseek_v3' },
      vision_config: { ...c.vision_config, model_type: '' },
    };
    expect(paramCount(read(nvfp4))).toEqual(paramCount(read(c)));
  });

  it('the other projector types the remote code builds: mlp (pre_norm, mm → text → text) and identity', () => {
    const tower = towerTensors(k25().vision_config);
    const [mm, t] = [1152, 7168];
    expect(read(withVision({ mm_projector_type: 'mlp' })).vision?.params).toBe(
      tower + sum([[mm], [mm], [t, mm], [t], [t, t], [t]]),
    );
    expect(read(withVision({ mm_projector_type: 'identity' })).vision?.params).toBe(tower);
  });

  it('refuses by name a layout the checkpoint code does not build', () => {
    const cases: [Cfg, RegExp][] = [
      [{ mm_projector_type: 'patchmergerv2' }, /mm_projector_type' 'patchmergerv2' is not supported/],
      [{ merge_type: 'sd2' }, /merge_type' 'sd2' is not supported/],
      [{ pos_emb_type: 'learnable' }, /pos_emb_type' 'learnable' is not supported/],
      [{ video_attn_type: 'spatial' }, /video_attn_type' 'spatial' is not supported/],
      [{ merge_kernel_size: [2] }, /merge_kernel_size' must be two positive integers/],
      [{ mm_hidden_size: 1024 }, /mm_hidden_size' \(1024\) must equal vt_hidden_size \(1152\)/],
      [
        { text_hidden_size: 4096 },
        /text_hidden_size' \(4096\) must equal the text model's hidden_size \(7168\)/,
      ],
    ];
    for (const [v, message] of cases) {
      const e = inputErrorOf(() => read(withVision(v)));
      expect(e.message).toMatch(message);
      expect(e.issues[0]!.path[0]).toBe('vision_config');
    }
    expect(inputErrorOf(() => read(withVision({ vt_hidden_size: undefined }))).message).toMatch(
      /missing field 'vision_config\.vt_hidden_size'/,
    );
  });

  it('without vision_config it is the text model alone', () => {
    const { vision_config: _, ...c } = k25();
    expect(read(c).vision).toBeNull();
  });

  it('specFromHfConfig reads kimi_k25 by this family', () => {
    const c = k25();
    expect(specFromHfConfig(c, 'kimi-k2.5')).toEqual(read(c));
  });
});
