/**
 * MiMo-V2.5 / V2.5-Pro / V2.6 (`mimo_v2`, mimo-v2.ts), read by calling the family directly and counted
 * tensor by tensor from the modules vLLM `mimo_v2.py` and SGLang `mimo_v2.py`, `mimo_vl.py` and
 * `mimo_audio.py` build, checked against the released checkpoints' tensor inventories (model-info reports
 * of XiaomiMiMo/MiMo-V2.5 and MiMo-V2.5-Pro: every tensor's shape and the total element count, FP8 block
 * scales included) and the cards: MiMo-V2.5 310B total / 15B activated, a 729M ViT, a 261M audio
 * encoder, MTP of 329M in 3 layers; MiMo-V2.5-Pro 1.02T / 42B (SGLang cookbook, the V2.5 cards);
 * MiMo-V2.6-Flash 310B / 15B and -Pro 1.02T / 42B (the MiMo-V2.6 technical report).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes, kvHeadCounts } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { mimoV2 } from './mimo-v2.js';

const V25: Json = hfFixture('hand-built/mimo-v2.5');
const PRO: Json = hfFixture('hand-built/mimo-v2.5-pro');
const read = (config: Json) => mimoV2(new Fields(config, 'mimo_v2'), 'mimo-v2');

interface TextShape {
  readonly h: number;
  readonly heads: number;
  readonly globalKv: number;
  readonly swaKv: number;
  readonly globalLayers: number;
  readonly swaLayers: number;
  readonly experts: number;
  readonly moeLayers: number;
}

const VOCAB = 152_576;
const QK = 192;
const V = 128;
const DENSE = 16_384;
const EXPERT = 2048;

/** qkv_proj rows of one layer kind: heads·192 + kv·(192 + 128) (the checkpoint's fused, interleaved matrix). */
const qkvRows = (s: TextShape, kv: number) => s.heads * QK + kv * (QK + V);

/** MiMoV2Model + lm_head, tensor by tensor: total and active (8 of the routed experts). */
function textCount(s: TextShape) {
  const { h } = s;
  const layers = s.globalLayers + s.swaLayers;
  // qkv_proj [rows, h], o_proj [h, heads·128], attention_sink_bias [heads] on sliding layers only.
  const attention =
    s.globalLayers * (qkvRows(s, s.globalKv) * h + h * s.heads * V) +
    s.swaLayers * (qkvRows(s, s.swaKv) * h + h * s.heads * V + s.heads);
  // Dense layers: gate_proj, up_proj [16384, h], down_proj [h, 16384]; MoE: experts, gate [E, h], e_score_correction_bias [E].
  const expert = 3 * h * EXPERT;
  const mlps =
    (layers - s.moeLayers) * 3 * h * DENSE + s.moeLayers * (s.experts * expert + h * s.experts + s.experts);
  // embed_tokens, lm_head; input_layernorm and post_attention_layernorm per layer; model.norm.
  const total = 2 * VOCAB * h + attention + mlps + 2 * layers * h + h;
  return { total, active: total - s.moeLayers * (s.experts - 8) * expert };
}

/** model.mtp.layers.i: eh_proj [h, 2h], five norms, a sliding-window attention with sinks, the dense MLP. */
const mtpLayer = (s: TextShape) =>
  2 * s.h * s.h + 5 * s.h + qkvRows(s, s.swaKv) * s.h + s.h * s.heads * V + s.heads + 3 * s.h * DENSE;

const FLASH_SIZE: TextShape = {
  h: 4096,
  heads: 64,
  globalKv: 4,
  swaKv: 8,
  globalLayers: 9,
  swaLayers: 39,
  experts: 256,
  moeLayers: 47,
};
const PRO_SIZE: TextShape = {
  h: 6144,
  heads: 128,
  globalKv: 8,
  swaKv: 8,
  globalLayers: 10,
  swaLayers: 60,
  experts: 384,
  moeLayers: 69,
};

/** The visual.* tensors of MiMo-V2.5 (the report's list): patch_embed, 28 blocks, 24 sink vectors, the merger. */
function visionTensors(): number {
  const w = 1280;
  const inter = 4608;
  const patchEmbed = w * 3 * 2 * 16 * 16;
  const block =
    3072 * w +
    3072 + // attn.qkv weight, bias
    w * 2048 +
    w + // attn.proj weight [1280, 32·64], bias
    2 * (inter * w + inter) + // mlp.gate_proj, mlp.up_proj with bias
    w * inter +
    w + // mlp.down_proj with bias
    2 * w; // norm1, norm2
  const sinks = 24 * 32; // blocks 1-8, 10-17, 19-26: attn.sinks [32]
  const merger = w + 5120 * 5120 + 4096 * 5120; // ln_q, mlp.0, mlp.2 (no biases)
  return patchEmbed + 28 * block + sinks + merger;
}

