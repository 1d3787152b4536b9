/**
 * Xiaomi MiMo (mimo.ts): MiMo-7B-Base and MiMo-V2-Flash counted tensor by tensor from the modules
 * the modelling code builds (vLLM `mimo.py`, `mimo_mtp.py`, `mimo_v2_flash.py`; SGLang
 * `mimo_v2_flash_nextn.py` for V2-Flash's MTP layers), against the model cards (MiMo-7B: "7B";
 * MiMo-V2-Flash, github.com/XiaomiMiMo/MiMo-V2-Flash README and its Hugging Face card: 309B total,
 * 15B active, MTP blocks of 0.33B, 3 MTP layers released). The fixtures are the exact bytes of
 * ai-dynamo/aiconfigurator's `XiaomiMiMo--MiMo-7B-Base_config.json` and
 * `XiaomiMiMo--MiMo-V2-Flash_config.json`.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { adaptedMatrices } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, kvHeadCounts } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { mimo, mimoV2Flash } from './mimo.js';

const BASE: Json = hfFixture('hand-built/mimo-7b-base');
const FLASH: Json = hfFixture('hand-built/mimo-v2-flash');
const read7b = (config: Json) => mimo(new Fields(config, 'mimo'), 'mimo-7b-base');
const readFlash = (config: Json) => mimoV2Flash(new Fields(config, 'mimo_v2_flash'), 'mimo-v2-flash');

describe('mimo (MiMo-7B-Base)', () => {
  // Module shapes: Qwen2ForCausalLM (embed_tokens, 36 Qwen2DecoderLayers, norm, lm_head).
  const h = 4096;
  const vocab = 151_680;
  const layers = 36;
  const heads = 32;
  const kv = 8;
  const d = 128;
  const ffn = 11_008;
  /** Qwen2Attention: q/k/v weights and biases, o_proj without bias. */
  const attention = h * heads * d + heads * d + 2 * (h * kv * d + kv * d) + heads * d * h;
  /** Qwen2MLP: gate_proj, up_proj, down_proj. */
  const mlp = 3 * h * ffn;
  /** Qwen2DecoderLayer: attention, MLP, input_layernorm, post_attention_layernorm. */
  const layer = attention + mlp + 2 * h;
  const total = vocab * h + layers * layer + h + vocab * h;
  /** MiMoMultiTokenPredictorLayer: token_layernorm, hidden_layernorm, input_proj, a Qwen2DecoderLayer, final_layernorm. */
  const mtp = h + h + 2 * h * h + layer + h;

  it('reads Qwen2 layers (q/k/v bias, o_proj without), no sliding layer, one MTP layer, no warning', () => {
    const spec = read7b(BASE);
    expect(spec.numLayers).toBe(36);
    expect(new Set(spec.layers.map((l) => `${l.attention}/${l.mlp}`))).toEqual(new Set(['full/dense']));
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: true,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 11_008, gated: true, bias: false });
    expect(spec.slidingWindow).toBeNull();
    expect(spec.moe).toBeNull();
    expect(spec.numMtpModules).toBe(1);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(32_768);
    expect(spec.modelType).toBe('mimo');
    expect(spec.warnings).toBeUndefined();
  });

  it('counts 7,622,619,136 parameters and an MTP layer of 210,790,400 (7.83B as the checkpoint holds them)', () => {
    const p = paramCount(read7b(BASE));
    expect(attention).toBe(41_949_184);
    expect(p.totalParams).toBe(total);
    expect(p.totalParams).toBe(7_622_619_136);
    expect(p.activeParams).toBe(total);
    expect(p.breakdown).toMatchObject({
      embedding: vocab * h,
      head: vocab * h,
      attention: layers * attention,
      denseMlp: layers * mlp,
      norms: 2 * layers * h + h,
    });
    expect(p.mtpParams).toBe(mtp);
    expect(p.mtpParams).toBe(210_790_400);
    expect(p.totalParams + p.mtpParams).toBe(7_833_409_536);
    // The card names it by its size class: 7B (7.6B without the MTP layer).
    expect(Math.floor(p.totalParams / 1e9)).toBe(7);
  });

  it('caches 2 · 8 · 128 elements per token and layer; forward FLOPs are 2 per weight', () => {
    const spec = read7b(BASE);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(layers * 2 * kv * d * 2);
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(layers * 2 * kv * d * 2 * 32_768);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    expect(f.breakdown.attentionProjections).toBe(2 * layers * (2 * h * heads * d + 2 * h * kv * d));
    expect(f.breakdown.attentionScores).toBe(layers * 2 * heads * (d + d) * 4096);
    expect(f.breakdown.denseMlp).toBe(2 * layers * mlp);
    expect(f.breakdown.head).toBe(2 * vocab * h);
    // The MTP layer in training: its decoder layer, input_proj and the shared head once more.
    const withMtp = forwardFlopsPerToken(spec, {
      attentionMode: 'decode',
      contextTokens: 4096,
      includeMtp: true,
    });
    expect(withMtp.flopsPerToken - f.flopsPerToken).toBe(
      f.flopsPerToken / layers - (2 * vocab * h) / layers + 2 * 2 * h * h + 2 * vocab * h,
    );
  });

  it('specFromHfConfig reads mimo by this family, not as a lookalike', () => {
    const spec = specFromHfConfig(BASE, 'mimo-7b-base');
    expect(spec).toEqual(read7b(BASE));
    expect(spec.warnings).toBeUndefined();
  });
});

