/**
 * MiniCPM-V 2.6 and 4.5 (minicpmv.ts): the top-level Qwen2 / Qwen3 language model, the SigLIP NaViT
 * tower and the resampler counted from the modules the remote code builds (`modeling_minicpmv.py`,
 * `modeling_navit_siglip.py`, `resampler.py`; vLLM `model_executor/models/minicpmv.py`), on the
 * openbmb/MiniCPM-V-2_6 and MiniCPM-V-4_5 configs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import { minicpmvWrapper } from './minicpmv.js';
import type { Family } from './readers.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const read = (c: Cfg) => minicpmvWrapper(familyOf)(new Fields(c, 'minicpmv'), 'x');
const release = (name: string): Cfg =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  );

/** LayerNorm weight and bias; a Linear's weight and bias. */
const ln = (w: number) => 2 * w;
const fc = (i: number, o: number) => i * o + o;

/**
 * Qwen2ForCausalLM / Qwen3ForCausalLM, untied: embed_tokens and lm_head [V, h], final RMSNorm; per
 * layer two RMSNorms, q/k/v_proj (biased in Qwen2, with q_norm/k_norm [d] in Qwen3), o_proj, SwiGLU MLP.
 */
function textParams(c: Cfg, qwen3: boolean): number {
  const h = c.hidden_size;
  const d = c.head_dim ?? h / c.num_attention_heads;
  const q = c.num_attention_heads * d;
  const kv = c.num_key_value_heads * d;
  const attention = qwen3 ? h * (q + 2 * kv) + q * h + 2 * d : fc(h, q) + 2 * fc(h, kv) + q * h;
  const layer = 2 * h + attention + 3 * h * c.intermediate_size;
  return 2 * c.vocab_size * h + h + c.num_hidden_layers * layer;
}

/** vpm: patch Conv2d with bias, (image/patch)² positions, `layers` SigLIP layers, post_layernorm. */
function towerParams(v: Cfg, layers: number): number {
  const [h, i, p] = [v.hidden_size, v.intermediate_size, v.patch_size];
  const layer = 2 * ln(h) + 4 * fc(h, h) + fc(h, i) + fc(i, h);
  return fc(3 * p * p, h) + Math.floor(v.image_size / p) ** 2 * h + layers * layer + ln(h);
}

/** resampler: query, kv_proj (no bias), MultiheadAttention in_proj + out_proj, ln_q/ln_kv/ln_post, proj. */
function resamplerParams(queries: number, kvDim: number, d: number): number {
  return queries * d + kvDim * d + fc(d, 3 * d) + fc(d, d) + 3 * ln(d) + d * d;
}

describe('MiniCPM-V (minicpmv)', () => {
  it('openbmb/MiniCPM-V-2_6: Qwen2-7B text 7,612,763,648, tower and resampler 486,411,504, 8,099,175,152 in all', () => {
    const c = release('minicpm-v-2_6');
    const spec = read(c);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(textParams(c, false));
    expect(p.totalParams).toBe(7_612_763_648);
    const vision = towerParams(c.vision_config, 27) + resamplerParams(64, 1152, 3584);
    expect(spec.vision?.params).toBe(vision);
    expect(spec.vision?.params).toBe(417_792_240 + 68_619_264);
    expect(p.totalParams + p.visionParams).toBe(8_099_175_152);
    expect(spec.modelType).toBe('minicpmv');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.vision?.patchSize).toBe(14);
    expect(spec.vision?.flopsPerImage).toBeNull();
    // 28 layers × 4 KV heads × 128, K and V, BF16.
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(28 * 2 * 4 * 128 * 2 * 32_768);
  });

  it('openbmb/MiniCPM-V-4_5: Qwen3-8B text 8,189,195,264, tower and resampler 506,700,016, 8,695,895,280 in all', () => {
    const c = release('minicpm-v-4_5');
    const spec = read(c);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(textParams(c, true));
    expect(p.totalParams).toBe(8_189_195_264);
    const vision = towerParams(c.vision_config, 27) + resamplerParams(64, 1152, 4096);
    expect(spec.vision?.params).toBe(vision);
    expect(spec.vision?.params).toBe(417_792_240 + 88_907_776);
    expect(p.totalParams + p.visionParams).toBe(8_695_895_280);
    // 36 layers × 8 KV heads × 128, K and V, BF16.
    expect(kvCacheBytes(spec, 40_960, 'bf16').bytesPerSequence).toBe(36 * 2 * 8 * 128 * 2 * 40_960);
  });

  it('drops the last vision layer by the class default and builds default_vision_config when absent', () => {
    const c = release('minicpm-v-2_6');
    const { drop_vision_last_layer: _, vision_config: __, ...bare } = c;
    const spec = read(bare);
    expect(spec.vision?.params).toBe(towerParams(c.vision_config, 26) + resamplerParams(64, 1152, 3584));
  });

  it('reads 4.0 as a Llama text model (version 4.0 arrives as the number 4)', () => {
    const c = release('minicpm-v-2_6');
    const spec = read({ ...c, version: 4.0 });
    // LlamaForCausalLM: q/k/v/o without biases.
    const h = 3584;
    expect(paramCount(read(c)).totalParams - paramCount(spec).totalParams).toBe(28 * (h + 2 * 512));
  });

  it('refuses a version it does not read and a text width the resampler heads do not split', () => {
    const c = release('minicpm-v-2_6');
    expect(inputErrorOf(() => read({ ...c, version: 2.0 })).message).toContain('version');
    expect(inputErrorOf(() => read({ ...c, version: [2, 6] })).message).toContain('version');
    const heads = inputErrorOf(() => read({ ...c, hidden_size: 2000, num_attention_heads: 16 }));
    expect(heads.message).toContain('hidden_size');
    const vision = inputErrorOf(() =>
      read({ ...c, vision_config: { ...c.vision_config, num_attention_heads: 7 } }),
    );
    expect(vision.message).toContain('vision_config.num_attention_heads');
  });
});