/** The audio tensors of MiMo-V2.5: speech_embeddings, input_local_transformer, projection. */
function audioTensors(): number {
  const d = 1024;
  const layer = 2 * d + 3 * (d * d + d) + d * d + 3 * 4096 * d; // norms, q/k/v with bias, o, gate/up/down
  return 20 * 1280 * d + 6 * layer + d + 16_384 * 4096 + 4096 * 16_384;
}

/** FP8 block scales (128 × 128) of a [rows, cols] weight stored as `shards` row blocks (the fused qkv's TP layout). */
const scales = (rows: number, cols: number, shards = 1) =>
  shards * Math.ceil(rows / shards / 128) * Math.ceil(cols / 128);

/** Every FP8 weight's weight_scale_inv elements: qkv_proj (TP-interleaved), the dense and MTP MLPs, the experts. */
function scaleElements(s: TextShape, tp: number, mtpLayers: number): number {
  const { h } = s;
  const mlp = 2 * scales(DENSE, h) + scales(h, DENSE);
  const experts = s.moeLayers * s.experts * (2 * scales(EXPERT, h) + scales(h, EXPERT));
  const qkv =
    s.globalLayers * scales(qkvRows(s, s.globalKv), h, tp) + s.swaLayers * scales(qkvRows(s, s.swaKv), h, tp);
  return qkv + mlp + experts + mtpLayers * (scales(qkvRows(s, s.swaKv), h, tp) + mlp);
}

describe('mimo_v2: MiMo-V2.5 (omni) and MiMo-V2.6-Flash', () => {
  const { total, active } = textCount(FLASH_SIZE);

  it('reads MiMo-V2-Flash’s layers (global 0, 5, 11, …, 47), a fused qkv_proj, and both encoders', () => {
    const spec = read(V25);
    expect(spec.layers.map((l) => (l.attention === 'full' ? 'F' : 's')).join('')).toBe(
      `Fssss${'Fsssss'.repeat(7)}F`,
    );
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(47).fill('moe')]);
    expect(spec.attention).toMatchObject({
      numHeads: 64,
      numKvHeads: 8,
      headDim: 192,
      valueHeadDim: 128,
      sinks: true,
      fusedQkv: true,
    });
    expect(spec.fullAttention).toMatchObject({
      numKvHeads: 4,
      headDim: 192,
      valueHeadDim: 128,
      sinks: false,
      fusedQkv: true,
    });
    expect(spec.moe).toMatchObject({
      numExperts: 256,
      topK: 8,
      expertIntermediateSize: 2048,
      numSharedExperts: 0,
    });
    expect(spec.slidingWindow).toBe(128);
    expect(spec.maxContextTokens).toBe(1_048_576);
    expect(spec.modelType).toBe('mimo_v2');
    expect(spec.vision?.description).toBe(
      'MiMo ViT 28 × 1280 (32 heads, 8 KV, head 64; 4 full-attention blocks), patch 16, merge 2×2',
    );
    expect(spec.vision).toMatchObject({ patchSize: 16, imageSize: null, flopsPerImage: null });
    expect(spec.audio?.description).toContain(
      '20 RVQ code embeddings (25,600 codes × 1024), 6 local layers × 1024',
    );
  });

  it('counts 308,778,780,864 parameters, 15,445,936,320 active; the ViT 728,594,432 and the audio tower 261,127,168', () => {
    const p = paramCount(read(V25));
    expect(p.totalParams).toBe(total);
    expect(p.totalParams).toBe(308_778_780_864);
    expect(p.activeParams).toBe(active);
    expect(p.activeParams).toBe(15_445_936_320);
    expect(p.visionParams).toBe(visionTensors());
    expect(p.visionParams).toBe(728_594_432);
    expect(p.audioParams).toBe(audioTensors());
    expect(p.audioParams).toBe(261_127_168);
    // Card: "310B total / 15B activated", "729M-param ViT", "261M-param Audio Transformer", MTP "329M".
    // 308.78B decoder + 0.73B ViT + 0.26B audio + 3 × 0.33B MTP = 310.76B; the card's 310B is all of it.
    const mtp = mtpLayer(FLASH_SIZE);
    expect(mtp).toBe(329_273_408);
    const held = p.totalParams + p.visionParams + (p.audioParams ?? 0) + 3 * mtp;
    expect(held).toBe(310_756_322_688);
    expect(Math.round(held / 1e9)).toBe(311);
    expect(Math.floor(held / 1e9)).toBe(310);
    expect(Math.round(p.activeParams / 1e9)).toBe(15);
    expect(Math.round(p.visionParams / 1e6)).toBe(729);
    expect(Math.round((p.audioParams ?? 0) / 1e6)).toBe(261);
    // The report's checkpoint total, 310,775,040,000 elements, adds the FP8 block scales (TP 4 qkv layout).
    expect(held + scaleElements(FLASH_SIZE, 4, 3)).toBe(310_775_040_000);
    expect(p.mtpParams).toBe(0);
  });

  it('caches K of 192 and V of 128 per KV head: 222,720 bytes a token, sliding layers capped at 128', () => {
    const spec = read(V25);
    const perToken = (kv: number) => kv * (QK + V) * 2;
    const kvc = kvCacheBytes(spec, 65_536, 'bf16');
    expect(kvc.bytesPerToken).toBe(9 * perToken(4) + 39 * perToken(8));
    expect(kvc.bytesPerToken).toBe(222_720);
    expect(kvc.bytesPerSequence).toBe(9 * perToken(4) * 65_536 + 39 * perToken(8) * 128);
    expect(kvHeadCounts(spec)).toEqual([4, 8]);
  });

  it('forward FLOPs per token ≈ 2 × active weights (less the embedding lookup) + attention', () => {
    const spec = read(V25);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 8192 });
    const scores = 9 * 2 * 64 * (QK + V) * 8192 + 39 * 2 * 64 * (QK + V) * 128;
    expect(f.breakdown.attentionScores).toBe(scores);
    const expected = 2 * (active - VOCAB * 4096) + scores;
    expect(Math.abs(f.flopsPerToken - expected) / expected).toBeLessThan(0.001);
  });

  it('warns about the uncounted MTP layers under mimo_v2', () => {
    const warnings = read(V25).warnings ?? [];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'of 329,273,408 parameters each are not counted: the config does not say how many',
    );
  });

  it('a "split" layout reads separate projections; the same parameters', () => {
    const split = read({ ...V25, attention_projection_layout: 'split' });
    expect(split.attention).not.toHaveProperty('fusedQkv');
    expect(split.fullAttention).not.toHaveProperty('fusedQkv');
    expect(paramCount(split).totalParams).toBe(total);
    const { attention_projection_layout: _l, ...unstated } = V25;
    expect(read(unstated)).toEqual(read(V25));
  });

  it('without both encoders it is the text model alone (as MiMo-V2.5-Pro)', () => {
    const { vision_config: _v, audio_config: _a, ...text } = V25;
    const spec = read(text);
    expect(spec.vision).toBeNull();
    expect(spec).not.toHaveProperty('audio');
    expect(paramCount(spec).totalParams).toBe(total);
  });
});

