/**
 * HGRN gated linear RNNs with flash-linear-attention-style configs:
 * - `hgrn_bit` (the MatMul-free LM: ridger/MMfreeLM-370M, -1.3B, -2.7B; HGRNBitForCausalLM), from
 *   ridgerchu/matmulfreellm (a016f72) mmfreelm/models/hgrn_bit/configuration_hgrn_bit.py (HGRNBitConfig),
 *   modeling_hgrn_bit.py (HGRNBitModel, HGRNBitBlock, HGRNBitMLP, HGRNBitForCausalLM),
 *   mmfreelm/layers/hgrn_bit.py (HGRNBitAttention), mmfreelm/ops/fusedbitnet.py (BitLinear,
 *   FusedBitLinear), mmfreelm/ops/hgrn/recurrent_fuse.py (fused_recurrent_hgrn), mmfreelm/modules
 *   (RMSNorm, FusedRMSNormSwishGate, ShortConvolution): embeddings [V, h]; lower_bounds [L, h]
 *   (use_lower_bound); per layer attn_norm and mlp_norm (RMSNorm h); i_proj, f_proj, g_proj
 *   (h → D = h·expand_ratio) and o_proj (D → h); g_norm (D); with use_short_conv, h_conv1d (h channels;
 *   share_conv_kernel) or q/f/i_conv1d (D each, q built but never run), depthwise, conv_size taps, no
 *   bias; gate_proj (h → 2·I: gate and up) and down_proj (I → h); model.norm (h); lm_head (h → V, tied
 *   per tie_word_embeddings). Every projection and lm_head is a BitLinear: an nn.Linear without bias
 *   plus `norm`, an RMSNorm of its input width.
 * - `hgrn2` (fla-hub/hgrn2-*; HGRN2ForCausalLM), from fla-org/flash-linear-attention (bc3b101)
 *   fla/models/hgrn2/configuration_hgrn2.py (HGRN2Config), modeling_hgrn2.py (HGRN2Model, HGRN2Block),
 *   fla/layers/hgrn2.py (HGRN2Attention), fla/modules/mlp.py (GatedMLP): the same model around
 *   HGRN2Attention — q_proj and f_proj (h → F = H·expand_ratio), i_proj and o_proj (h × h), g_norm
 *   (RMSNorm h, weight per elementwise_affine), with use_short_conv q/f/i_conv1d (F, F, h) — and
 *   nn.Linear projections; GatedMLP's gate_proj, up_proj (h → I) and down_proj; H = h // expand_ratio.
 * - `hgrn` (fla-hub/hgrn-*; HGRNForCausalLM), from the same fla (bc3b101) fla/models/hgrn/
 *   configuration_hgrn.py (HGRNConfig), modeling_hgrn.py (HGRNBlock, HGRNModel) and fla/layers/hgrn.py
 *   (HGRNAttention): HGRNBitAttention's design with nn.Linear projections — i_proj, f_proj, g_proj
 *   (h → D = h·expand_ratio), with use_short_conv i/f_conv1d (D each, no bias), g_norm (D, weight per
 *   elementwise_affine), o_proj (D → h) — lower_bounds [L, h], and GatedMLP.
 * I = intermediate_size, else int(h·hidden_ratio·2/3) rounded up to 256 (all three MLPs).
 *
 * Each layer's mixer is read as linear attention (mixer-specs.ts `isHgrn`): HGRNBitAttention as
 * `projections: 'hgrn'` (D channels of one state element each, the element-wise recurrence of
 * fused_recurrent_hgrn, its i/f_conv1d as the mixer's convs), HGRN2Attention as `projections: 'gla'`
 * (H heads of expand_ratio × h/H states, chunk_gla in chunks of 64). What is not the mixer is the
 * layer's `extras`: the BitLinear input norms, the layer's row of lower_bounds, HGRNBitAttention's idle
 * q_conv1d or its shared h_conv1d (which runs before the projections, so no mixer conv models it), and,
 * on the last layer, lm_head.norm. The softmax-attention hybrids of fla (`attn`) and its Attention
 * Residuals (`attnres_block_size`) are refused, as is OpenNLPLab's unrelated `hgrn2` config layout.
 */
