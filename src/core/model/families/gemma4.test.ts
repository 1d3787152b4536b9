/**
 * Gemma 4 reader (gemma4.ts): layer lists, global-layer attention, the MoE block beside the dense
 * MLP, the vision tower, and the fields it refuses by name. Counts against the real configs are in
 * test/golden/gemma4-params.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { InputError } from '../../errors.js';
import { adaptedMatrices } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';
import { layerAttention } from '../spec.js';

type Json = Record<string, unknown>;

const moe26b = () => hfFixture('gemma-4-26b-a4b') as Json & { text_config: Json };
const dense31b = () => hfFixture('gemma-4-31b-it-nvfp4') as Json & { text_config: Json };

/** The 26B A4B wrapper with `text` overrides in its text_config. */
const withText = (text: Json, top: Json = {}) => {
  const c = moe26b();
  return { ...c, ...top, text_config: { ...c.text_config, ...text } };
};

/** A bare gemma4_text config: the 31B text model without its layer list. */
const bareText = (overrides: Json = {}) => {
  const { layer_types: _types, ...text } = dense31b().text_config;
  return { ...text, ...overrides };
};

function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('Gemma 4 layers and attention', () => {
  it('26B A4B: 25 sliding layers of 8 KV heads × 256, 5 global ones of 2 KV heads × 512 without v_proj', () => {
    const spec = specFromHfConfig(moe26b(), '26b');
    expect(spec.layers.filter((l) => l.attention === 'sliding')).toHaveLength(25);
    expect(spec.layers.map((l) => l.attention).join(',')).toMatch(/^(sliding,){5}full,/);
    expect(spec.slidingWindow).toBe(1024);
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 16, numKvHeads: 8, headDim: 256 });
    expect(spec.fullAttention).toMatchObject({
      numHeads: 16,
      numKvHeads: 2,
      headDim: 512,
      valueFromKey: true,
    });
    expect(layerAttention(spec, { attention: 'sliding' })).toBe(spec.attention);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vision?.description).toContain('Gemma 4 ViT 27 × 1152');
  });

  it('without layer_types: five sliding layers to one global, window 512 by default', () => {
    const { sliding_window: _w, ...text } = bareText();
    const spec = specFromHfConfig({ ...text, num_hidden_layers: 12 }, 'bare');
    expect(spec.layers.map((l) => (l.attention === 'full' ? 'F' : 's')).join('')).toBe('sssssFsssssF');
    expect(spec.slidingWindow).toBe(512);
  });

  it('the last layer is always global, as Gemma4TextConfig forces it', () => {
    const spec = specFromHfConfig(bareText({ num_hidden_layers: 8 }), 'bare');
    expect(spec.layers.map((l) => (l.attention === 'full' ? 'F' : 's')).join('')).toBe('sssssFsF');
    const listed = bareText({ num_hidden_layers: 3, layer_types: Array(3).fill('sliding_attention') });
    expect(specFromHfConfig(listed, 'listed').layers.map((l) => l.attention)).toEqual([
      'sliding',
      'sliding',
      'full',
    ]);
  });

  it('global_head_dim: 512 when absent, head_dim when null; without attention_k_eq_v the KV heads and v_proj stay', () => {
    const { global_head_dim: _g, ...text } = bareText();
    expect(specFromHfConfig(text, 'absent').fullAttention?.headDim).toBe(512);
    const nulled = specFromHfConfig(bareText({ global_head_dim: null, attention_k_eq_v: false }), 'n');
    expect(nulled.fullAttention).toBeUndefined();
    const separate = specFromHfConfig(bareText({ attention_k_eq_v: false }), 'kv');
    expect(separate.fullAttention).toMatchObject({ numKvHeads: 16, headDim: 512 });
    expect(separate.fullAttention?.valueFromKey).toBeUndefined();
    // v_proj on the 10 global layers: 10 · 5376 · 16 · 512 more, and 12 more KV heads' k_proj.
    const shared = paramCount(specFromHfConfig(bareText(), 'shared')).totalParams;
    const extra = 10 * 5376 * (16 * 512 + (16 - 4) * 512);
    expect(paramCount(separate).totalParams - shared).toBe(extra);
  });

  it('a global layer attends over the whole context, a sliding one over its window (decode FLOPs)', () => {
    const spec = specFromHfConfig(moe26b(), '26b');
    const scores = (context: number) =>
      forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: context }).breakdown
        .attentionScores;
    // 2·heads·(d_k + d_v) per key: sliding 25 × 16 × 512 × 2 per key up to 1024 keys, global 5 × 16 × 1024 × 2.
    expect(scores(4096)).toBe(25 * 2 * 16 * 512 * 1024 + 5 * 2 * 16 * 1024 * 4096);
    expect(scores(8192) - scores(4096)).toBe(5 * 2 * 16 * 1024 * 4096);
  });
});

