/**
 * Molmo 2 (molmo2.ts): the Qwen3/OLMo-style decoder with its extra embedding rows, and the SigLIP 2
 * tower (25 of 27 blocks), pooling attention and SwiGLU projector, counted from the modules the
 * released remote code builds (`modeling_molmo2.py`), on allenai/Molmo2-4B's config.json, whose
 * model.safetensors.index.json states 4,850,869,200 parameters.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { molmo2 } from './molmo2.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const read = (c: Cfg) => molmo2(new Fields(c, 'molmo2'), 'x');
const release = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/molmo2-4b.json', import.meta.url),
      'utf8',
    ),
  );

/** A Linear's weight and bias; a LayerNorm's weight and bias. */
const fc = (i: number, o: number) => i * o + o;
const ln = (w: number) => 2 * w;

/**
 * model.transformer: wte.embedding [V, d] and wte.new_embedding [extra, d]; per block att_proj
 * [(heads + 2·kv)·hd, d], attn_out [d, heads·hd], q_norm and k_norm (hd each for "qwen3", heads·hd
 * and kv·hd for "olmo"), ff_proj [2I, d], ff_out [d, I], attn_norm and ff_norm; ln_f; lm_head [V, d].
 */
function decoderParams(t: Cfg): number {
  const [d, heads, kv, hd, I] = [
    t.hidden_size,
    t.num_attention_heads,
    t.num_key_value_heads,
    t.head_dim,
    t.intermediate_size,
  ];
  const qk = t.qk_norm_type === 'qwen3' ? 2 * hd : (heads + kv) * hd;
  const block = d * (heads + 2 * kv) * hd + heads * hd * d + qk + d * 2 * I + I * d + 2 * d;
  return (t.vocab_size + t.additional_vocab_size) * d + t.num_hidden_layers * block + d + t.vocab_size * d;
}

/**
 * model.vision_backbone: image_vit (patch_embedding [1152, 588] + bias, positional_embedding [729,
 * 1152], 25 resblocks of two LayerNorms, wq/wk/wv/wo and w1/w2, biased); image_pooling_2d wq/wk/wv
 * [1152, 2304] and wo [1152, 1152], biased; image_projector w1/w3 [A, 1152] and w2 [d, A], no bias.
 */
function visionParams(c: Cfg): number {
  const [w, i] = [1152, 4304];
  const block = 2 * ln(w) + 4 * fc(w, w) + fc(w, i) + fc(i, w);
  const vit = fc(14 * 14 * 3, w) + 729 * w + 25 * block;
  const pooling = 3 * fc(2 * w, w) + fc(w, w);
  const a = c.adapter_config.intermediate_size;
  return vit + pooling + 2 * w * a + a * c.text_config.hidden_size;
}

/** Molmo2-8B's shape over the same layout: Qwen3-8B's decoder and a 12,288-wide projector. */
function molmo2_8b(): Cfg {
  const c = release();
  return {
    ...c,
    text_config: {
      ...c.text_config,
      hidden_size: 4096,
      intermediate_size: 12_288,
      rope_theta: 1_000_000,
    },
    adapter_config: { ...c.adapter_config, intermediate_size: 12_288, text_hidden_size: 4096 },
  };
}

