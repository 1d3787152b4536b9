/**
 * Thinking Machines' Inkling (`inkling_mm_model`, InklingForConditionalGeneration: Inkling 975B and
 * Inkling-Small; `inkling_model`, the bare text config). The checkpoint's config.json uses SGLang's keys
 * (`python/sglang/srt/configs/inkling.py` InklingModelConfig / InklingVisionConfig / InklingAudioConfig,
 * whose defaults fill an absent key: an absent `use_*` flag is false, absent `local_layer_ids` means no
 * local layer). The modules, as transformers' `models/inkling/modeling_inkling.py` (which builds every
 * optional module; the released configs set every flag true) and SGLang's `models/inkling.py` with
 * `models/inkling_common/{attn,moe,dense_mlp,sconv,hmlp}.py` build them:
 * - embed [V, h] (`vocab_size`, the padded table: `unpadded_vocab_size` only slices the logits), its
 *   RMSNorm (`use_embed_norm`), unembed [V, h] never tied (transformers `_tied_weights_keys = {}`), the
 *   final RMSNorm; no positional table, no RoPE.
 * - Layers in `local_layer_ids` are local: `swa_num_attention_heads`, `swa_num_key_value_heads`,
 *   `swa_head_dim` (each defaulting to the global one), a window of `sliding_window_size`; the others
 *   global: `num_attention_heads`, `num_key_value_heads`, `head_dim` (default hidden / heads).
 * - InklingAttention: q/k/v/o bias-free unless `q_bias` (on the fused q/k/v/r projection) or `o_bias`;
 *   per-head q and k RMSNorms; r_proj h → heads·`d_rel` and rel_logits_proj [d_rel, extent] (`rel_extent`
 *   global, the window local), the hidden-conditioned relative bias in place of RoPE; k_sconv and
 *   v_sconv, bias-free depthwise causal convolutions of `sconv_kernel_size` taps (`use_sconv`).
 * - Per layer attn_norm and mlp_norm, and attn_sconv and mlp_sconv, depthwise convolutions over h.
 * - Layers below `dense_mlp_idx`: InklingDenseMLP, a SwiGLU of `dense_intermediate_size` (default
 *   `intermediate_size`) and a scalar global_scale (`use_global_scale`).
 * - The others InklingMoE: `n_routed_experts` SwiGLU experts of `intermediate_size`, top
 *   `num_experts_per_tok`; the gate h → routed rows, plus one row per shared expert with
 *   `shared_expert_sink` (which weights the `n_shared_experts` shared experts, each of the experts'
 *   width; without it one shared MLP of n_shared·`shared_experts_size`·width), a per-expert bias
 *   (`use_gate_bias`, transformers' e_score_correction_bias) and a scalar global_scale.
 * The relative-bias projections, the four convolutions, the global scales and the gate's shared rows are
 * each layer's `extras`. The towers are counted apart, built (SGLang) when their `decoder_dmodel` is set:
 * InklingVision (HMLPPatchEncoder, `vision_encoder_type` "hmlp") and InklingAudio (`audio_mode` "dmel").
 * The MTP chain (`mtp_config`, SGLang InklingMTPLayer; transformers skips model.mtp.*) is not llmecon's
 * DeepSeek-V3 module: it is counted in a warning, outside the total as every MTP is.
 */
