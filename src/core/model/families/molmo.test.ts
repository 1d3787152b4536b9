/**
 * Molmo (molmo.ts): the OLMo-style decoder with its 128 extra embedding rows, and the CLIP ViT-L/14-336
 * tower (23 blocks), pad embeddings, 2×2 pooling attention and SwiGLU projector, counted from the modules
 * the release's remote code builds (`modeling_molmo.py`; vLLM `model_executor/models/molmo.py`), on
 * allenai/Molmo-7B-D-0924's config.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { molmo } from './molmo.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const read = (c: Cfg) => molmo(new Fields(c, 'molmo'), 'x');
const release = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/molmo-7b-d-0924.json', import.meta.url),
      'utf8',
    ),
  );

/** A Linear's weight and bias; a LayerNorm's weight and bias. */
const fc = (i: number, o: number) => i * o + o;
const ln = (w: number) => 2 * w;

/**
 * model.transformer: wte.embedding [E, d] and wte.new_embedding [128, d]; per block att_proj
 * [(heads + 2·kv)·hd, d] (+ bias when qkv_bias), attn_out [d, heads·hd], q_norm (d) and k_norm (kv·hd)
 * when attention_layer_norm, ff_proj [I, d], ff_out [d, I/2], attn_norm and ff_norm; ln_f; ff_out
 * [E, d] (untied).
 */
function decoderParams(c: Cfg): number {
  const d = c.hidden_size;
  const heads = c.num_attention_heads;
  const kv = c.num_key_value_heads ?? heads;
  const hd = d / heads;
  const qkv = d * (heads + 2 * kv) * hd + (c.qkv_bias ? (heads + 2 * kv) * hd : 0);
  const qk = c.attention_layer_norm ? d + kv * hd : 0;
  const ff = d * c.intermediate_size + (c.intermediate_size / 2) * d;
  const block = qkv + heads * hd * d + qk + ff + 2 * d;
  return (c.embedding_size + 128) * d + c.num_hidden_layers * block + d + c.embedding_size * d;
}

/**
 * model.vision_backbone: image_vit (patch_embedding [1024, 588] without bias, class_embedding,
 * positional_embedding [577, 1024], pre_ln, 23 resblocks of two LayerNorms, wq/wk/wv/wo and w1/w2,
 * biased); pad_embed [2, 2048]; image_pooling_2d wq/wk/wv [1024, 2048] and wo [1024, 1024], biased;
 * image_projector w1/w3 [I/2, 1024] and w2 [d, I/2], no bias.
 */
function visionParams(c: Cfg): number {
  const [w, i] = [1024, 4096];
  const embeddings = 14 * 14 * 3 * w + w + 577 * w + ln(w);
  const block = 2 * ln(w) + 4 * fc(w, w) + fc(w, i) + fc(i, w);
  const vit = embeddings + 23 * block;
  const pooling = 3 * fc(2 * w, w) + fc(w, w);
  const half = c.intermediate_size / 2;
  const projector = 2 * w * half + half * c.hidden_size;
  return vit + 2 * 2 * w + pooling + projector;
}

describe('Molmo (molmo)', () => {
  it('allenai/Molmo-7B-D-0924: 7,616,075,264 in the decoder, 404,950,016 in the vision side, 8,021,025,280 in all', () => {
    const c = release();
    const spec = read(c);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(decoderParams(c));
    expect(p.totalParams).toBe(7_616_075_264);
    expect(spec.vision?.params).toBe(visionParams(c));
    expect(spec.vision?.params).toBe(290_909_184 + 4096 + 7_344_128 + 106_692_608);
    expect(p.totalParams + p.visionParams).toBe(8_021_025_280);
    expect(spec.vocabSize).toBe(152_064);
    expect(spec.mlp.intermediateSize).toBe(18_944);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.vision?.patchSize).toBe(14);
    expect(spec.vision?.flopsPerImage).toBeNull();
  });

  it('caches K and V of 4 heads of 128 on each of the 28 layers', () => {
    const spec = read(release());
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(28 * 2 * 4 * 128 * 2 * 4096);
  });

  it('reads Molmo-7B-O’s shape: q/k norms over all heads, no qkv bias, one KV head per query head', () => {
    const o: Cfg = {
      model_type: 'molmo',
      attention_layer_norm: true,
      embedding_size: 100_352,
      vocab_size: 100_278,
      hidden_size: 4096,
      intermediate_size: 22_016,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: null,
      qkv_bias: false,
      max_position_embeddings: 4096,
      weight_tying: false,
    };
    const spec = read(o);
    expect(spec.attention.kind === 'gqa' && spec.attention.qkNorm).toBe('full');
    expect(paramCount(spec).totalParams).toBe(decoderParams(o));
    expect(spec.vision?.params).toBe(visionParams(o));
  });

  it('takes MolmoConfig defaults for omitted keys', () => {
    const defaults = {
      embedding_size: 50_304,
      hidden_size: 4096,
      intermediate_size: 11_008,
      num_hidden_layers: 32,
      num_attention_heads: 32,
    };
    expect(paramCount(read({ model_type: 'molmo' })).totalParams).toBe(decoderParams(defaults));
  });

  it('refuses MolmoE, a LayerNorm decoder and an odd fused MLP width, naming the field', () => {
    const c = release();
    expect(inputErrorOf(() => read({ ...c, moe_num_experts: 64 })).message).toContain('moe_num_experts');
    expect(inputErrorOf(() => read({ ...c, layer_norm_type: 'default' })).message).toContain(
      'layer_norm_type',
    );
    expect(inputErrorOf(() => read({ ...c, intermediate_size: 37_887 })).message).toContain(
      'intermediate_size',
    );
  });
});