describe('mimo_v2: MiMo-V2.5-Pro (and MiMo-V2.6-Pro’s text model)', () => {
  const { total, active } = textCount(PRO_SIZE);

  it('reads 70 layers (10 global, 60 sliding), 8 KV heads in both, 384 experts, no encoders', () => {
    const spec = read(PRO);
    const globals = spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []));
    expect(globals).toEqual([0, 7, 15, 23, 31, 39, 47, 55, 62, 69]);
    expect(spec.layers.filter((l) => l.mlp === 'moe')).toHaveLength(69);
    expect(spec.attention).toMatchObject({
      numHeads: 128,
      numKvHeads: 8,
      headDim: 192,
      valueHeadDim: 128,
      sinks: true,
      fusedQkv: true,
    });
    // The same heads; only the sinks differ (add_full_attention_sink_bias false).
    expect(spec.fullAttention).toEqual({ ...spec.attention, sinks: false });
    expect(spec.moe).toMatchObject({ numExperts: 384, topK: 8 });
    expect(spec.vision).toBeNull();
    expect(spec.hiddenSize).toBe(6144);
  });

  it('counts 1,021,248,126,336 parameters (the card 1.02T) and 41.89B active (the card 42B)', () => {
    const p = paramCount(read(PRO));
    expect(p.totalParams).toBe(total);
    expect(p.totalParams).toBe(1_021_248_126_336);
    expect(p.activeParams).toBe(active);
    expect(p.activeParams).toBe(41_894_919_552);
    expect(Math.round(p.totalParams / 1e10) / 100).toBe(1.02);
    expect(Math.round(p.activeParams / 1e9)).toBe(42);
    // With its 3 MTP layers and the FP8 scales (TP 8 qkv layout): the report's 1,023,244,718,976.
    const mtp = mtpLayer(PRO_SIZE);
    expect(mtp).toBe(644_905_088);
    expect(p.totalParams + 3 * mtp + scaleElements(PRO_SIZE, 8, 3)).toBe(1_023_244_718_976);
  });

  it('caches 8 × (192 + 128) elements per layer and token: 358,400 bytes in BF16', () => {
    const kvc = kvCacheBytes(read(PRO), 131_072, 'bf16');
    expect(kvc.bytesPerToken).toBe(70 * 8 * (QK + V) * 2);
    expect(kvc.bytesPerToken).toBe(358_400);
    expect(kvc.bytesPerSequence).toBe(8 * (QK + V) * 2 * (10 * 131_072 + 60 * 128));
  });
});