import { paramCount } from '../param-count.js';
import type { GqaAttention, LayerExtrasSpec, LayerMlp, LayerSpec, ModelSpec, MoeSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { baseSpec, type Family, HF_KEYS, readCommon, readHeadDim, readTopK } from './readers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** What a layer's extras depend on, read once from the text config. */
interface Shape {
  readonly h: number;
  readonly dRel: number;
  /** rel_logits_proj's extent on global layers (`rel_extent`). */
  readonly relExtent: number;
  /** `sliding_window_size`, also local layers' relative extent. */
  readonly window: number;
  readonly kernel: number;
  readonly sconv: boolean;
  readonly qBias: boolean;
  readonly globalScale: boolean;
  /** Rows the gate holds for the shared experts (0 without the sink). */
  readonly sinkRows: number;
  readonly global: GqaAttention;
  readonly local: GqaAttention;
}

/** Layer ids listed under `key` (`local_layer_ids`, the MTP chain's), each below `count`. */
function idSet(f: Fields, key: string, count: number): Set<number> {
  const ids = f.intList(key, MAX.layers);
  for (const i of ids)
    if (i >= count) f.fail(key, `lists layer ${i}; there are ${count} (0 to ${count - 1})`);
  return new Set(ids);
}

/**
 * A text_config in transformers' layout (InklingTextConfig: `model_type` "inkling_text", `layer_types`,
 * `mlp_layer_types`, `moe_intermediate_size`) is refused: its `intermediate_size` is the dense MLP's,
 * where the checkpoint's (SGLang's) is the experts', and its flags are implicit.
 */
function refuseTransformersLayout(f: Fields): void {
  const key = ['moe_intermediate_size', 'layer_types', 'mlp_layer_types'].find((k) => f.has(k));
  if (key || f.raw('model_type') === 'inkling_text') {
    f.fail(
      key ?? 'model_type',
      "belongs to transformers' InklingTextConfig layout, whose intermediate_size is the dense MLP's and whose modules are implicit; give the checkpoint's config.json (dense_intermediate_size, intermediate_size, local_layer_ids, dense_mlp_idx, use_* flags)",
    );
  }
}

/** Global attention, and the local layers' (SGLang: each `swa_*` defaults to the global value). */
function readAttention(f: Fields): { global: GqaAttention; local: GqaAttention } {
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const kv = f.positiveInt('num_key_value_heads', { fallback: heads, max: MAX.heads });
  const swaHeads = f.positiveInt('swa_num_attention_heads', { fallback: heads, max: MAX.heads });
  const swaKv = f.positiveInt('swa_num_key_value_heads', { fallback: kv, max: MAX.heads });
  if (heads % kv !== 0) f.fail('num_key_value_heads', `(${kv}) must divide num_attention_heads (${heads})`);
  if (swaHeads % swaKv !== 0) {
    f.fail('swa_num_key_value_heads', `(${swaKv}) must divide swa_num_attention_heads (${swaHeads})`);
  }
  const headDim = readHeadDim(f);
  const [qkvBias, outputBias] = [f.bool('q_bias', false), f.bool('o_bias', false)];
  const global = { kind: 'gqa', numHeads: heads, numKvHeads: kv, headDim, qkvBias, outputBias } as const;
  const swaDim = f.positiveInt('swa_head_dim', { fallback: headDim, max: MAX.headDim });
  return {
    global: { ...global, qkNorm: 'per-head', sinks: false },
    local: {
      ...global,
      numHeads: swaHeads,
      numKvHeads: swaKv,
      headDim: swaDim,
      qkNorm: 'per-head',
      sinks: false,
    },
  };
}

/** One layer's extras: the relative bias, the four convolutions, the global scale, the gate's shared rows. */
function extrasOf(s: Shape, local: boolean, window: number, mlp: LayerMlp): LayerExtrasSpec {
  const a = local ? s.local : s.global;
  const extent = local ? window : s.relExtent;
  const kvWidth = a.numKvHeads * a.headDim;
  const rWidth = a.numHeads * s.dRel;
  const sinkRows = mlp === 'moe' ? s.sinkRows : 0;
  const convs = [
    ['k_sconv', kvWidth],
    ['v_sconv', kvWidth],
    ['attn_sconv', s.h],
    ['mlp_sconv', s.h],
  ] as const;
  return {
    modules: `r_proj, rel_logits_proj${s.sconv ? ', k_sconv, v_sconv, attn_sconv, mlp_sconv' : ''}${s.globalScale ? ', global_scale' : ''}${sinkRows > 0 ? ", the gate's shared-expert rows" : ''}`,
    params:
      (s.h + (s.qBias ? 1 : 0)) * rWidth +
      s.dRel * extent +
      (s.sconv ? (2 * kvWidth + 2 * s.h) * s.kernel : 0) +
      (s.globalScale ? 1 : 0) +
      sinkRows * s.h,
    // Per token: r_proj, each head's relative states against the [d_rel, extent] bank, the depthwise taps.
    gemms: [
      { name: 'r_proj', n: rWidth, k: s.h },
      { name: 'rel_logits_proj', n: extent, k: s.dRel, count: a.numHeads },
      ...(s.sconv ? convs.map(([name, n]) => ({ name, n, k: s.kernel })) : []),
      ...(sinkRows > 0 ? [{ name: 'gate.shared_rows', n: sinkRows, k: s.h }] : []),
    ],
  };
}

/** InklingMoE's experts and shared experts (SGLang moe.py `_build_inkling_shared_experts`). */
function readMoe(f: Fields, sink: boolean): MoeSpec {
  const experts = f.positiveInt('n_routed_experts', { max: MAX.experts });
  const width = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const sharedSize = sink ? 1 : f.positiveInt('shared_experts_size', { fallback: 1, max: MAX.experts });
  return {
    numExperts: experts,
    topK: readTopK(f, 'num_experts_per_tok', experts),
    expertIntermediateSize: width,
    gated: true,
    expertBias: false,
    numSharedExperts: f.int('n_shared_experts', { fallback: 0, max: MAX.experts }),
    sharedIntermediateSize: sharedSize * width,
    routerBias: f.bool('use_gate_bias', false),
    sharedExpertGate: false,
    routingGroups: null,
    fusedGateUp: true,
  };
}

/** The text model (transformers InklingTextModel, SGLang InklingCausalLLM) and its layers' shape. */
function readText(f: Fields, name: string): { spec: ModelSpec; shape: Shape } {
  refuseTransformersLayout(f);
  // transformers maps model_max_length to max_position_embeddings (default 131072).
  const c = readCommon(f, name, { ...HF_KEYS, positions: 'model_max_length', defaultPositions: 131_072 });
  const { global, local } = readAttention(f);
  const locals = idSet(f, 'local_layer_ids', c.numLayers);
  const denseBelow = f.int('dense_mlp_idx', { fallback: 0, max: MAX.layers });
  const mlps = Array.from({ length: c.numLayers }, (_, i): LayerMlp => (i < denseBelow ? 'dense' : 'moe'));
  const sink = f.bool('shared_expert_sink', false);
  const moe = mlps.includes('moe') ? readMoe(f, sink) : null;
  const window = f.positiveInt('sliding_window_size', { fallback: 512, max: MAX.positions });
  const shape: Shape = {
    h: c.hiddenSize,
    dRel: f.positiveInt('d_rel', { fallback: 16, max: MAX.headDim }),
    relExtent: f.positiveInt('rel_extent', { fallback: 1024, max: MAX.positions }),
    window,
    kernel: f.positiveInt('sconv_kernel_size', { fallback: 4, max: 1024 }),
    sconv: f.bool('use_sconv', false),
    qBias: global.qkvBias,
    globalScale: f.bool('use_global_scale', false),
    sinkRows: moe && sink ? moe.numSharedExperts : 0,
    global,
    local,
  };
  const layers = mlps.map((mlp, i): LayerSpec => {
    const sliding = locals.has(i);
    return { attention: sliding ? 'sliding' : 'full', mlp, extras: extrasOf(shape, sliding, window, mlp) };
  });
  // InklingDenseMLP's width, also the MTP blocks' (dense_intermediate_size, default intermediate_size).
  const denseKey = f.has('dense_intermediate_size') ? 'dense_intermediate_size' : 'intermediate_size';
  const dense = f.positiveInt(denseKey, { max: MAX.intermediate });
  const mixed = locals.size > 0 && locals.size < c.numLayers;
  const spec: ModelSpec = {
    ...baseSpec(f, c, {
      attention: locals.size > 0 ? local : global,
      mlp: { intermediateSize: dense, gated: true, bias: false, fusedGateUp: true },
      layers,
    }),
    tieWordEmbeddings: false,
    norm: { kind: 'rmsnorm', perLayer: 2, ...(f.bool('use_embed_norm', false) ? { embedding: true } : {}) },
    ...(mixed && JSON.stringify(local) !== JSON.stringify(global) ? { fullAttention: global } : {}),
    slidingWindow: locals.size > 0 ? window : null,
    moe,
  };
  return { spec, shape };
}

/** The MTP chain's keys: the checkpoint's `mtp_config`, or an `inkling_model` config's own. */
interface MtpKeys {
  readonly layers: string;
  readonly local: string;
  readonly window: string;
}

/** Parameters of the MTP chain (SGLang InklingMTPLayer), for the warning; null when there is none. */
function mtpWarning(g: Fields, keys: MtpKeys, spec: ModelSpec, shape: Shape): string | null {
  const layers = g.int(keys.layers, { fallback: 0, max: MAX.layers });
  if (layers === 0) return null;
  const local = idSet(g, keys.local, layers);
  // A local depth's window and relative extent: mtp_local_extent, default the trunk's window.
  const window = g.positiveInt(keys.window, { fallback: shape.window, max: MAX.positions });
  // Dense blocks (InklingMTPLayer forces dense_mlp_idx past the depth).
  const chain = Array.from({ length: layers }, (_, j): LayerSpec => {
    const extras = extrasOf(shape, local.has(j), window, 'dense');
    return { attention: local.has(j) ? 'sliding' : 'full', mlp: 'dense', extras };
  });
  const view = { ...spec, attention: shape.local, fullAttention: shape.global, layers: chain, moe: null };
  const blocks = paramCount(view).perLayer.reduce((sum, l) => sum + l.totalParams, 0);
  const h = spec.hiddenSize;
  // Per depth hidden_norm, embed_norm and input_proj (2h → h); one chain_norm with chain_hidden_post_norm.
  const total = blocks + layers * (2 * h + 2 * h * h) + (g.bool('chain_hidden_post_norm', false) ? h : 0);
  return `${spec.modelType}: ${layers} MTP layers (SGLang InklingMTPLayer: hidden_norm, embed_norm, input_proj 2h → h and a dense decoder layer each, ${local.size} of them local; embed and unembed shared) hold ${fmt(total)} parameters, not counted: transformers skips model.mtp.* and llmecon's MTP module is DeepSeek-V3's`;
}

/** Prime factors in ascending order (hmlp.py `_prime_factors`). */
function primeFactors(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  for (let p = 2; p * p <= rest; p += p === 2 ? 1 : 2) {
    for (; rest % p === 0; rest /= p) out.push(p);
  }
  return rest > 1 ? [...out, rest] : out;
}

type Scale = readonly [t: number, h: number, w: number, c: number];

/**
 * hmlp.py `plan_out_scales`: the (t, h, w, channels) scales — spatial by the patch's prime factors from
 * the largest, then temporal, channels rounded up to 64 — and the one each of the n + 1 layer boundaries
 * takes: the nearest in log size when n + 1 exceeds the scales, else the least-cost assignment of
 * distinct scales (scipy linear_sum_assignment; on a line an order-keeping one is cheapest, found by
 * dynamic programming); the first and last forced.
 */
function planScales(t: number, p: number, layers: number, channels: number): Scale[] {
  const up = (x: number) => Math.ceil(x / 64) * 64;
  const scales: Scale[] = [[1, 1, 1, channels]];
  let hw = 1;
  for (const f of primeFactors(p).reverse()) {
    hw *= f;
    scales.push([1, hw, hw, up(hw * hw * channels)]);
  }
  let tt = 1;
  for (const f of primeFactors(t).reverse()) {
    tt *= f;
    scales.push([tt, hw, hw, up(hw * hw * channels * tt)]);
  }
  const logs = scales.map(([a, b, c]) => Math.log(a * b * c));
  const ideal = Array.from({ length: layers + 1 }, (_, i) => (i * Math.log(p * p * t * channels)) / layers);
  const cost = (i: number, j: number) => Math.abs(ideal[i]! - logs[j]!);
  const picks = ideal.map((_, i) => logs.reduce((best, _l, j) => (cost(i, j) < cost(i, best) ? j : best), 0));
  if (layers < scales.length) {
    // best[i][j]: the first i boundaries on distinct scales below j, in order.
    const best = Array.from({ length: layers + 2 }, (_, i) =>
      Array<number>(scales.length + 1).fill(i ? Number.POSITIVE_INFINITY : 0),
    );
    for (let i = 1; i <= layers + 1; i++)
      for (let j = i; j <= scales.length; j++)
        best[i]![j] = Math.min(best[i]![j - 1]!, best[i - 1]![j - 1]! + cost(i - 1, j - 1));
    for (let i = layers + 1, j = scales.length; i > 0; j--) {
      if (best[i]![j] === best[i]![j - 1]) continue;
      i -= 1;
      picks[i] = j - 1;
    }
  }
  picks[0] = 0;
  picks[layers] = scales.length - 1;
  return picks.map((i) => scales[i]!);
}

/** A tower's output width (`decoder_dmodel`), which must be the text model's; null: SGLang builds none. */
function towerWidth(g: Fields, hidden: number): number | null {
  if (!g.has('decoder_dmodel')) return null;
  const width = g.positiveInt('decoder_dmodel', { max: MAX.hidden });
  if (width !== hidden) g.fail('decoder_dmodel', `(${width}) must equal the text hidden_size (${hidden})`);
  return width;
}

/** InklingVision (hmlp.py HMLPPatchEncoder): Linear layers over folded patches, RMSNorms between, a final one. */
function readVision(g: Fields, hidden: number): ModelSpec['vision'] {
  const width = towerWidth(g, hidden);
  if (width === null) return null;
  const kind = g.string('vision_encoder_type', 'hmlp');
  if (kind !== 'hmlp')
    g.fail('vision_encoder_type', `must be 'hmlp' (SGLang InklingVision asserts it), got '${kind}'`);
  const p = g.positiveInt('patch_size', { fallback: 16, max: 4096 });
  if (p < 2) g.fail('patch_size', 'must be at least 2 (hmlp.py plan_out_scales)');
  const t = g.positiveInt('temporal_patch_size', { fallback: 1, max: 4096 });
  const layers = g.positiveInt('n_layers', { fallback: 1, max: 64 });
  const channels = g.positiveInt('n_channels', { fallback: 3, max: 64 });
  const scales = planScales(t, p, layers, channels);
  let params = g.bool('use_vision_norm', false) ? width : 0;
  for (let i = 0; i < layers; i++) {
    const [a, b] = [scales[i]!, scales[i + 1]!];
    const inputs = a[3] * Math.floor(b[0] / a[0]) * Math.floor(b[1] / a[1]) * Math.floor(b[2] / a[2]);
    // linear_i (bias-free) and norm_i, the last Linear to the text width.
    params += i === layers - 1 ? inputs * width : inputs * b[3] + b[3];
  }
  const description = `hMLP patch encoder, ${layers} Linear layers over ${t}×${p}×${p} patches of ${channels} channels → ${width}`;
  return { description, params, patchSize: p, imageSize: null, flopsPerImage: null };
}

/** InklingAudio (dMel): an embedding of n_mel_bins·mel_vocab_size rows, summed per frame, and an RMSNorm. */
function readAudio(g: Fields, hidden: number): ModelSpec['audio'] {
  const width = towerWidth(g, hidden);
  if (width === null) return null;
  const mode = g.string('audio_mode', 'dmel');
  if (mode !== 'dmel') g.fail('audio_mode', `must be 'dmel' (SGLang InklingAudio asserts it), got '${mode}'`);
  const bins = g.positiveInt('n_mel_bins', { fallback: 80, max: MAX.vocab });
  const levels = g.positiveInt('mel_vocab_size', { fallback: 16, max: MAX.vocab });
  const norm = g.bool('use_audio_norm', false) ? width : 0;
  return {
    description: `dMel embedding, ${bins} bins × ${levels} levels → ${width}`,
    params: bins * levels * width + norm,
  };
}

/** The spec with its warnings: the convolutions' state per sequence and the MTP chain. */
function withWarnings(spec: ModelSpec, s: Shape, mtp: string | null): ModelSpec {
  // The four convolutions keep their last kernel − 1 inputs per sequence (SGLang mamba2_cache_params).
  const state = spec.layers.reduce((sum, l) => {
    const a = l.attention === 'sliding' ? s.local : s.global;
    return sum + (s.kernel - 1) * (2 * a.numKvHeads * a.headDim + 2 * s.h);
  }, 0);
  const conv = `${spec.modelType}: the short convolutions keep ${fmt(state)} elements per sequence (the k_sconv, v_sconv, attn_sconv and mlp_sconv windows), not in the KV cache figures`;
  const warnings = [...(s.sconv ? [conv] : []), ...(mtp ? [mtp] : [])];
  return warnings.length > 0 ? { ...spec, warnings } : spec;
}

/** `inkling_mm_model`: `text_config`, the towers, and the checkpoint's `mtp_config`. */
export const inklingMm: Family = (top, name) => {
  const text = top.child('text_config') ?? top.fail('text_config', 'is required: the Inkling text model');
  const { spec, shape } = readText(text, name);
  const mtpConfig = top.child('mtp_config');
  const keys = { layers: 'num_nextn_predict_layers', local: 'local_layer_ids', window: 'local_extent' };
  const vision = top.child('vision_config');
  const audio = top.child('audio_config');
  const towers = {
    vision: vision && readVision(vision, spec.hiddenSize),
    audio: audio && readAudio(audio, spec.hiddenSize),
  };
  return withWarnings({ ...spec, ...towers }, shape, mtpConfig && mtpWarning(mtpConfig, keys, spec, shape));
};

/** `inkling_model`: SGLang's InklingModelConfig alone; its MTP chain counted when `num_nextn_predict_layers` is given. */
export const inklingText: Family = (f, name) => {
  const { spec, shape } = readText(f, name);
  const keys = {
    layers: 'num_nextn_predict_layers',
    local: 'mtp_local_layer_ids',
    window: 'mtp_local_extent',
  };
  return withWarnings(spec, shape, mtpWarning(f, keys, spec, shape));
};
