/**
 * MiniCPM-V 4.6 (minicpmv4-6.ts): the Qwen3.5 text model and the SigLIP NaViT tower, window-attention
 * merger and MLP merger counted from the modules transformers builds (`models/minicpmv4_6/modeling_minicpmv4_6.py`,
 * `models/qwen3_5/modular_qwen3_5.py`), on the released openbmb/MiniCPM-V-4.6 config. The total,
 * 1,300,428,016, is the release's safetensors header (every tensor BF16, 2,600,856,032 bytes of data).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import { minicpmV46Wrapper } from './minicpmv4-6.js';
import type { Family } from './readers.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const read = (c: Cfg) => minicpmV46Wrapper(familyOf)(new Fields(c, 'minicpmv4_6'), 'x');
const release = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/minicpm-v-4.6.json', import.meta.url),
      'utf8',
    ),
  );

/** LayerNorm weight and bias; a Linear's weight and bias. */
const ln = (w: number) => 2 * w;
const fc = (i: number, o: number) => i * o + o;

/**
 * Qwen3_5TextModel with a tied head: embed_tokens [V, h], final norm; per layer two RMSNorms and a
 * SwiGLU MLP; a full-attention layer q_proj [2·heads·d, h] (queries and output gate), k/v_proj
 * [kv·d, h], o_proj [h, heads·d], q_norm/k_norm [d]; a Gated DeltaNet layer in_proj_qkv
 * [2·Hk·dk + Hv·dv, h], in_proj_z [Hv·dv, h], in_proj_b/a [Hv, h], conv1d [qkv, 1, K], dt_bias and
 * A_log [Hv], norm [dv], out_proj [h, Hv·dv].
 */
function qwen35TextParams(c: Cfg): number {
  const h = c.hidden_size;
  const d = c.head_dim;
  const qkv =
    2 * c.linear_num_key_heads * c.linear_key_head_dim + c.linear_num_value_heads * c.linear_value_head_dim;
  const z = c.linear_num_value_heads * c.linear_value_head_dim;
  const common = 2 * h + 3 * h * c.intermediate_size;
  const full =
    h * 2 * c.num_attention_heads * d +
    2 * h * c.num_key_value_heads * d +
    c.num_attention_heads * d * h +
    2 * d;
  const linear =
    h * qkv +
    h * z +
    2 * h * c.linear_num_value_heads +
    qkv * c.linear_conv_kernel_dim +
    2 * c.linear_num_value_heads +
    c.linear_value_head_dim +
    z * h;
  const kinds = c.layer_types as string[];
  const fullLayers = kinds.filter((k) => k === 'full_attention').length;
  return (
    c.vocab_size * h + h + kinds.length * common + fullLayers * full + (kinds.length - fullLayers) * linear
  );
}

/**
 * model.vision_tower (patch Conv2d with bias, (image/patch)² positions, SigLIP layers, post_layernorm,
 * vit_merger with a 2×2 window) and model.merger (merger_times DownsampleMLPs of 4h), into `text` wide.
 */
function visionParams(v: Cfg, text: number, times = 1): number {
  const [h, i, p] = [v.hidden_size, v.intermediate_size, v.patch_size];
  const attention = 4 * fc(h, h);
  const layer = 2 * ln(h) + attention + fc(h, i) + fc(i, h);
  const vitMerger = ln(h) + attention + ln(4 * h) + fc(4 * h, 4 * i) + fc(4 * i, h);
  const tower =
    fc(v.num_channels * p * p, h) +
    Math.floor(v.image_size / p) ** 2 * h +
    v.num_hidden_layers * layer +
    ln(h) +
    vitMerger;
  const mlp = (out: number) => ln(4 * h) + fc(4 * h, 4 * h) + fc(4 * h, out);
  return tower + (times - 1) * mlp(h) + mlp(text);
}

