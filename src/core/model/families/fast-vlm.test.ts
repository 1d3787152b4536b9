/**
 * FastVLM (`fast_vlm`), fast-vlm.ts: FastVLM-7B (FastVlmConfig's defaults) counted from the module
 * shapes of its Qwen2 text model, timm's reparameterized FastViTHD (`fastvit_mci3`, stage by stage)
 * and the projector; what the tower cannot be built as refused by name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { fastVlmWrapper } from './fast-vlm.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/fast-vlm-7b.json', import.meta.url),
      'utf8',
    ),
  ) as Cfg;

const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const read = (json: Cfg) => fastVlmWrapper(familyOf)(new Fields(json, 'fast_vlm'), 'x');

// Qwen2 of FastVlmConfig's defaults: 152,128 tokens, hidden 3584, 28 layers, 28 heads of 128, 4 KV heads.
const [V, H, I, L, heads, kv, hd] = [152_128, 3584, 18_944, 28, 28, 4, 128];
/** Untied embedding and head; q, k, v with bias, o without; gate/up/down; two RMSNorms; final norm. */
const text =
  2 * V * H +
  L * (H * heads * hd + heads * hd + 2 * (H * kv * hd + kv * hd) + heads * hd * H + 3 * H * I + 2 * H) +
  H;

/** timm fastvit_mci3 with inference_mode, tensor by tensor. */
function fastVitHd(): number {
  const dims = [96, 192, 384, 768, 1536];
  const depth = [2, 12, 24, 4, 2];
  const d0 = 96;
  // stem.0 (3 → 96, 3×3), stem.1 (depthwise 3×3), stem.2 (1×1), each reparam_conv with bias.
  let n = 3 * 3 * 3 * d0 + d0 + (d0 * 3 * 3 + d0) + (d0 * d0 + d0);
  for (let i = 0; i < 5; i++) {
    const d = dims[i]!;
    // downsample.proj.0 weight (d, 1, 7, 7) + bias, proj.1 (d, d, 1, 1) + bias.
    if (i > 0) n += d * 7 * 7 + d + d * d + d;
    // pos_emb.reparam_conv (d, 1, 7, 7) + bias on the attention stages.
    if (i >= 3) n += d * 7 * 7 + d;
    // mlp: conv.conv (d, 1, 7, 7), conv.bn weight + bias, fc1 (4d, d) + bias, fc2 (d, 4d) + bias.
    const mlp = d * 49 + 2 * d + 4 * d * d + 4 * d + 4 * d * d + d;
    // RepMixer: token_mixer.reparam_conv (d, 1, 3, 3) + bias, layer_scale.gamma.
    // Attention: norm weight + bias, qkv (3d, d), proj (d, d) + bias, layer_scale_1/2.gamma.
    const block = i < 3 ? d * 9 + d + mlp + d : 2 * d + 3 * d * d + d * d + d + 2 * d + mlp;
    n += depth[i]! * block;
  }
  // final_conv: reparam_conv (3072, 1, 3, 3) + bias, se.fc1 (192, 3072) + bias, se.fc2 (3072, 192) + bias.
  return n + 3072 * 9 + 3072 + 3072 * 192 + 192 + 192 * 3072 + 3072;
}

/** linear_1 (3072 → H) and linear_2 (H → H), both biased. */
const projector = 3072 * H + H + H * H + H;

describe('fast_vlm (FastVLM-7B)', () => {
  it('text 7,616,075,264 + FastViTHD 122,714,208 + projector 23,862,272', () => {
    const spec = read(fixture());
    expect(spec.modelType).toBe('fast_vlm');
    expect(paramCount(spec).totalParams).toBe(text);
    expect(text).toBe(7_616_075_264);
    expect(fastVitHd()).toBe(122_714_208);
    expect(projector).toBe(23_862_272);
    expect(spec.vision?.params).toBe(fastVitHd() + projector);
    expect(text + fastVitHd() + projector).toBe(7_762_651_744);
    expect(spec.vision?.description).toBe(
      'FastViT fastvit_mci3 (44 blocks, 96/192/384/768/1536 → 3072), 64× downsampling',
    );
    expect(spec.vision?.flopsPerImage).toBeNull();
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(kvCacheBytes(spec, 1000, 'bf16').bytesPerToken).toBe(L * 2 * kv * hd * 2);
  });

  it("builds FastVlmConfig's defaults when text_config and vision_config are absent", () => {
    const cfg = fixture();
    delete cfg.text_config;
    delete cfg.vision_config;
    const spec = read(cfg);
    expect(paramCount(spec).totalParams).toBe(text);
    expect(spec.vision?.params).toBe(fastVitHd() + projector);
  });

  it('drops the projector biases without multimodal_projector_bias; reads fastvit_mci4', () => {
    const plain = read({ ...fixture(), multimodal_projector_bias: false });
    expect(plain.vision?.params).toBe(fastVitHd() + projector - 2 * H);
    const mci4 = read({
      ...fixture(),
      vision_config: { ...fixture().vision_config, architecture: 'fastvit_mci4', hidden_size: 4096 },
    });
    expect(mci4.vision?.description).toMatch(/^FastViT fastvit_mci4 \(46 blocks/);
  });

  it('refuses what timm would not build as the checkpoint, naming the field', () => {
    const vision = (patch: Cfg) =>
      read({ ...fixture(), vision_config: { ...fixture().vision_config, ...patch } });
    expect(() => vision({ architecture: 'fastvit_sa12' })).toThrowError(
      /'vision_config\.architecture' 'fastvit_sa12' is not a FastViT llmecon reads/,
    );
    expect(() => vision({ model_args: {} })).toThrowError(
      /'vision_config\.model_args' must set inference_mode: true/,
    );
    expect(() => vision({ model_args: { inference_mode: true, layers: [1, 1, 1, 1, 1] } })).toThrowError(
      /'vision_config\.model_args' sets layers/,
    );
    expect(() => vision({ hidden_size: 1536 })).toThrowError(/'vision_config\.hidden_size' \(1536\) must be/);
    expect(() => vision({ model_type: 'siglip_vision_model' })).toThrowError(/'vision_config\.model_type'/);
  });
});