describe('Molmo 2 (molmo2)', () => {
  it('allenai/Molmo2-4B: 4,411,751,936 in the decoder, 439,117,264 in the vision side, 4,850,869,200 in all', () => {
    const c = release();
    const spec = read(c);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(decoderParams(c.text_config));
    expect(p.totalParams).toBe(4_411_751_936);
    expect(spec.lookupTableParams).toBe(128 * 2560);
    expect(spec.vision?.params).toBe(visionParams(c));
    expect(spec.vision?.params).toBe(382_505_936 + 9_294_336 + 47_316_992);
    // The checkpoint's model.safetensors.index.json metadata.total_parameters.
    expect(p.totalParams + p.visionParams).toBe(4_850_869_200);
    expect(spec.modelType).toBe('molmo2');
    expect(spec.vocabSize).toBe(151_936);
    expect(spec.attention.kind === 'gqa' && spec.attention.qkNorm).toBe('per-head');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.vision?.patchSize).toBe(14);
    expect(spec.vision?.flopsPerImage).toBeNull();
  });

  it('caches K and V of 8 heads of 128 on each of the 36 layers', () => {
    const spec = read(release());
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(36 * 2 * 8 * 128 * 2 * 4096);
  });

  it('reads Molmo2-8B’s shape: 8,191,259,648 + 470,443,472 = 8,661,703,120', () => {
    const c = molmo2_8b();
    const spec = read(c);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(decoderParams(c.text_config));
    expect(spec.vision?.params).toBe(visionParams(c));
    expect(p.totalParams + p.visionParams).toBe(8_661_703_120);
  });

  it('reads an OLMo-style decoder: q/k norms over all heads ("olmo"), MHA, qkv bias', () => {
    const c = release();
    const text = {
      ...c.text_config,
      qk_norm_type: 'olmo',
      num_key_value_heads: 32,
      qkv_bias: true,
      hidden_size: 4096,
    };
    const o = { ...c, text_config: text, adapter_config: { ...c.adapter_config, text_hidden_size: 4096 } };
    const spec = read(o);
    expect(spec.attention.kind === 'gqa' && spec.attention.qkNorm).toBe('full');
    const bias = text.num_hidden_layers * (32 + 2 * 32) * 128;
    expect(paramCount(spec).totalParams).toBe(decoderParams(text) + bias);
  });

  it('takes the remote code’s class defaults for omitted keys and sub-configs', () => {
    const spec = read({ model_type: 'molmo2' });
    const [d, heads, kv, hd, I, V, L] = [3584, 28, 4, 128, 18_944, 152_064, 48];
    // qkv_bias true, use_qk_norm false by default.
    const block = d * (heads + 2 * kv) * hd + (heads + 2 * kv) * hd + heads * hd * d + 3 * d * I + 2 * d;
    expect(paramCount(spec).totalParams).toBe((V + 128) * d + L * block + d + V * d);
    // image_num_pos 577 by default; vit_layers [-3, -9] of 27 still builds 25 blocks.
    const w = 1152;
    const vision = visionParams({
      adapter_config: { intermediate_size: 18_944 },
      text_config: { hidden_size: d },
    });
    expect(spec.vision?.params).toBe(vision - (729 - 577) * w);
  });

  it('builds the ViT only up to the deepest vit_layers entry', () => {
    const c = release();
    const block = 2 * ln(1152) + 4 * fc(1152, 1152) + fc(1152, 4304) + fc(4304, 1152);
    const one = { ...c, adapter_config: { ...c.adapter_config, vit_layers: [-1] } };
    const pooling = 3 * fc(2 * 1152, 1152) - 3 * fc(1152, 1152);
    expect(read(c).vision?.params).toBe((read(one).vision?.params ?? 0) - 2 * block + pooling);
  });

  it('refuses bad input, naming the field', () => {
    const c = release();
    const text = (patch: Cfg) => ({ ...c, text_config: { ...c.text_config, ...patch } });
    const adapter = (patch: Cfg) => ({ ...c, adapter_config: { ...c.adapter_config, ...patch } });
    expect(inputErrorOf(() => read(text({ qk_norm_type: 'gemma' }))).message).toContain(
      'text_config.qk_norm_type',
    );
    expect(inputErrorOf(() => read(adapter({ vit_layers: [27] }))).message).toContain(
      'adapter_config.vit_layers',
    );
    expect(inputErrorOf(() => read(adapter({ text_hidden_size: 4096 }))).message).toContain(
      'adapter_config.text_hidden_size',
    );
    const { vit_config, ...native } = c;
    expect(inputErrorOf(() => read({ ...native, vision_config: vit_config })).message).toContain(
      'vision_config',
    );
  });
});
