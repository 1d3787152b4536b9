/**
 * NVIDIA Cosmos 3 Edge (`cosmos3_edge`), cosmos3-edge.ts: Llama's layers with an ungated ReLU² MLP
 * (fc1/fc2), an untied lm_head, and the SigLIP2 tower with Qwen3.5's patch merger counted apart
 * (modeling_cosmos3_edge.py), on Cosmos3EdgeConfig's defaults with the released vision and projector
 * sub-configs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { cosmos3EdgeText, cosmos3EdgeWrapper } from './cosmos3-edge.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';

const cosmos3Edge = cosmos3EdgeWrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const FIXTURE: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/cosmos3-edge.json', import.meta.url),
    'utf8',
  ),
);
const release = (): Json => structuredClone(FIXTURE);
const read = (c: Json) => cosmos3Edge(new Fields(c, 'cosmos3_edge'), 'cosmos3-edge');

// Text model: 28 layers of 2048, 16 query heads and 8 KV heads of 128, fc1/fc2 of 9216, vocab 131,072.
const h = 2048;
const vocab = 131_072;
const q = 16 * 128;
const kv = 8 * 128;
// q_proj, k_proj, v_proj, o_proj (no bias), fc1 and fc2 (no bias, no gate), two RMSNorms.
const textLayer = h * q + 2 * h * kv + q * h + 2 * h * 9216 + 2 * h;
// embed_tokens, the layers, the final norm and the untied lm_head.
const text = vocab * h + 28 * textLayer + h + vocab * h;
// SigLIP2 27 × 1152, MLP 4304, patch 16: patch_embedding [v, 3·16²] + bias, 256 position rows; per
// layer two LayerNorms, q/k/v/out_proj with bias, fc1/fc2 with bias; post_layernorm.
const v = 1152;
const block = 2 * 2 * v + 4 * (v * v + v) + (v * 4304 + 4304) + (4304 * v + v);
const tower = 3 * 16 * 16 * v + v + 256 * v + 27 * block + 2 * v;
// Patch merger: norm LayerNorm(v), linear_fc1 [11520, 4v] + bias, linear_fc2 [h, 11520] + bias.
const projector = 2 * v + (4 * v * 11_520 + 11_520) + (11_520 * h + h);

describe('Cosmos 3 Edge', () => {
  it('released shape: 1,946,273,792 in the text model, 489,342,704 in the SigLIP2 tower and merger', () => {
    const spec = read(release());
    expect(spec.modelType).toBe('cosmos3_edge');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.mlp).toEqual({ intermediateSize: 9216, gated: false, bias: false });
    expect(spec.activation).toBe('relu2');
    expect(paramCount(spec).totalParams).toBe(text);
    expect(paramCount(spec).totalParams).toBe(1_946_273_792);
    expect(spec.vision?.params).toBe(tower + projector);
    expect(spec.vision?.params).toBe(489_342_704);
    expect(spec.vision?.flopsPerImage).toBeNull();
    expect(spec.warnings).toBeUndefined();
    // Every layer full attention: K and V of 8 heads × 128 in bf16.
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(28 * 2 * kv * 2 * 8192);
  });

  it('builds the class defaults when the config gives no sub-configs, and reads a bare text config', () => {
    const spec = read({ model_type: 'cosmos3_edge' });
    expect(paramCount(spec).totalParams).toBe(text);
    expect(spec.vision?.params).toBe(tower + projector);
    const bare = cosmos3EdgeText(new Fields({ model_type: 'cosmos3_edge_text' }, 'cosmos3_edge_text'), 'x');
    expect(paramCount(bare).totalParams).toBe(text);
  });

  it('never ties lm_head, biases per attention_bias and mlp_bias, widens the merger per projector_hidden_size', () => {
    const c = release();
    c.tie_word_embeddings = true;
    c.projector_hidden_size = 4096;
    c.text_config = { ...(c.text_config as Json), attention_bias: true, mlp_bias: true };
    const spec = read(c);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(paramCount(spec).totalParams).toBe(text + 28 * (q + 2 * kv + h) + 28 * (9216 + h));
    expect(spec.vision?.params).toBe(tower + 2 * v + (4 * v * 4096 + 4096) + (4096 * h + h));
    expect(spec.warnings).toEqual([
      expect.stringMatching(/tie_word_embeddings true is not applied/),
      expect.stringMatching(/projector_config\.merger_intermediate_size \(11520\) is not read.*builds 4096/),
    ]);
  });

  it('names the field of a bad config', () => {
    const c = release();
    c.text_config = {
      ...(c.text_config as Json),
      rope_parameters: { rope_type: 'default', mrope_section: [24, 20] },
    };
    expect(() => read(c)).toThrow(/text_config\.rope_parameters\.mrope_section.*head_dim \/ 2 \(64\)/);
    const d = release();
    d.vision_config = { ...(d.vision_config as Json), num_patches: 200 };
    expect(() => read(d)).toThrow(/vision_config\.num_patches.*must be a square/);
    expect(() => read({ ...release(), text_config: { model_type: 'nope' } })).toThrow(
      /text_config\.model_type/,
    );
  });
});
