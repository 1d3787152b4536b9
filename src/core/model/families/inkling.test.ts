/**
 * Inkling (`inkling_mm_model`, `inkling_model`), read by calling the families directly. The recount
 * follows the checkpoint's tensors (the model.safetensors.index.json names SGLang `models/inkling.py`
 * loads and transformers' conversion_mapping renames): model.llm.embed [V, h], embed_norm [h], norm [h],
 * unembed [V, h]; per layer attn_norm and mlp_norm [h], attn.wq_du [H·d, h], wk_dv and wv_dv [K·d, h],
 * wr_du [H·d_rel, h], wo_ud [h, H·d], q_norm and k_norm [d], rel_logits_proj.proj [d_rel, extent],
 * k_sconv and v_sconv [K·d, 1, 4], attn_sconv and mlp_sconv [h, 1, 4]; dense layers mlp.w13_dn
 * [2·I_d, h], w2_md [h, I_d], global_scale [1]; MoE layers experts.w13_weight [E, 2I, h], w2_weight
 * [E, h, I], gate.weight [E + S, h], gate.bias [E], gate.global_scale [1], shared_experts.shared_w13_weight
 * [S, 2I, h], shared_w2_weight [S, h, I]. The MTP chain (model.mtp.layers.N: embed_norm, hidden_norm,
 * input_proj [h, 2h], a dense transformer_block), the hMLP tower and the dMel tower beside them.
 *
 * Fixtures `hand-built/inkling.json` and `hand-built/inkling-small.json`: thinkingmachines/Inkling and
 * Inkling-Small's config.json, assembled from values quoted in stored code (not verbatim copies; see the
 * fixtures README). Cards: Inkling 975B total, 41B active; Inkling-Small 276B total, 12B active.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { inklingMm, inklingText } from './inkling.js';

/** A hand-built fixture's config. */
const fixture = (name: string): Json => hfFixture(`hand-built/${name}`);
const INKLING = fixture('inkling');
const SMALL = fixture('inkling-small');

/** The `inkling_mm_model` family on `config`. */
const read = (config: Json) => inklingMm(new Fields(config, 'inkling_mm_model'), 'x');

/** The config with `text_config` keys replaced. */
const withText = (config: Json, text: Json): Json => ({
  ...config,
  text_config: { ...(config.text_config as Json), ...text },
});

interface Shape {
  vocab: number;
  h: number;
  layers: number;
  local: ReadonlySet<number>;
  heads: number;
  kv: number;
  swaHeads: number;
  swaKv: number;
  d: number;
  dRel: number;
  extent: number;
  window: number;
  denseLayers: number;
  denseWidth: number;
  experts: number;
  topK: number;
  shared: number;
  width: number;
}

/** One decoder layer's tensors (total, and what a token leaves idle), local or global, dense or MoE. */
function layerTensors(c: Shape, local: boolean, dense: boolean): { total: number; idle: number } {
  const [heads, kv, extent] = local ? [c.swaHeads, c.swaKv, c.window] : [c.heads, c.kv, c.extent];
  const attention =
    heads * c.d * c.h +
    2 * kv * c.d * c.h +
    heads * c.dRel * c.h +
    c.h * heads * c.d +
    2 * c.d +
    c.dRel * extent;
  const convs = 2 * kv * c.d * 4 + 2 * c.h * 4;
  const norms = 2 * c.h;
  const expert = 3 * c.h * c.width;
  const mlp = dense
    ? 3 * c.h * c.denseWidth + 1
    : c.experts * expert + (c.experts + c.shared) * c.h + c.experts + 1 + c.shared * expert;
  return { total: attention + convs + norms + mlp, idle: dense ? 0 : (c.experts - c.topK) * expert };
}

/** The text model's checkpoint tensors, from the config's numbers alone. */
function textTensors(c: Shape): { total: number; active: number } {
  let total = 2 * c.vocab * c.h + 2 * c.h;
  let idle = 0;
  for (let i = 0; i < c.layers; i++) {
    const l = layerTensors(c, c.local.has(i), i < c.denseLayers);
    total += l.total;
    idle += l.idle;
  }
  return { total, active: total - idle };
}

