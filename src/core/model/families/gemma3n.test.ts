/**
 * Gemma 3n reader (gemma3n.ts): exact counts against Google's published sizes, AltUp and LAuReL in
 * the parameters, the operation list and the training activations, KV-shared layers that keep
 * their weights, per-layer MLP widths, and the fields it refuses by name.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { activationBytesPerLayer } from '../../memory/activations.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../../parallelism/layout.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

type Json = Record<string, unknown>;

const e2b = () => hfFixture('hand-built/gemma-3n-e2b-it') as Json & { text_config: Json };
const e4b = () => hfFixture('hand-built/gemma-3n-e4b-it') as Json & { text_config: Json };
const withText = (text: Json) => {
  const c = e2b();
  return { ...c, text_config: { ...c.text_config, ...text } };
};
/** Parameters without the two embedding tables: what Google calls the "effective" size. */
const effective = (spec: ReturnType<typeof specFromHfConfig>) => {
  const p = paramCount(spec);
  return p.totalParams - p.breakdown.embedding - (p.breakdown.perLayerEmbedding ?? 0);
};

describe('Gemma 3n', () => {
  it("counts E2B and E4B exactly: Google's 1.91B and 3.98B effective, 4.46B and 6.87B with the tables", () => {
    // google/gemma3n-slicing-configs: E2B 1.91B, E4B 3.98B effective parameters; the text models
    // with both embedding tables, tied head: 4.46B and 6.87B (the text-only GGUF exports' sizes).
    const small = specFromHfConfig(e2b(), 'e2b');
    expect(paramCount(small).totalParams).toBe(4_456_156_768);
    expect(effective(small)).toBe(1_905_495_648);
    // E4B's text_config omits every key equal to Gemma3nTextConfig's defaults (the E4B shape).
    const large = specFromHfConfig(e4b(), 'e4b');
    expect(paramCount(large).totalParams).toBe(6_866_696_688);
    expect(effective(large)).toBe(3_980_491_248);
    expect(large.numLayers).toBe(35);
    expect(large.layers.filter((l) => l.kvShared)).toHaveLength(15);
  });

  it('counts the audio Conformer and its embedder apart, and says the timm vision tower is not counted', () => {
    const spec = specFromHfConfig(e2b(), 'e2b');
    expect(spec.vision).toBeNull();
    // Gemma3nAudioEncoder at its defaults: subsampling 1,611,040 + 12 × 56,644,800; embed_audio
    // 128 × 1536 + 2 × 1536 + 1536 × 2048.
    expect(paramCount(spec).audioParams).toBe(1_611_040 + 12 * 56_644_800 + 3_345_408);
    expect(spec.warnings?.join(' ')).toMatch(/vision tower .*MobileNet-V5.* not counted/);
    expect(spec.warnings?.join(' ')).not.toMatch(/audio/);
    const { vision_config: _v, audio_config: _a, ...textOnly } = e2b();
    const bare = specFromHfConfig(textOnly, 'e2b');
    expect(bare.warnings ?? []).toHaveLength(0);
    expect(bare.audio).toBeUndefined();
  });

  it('counts AltUp and LAuReL per layer and the 2·(n − 1) stream projections', () => {
    const spec = specFromHfConfig(e2b(), 'e2b');
    const h = 2048;
    const n = 4;
    const perLayer = n * h + n ** 3 + n ** 2 + 2 * h + (2 * h * 64 + h);
    expect(paramCount(spec).breakdown.residualStreams).toBe(30 * perLayer + 2 * (n - 1) * h * h);
    const plain = specFromHfConfig(withText({ altup_num_inputs: 1, laurel_rank: 0 }), 'e2b');
    // One stream: no projections; the router and coefficients of one stream remain.
    expect(paramCount(plain).breakdown.residualStreams).toBe(30 * (h + 1 + 1 + 2 * h));
  });

  it('runs AltUp and LAuReL in the operation list: FLOPs beside the layers, on every token', () => {
    const spec = specFromHfConfig(e2b(), 'e2b');
    const f = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4096 });
    const h = 2048;
    // Per layer: LAuReL 2·2·h·r, the router twice 2·2·h·n; per token: 2·(n − 1) projections 2·h².
    expect(f.breakdown.residualStreams).toBe(30 * (4 * h * 64 + 4 * h * 4) + 6 * 2 * h * h);
    const sum = Object.values(f.breakdown).reduce((a, b) => a + b, 0);
    expect(f.flopsPerToken).toBeCloseTo(sum, 0);
  });

  it('keeps the weights of KV-shared layers but neither runs nor caches their keys and values', () => {
    const spec = specFromHfConfig(e2b(), 'e2b');
    expect(spec.kvSharedWeightsKept).toBe(true);
    // Held (in the total) but touched by no token (out of the active count): k_proj, v_proj, k_norm.
    const p = paramCount(spec);
    expect(p.totalParams - p.activeParams).toBe(10 * (2 * 2048 * 2 * 256 + 256));
    const shared = spec.layers.map((l, i) => (l.kvShared ? i : -1)).filter((i) => i >= 0);
    expect(shared).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    // 20 caching layers (16 sliding, 4 global) of 2 KV heads × 256, both K and V, BF16.
    const kv = kvCacheBytes(spec, 1024);
    expect(kv.kvSharedLayers).toBe(10);
    expect(kv.bytesPerToken).toBe(20 * 2 * 2 * 256 * 2);
  });

  it('reads a per-layer intermediate_size list (a MatFormer slice) layer by layer', () => {
    const widths = [...Array(20).fill(8192), ...Array(10).fill(16_384)];
    const sliced = specFromHfConfig(withText({ intermediate_size: widths }), 'e2b');
    expect(sliced.layers.slice(20).every((l) => l.intermediateSize === 16_384)).toBe(true);
    const base = paramCount(specFromHfConfig(e2b(), 'e2b')).breakdown.denseMlp;
    expect(paramCount(sliced).breakdown.denseMlp - base).toBe(10 * 3 * 2048 * 8192);
  });

  it('keeps the n AltUp streams for the backward pass', () => {
    const spec = specFromHfConfig(e2b(), 'e2b');
    const plain = { ...spec, altUp: null, laurel: null };
    const layout: ParallelLayout = { ...DEFAULT_LAYOUT, microBatchSize: 1, recompute: 'none' };
    const options = { seqLen: 4096, flashAttention: true, dropout: false };
    const layer = spec.layers[0]!;
    const extra =
      activationBytesPerLayer(spec, layer, layout, options) -
      activationBytesPerLayer(plain, layer, layout, options);
    // (2n + 10)·sbh for AltUp, 2·sbh + 2·sb·r for LAuReL.
    expect(extra).toBe((18 + 2) * 4096 * 2048 + 2 * 4096 * 64);
    const full: ParallelLayout = { ...layout, recompute: 'full' };
    expect(activationBytesPerLayer(spec, layer, full, options)).toBe(4 * 2 * 4096 * 2048);
  });

  it('reads an unknown model_type with AltUp and LAuReL keys as gemma3n-like, saying so', () => {
    const { model_type: _t, ...text } = e2b().text_config;
    const spec = specFromHfConfig({ ...text, model_type: 'gemma3n_derivative' }, 'x');
    expect(spec.warnings?.[0]).toMatch(
      /^model_type 'gemma3n_derivative' is not supported; read as gemma3n-like/,
    );
    expect(paramCount(spec).totalParams).toBe(4_456_156_768);
  });

  it('refuses audio subsampling shapes it cannot count, naming the field', () => {
    const c = e2b();
    const bad = { ...c, audio_config: { ...(c.audio_config as Json), sscp_conv_stride_size: [[2, 2]] } };
    const error = inputErrorOf(() => specFromHfConfig(bad, 'x'));
    expect(error.issues[0]?.path).toEqual(['audio_config', 'sscp_conv_stride_size']);
  });

  it('refuses an intermediate_size list of the wrong length and an AltUp stream that does not exist', () => {
    const short = inputErrorOf(() => specFromHfConfig(withText({ intermediate_size: [8192, 8192] }), 'x'));
    expect(short.issues[0]?.path).toEqual(['text_config', 'intermediate_size']);
    expect(short.message).toMatch(/list of 30 positive widths/);
    const active = inputErrorOf(() => specFromHfConfig(withText({ altup_active_idx: 4 }), 'x'));
    expect(active.issues[0]?.path).toEqual(['text_config', 'altup_active_idx']);
    expect(active.message).toMatch(/one of the 4 AltUp streams/);
  });
});