import type { GatedDeltaNetSpec, LayerExtrasSpec, LayerSpec, MlpSpec, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { baseSpec, type Family, readCommon, withClassDefaults } from './readers.js';
import { mixerSplitAttention } from './xlstm.js';

const count = (n: number): string => n.toLocaleString('en-US');

/** HGRNBitConfig.__init__'s defaults for the keys read here. */
const HGRN_BIT_DEFAULTS: Json = {
  vocab_size: 32_000,
  hidden_size: 2048,
  num_hidden_layers: 24,
  attn_mode: 'fused_recurrent',
  num_heads: 1,
  expand_ratio: 1,
  use_short_conv: false,
  conv_size: 4,
  share_conv_kernel: true,
  use_lower_bound: true,
  hidden_act: 'swish',
  max_position_embeddings: 2048,
  tie_word_embeddings: false,
};

/** HGRNConfig.__init__'s defaults for the keys read here: HGRNBitConfig's but no heads or shared conv, with g_norm's affine. */
const HGRN_DEFAULTS: Json = {
  ...Object.fromEntries(
    Object.entries(HGRN_BIT_DEFAULTS).filter(([key]) => key !== 'num_heads' && key !== 'share_conv_kernel'),
  ),
  elementwise_affine: true,
};

/** chunk_hgrn's chunk (BT = 128), HGRNAttention's prefill in `attn_mode: chunk`. */
const HGRN_CHUNK_TOKENS = 128;

/** HGRN2Config.__init__'s defaults for the keys read here (the 1.3B shape of fla-hub/hgrn2-1.3B-100B): HGRNConfig's, chunked, F = 128. */
const HGRN2_DEFAULTS: Json = { ...HGRN_DEFAULTS, attn_mode: 'chunk', expand_ratio: 128 };

/** fla chunk_gla's chunk (chunk_size = 64), HGRN2Attention's prefill in `attn_mode: chunk`. */
const GLA_CHUNK_TOKENS = 64;

/** HGRN2Attention's modes (it asserts one of them). */
const HGRN2_MODES = ['chunk', 'fused_recurrent', 'fused_chunk'];

/**
 * HGRNBitMLP / GatedMLP width: `intermediate_size`, else int(h·hidden_ratio·2/3) rounded up to a
 * multiple of 256 (hidden_ratio None → 4).
 */
function readIntermediate(f: Fields, h: number): number {
  if (f.has('intermediate_size')) return f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const ratio = f.has('hidden_ratio') ? f.positiveNumber('hidden_ratio', 1000) : 4;
  return 256 * Math.ceil(Math.trunc((h * ratio * 2) / 3) / 256);
}

/** ShortConvolution's taps (`conv_size`) when `use_short_conv` builds the convs, else 0. */
const convTaps = (f: Fields): number =>
  f.bool('use_short_conv', false) ? f.positiveInt('conv_size', { max: MAX.other }) : 0;

/**
 * `n` linear-attention layers with a dense MLP; each carries `extras` (the last one `last`) unless
 * there are none.
 */
const hgrnLayers = (n: number, extras: LayerExtrasSpec | null, last: LayerExtrasSpec | null): LayerSpec[] =>
  Array.from({ length: n }, (_, i): LayerSpec => {
    const own = i === n - 1 ? last : extras;
    return { attention: 'linear', mlp: 'dense', ...(own ? { extras: own } : {}) };
  });

/** The spec both families share: embeddings, the mixer, two RMSNorms a layer, the final norm, a SwiGLU. */
function hgrnSpec(
  f: Fields,
  name: string,
  linearAttention: GatedDeltaNetSpec,
  mlp: MlpSpec,
  layers: LayerSpec[],
): ModelSpec {
  const c = readCommon(f, name);
  // The TP split's units: the mixer's heads (HGRN: its D channels).
  return {
    ...baseSpec(f, c, { attention: mixerSplitAttention(linearAttention), mlp, layers }),
    linearAttention,
  };
}

/**
 * fla's HGRN and HGRN2 models around their mixer: HGRNModel / HGRN2Model.lower_bounds [L, h] (one row a
 * layer, the mixer's only weight outside the attention module) and GatedMLP.
 */
function flaHgrnSpec(f: Fields, name: string, linearAttention: GatedDeltaNetSpec, h: number): ModelSpec {
  const extras: LayerExtrasSpec | null = f.bool('use_lower_bound', true)
    ? { modules: "the layer's row of model.lower_bounds", params: h, gemms: [] }
    : null;
  const layers = hgrnLayers(f.positiveInt('num_hidden_layers', { max: MAX.layers }), extras, extras);
  const mlp = { intermediateSize: readIntermediate(f, h), gated: true, bias: false };
  return hgrnSpec(f, name, linearAttention, mlp, layers);
}

/** Fails on fla's hybrid softmax layers and Attention Residuals, which this reader does not build. */
function refuseFlaExtensions(f: Fields): void {
  if (f.has('attn'))
    f.fail('attn', 'must be null: the hybrid softmax-attention layers of fla (Attention) are not read');
  if (f.has('attnres_block_size'))
    f.fail('attnres_block_size', "must be null: fla's Attention Residuals (fused_attnres) are not read");
}

/** HGRNBitForCausalLM (see the file comment). */
export const hgrnBit: Family = (top, name) => {
  const f = withClassDefaults(top, HGRN_BIT_DEFAULTS);
  const mode = f.string('attn_mode', 'fused_recurrent');
  if (mode !== 'fused_recurrent')
    f.fail('attn_mode', `must be "fused_recurrent", got "${mode}": HGRNBitAttention asserts it`);
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const heads = f.positiveInt('num_heads', { max: MAX.heads });
  if (h % heads !== 0)
    f.fail('num_heads', `(${heads}) must divide hidden_size (${h}): HGRNBitAttention asserts it`);
  // input_dim = hidden_size · expand_ratio; num_heads only reshapes it, the recurrence is per channel.
  const width = h * f.positiveInt('expand_ratio', { max: Math.floor(MAX.hidden / h) });
  const inter = readIntermediate(f, h);
  const lowerBound = f.bool('use_lower_bound', true) ? h : 0;
  const taps = convTaps(f);
  const shared = taps > 0 && f.bool('share_conv_kernel', true);
  const linearAttention: GatedDeltaNetSpec = {
    numKeyHeads: width,
    numValueHeads: width,
    keyHeadDim: 1,
    valueHeadDim: 1,
    // i_conv1d and f_conv1d (D each) are the mixer's convs; the shared h_conv1d is an extra.
    convKernel: shared ? 0 : taps,
    // fused_recurrent_hgrn scans token by token, its final state at the activations' dtype.
    chunkTokens: 1,
    stateBytesPerElement: 2,
    projections: 'hgrn',
  };
  const extras: LayerExtrasSpec = {
    modules: [
      'attn.i_proj.norm, attn.f_proj.norm, attn.g_proj.norm, attn.o_proj.norm, mlp.gate_proj.norm, mlp.down_proj.norm (the BitLinear input RMSNorms)',
      ...(shared ? ['attn.h_conv1d'] : taps > 0 ? ['attn.q_conv1d (built, never run)'] : []),
      ...(lowerBound > 0 ? ["the layer's row of model.lower_bounds"] : []),
    ].join(', '),
    // The norms of i/f/g_proj (h each), o_proj (D), gate_proj (h), down_proj (I); h_conv1d or q_conv1d.
    params: 3 * h + width + h + inter + (shared ? h : width) * taps + lowerBound,
    ...(taps > 0 && !shared ? { idleParams: width * taps } : {}),
    // The shared conv as taps (a depthwise conv: n = channels, k = taps), run whole on every TP rank.
    gemms: shared ? [{ name: 'attn.h_conv1d', n: h, k: taps }] : [],
  };
  const last = { ...extras, modules: `${extras.modules}, lm_head.norm`, params: extras.params + h };
  const layers = hgrnLayers(f.positiveInt('num_hidden_layers', { max: MAX.layers }), extras, last);
  // HGRNBitMLP: gate_proj emits gate and up (chunk(2)), down_proj; swiglu whatever hidden_act says.
  const mlp = { intermediateSize: inter, gated: true, bias: false, fusedGateUp: true };
  const spec = hgrnSpec(f, name, linearAttention, mlp, layers);
  const n = spec.numLayers;
  // BitLinear weight matrices (four mixer projections, gate_proj, down_proj a layer; lm_head) and their norms.
  const matrices = n * (4 * h * width + 3 * h * inter) + spec.vocabSize * h;
  const norms = n * (3 * h + width + h + inter) + h;
  return {
    ...spec,
    warnings: [
      `hgrn_bit: every projection, the MLP and lm_head are BitLinear (FusedBitLinear): an RMSNorm of the input width (${count(norms)} weights in all, counted) and a matmul of ternary weights {−1, 0, 1} (one absmean scale a matrix) with 8-bit absmax activations; the checkpoint stores the ${count(matrices)} weights as full matrices and they are counted as such, while FLOPs, kernel times and weight bytes are priced at the precision asked, not at ternary × INT8`,
      ...(shared
        ? [
            `hgrn_bit: share_conv_kernel's h_conv1d (${h} channels, ${taps} taps) convolves the layer's input before i_proj, f_proj and g_proj, which the mixer's convs (over i and f) cannot hold: it is counted and run as the layer's extras (whole on every tensor-parallel rank), and its window — ${count((taps - 1) * h)} elements a layer, ${count(2 * n * (taps - 1) * h)} bytes per sequence in BF16 — is not in the recurrent-state figures`,
          ]
        : []),
    ],
  };
};

/** HGRNForCausalLM of fla (see the file comment). */
export const hgrn: Family = (top, name) => {
  const f = withClassDefaults(top, HGRN_DEFAULTS);
  refuseFlaExtensions(f);
  const mode = f.string('attn_mode', 'fused_recurrent');
  if (mode !== 'chunk' && mode !== 'fused_recurrent')
    f.fail('attn_mode', `must be "chunk" or "fused_recurrent", got "${mode}": HGRNAttention asserts it`);
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  // input_dim = int(hidden_size · expand_ratio): the recurrence is per channel.
  const width = h * f.positiveInt('expand_ratio', { max: Math.floor(MAX.hidden / h) });
  const linearAttention: GatedDeltaNetSpec = {
    numKeyHeads: width,
    numValueHeads: width,
    keyHeadDim: 1,
    valueHeadDim: 1,
    convKernel: convTaps(f),
    // chunk_hgrn in chunks of 128, or fused_recurrent_hgrn token by token (a decode step's path either way).
    chunkTokens: mode === 'chunk' ? HGRN_CHUNK_TOKENS : 1,
    // The decode path (fused_recurrent_hgrn) keeps the state at the activations' dtype.
    stateBytesPerElement: 2,
    projections: 'hgrn',
    ...(f.bool('elementwise_affine', true) ? {} : { outputNormWeight: false }),
  };
  return flaHgrnSpec(f, name, linearAttention, h);
};

/** HGRN2Attention's heads: H = hidden_size // expand_ratio (expand_ratio None: hidden_size // num_heads). */
function readHgrn2Heads(f: Fields, h: number): { readonly heads: number; readonly keyDim: number } {
  if (!f.has('expand_ratio') && !f.has('num_heads'))
    f.fail('expand_ratio', 'or num_heads must be set: HGRN2Config raises without both');
  const keyDim = f.has('expand_ratio')
    ? f.positiveInt('expand_ratio', { max: h })
    : Math.floor(h / f.positiveInt('num_heads', { max: h }));
  const heads = Math.floor(h / keyDim);
  if (h % heads !== 0) {
    f.fail(
      'expand_ratio',
      `(${keyDim}) must leave hidden_size (${h}) divisible by hidden_size // expand_ratio (${heads} heads): HGRN2Attention asserts it`,
    );
  }
  return { heads, keyDim };
}

/** HGRN2ForCausalLM of fla (see the file comment). */
export const hgrn2: Family = (top, name) => {
  if (top.has('decoder_embed_dim'))
    top.fail(
      'decoder_embed_dim',
      "is OpenNLPLab's Hgrn2Config (decoder_embed_dim, decoder_layers), another architecture under the same model_type: only fla's HGRN2Config (hidden_size, num_hidden_layers) is read",
    );
  const f = withClassDefaults(top, HGRN2_DEFAULTS);
  refuseFlaExtensions(f);
  const mode = f.string('attn_mode', 'chunk');
  if (!HGRN2_MODES.includes(mode))
    f.fail('attn_mode', `must be one of ${HGRN2_MODES.join(', ')}, got "${mode}": HGRN2Attention asserts it`);
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const { heads, keyDim } = readHgrn2Heads(f, h);
  const linearAttention: GatedDeltaNetSpec = {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: keyDim,
    valueHeadDim: h / heads,
    // q_conv1d, f_conv1d (F each) and i_conv1d (h): the mixer's 2·k + v conv channels.
    convKernel: convTaps(f),
    chunkTokens: GLA_CHUNK_TOKENS,
    // chunk_gla / fused_recurrent_gla return the final state in FP32.
    stateBytesPerElement: 4,
    projections: 'gla',
    ...(f.bool('elementwise_affine', true) ? {} : { outputNormWeight: false }),
  };
  const spec = flaHgrnSpec(f, name, linearAttention, h);
  if (mode === 'chunk') return spec;
  return {
    ...spec,
    warnings: [
      `hgrn2: attn_mode "${mode}" runs a prefill through ${mode === 'fused_recurrent' ? 'fused_recurrent_gla, token by token' : 'fused_chunk_gla'}; it is priced as chunk_gla in chunks of ${GLA_CHUNK_TOKENS} (the parameters, state and decode are the same)`,
    ],
  };
};