/** The MTP chain's tensors: per depth embed_norm, hidden_norm, input_proj and a dense block. */
const mtpTensors = (c: Shape, local: readonly boolean[]): number =>
  local.reduce((sum, l) => sum + 2 * c.h + 2 * c.h * c.h + layerTensors(c, l, true).total, 0);

/** The released local_layer_ids: every layer but each sixth. */
const localIds = (layers: number) =>
  new Set(Array.from({ length: layers }, (_, i) => i).filter((i) => (i + 1) % 6));
const common = { vocab: 201_024, d: 128, dRel: 16, extent: 1024, window: 512, denseLayers: 2, experts: 256 };
const BIG: Shape = {
  ...common,
  h: 6144,
  layers: 66,
  local: localIds(66),
  heads: 64,
  kv: 8,
  swaHeads: 64,
  swaKv: 16,
  denseWidth: 24_576,
  topK: 6,
  shared: 2,
  width: 3072,
};
const SMALL_SHAPE: Shape = {
  ...BIG,
  h: 4096,
  layers: 42,
  local: localIds(42),
  heads: 32,
  kv: 8,
  swaHeads: 32,
  swaKv: 8,
  denseWidth: 16_384,
  width: 2048,
};
/** mtp_config.local_layer_ids [0, 2, 4, 5, 6, 7] of 8. */
const MTP_LOCAL = [true, false, true, false, true, true, true, true];

/**
 * The hMLP tower at patch 40, 2 frames, 3 channels, 4 layers: hmlp.py plan_out_scales picks the scales
 * (1,1,1,3) → (1,5,5,128) → (1,10,10,320) → (1,40,40,4800) → (2,40,40,9600); linear_0 75 → 128,
 * linear_1 512 → 320, linear_2 5120 → 4800 with norm_0..2, linear_3 9600 → d, final_norm d.
 */
const hmlp = (d: number) => 75 * 128 + 128 + 512 * 320 + 320 + 5120 * 4800 + 4800 + 9600 * d + d;
/** The dMel tower: encoder [80·16, d] and final_norm [d]. */
const dmel = (d: number) => 80 * 16 * d + d;

describe('inkling_mm_model (thinkingmachines/Inkling)', () => {
  const spec = read(INKLING);

  it('reads 66 layers, 5 of 6 local with their own heads, 2 dense then 64 MoE, no RoPE, untied', () => {
    expect(spec.layers.filter((l) => l.attention === 'sliding')).toHaveLength(55);
    expect(spec.layers.map((l) => l.attention === 'full')).toEqual(
      Array.from({ length: 66 }, (_, i) => (i + 1) % 6 === 0),
    );
    expect(spec.layers.map((l) => l.mlp)).toEqual(
      Array.from({ length: 66 }, (_, i) => (i < 2 ? 'dense' : 'moe')),
    );
    const head = {
      kind: 'gqa',
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
    };
    expect(spec.attention).toEqual({ ...head, numHeads: 64, numKvHeads: 16 });
    expect(spec.fullAttention).toEqual({ ...head, numHeads: 64, numKvHeads: 8 });
    expect(spec.slidingWindow).toBe(512);
    expect(spec.maxContextTokens).toBe(1_048_576);
    expect(spec.vocabSize).toBe(201_024);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2, embedding: true });
    expect(spec.mlp).toEqual({ intermediateSize: 24_576, gated: true, bias: false, fusedGateUp: true });
    expect(spec.moe).toMatchObject({
      numExperts: 256,
      topK: 6,
      expertIntermediateSize: 3072,
      numSharedExperts: 2,
      sharedIntermediateSize: 3072,
      routerBias: true,
      routingGroups: null,
    });
    expect(spec.layers[2]?.extras?.modules).toBe(
      "r_proj, rel_logits_proj, k_sconv, v_sconv, attn_sconv, mlp_sconv, global_scale, the gate's shared-expert rows",
    );
  });

  it('counts the tensors: 947,025,564,226 total, 41,055,900,226 active (card: 975B, 41B)', () => {
    const p = paramCount(spec);
    const want = textTensors(BIG);
    expect(p.totalParams).toBe(want.total);
    expect(p.activeParams).toBe(want.active);
    // The card's 975B is 27.97B (2.9%) above the text model, 22.6B above it with the towers and the
    // MTP chain (952,377,623,626); its 41B active is met to 0.14%.
    expect(p.totalParams).toBe(947_025_564_226);
    expect(p.activeParams).toBe(41_055_900_226);
    expect(p.visionParams).toBe(hmlp(6144));
    expect(p.audioParams).toBe(dmel(6144));
    expect(p.mtpParams).toBe(0);
  });

  it('counts the MTP chain in a warning and the convolution windows in another', () => {
    const mtp = mtpTensors(BIG, MTP_LOCAL);
    expect(mtp).toBe(5_260_445_704);
    expect(spec.warnings).toHaveLength(2);
    expect(spec.warnings?.[0]).toContain('3,176,448 elements per sequence');
    expect(spec.warnings?.[1]).toContain(`8 MTP layers`);
    expect(spec.warnings?.[1]).toContain(`hold ${mtp.toLocaleString('en-US')} parameters`);
  });

  it('caches 16 KV heads on local layers for the window, 8 on global ones for the whole context', () => {
    const context = 32_768;
    const kv = kvCacheBytes(spec, context);
    const global = 2 * 8 * 128 * 2;
    const local = 2 * 16 * 128 * 2;
    expect(kv.bytesPerToken).toBe(11 * global + 55 * local);
    expect(kv.bytesPerSequence).toBe(11 * global * context + 55 * local * 512);
  });

  it('runs about 2 FLOPs per active matmul weight per token, plus attention', () => {
    const p = paramCount(spec);
    const flops = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 }).flopsPerToken;
    // The embedding is a lookup; the norms, scales, biases and conv taps' elementwise share is tiny.
    const matmuls = p.activeParams - p.breakdown.embedding;
    expect(flops).toBeGreaterThan(2 * matmuls);
    expect(flops).toBeLessThan(2 * matmuls * 1.1);
  });
});