describe('mimo_v2_flash (MiMo-V2-Flash)', () => {
  // Module shapes: MiMoV2Model (embed_tokens, 48 MiMoV2FlashDecoderLayers, norm) and lm_head.
  const h = 4096;
  const vocab = 152_576;
  const heads = 64;
  const qk = 192;
  const v = 128;
  const experts = 256;
  const expertFfn = 2048;
  const ffn = 16_384;
  /** MiMoV2Attention: q_proj, k_proj (qk wide), v_proj (v wide), o_proj (heads · v → h); no bias. */
  const projections = (kv: number) => h * heads * qk + h * kv * qk + h * kv * v + heads * v * h;
  /** Global layers: 4 KV heads, no sinks (add_full_attention_sink_bias false). */
  const globalAttention = projections(4);
  /** Sliding layers: 8 KV heads and attention_sink_bias, one per head. */
  const slidingAttention = projections(8) + heads;
  /** MiMoV2MLP (layer 0): gate_up_proj (h → 2 · 16384), down_proj. */
  const dense = 3 * h * ffn;
  /** One routed expert: gate_proj, up_proj, down_proj of 2048. */
  const expert = 3 * h * expertFfn;
  /** MiMoV2MoE.gate (h → 256, no bias) and e_score_correction_bias. */
  const router = h * experts + experts;
  const globalLayers = 9;
  const slidingLayers = 39;
  const moeLayers = 47;
  const total =
    vocab * h +
    globalLayers * globalAttention +
    slidingLayers * slidingAttention +
    dense +
    moeLayers * (experts * expert + router) +
    48 * 2 * h +
    h +
    vocab * h;
  const active = total - moeLayers * (experts - 8) * expert;
  /** SGLang MiMoV2ModelNextN: enorm, hnorm, eh_proj, MiMoV2MTPLayer (sliding attention, 2 norms, dense MLP), final_layernorm. */
  const mtpLayer = 2 * h + 2 * h * h + slidingAttention + 2 * h + dense + h;

  it('reads the hybrid pattern: global layers 0, 5, 11, …, 47, sliding ones between; layer 0 dense, MoE after', () => {
    const spec = readFlash(FLASH);
    expect(spec.layers.map((l) => (l.attention === 'full' ? 'F' : 's')).join('')).toBe(
      `Fssss${'Fsssss'.repeat(7)}F`,
    );
    expect(spec.layers.filter((l) => l.attention === 'full')).toHaveLength(globalLayers);
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(47).fill('moe')]);
    expect(spec.slidingWindow).toBe(128);
    expect(spec.maxContextTokens).toBe(262_144);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 64,
      numKvHeads: 8,
      headDim: 192,
      valueHeadDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: true,
    });
    expect(spec.fullAttention).toEqual({ ...spec.attention, numKvHeads: 4, sinks: false });
    expect(kvHeadCounts(spec)).toEqual([4, 8]);
    expect(spec.mlp).toEqual({ intermediateSize: 16_384, gated: true, bias: false });
    expect(spec.moe).toMatchObject({
      numExperts: 256,
      topK: 8,
      expertIntermediateSize: 2048,
      numSharedExperts: 0,
      routerBias: true,
      routingGroups: null,
    });
    expect(spec.numMtpModules).toBe(0);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.modelType).toBe('mimo_v2_flash');
  });

  it('counts 308,778,780,864 parameters tensor by tensor (the card 309B), 15.45B active (the card 15B)', () => {
    const p = paramCount(readFlash(FLASH));
    expect(p.totalParams).toBe(total);
    expect(p.totalParams).toBe(308_778_780_864);
    expect(p.activeParams).toBe(active);
    expect(p.activeParams).toBe(15_445_936_320);
    expect(Math.round(p.totalParams / 1e9)).toBe(309);
    expect(Math.round(p.activeParams / 1e9)).toBe(15);
    // Without the embedding lookup (the head still multiplies) it is 14.82B: 15B either way.
    expect(Math.round((p.activeParams - vocab * h) / 1e9)).toBe(15);
    expect(p.breakdown).toMatchObject({
      embedding: vocab * h,
      head: vocab * h,
      attention: globalLayers * globalAttention + slidingLayers * slidingAttention,
      denseMlp: dense,
      routedExperts: moeLayers * experts * expert,
      router: moeLayers * router,
      sharedExperts: 0,
      norms: 48 * 2 * h + h,
    });
    expect(p.mtpParams).toBe(0);
  });

  it('caches K of 192 and V of 128 per KV head: 222,720 bytes a token, sliding layers capped at 128 tokens', () => {
    const spec = readFlash(FLASH);
    const perToken = (kv: number) => kv * (qk + v) * 2;
    const kvc = kvCacheBytes(spec, 32_768, 'bf16');
    expect(kvc.bytesPerToken).toBe(globalLayers * perToken(4) + slidingLayers * perToken(8));
    expect(kvc.bytesPerToken).toBe(222_720);
    expect(kvc.bytesPerSequence).toBe(
      globalLayers * perToken(4) * 32_768 + slidingLayers * perToken(8) * 128,
    );
    expect(kvc).toMatchObject({ fullLayers: 9, slidingLayers: 39, fullElementsPerTokenPerLayer: 4 * 320 });
  });

  it('forward FLOPs: 2 per projection weight at the real q/k and v widths, 2·heads·(192 + 128) per key', () => {
    const spec = readFlash(FLASH);
    const context = 4096;
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: context }).breakdown;
    expect(f.attentionProjections).toBe(2 * (globalLayers * projections(4) + slidingLayers * projections(8)));
    expect(f.attentionScores).toBe(
      globalLayers * 2 * heads * (qk + v) * context + slidingLayers * 2 * heads * (qk + v) * 128,
    );
    expect(f.denseMlp).toBe(2 * dense);
    expect(f.routedExperts).toBe(2 * moeLayers * 8 * expert);
    expect(f.router).toBe(2 * moeLayers * h * experts);
    expect(f.sharedExperts).toBe(0);
    expect(f.head).toBe(2 * vocab * h);
  });

  it('warns only of the uncounted MTP layers, with their size: the head widths are read as they are', () => {
    const warnings = readFlash(FLASH).warnings ?? [];
    expect(warnings).toHaveLength(1);
    // The card's "0.33B params/block"; the config does not say how many (the README: 3 layers).
    expect(mtpLayer).toBe(329_273_408);
    expect(warnings[0]).toContain(
      "mimo_v2_flash: the checkpoint's MTP layers (model.mtp.layers.*: a sliding-window layer with a dense MLP, eh_proj 2h → h and three norms) of 329,273,408 parameters each are not counted: the config does not say how many",
    );
    expect(warnings.join('\n')).not.toMatch(/not supported|-like|mean/);
  });

  it('counts the MTP layers as modules of that layer when num_nextn_predict_layers says how many', () => {
    const spec = readFlash({ ...FLASH, num_nextn_predict_layers: 3 });
    expect(spec.warnings).toBeUndefined();
    expect(spec.numMtpModules).toBe(3);
    expect(spec.mtpModule).toEqual({ layer: { attention: 'sliding', mlp: 'dense' } });
    expect(paramCount(spec).mtpParams).toBe(3 * mtpLayer);
    expect(paramCount(spec).mtpParams).toBe(987_820_224);
    expect(readFlash({ ...FLASH, num_nextn_predict_layers: 0 }).numMtpModules).toBe(0);
  });

  it('LoRA on q/k/v/o adapts each projection at its own width: q and k 192 a head, v and o 128', () => {
    const spec = readFlash(FLASH);
    const lora = { method: 'lora', rank: 16, targets: ['q', 'k', 'v', 'o'] } as const;
    const shapes = adaptedMatrices(spec, lora).map((m) => [m.module, m.inFeatures, m.outFeatures, m.count]);
    expect(shapes).toHaveLength(6);
    expect(shapes).toEqual(
      expect.arrayContaining([
        ['q_proj', h, heads * qk, 48],
        ['k_proj', h, 8 * qk, 39],
        ['v_proj', h, 8 * v, 39],
        ['o_proj', heads * v, h, 48],
        ['k_proj', h, 4 * qk, 9],
        ['v_proj', h, 4 * v, 9],
      ]),
    );
  });

  it('counts q/k/v biases and odd value widths exactly, tensor by tensor', () => {
    const biased = readFlash({ ...FLASH, attention_bias: true });
    // q/k/v biases: heads·192 + kv·(192 + 128) a layer.
    const biases = (kv: number) => heads * qk + kv * (qk + v);
    expect(paramCount(biased).totalParams - total).toBe(globalLayers * biases(4) + slidingLayers * biases(8));
    expect(biased.warnings).toHaveLength(1);
    const odd = readFlash({ ...FLASH, swa_v_head_dim: 127 });
    expect(odd.attention).toMatchObject({ headDim: 192, valueHeadDim: 127 });
    // v_proj 8 KV heads and o_proj 64 heads one element narrower a head, on each of the 39 sliding layers.
    expect(paramCount(odd).totalParams - total).toBe(-slidingLayers * (h * 8 + heads * h));
    expect(kvCacheBytes(odd, 1, 'bf16').bytesPerToken).toBe(222_720 - slidingLayers * 8 * 2);
    const same = readFlash({ ...FLASH, swa_v_head_dim: 192, v_head_dim: 192 });
    expect(same.attention).toMatchObject({ headDim: 192 });
    expect(same.attention).not.toHaveProperty('valueHeadDim');
  });

  it('reads transformers spellings (layer_types, mlp_layer_types, sliding_window) the same way', () => {
    const {
      hybrid_layer_pattern: pattern,
      moe_layer_freq: freq,
      sliding_window_size: _size,
      ...rest
    } = FLASH as Json & { hybrid_layer_pattern: number[]; moe_layer_freq: number[] };
    const spelled = {
      ...rest,
      layer_types: pattern.map((p) => (p === 1 ? 'sliding_attention' : 'full_attention')),
      mlp_layer_types: freq.map((x) => (x === 1 ? 'sparse' : 'dense')),
    };
    expect(readFlash(spelled)).toEqual(readFlash(FLASH));
  });

  it('refuses malformed or missing layer lists and attention sizes, naming them', () => {
    const message = (config: Json) => inputErrorOf(() => readFlash(config)).message;
    expect(message({ ...FLASH, hybrid_layer_pattern: [0, 1] })).toMatch(
      /'hybrid_layer_pattern' must list one entry per layer \(48: 1 for sliding-window, 0 for global attention\), got 2/,
    );
    expect(message({ ...FLASH, hybrid_layer_pattern: Array(48).fill(2) })).toMatch(
      /'hybrid_layer_pattern' must be a list of integers between 0 and 1/,
    );
    const { hybrid_layer_pattern: _p, ...noPattern } = FLASH;
    expect(message(noPattern)).toMatch(/'hybrid_layer_pattern' must list one entry per layer/);
    expect(message({ ...FLASH, moe_layer_freq: 1 })).toMatch(
      /'moe_layer_freq' must list one entry per layer \(48: 1 for MoE, 0 for the dense MLP\), got 1/,
    );
    expect(message({ ...FLASH, moe_layer_freq: [0, 1] })).toMatch(/'moe_layer_freq' must list one entry/);
    const { swa_num_key_value_heads: _k, ...noSwaKv } = FLASH;
    expect(message(noSwaKv)).toMatch(/'swa_num_key_value_heads'/);
    expect(message({ ...FLASH, swa_num_key_value_heads: 7 })).toMatch(
      /'swa_num_key_value_heads' \(7\) must divide/,
    );
    const { sliding_window_size: _s, sliding_window: _w, ...noWindow } = FLASH;
    expect(message(noWindow)).toMatch(/'sliding_window_size' is required/);
    expect(message({ ...FLASH, n_routed_experts: 0 })).toMatch(/'n_routed_experts' must be at least 1/);
  });

  it('a model without sliding layers needs no swa_* keys; the global attention is the model-wide one', () => {
    const {
      swa_num_attention_heads: _a,
      swa_num_key_value_heads: _b,
      swa_head_dim: _c,
      swa_v_head_dim: _d,
      ...rest
    } = FLASH;
    const spec = readFlash({ ...rest, hybrid_layer_pattern: Array(48).fill(0) });
    expect(spec.slidingWindow).toBeNull();
    expect(spec.attention).toMatchObject({ numKvHeads: 4, sinks: false });
    expect(spec.fullAttention).toBeUndefined();
    expect(spec.warnings?.[0]).toMatch(/MTP layers \(.*\) are not counted/);
  });

  it('specFromHfConfig reads mimo_v2_flash by this family, not as a glm4_moe lookalike', () => {
    const spec = specFromHfConfig(FLASH, 'mimo-v2-flash');
    expect(spec).toEqual(readFlash(FLASH));
    expect(spec.warnings?.join('\n')).not.toMatch(/not supported|-like/);
  });
});