describe('MiniCPM-V 4.6', () => {
  it('openbmb/MiniCPM-V-4.6: 752,161,600 in the Qwen3.5 text model, 548,266,416 in the vision side, 1,300,428,016 in all', () => {
    const c = release();
    const spec = read(c);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(qwen35TextParams(c.text_config));
    expect(p.totalParams).toBe(752_161_600);
    expect(spec.vision?.params).toBe(visionParams(c.vision_config, 1024));
    expect(spec.vision?.params).toBe(522_299_312 + 25_967_104);
    expect(p.totalParams + p.visionParams).toBe(1_300_428_016);
    expect(spec.tieWordEmbeddings).toBe(true);
    // No MTP block is built or shipped: none reported.
    expect(spec.numMtpModules).toBe(0);
    expect(p.mtpParams).toBe(0);
    expect(spec.vision?.patchSize).toBe(14);
    expect(spec.vision?.flopsPerImage).toBeNull();
  });

  it('caches K and V on the 6 full-attention layers and a constant Gated DeltaNet state on the other 18', () => {
    const spec = read(release());
    // 2 KV heads of 256, K and V, BF16.
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(6 * 2 * 2 * 256 * 2 * 32_768);
    const state = recurrentStateBytes(spec);
    // conv keeps 3 inputs of 2·16·128 + 16·128 channels (BF16); the FP32 delta rule 16 × 128 × 128.
    expect(state.convBytesPerSequence).toBe(18 * 3 * 6144 * 2);
    expect(state.stateBytesPerSequence).toBe(18 * 16 * 128 * 128 * 4);
  });

  it('takes the class defaults for an absent text_config, vision_config and merger keys', () => {
    const spec = read({ model_type: 'minicpmv4_6' });
    // Qwen3_5TextConfig(): 32 layers of 4096, full attention every 4th, lm_head untied.
    expect(spec.hiddenSize).toBe(4096);
    expect(spec.numLayers).toBe(32);
    expect(spec.layers.filter((l) => l.attention === 'full')).toHaveLength(8);
    const text = {
      hidden_size: 4096,
      intermediate_size: 12_288,
      vocab_size: 248_320,
      head_dim: 256,
      num_attention_heads: 16,
      num_key_value_heads: 4,
      linear_num_key_heads: 16,
      linear_num_value_heads: 32,
      linear_key_head_dim: 128,
      linear_value_head_dim: 128,
      linear_conv_kernel_dim: 4,
    };
    const layerTypes = Array.from({ length: 32 }, (_, i) =>
      (i + 1) % 4 === 0 ? 'full_attention' : 'linear_attention',
    );
    expect(paramCount(spec).totalParams).toBe(
      qwen35TextParams({ ...text, layer_types: layerTypes }) + 248_320 * 4096,
    );
    // MiniCPMV4_6VisionConfig(): 12 layers of 768, 224 px at patch 16 (196 positions).
    const vision = {
      hidden_size: 768,
      intermediate_size: 3072,
      num_hidden_layers: 12,
      num_channels: 3,
      image_size: 224,
      patch_size: 16,
    };
    expect(spec.vision?.params).toBe(visionParams(vision, 4096));
  });

  it('counts one DownsampleMLP back to the tower width per extra merger round', () => {
    const c = release();
    const twice = read({ ...c, merger_times: 2 });
    expect(twice.vision?.params).toBe(visionParams(c.vision_config, 1024, 2));
    expect((twice.vision?.params ?? 0) - (read(c).vision?.params ?? 0)).toBe(
      ln(4608) + fc(4608, 4608) + fc(4608, 1152),
    );
  });

  it('refuses a vision width its heads do not divide, a merge kernel not of 4 patches and an unknown text model', () => {
    const c = release();
    const heads = inputErrorOf(() =>
      read({ ...c, vision_config: { ...c.vision_config, num_attention_heads: 7 } }),
    );
    expect(heads.message).toContain('vision_config.num_attention_heads');
    const merge = inputErrorOf(() => read({ ...c, merge_kernel_size: [3, 3] }));
    expect(merge.message).toContain('merge_kernel_size');
    const window = inputErrorOf(() =>
      read({ ...c, vision_config: { ...c.vision_config, window_kernel_size: [2] } }),
    );
    expect(window.message).toContain('vision_config.window_kernel_size');
    const text = inputErrorOf(() =>
      read({ ...c, text_config: { ...c.text_config, model_type: 'not_a_model' } }),
    );
    expect(text.message).toContain('text_config.model_type');
  });
});