describe('Gemma 4 MoE block', () => {
  it('the dense MLP runs beside 128 experts of 704, top 8, with 7 norms per layer and the router scales', () => {
    const spec = specFromHfConfig(moe26b(), '26b');
    expect(spec.layers.every((l) => l.mlp === 'moe')).toBe(true);
    expect(spec.moe).toMatchObject({
      numExperts: 128,
      topK: 8,
      expertIntermediateSize: 704,
      numSharedExperts: 1,
      sharedIntermediateSize: 2112,
      routerBias: true,
      routerInputScale: true,
    });
    expect(spec.norm.perLayer).toBe(7);
    const p = paramCount(spec).breakdown;
    expect(p.router).toBe(30 * (128 * 2816 + 128 + 2816));
    expect(p.sharedExperts).toBe(30 * 3 * 2816 * 2112);
  });

  it('the dense 31B has no MoE block and four norms per layer', () => {
    const spec = specFromHfConfig(dense31b(), '31b');
    expect(spec.moe).toBeNull();
    expect(spec.layers.every((l) => l.mlp === 'dense')).toBe(true);
    expect(spec.norm.perLayer).toBe(4);
  });

  it('LoRA on all targets: q/k/o on global layers (no v_proj), the dense MLP as the shared expert, and every expert', () => {
    const spec = specFromHfConfig(moe26b(), '26b');
    const m = adaptedMatrices(spec, {
      method: 'lora',
      rank: 16,
      targets: ['q', 'k', 'v', 'o', 'shared', 'experts'],
    });
    const global = m.filter((x) => x.part === 'fullAttention');
    expect(global.map((x) => x.module)).toEqual(['q_proj', 'k_proj', 'o_proj']);
    expect(global.every((x) => x.count === 5)).toBe(true);
    expect(m.find((x) => x.part === 'attention' && x.module === 'v_proj')?.count).toBe(25);
    expect(m.find((x) => x.part === 'experts')?.count).toBe(30 * 128);
    expect(m.reduce((s, x) => s + x.trainableParams, 0)).toBe(667_392_000);
  });
});

describe('Gemma 4 fields refused by name', () => {
  it('per-layer input embeddings (hidden_size_per_layer_input, default 256)', () => {
    const e = inputErrorOf(() => specFromHfConfig(withText({ hidden_size_per_layer_input: 256 }), 'ple'));
    expect(e.message).toContain('hidden_size_per_layer_input');
    const { hidden_size_per_layer_input: _p, ...text } = bareText();
    expect(inputErrorOf(() => specFromHfConfig(text, 'default')).message).toContain(
      'hidden_size_per_layer_input',
    );
  });

  it('KV-shared layers, bidirectional text attention and an audio tower', () => {
    expect(
      inputErrorOf(() => specFromHfConfig(withText({ num_kv_shared_layers: 10 }), 'kv')).message,
    ).toContain('num_kv_shared_layers');
    expect(
      inputErrorOf(() => specFromHfConfig(withText({ use_bidirectional_attention: 'all' }), 'bi')).message,
    ).toContain('use_bidirectional_attention');
    expect(
      inputErrorOf(() => specFromHfConfig(withText({}, { audio_config: { hidden_size: 1024 } }), 'a'))
        .message,
    ).toContain('audio_config');
  });

  it('a global KV-head count that does not divide the heads', () => {
    const e = inputErrorOf(() => specFromHfConfig(withText({ num_global_key_value_heads: 3 }), 'g'));
    expect(e.message).toContain('num_global_key_value_heads');
  });
});