describe('inkling_mm_model (thinkingmachines/Inkling-Small)', () => {
  const spec = read(SMALL);

  it('counts the tensors: 263,655,199,274 total, 11,996,959,274 active (card: 276B, 12B)', () => {
    const p = paramCount(spec);
    const want = textTensors(SMALL_SHAPE);
    expect(p.totalParams).toBe(want.total);
    expect(p.activeParams).toBe(want.active);
    expect(p.totalParams).toBe(263_655_199_274);
    expect(p.activeParams).toBe(11_996_959_274);
    // Same heads on both kinds: no separate global attention.
    expect(spec.fullAttention).toBeUndefined();
  });

  it("matches the checkpoint's index total_size (531,912,898,740 bytes) with the towers and the MTP chain", () => {
    const p = paramCount(spec);
    const mtp = mtpTensors(SMALL_SHAPE, MTP_LOCAL);
    expect(spec.warnings?.[1]).toContain(`hold ${mtp.toLocaleString('en-US')} parameters`);
    const params = p.totalParams + (p.visionParams ?? 0) + (p.audioParams ?? 0) + mtp;
    // BF16, but the 40 MoE gates' bias [256] and global_scale [1] in FP32 (SGLang InklingGate).
    expect(2 * params + 2 * 40 * (256 + 1)).toBe(531_912_898_740);
    // The card's 276B is 4.7% above the text model and 3.8% above the checkpoint's 265,956,439,090.
  });
});

describe('inkling_model (the text config alone)', () => {
  it('reads the text model without towers, its MTP keys at the top level', () => {
    const text = {
      ...(SMALL.text_config as Json),
      num_nextn_predict_layers: 8,
      mtp_local_layer_ids: [0, 2, 4, 5, 6, 7],
    };
    const spec = inklingText(new Fields(text, 'inkling_model'), 'x');
    expect(paramCount(spec).totalParams).toBe(textTensors(SMALL_SHAPE).total);
    expect(spec.vision).toBeNull();
    expect(spec.audio ?? null).toBeNull();
    expect(spec.warnings?.[1]).toContain(mtpTensors(SMALL_SHAPE, MTP_LOCAL).toLocaleString('en-US'));
  });

  it('reads absent flags as SGLang InklingModelConfig does: no convolutions, embedding norm or scales', () => {
    const flags = ['use_sconv', 'use_embed_norm', 'use_global_scale', 'use_gate_bias', 'shared_expert_sink'];
    const text = Object.fromEntries(
      Object.entries(SMALL.text_config as Json).filter(([k]) => !flags.includes(k)),
    );
    const spec = inklingText(new Fields(text, 'inkling_model'), 'x');
    const c = SMALL_SHAPE;
    const convs = (local: boolean) => 8 * (local ? c.swaKv : c.kv) * c.d + 8 * c.h;
    // Each layer loses its convolutions and global scale; MoE layers the gate's shared rows and bias.
    const lost =
      [...Array(42).keys()].reduce((s, i) => s + convs(c.local.has(i)) + 1 + (i < 2 ? 0 : 2 * c.h + 256), 0) +
      c.h;
    expect(paramCount(spec).totalParams).toBe(textTensors(c).total - lost);
    expect(spec.warnings).toBeUndefined();
  });
});

