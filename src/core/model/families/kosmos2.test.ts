/**
 * Kosmos-2 reader (kosmos2.ts): microsoft/kosmos-2-patch14-224 counted from its modules to
 * 1,664,485,376 parameters (the card's 1.66B), its KV cache, and the fields it refuses.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { kosmos2, kosmos2Text } from './kosmos2.js';

const fixture = (): Json & { text_config: Json } =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/kosmos-2-patch14-224.json', import.meta.url),
      'utf8',
    ),
  );
const read = (json: Json) => kosmos2(new Fields(json, 'kosmos-2'), 'x');
const linear = (i: number, o: number) => i * o + o;

describe('Kosmos-2 (kosmos-2)', () => {
  it('counts kosmos-2-patch14-224 module by module: 1,664,485,376 parameters', () => {
    const spec = read(fixture());
    const p = paramCount(spec);
    // Text: a tied 65,037 × 2,048 embedding, sinusoidal positions, 24 blocks of biased q/k/v/out,
    // inner_attn_ln, fc1/fc2 and ffn_layernorm (8,192 wide), two LayerNorms, and a final LayerNorm.
    const h = 2048;
    const block = 4 * linear(h, h) + 2 * h + linear(h, 8192) + 2 * 8192 + linear(8192, h) + 2 * 2 * h;
    expect(p.totalParams).toBe(65_037 * h + 24 * block + 2 * h);
    // CLIP ViT-L/14: bias-free conv, class token, 257 positions, pre-LN, 24 layers, post-LN.
    const v = 1024;
    const vitLayer = 4 * linear(v, v) + linear(v, 4096) + linear(4096, v) + 2 * 2 * v;
    const vit = 3 * 14 * 14 * v + v + 257 * v + 2 * v + 24 * vitLayer + 2 * v;
    // image_to_text_projection: dense, 64 latent queries, x_attn's biased q/k/v/out.
    const projection = linear(v, h) + 64 * h + 4 * linear(h, h);
    expect(spec.vision?.params).toBe(vit + projection);
    expect(p.totalParams + (spec.vision?.params ?? 0)).toBe(1_664_485_376);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.learnedPositionEmbeddings).toBe(0);
    expect(spec.vision?.description).toBe(
      'CLIP 24 × 1024, 224px, patch 14 (257 vision tokens → 64 latent tokens)',
    );
  });

  it('caches 24 layers × 32 heads × 64 of keys and values per token', () => {
    const spec = read(fixture());
    expect(kvCacheBytes(spec, 2048).bytesPerToken).toBe(24 * 2 * 32 * 64 * 2);
    expect(spec.maxContextTokens).toBe(2048);
  });

  it('reads a bare kosmos_2_text_model with Kosmos2TextConfig defaults', () => {
    const text = kosmos2Text(new Fields({ model_type: 'kosmos_2_text_model' }, 'kosmos_2_text_model'), 't');
    expect(paramCount(text).totalParams).toBe(paramCount(read(fixture())).totalParams);
    expect(text.vision).toBeNull();
  });

  it('counts ffn_layernorm at any ffn_dim (not only multiples of embed_dim), in the MLP', () => {
    const json = fixture();
    const spec = read({ ...json, text_config: { ...json.text_config, ffn_dim: 3000 } });
    const h = 2048;
    const mlp = linear(h, 3000) + 2 * 3000 + linear(3000, h);
    expect(paramCount(spec).breakdown.denseMlp).toBe(24 * mlp);
    expect(paramCount(spec).breakdown.norms).toBe(24 * 3 * 2 * h + 2 * h);
  });

  it('refuses a cross-attention text model, naming the field', () => {
    const json = fixture();
    const cross = inputErrorOf(() =>
      read({ ...json, text_config: { ...json.text_config, add_cross_attention: true } }),
    );
    expect(cross.issues[0]?.path).toEqual(['text_config', 'add_cross_attention']);
  });
});
