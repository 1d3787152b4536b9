/**
 * Gemma 4 reader (gemma4.ts): layer lists, global-layer attention, the MoE block beside the dense
 * MLP, the vision tower, and the fields it refuses by name. Counts against the real configs are in
 * test/golden/gemma4-params.test.ts.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { gemma4TextTensors } from '../../../../test/hf-tensors-gemma4.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { adaptedMatrices } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, kvHeadCounts, splitsKvHeads } from '../kv-cache.js';
import { layerView } from '../layer-view.js';
import { paramCount } from '../param-count.js';

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
    expect(layerView(spec, { attention: 'sliding', mlp: 'moe' }).attention).toBe(spec.attention);
    expect(layerView(spec, { attention: 'full', mlp: 'moe' }).attention).toBe(spec.fullAttention);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vision?.description).toContain('Gemma 4 ViT 27 × 1152');
  });

  it('without layer_types: five sliding layers to one global, window 512 by default', () => {
    const { sliding_window: _w, ...text } = bareText();
    const spec = specFromHfConfig({ ...text, num_hidden_layers: 12 }, 'bare');
    expect(spec.layers.map((l) => (l.attention === 'full' ? 'F' : 's')).join('')).toBe('sssssFsssssF');
    expect(spec.slidingWindow).toBe(512);
  });

  it('sliding_window_pattern is not a Gemma 4 field: the 5:1 default applies, with a warning', () => {
    const spec = specFromHfConfig(bareText({ num_hidden_layers: 10, sliding_window_pattern: 5 }), 'p');
    expect(spec.layers.map((l) => (l.attention === 'full' ? 'F' : 's')).join('')).toBe('sssssFsssF');
    expect(spec.warnings?.join(' ')).toContain('sliding_window_pattern');
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

  it('per_layer_config (transformers ≥ 5.15) gives the global layers their shape instead of the flat keys', () => {
    const { global_head_dim: _g, num_global_key_value_heads: _k, ...text } = moe26b().text_config;
    const types = text.layer_types as string[];
    const perLayer = Object.fromEntries(
      types.flatMap((t, i) =>
        t === 'full_attention' ? [[String(i), { head_dim: 512, num_key_value_heads: 2 }]] : [],
      ),
    );
    const top = moe26b();
    const spec = specFromHfConfig({ ...top, text_config: { ...text, per_layer_config: perLayer } }, 'v5.15');
    expect(spec.fullAttention).toEqual(specFromHfConfig(top, '26b').fullAttention);
    expect(paramCount(spec).totalParams).toBe(paramCount(specFromHfConfig(top, '26b')).totalParams);
    const refused = (config: Json) =>
      inputErrorOf(() =>
        specFromHfConfig({ ...top, text_config: { ...text, per_layer_config: config } }, 'x'),
      ).message;
    expect(refused({ ...perLayer, '0': { head_dim: 512 } })).toContain("layer 0, a 'sliding' layer");
    expect(refused({ ...perLayer, '5': { head_dim: 384, num_key_value_heads: 2 } })).toContain(
      'different attention shapes',
    );
    expect(refused({ '5': { sliding_window: 4096 } })).toContain("overrides 'sliding_window'");
    expect(refused({ '99': { head_dim: 512 } })).toContain("key '99'");
  });

  it("tensor parallelism must split the global layers' KV heads too", () => {
    const spec = specFromHfConfig(
      withText({ num_attention_heads: 12, num_key_value_heads: 4, num_global_key_value_heads: 3 }),
      'odd',
    );
    expect(kvHeadCounts(spec)).toEqual([3, 4]);
    expect(splitsKvHeads(spec, 2)).toBe(false);
    expect(splitsKvHeads(spec, 1)).toBe(true);
    expect(splitsKvHeads(specFromHfConfig(moe26b(), '26b'), 8)).toBe(true);
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

  it('LoRA gate/up/down on 26B A4B adapt the dense MLP beside the experts (mlp.*_proj)', () => {
    const spec = specFromHfConfig(moe26b(), '26b');
    const m = adaptedMatrices(spec, { method: 'lora', rank: 8, targets: ['gate', 'up', 'down'] });
    expect(m.map((x) => [x.module, x.count])).toEqual([
      ['mlp.gate_proj', 30],
      ['mlp.up_proj', 30],
      ['mlp.down_proj', 30],
    ]);
  });

  it('LoRA on all targets: q/k/o on global layers (no v_proj), the dense MLP as the shared expert, and every expert', () => {
    const spec = specFromHfConfig(moe26b(), '26b');
    const m = adaptedMatrices(spec, {
      method: 'lora',
      rank: 16,
      targets: ['q', 'k', 'v', 'o', 'shared', 'experts'],
    });
    const global = m.filter((x) => x.part === 'fullAttention' || x.part === 'fullKeyValue');
    expect(global.map((x) => x.module).sort()).toEqual(['k_proj', 'o_proj', 'q_proj']);
    expect(global.every((x) => x.count === 5)).toBe(true);
    expect(m.find((x) => x.part === 'keyValue' && x.module === 'v_proj')?.count).toBe(25);
    expect(m.find((x) => x.part === 'experts')?.count).toBe(30 * 128);
    // Experts as PEFT adapts Gemma4TextExperts' 3D parameters: r·(h + 2I) on gate_up_proj and r·(I + h)
    // on down_proj per expert.
    expect(m.filter((x) => x.part === 'experts').map((x) => x.module)).toEqual([
      'experts.gate_up_proj',
      'experts.down_proj',
    ]);
    expect(m.reduce((s, x) => s + x.trainableParams, 0)).toBe(
      25 * 16 * (2 * (2816 + 4096) + 2 * (2816 + 2048)) +
        5 * 16 * (2 * (2816 + 8192) + (2816 + 1024)) +
        30 * 3 * 16 * (2816 + 2112) +
        30 * 128 * 16 * (2816 + 2 * 704 + 704 + 2816),
    );
  });
});

const e2b = () => hfFixture('hand-built/gemma-4-e2b-it') as Json & { text_config: Json };

describe('Gemma 4 E-models: per-layer inputs, KV-shared layers, double-wide MLPs, audio', () => {
  it('E2B: the last 20 of 35 layers share KV and run MLPs of 2 × 6144; PLE of 256 per layer', () => {
    const spec = specFromHfConfig(e2b(), 'e2b');
    const shared = spec.layers.filter((l) => l.kvShared);
    expect(shared).toHaveLength(20);
    expect(spec.layers.findIndex((l) => l.kvShared)).toBe(15);
    expect(shared.every((l) => l.intermediateSize === 12_288)).toBe(true);
    expect(spec.layers.slice(0, 15).every((l) => l.intermediateSize === undefined)).toBe(true);
    expect(spec.perLayerInput).toEqual({ hiddenSize: 256, vocabSize: 262_144 });
    // Four norms and post_per_layer_input_norm.
    expect(spec.norm.perLayer).toBe(5);
    expect(spec.fullAttention).toMatchObject({ numKvHeads: 1, headDim: 512 });
    expect(spec.fullAttention?.valueFromKey).toBeUndefined();
    expect(spec.audio?.description).toContain('Conformer 12 × 1024');
  });

  it('a KV-shared layer has q and o but no k, v or k norm: 2 · h · kv · head_dim + head_dim fewer parameters', () => {
    const p = paramCount(specFromHfConfig(e2b(), 'e2b'));
    const own = p.perLayer[0]!.totalParams; // sliding, own KV, MLP 6144
    const sharedLayer = p.perLayer[15]!.totalParams; // sliding, shared KV, MLP 12288
    const mlp = 3 * 1536 * 6144;
    expect(own + mlp - sharedLayer).toBe(2 * 1536 * 1 * 256 + 256);
  });

  it('PLE FLOPs: three h × p matmuls per layer and token; the table is a lookup', () => {
    const spec = specFromHfConfig(e2b(), 'e2b');
    const f = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 1024 });
    expect(f.breakdown.perLayerInput).toBe(35 * 3 * 2 * 1536 * 256);
    // Other models' breakdowns carry no PLE entry.
    expect(
      forwardFlopsPerToken(specFromHfConfig(moe26b(), '26b'), {
        attentionMode: 'causal',
        contextTokens: 1024,
      }).breakdown.perLayerInput,
    ).toBeUndefined();
  });

  it('LoRA: k/v only on the 15 layers with their own KV; gate/up/down at both MLP widths', () => {
    const spec = specFromHfConfig(e2b(), 'e2b');
    const m = adaptedMatrices(spec, { method: 'lora', rank: 8, targets: ['k', 'v', 'gate'] });
    expect(m.filter((x) => x.module === 'k_proj').reduce((s, x) => s + x.count, 0)).toBe(15);
    const gates = m.filter((x) => x.module === 'mlp.gate_proj');
    expect(gates.map((x) => [x.outFeatures, x.count])).toEqual([
      [6144, 15],
      [12_288, 20],
    ]);
  });
});

describe('Gemma 4 fields refused by name', () => {
  it('num_kv_shared_layers that leaves no layer of a kind to share from', () => {
    const all = inputErrorOf(() => specFromHfConfig(withText({ num_kv_shared_layers: 30 }), 'kv'));
    expect(all.message).toContain('num_kv_shared_layers');
    expect(all.message).toContain('less than num_hidden_layers');
    // 26B A4B's first global layer is layer 5: sharing 25 leaves only sliding owners.
    const orphan = inputErrorOf(() => specFromHfConfig(withText({ num_kv_shared_layers: 25 }), 'kv'));
    expect(orphan.message).toContain("no earlier non-shared 'full' layer");
  });

  it('bidirectional text attention and a malformed audio tower', () => {
    expect(
      inputErrorOf(() => specFromHfConfig(withText({ use_bidirectional_attention: 'all' }), 'bi')).message,
    ).toContain('use_bidirectional_attention');
    expect(
      inputErrorOf(() =>
        specFromHfConfig(withText({}, { audio_config: { subsampling_conv_channels: [128] } }), 'a'),
      ).message,
    ).toContain('audio_config.subsampling_conv_channels');
  });

  it('double-wide MLPs beside an MoE block on KV-shared layers', () => {
    const e = inputErrorOf(() =>
      specFromHfConfig(withText({ num_kv_shared_layers: 6, use_double_wide_mlp: true }), 'w'),
    );
    expect(e.message).toContain('use_double_wide_mlp');
    // Without KV-shared layers the flag changes nothing (Gemma4TextMLP widens shared layers only).
    expect(paramCount(specFromHfConfig(withText({ use_double_wide_mlp: true }), 'w')).totalParams).toBe(
      paramCount(specFromHfConfig(moe26b(), '26b')).totalParams,
    );
  });

  it('a global KV-head count that does not divide the heads', () => {
    const e = inputErrorOf(() => specFromHfConfig(withText({ num_global_key_value_heads: 3 }), 'g'));
    expect(e.message).toContain('num_global_key_value_heads');
  });
});

/** A random Gemma 4 text config: layer kinds, KV sharing, K = V, MoE, PLE and MLP widths. */
const gemma4Config = fc
  .record({
    layers: fc.integer({ min: 2, max: 24 }),
    pattern: fc.integer({ min: 2, max: 6 }),
    sharedFraction: fc.double({ min: 0, max: 0.9, noNaN: true }),
    kvHeads: fc.constantFrom(1, 2, 4),
    groups: fc.constantFrom(1, 2, 4),
    globalKv: fc.constantFrom(1, 2),
    headDim: fc.constantFrom(32, 64),
    globalHeadDim: fc.constantFrom(64, 128),
    kEqV: fc.boolean(),
    moe: fc.boolean(),
    ple: fc.constantFrom(0, 16),
    wide: fc.boolean(),
    window: fc.integer({ min: 1, max: 4096 }),
  })
  .map((r) => {
    const types = Array.from({ length: r.layers }, (_, i) =>
      (i + 1) % r.pattern === 0 ? 'full_attention' : 'sliding_attention',
    );
    types[r.layers - 1] = 'full_attention';
    // Share as many trailing layers as leave an owner of every kind they use.
    let shared = Math.floor(r.sharedFraction * r.layers);
    while (
      shared > 0 &&
      !types.slice(r.layers - shared).every((t) => types.slice(0, r.layers - shared).includes(t))
    )
      shared -= 1;
    return {
      model_type: 'gemma4_text',
      vocab_size: 1000,
      hidden_size: 128,
      intermediate_size: 256,
      num_hidden_layers: r.layers,
      num_attention_heads: r.kvHeads * r.groups,
      num_key_value_heads: r.kvHeads,
      num_global_key_value_heads: Math.min(r.globalKv, r.kvHeads * r.groups),
      head_dim: r.headDim,
      global_head_dim: r.globalHeadDim,
      attention_k_eq_v: r.kEqV,
      max_position_embeddings: 8192,
      sliding_window: r.window,
      layer_types: types,
      num_kv_shared_layers: shared,
      // Double-wide MLPs beside an MoE block on KV-shared layers are refused (see below).
      use_double_wide_mlp: r.wide && !(r.moe && shared > 0),
      hidden_size_per_layer_input: r.ple,
      vocab_size_per_layer_input: 500,
      enable_moe_block: r.moe,
      ...(r.moe ? { num_experts: 8, top_k_experts: 2, moe_intermediate_size: 64 } : {}),
    };
  });