describe('mimo_v2: refusals name the field and what is allowed', () => {
  const message = (config: Json) => inputErrorOf(() => read(config)).message;
  const vision = V25.vision_config as Json;
  const audio = V25.audio_config as Json;

  it('one encoder without the other', () => {
    const { audio_config: _a, ...visionOnly } = V25;
    expect(message(visionOnly)).toMatch(/'audio_config' is required with vision_config: MiMoV2ForCausalLM/);
    const { vision_config: _v, ...audioOnly } = V25;
    expect(message(audioOnly)).toMatch(/'vision_config' is required with audio_config/);
  });

  it('an unknown projection layout', () => {
    expect(message({ ...V25, attention_projection_layout: 'qkv_packed' })).toMatch(
      /'attention_projection_layout' must be 'fused_qkv' or 'split', got 'qkv_packed'/,
    );
  });

  it('an encoder whose output is not the text width', () => {
    expect(message({ ...V25, vision_config: { ...vision, out_hidden_size: 2048 } })).toMatch(
      /'vision_config.out_hidden_size' \(2048\) must equal hidden_size \(4096\)/,
    );
    const { out_hidden_size: _o, ...defaulted } = vision;
    // MiMoVLVisionConfig's default is 2048: an omitted width is refused, not guessed.
    expect(message({ ...V25, vision_config: defaulted })).toMatch(/'vision_config.out_hidden_size' \(2048\)/);
  });

  it('code counts that do not match the channels, and an unbuilt projection depth', () => {
    expect(message({ ...V25, audio_config: { ...audio, speech_vocab_size: '1280-1280' } })).toMatch(
      /'audio_config.speech_vocab_size' must be one positive code count, or 20 of them joined by '-'/,
    );
    expect(message({ ...V25, audio_config: { ...audio, projection_layers: 3 } })).toMatch(
      /'audio_config.projection_layers' must be 1 or 2 \(build_audio_encoder\), got 3/,
    );
  });

  it('the decoder’s layer list (mimo.ts) and the ViT’s KV heads', () => {
    expect(message({ ...PRO, hybrid_layer_pattern: [0, 1] })).toMatch(
      /'hybrid_layer_pattern' must list one entry per layer \(70/,
    );
    expect(message({ ...V25, vision_config: { ...vision, num_key_value_heads: 7 } })).toMatch(
      /'vision_config.num_key_value_heads' \(7\) must divide num_heads \(32\)/,
    );
  });
});

describe('mimo_v2: encoder defaults from the configuration classes', () => {
  it('reads a per-channel code list, one projection layer and no post norm as SGLang builds them', () => {
    const audio = V25.audio_config as Json;
    const base = paramCount(read(V25)).audioParams ?? 0;
    const perChannel = read({
      ...V25,
      audio_config: { ...audio, speech_vocab_size: Array(20).fill('1024').join('-') },
    });
    expect(base - (perChannel.audio?.params ?? 0)).toBe(20 * 256 * 1024);
    const oneLayer = read({ ...V25, audio_config: { ...audio, projection_layers: 1, add_post_norm: false } });
    expect(base - (oneLayer.audio?.params ?? 0)).toBe(16_384 * 4096 + 4096 * 16_384 - 4096 * 4096 + 1024);
  });

  it('without use_sink no block holds sinks; qk_channels null falls back to width / heads', () => {
    const vision = V25.vision_config as Json;
    const base = read(V25).vision?.params ?? 0;
    expect(base - (read({ ...V25, vision_config: { ...vision, use_sink: false } }).vision?.params ?? 0)).toBe(
      24 * 32,
    );
    const narrow = read({ ...V25, vision_config: { ...vision, qk_channels: null } }).vision;
    // Heads of 1280 / 32 = 40: qkv (48 · 40) and proj (32 · 40) narrower by 24 per head of width.
    expect(base - (narrow?.params ?? 0)).toBe(28 * (48 * 24 * 1280 + 48 * 24 + 32 * 24 * 1280));
    expect(narrow?.description).toContain('head 40');
  });
});
