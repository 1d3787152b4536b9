/**
 * Llama 3.2 Vision reader (mllama.ts) and the `cross` layer kind it brings: exact counts against
 * the checkpoint, the image's keys and values cached per sequence, cross-attention in the operation
 * list (no causal mask, the image's tokens as keys, k/v projected per image), LoRA on the cross
 * layers, and the fields it refuses by name.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { request } from '../../../../test/operation-setup.js';
import { adaptedMatrices } from '../adapters.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { layerOperations } from '../operations.js';
import { paramCount } from '../param-count.js';

type Json = Record<string, unknown>;

const vision11b = () => hfFixture('hand-built/llama-3.2-11b-vision') as Json & { text_config: Json };
const withText = (text: Json) => {
  const c = vision11b();
  return { ...c, text_config: { ...c.text_config, ...text } };
};

describe('Llama 3.2 Vision (mllama)', () => {
  it('counts the 11B as the checkpoint, less the 8 image-token embedding rows', () => {
    const spec = specFromHfConfig(vision11b(), '11b');
    const p = paramCount(spec);
    // meta-llama/Llama-3.2-11B-Vision: 10,670,220,835 parameters; the embedding's 8 rows beyond
    // vocab_size (8 × 4,096) are not counted.
    expect(p.totalParams + p.visionParams).toBe(10_670_220_835 - 8 * 4096);
    // The language model: Llama 3.1 8B (8,030,261,248) plus 8 cross-attention layers of q/k/v/o,
    // per-head q/k norms, an MLP, two norms and two gates.
    const crossLayer = 2 * 4096 * 4096 + 2 * 4096 * 1024 + 2 * 128 + 3 * 4096 * 14_336 + 2 * 4096 + 2;
    expect(p.totalParams).toBe(8_030_261_248 + 8 * crossLayer);
    expect(spec.layers.filter((l) => l.attention === 'cross').map((_, i) => i)).toHaveLength(8);
    expect(spec.layers[3]?.attention).toBe('cross');
    expect(spec.vision?.description).toMatch(/32 \+ 8 global × 1280, 560px tiles/);
  });

  it('caches the image keys and values once per sequence, whatever its length', () => {
    const spec = specFromHfConfig(vision11b(), '11b');
    expect(spec.crossAttention?.contextTokens).toBe(4 * (40 * 40 + 1));
    const short = kvCacheBytes(spec, 1024);
    const long = kvCacheBytes(spec, 8192);
    const image = 8 * 6404 * 2 * 8 * 128 * 2;
    expect(short.crossBytesPerSequence).toBe(image);
    expect(short.bytesPerToken).toBe(32 * 2 * 8 * 128 * 2);
    expect(long.bytesPerSequence - short.bytesPerSequence).toBe(7168 * short.bytesPerToken);
    expect(short.bytesPerSequence).toBe(1024 * short.bytesPerToken + image);
    // Under TP 8 each rank holds one KV head of eight.
    expect(kvCacheBytes(spec, 1024, 'bf16', 8).crossBytesPerSequence).toBe(image / 8);
  });

  it('runs a cross layer on the text tokens: q and o projections, attention over the image without a mask', () => {
    const spec = specFromHfConfig(vision11b(), '11b');
    const cross = spec.layers[3]!;
    const ops = layerOperations(
      spec,
      cross,
      request({ phase: 'decode', shape: { sequences: 4, tokensPerSequence: 1, contextTokens: 3000 } }),
    );
    const gemms = ops.filter((o) => o.type === 'gemm' && o.component === 'attentionProjections');
    // qkv carries the queries alone (k and v come from the image), then o.
    expect(gemms.map((o) => (o.type === 'gemm' ? [o.name, o.n] : null))).toEqual([
      ['qkv', 4096],
      ['o', 4096],
    ]);
    const attention = ops.find((o) => o.type === 'attention');
    expect(attention?.type === 'attention' && attention.kvLength).toBe(6404);
    expect(attention?.type === 'attention' && attention.keysPerQuery).toBe(6404);
    expect(attention?.type === 'attention' && attention.causal).toBe(false);
    // Decode reads the image's keys and values of each sequence.
    expect(attention?.type === 'attention' && attention.kvBytes).toBe(4 * 6404 * 2 * 8 * 128 * 2);
    expect(ops.some((o) => o.name === 'rotary' && o.type === 'memory')).toBe(false);
  });

  it('adapts the cross layers q/k/v/o as PEFT does (they are q_proj … modules too)', () => {
    const spec = specFromHfConfig(vision11b(), '11b');
    const q = adaptedMatrices(spec, { method: 'lora', rank: 16, targets: ['q'] }).find(
      (m) => m.module === 'q_proj',
    );
    expect(q?.count).toBe(40);
  });

  it('a bare text model is costed for MllamaVisionConfig default image, and says so', () => {
    const { model_type: _t, ...text } = vision11b().text_config;
    const spec = specFromHfConfig({ ...text, model_type: 'mllama_text_model' }, 'text');
    // 448 px / 14 = 32 × 32 patches + a class token, 4 tiles.
    expect(spec.crossAttention?.contextTokens).toBe(4 * 1025);
    expect(spec.warnings?.[0]).toMatch(/4,100 vision tokens, MllamaVisionConfig defaults/);
    expect(spec.vision).toBeNull();
  });

  it('an empty cross_attention_layers list is a plain Llama (no image, no warning); an absent one the class default', () => {
    const none = specFromHfConfig(withText({ cross_attention_layers: [] }), 'x');
    expect(none.layers.some((l) => l.attention === 'cross')).toBe(false);
    expect(none.crossAttention ?? null).toBeNull();
    expect(none.warnings ?? []).toHaveLength(0);
    const { cross_attention_layers: _c, ...text } = vision11b().text_config;
    const absent = specFromHfConfig({ ...vision11b(), text_config: text }, 'x');
    expect(absent.layers.filter((l) => l.attention === 'cross')).toHaveLength(8);
  });

  it('refuses a cross-attention layer index beyond the model', () => {
    const error = inputErrorOf(() => specFromHfConfig(withText({ cross_attention_layers: [3, 40] }), 'x'));
    expect(error.issues[0]?.path).toEqual(['text_config', 'cross_attention_layers']);
    expect(error.message).toMatch(/lists layer 40, but the model has 40 layers/);
  });
});