describe('Gemma 4 properties', () => {
  test.prop([gemma4Config])('total and active parameters equal the tensors of modeling_gemma4.py', (c) => {
    const p = paramCount(specFromHfConfig(c, 'random'));
    const t = gemma4TextTensors(c);
    expect(p.totalParams).toBe(t.total);
    expect(p.activeParams).toBe(t.total - t.inactive);
  });

  test.prop([gemma4Config, fc.integer({ min: 1, max: 8192 }), fc.integer({ min: 1, max: 8192 })])(
    'KV per sequence grows with the context, at most bytes per token × tokens, and only own-KV layers cache',
    (c, a, b) => {
      const spec = specFromHfConfig(c, 'random');
      const [short, long] = a <= b ? [a, b] : [b, a];
      const s = kvCacheBytes(spec, short);
      const l = kvCacheBytes(spec, long);
      expect(l.bytesPerSequence).toBeGreaterThanOrEqual(s.bytesPerSequence);
      expect(l.bytesPerSequence).toBeLessThanOrEqual(l.bytesPerToken * long);
      expect(l.fullLayers + l.slidingLayers + (l.kvSharedLayers ?? 0)).toBe(c.num_hidden_layers);
      expect(l.kvSharedLayers ?? 0).toBe(c.num_kv_shared_layers);
    },
  );
});