describe('the hMLP tower (hmlp.py plan_out_scales)', () => {
  // Reference totals: SGLang's plan_out_scales run as written (numpy 2.4.6, scipy 1.17.1).
  const tower = (vision: Json) =>
    read({
      ...SMALL,
      text_config: { ...(SMALL.text_config as Json), hidden_size: 64 },
      vision_config: vision,
      audio_config: null,
    }).vision?.params;
  const base = {
    decoder_dmodel: 64,
    patch_size: 40,
    temporal_patch_size: 2,
    n_channels: 3,
    use_vision_norm: true,
  };

  it('assigns distinct scales when the layers are fewer, the nearest ones when they are not', () => {
    expect(tower({ ...base, n_layers: 4 })).toBe(hmlp(64));
    // 6 layers, 6 scales: the nearest, (1,1,1,3) twice: 25,698,060.
    expect(tower({ ...base, n_layers: 6 })).toBe(25_698_060);
    expect(tower({ ...base, n_layers: 9 })).toBe(117_986_892);
    // Patch 36 over 3 frames, 3 layers: (1,1,1,3) → (1,3,3,64) → (1,18,18,1024) → (3,36,36,11712).
    expect(tower({ ...base, patch_size: 36, temporal_patch_size: 3, n_layers: 3 })).toBe(3_148_608);
    expect(tower({ ...base, temporal_patch_size: 1, patch_size: 16, n_layers: 1 })).toBe(49_216);
  });
});

describe('inkling refusals', () => {
  const refuse = (config: Json) => inputErrorOf(() => read(config));

  it('refuses a local layer past the last', () => {
    const e = refuse(withText(SMALL, { local_layer_ids: [0, 42] }));
    expect(e.message).toContain('text_config.local_layer_ids');
    expect(e.message).toContain('lists layer 42; there are 42');
  });

  it('refuses local KV heads that do not divide the local query heads', () => {
    const e = refuse(withText(SMALL, { swa_num_key_value_heads: 5 }));
    expect(e.message).toContain('text_config.swa_num_key_value_heads');
    expect(e.message).toContain('must divide swa_num_attention_heads (32)');
  });

  it("refuses transformers' text layout, whose intermediate_size is the dense MLP's", () => {
    const e = refuse(withText(SMALL, { moe_intermediate_size: 2048 }));
    expect(e.message).toContain('text_config.moe_intermediate_size');
    expect(e.message).toContain("the checkpoint's config.json");
  });

  it('refuses a tower other than the hMLP and the dMel embedding', () => {
    const vision = refuse({
      ...SMALL,
      vision_config: { ...(SMALL.vision_config as Json), vision_encoder_type: 'linear' },
    });
    expect(vision.message).toContain("vision_config.vision_encoder_type' must be 'hmlp'");
    const audio = refuse({ ...SMALL, audio_config: { ...(SMALL.audio_config as Json), audio_mode: 'flow' } });
    expect(audio.message).toContain("audio_config.audio_mode' must be 'dmel'");
  });

  it('refuses a tower whose output is not the text width', () => {
    const e = refuse({ ...SMALL, audio_config: { ...(SMALL.audio_config as Json), decoder_dmodel: 6144 } });
    expect(e.message).toContain('audio_config.decoder_dmodel');
    expect(e.message).toContain('must equal the text hidden_size (4096)');
  });

  it('refuses MTP local ids past the chain', () => {
    const e = refuse({ ...SMALL, mtp_config: { num_nextn_predict_layers: 2, local_layer_ids: [0, 2] } });
    expect(e.message).toContain('mtp_config.local_layer_ids');
  });
});
