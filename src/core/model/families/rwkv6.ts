/**
 * RWKV-6 "Finch" (`rwkv6`; Peng et al. 2024, "Eagle and Finch", arXiv:2404.05892) in the two formats
 * that share the model_type, told apart by their keys:
 * - Hub remote code (RWKV/v6-Finch-1B6-HF, -3B-HF, -7B-HF, -14B-HF; the same files in transformers'
 *   unmerged `models/rwkv6`): `configuration_rwkv6.py` Rwkv6Config (head_size, attention_hidden_size,
 *   head_size_divisor, rescale_every, layer_norm_epsilon; its __init__ sets intermediate_size to None
 *   whatever the file says; a stray `num_attention_heads` is not read) and `modeling_rwkv6.py`
 *   Rwkv6ForCausalLM: Rwkv6Model (embeddings, blocks, ln_out) and an untied head (h → V). Rwkv6Block:
 *   pre_ln on block 0 (read as the embedding norm), ln1, ln2 (LayerNorms with bias).
 *   Rwkv6SelfAttention: time_maa_x/w/k/v/r/g (h each), time_maa_w1 (h × 5·m), time_maa_w2 (5 × m × h),
 *   time_decay (A), time_decay_w1 (h × d), time_decay_w2 (d × A), time_faaaa (heads × head_size),
 *   receptance, key, value, gate (h → A), output (A → h), ln_x (GroupNorm of the heads over h: weight
 *   and bias); m = 32 and d = 64, or 64 and 128 when hidden_size is 4096 (hard-coded, no config key).
 *   Rwkv6FeedForward: time_maa_k, time_maa_r (h each), key (h → I), receptance (h → h), value (I → h),
 *   I = int(h · 3.5 // 32 · 32).
 * - flash-linear-attention (fla-hub/rwkv6-1.6B-finch): `fla/models/rwkv6/configuration_rwkv6.py`
 *   RWKV6Config, `modeling_rwkv6.py` RWKV6Block / RWKV6FeedForward, `fla/layers/rwkv6.py`
 *   RWKV6Attention: the same tensors renamed — x_proj (LerpLinear: μ (h), h → 5·r; tanh; 5·r → h),
 *   x_bias (5·h), r_proj, k_proj (h → k), v_proj, g_proj (h → v), w_proj (LoRA h → r_g → k with bias),
 *   bonus (k), g_norm (GroupNorm, 2·v), o_proj (v → h); RWKV6FeedForward key and receptance
 *   LerpLinears (a μ of h each); pre_norm when norm_first, norms with bias when norm_bias. r =
 *   proj_low_rank_dim, r_g = gate_low_rank_dim, k = h · expand_k, v = h · expand_v, num_heads heads;
 *   I = intermediate_size, else int(h · hidden_ratio) rounded up to 32.
 * The state per sequence (Rwkv6Model `state`: attn_x, attn_kv, ffn_x; fla `conv_state`,
 * `recurrent_state`, `ffn_state`) is per layer the WKV state, heads × d_k × d_v in FP32, and the two
 * token-shift vectors of h at the model's dtype. Read as linear attention's `rwkv6` variant
 * (mixer-specs.ts `isRwkv`; rwkv.ts `rwkvSpec` around it): spec.mlp is the channel mix's key and
 * value, its mixes and receptance count with the mixer; the WKV is costed as `chunk_rwkv6` (chunks
 * of 64) and `fused_recurrent_rwkv6` (layer-kinds.ts `rwkvFlopsPerToken`). Refused: fla's `attn`
 * (softmax-attention layers in a hybrid), keys narrower or wider than h (A ≠ h, expand_k ≠ 1).
 */

import type { GatedDeltaNetSpec, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import {
  type Common,
  type Family,
  HF_KEYS,
  readCommon,
  uniformLayers,
  withClassDefaults,
} from './readers.js';
import { hubHeadSize, rwkvSpec } from './rwkv.js';

/** Rwkv6Config's class defaults for the keys that shape the model. */
const HUB_DEFAULTS: Json = { vocab_size: 65_536, hidden_size: 768, num_hidden_layers: 24, head_size: 64 };

/** fla RWKV6Config's class defaults for the keys that shape the model. */
const FLA_DEFAULTS: Json = {
  vocab_size: 32_000,
  hidden_size: 2048,
  num_hidden_layers: 24,
  expand_k: 0.5,
  expand_v: 1,
  num_heads: 4,
  proj_low_rank_dim: 32,
  gate_low_rank_dim: 64,
  max_position_embeddings: 2048,
  norm_first: true,
  norm_bias: true,
  hidden_act: 'sqrelu',
};

/** Keys only the Hub's Rwkv6Config writes, and keys only fla's RWKV6Config writes. */
const HUB_KEYS = ['head_size', 'attention_hidden_size', 'head_size_divisor', 'rescale_every'];
const FLA_KEYS = ['expand_k', 'expand_v', 'num_heads', 'proj_low_rank_dim', 'gate_low_rank_dim', 'attn_mode'];

/** fla `chunk_rwkv6` (and rwkvfla's, which the Hub code calls): chunk_size 64, chunk states in FP32. */
const CHUNK_RWKV6_TOKENS = 64;

/** One RWKV-6 time mix and channel mix, whichever format named them (keys are h wide). */
interface Finch {
  readonly heads: number;
  /** Width of the values, the gate and ln_x / g_norm (h in the Hub format). */
  readonly valueWidth: number;
  /** m: rank of the token-shift LoRA (time_maa_w1 / x_proj), one block of m per mix w, k, v, r, g. */
  readonly tokenShiftRank: number;
  /** d: rank of the decay LoRA (time_decay_w1 / w_proj). */
  readonly decayRank: number;
  readonly intermediateSize: number;
  readonly norm: ModelSpec['norm'];
  readonly activation: string;
}

/** The `rwkv6` time mix: k = h keys in heads of h / heads, values of `valueWidth`, its two LoRA ranks. */
function finchMixer(h: number, s: Finch): GatedDeltaNetSpec {
  return {
    numKeyHeads: s.heads,
    numValueHeads: s.heads,
    keyHeadDim: h / s.heads,
    valueHeadDim: s.valueWidth / s.heads,
    convKernel: 0,
    chunkTokens: CHUNK_RWKV6_TOKENS,
    // Rwkv6Model allocates attn_kv in FP32; fla keeps recurrent_state in FP32.
    stateBytesPerElement: 4,
    projections: 'rwkv6',
    decayRank: s.decayRank,
    tokenShiftRank: s.tokenShiftRank,
  };
}

function finchSpec(f: Fields, c: Common, s: Finch, warnings: string[]): ModelSpec {
  const layers = uniformLayers(c.numLayers, 'dense', 'linear');
  const spec = rwkvSpec(f, c, finchMixer(c.hiddenSize, s), s.intermediateSize, layers, s.norm);
  return { ...spec, activation: s.activation, ...(warnings.length > 0 ? { warnings } : {}) };
}

/** The Hub's Rwkv6Config / Rwkv6ForCausalLM. */
function hubFinch(top: Fields, name: string): ModelSpec {
  const f = withClassDefaults(top, HUB_DEFAULTS);
  // No positional limit: Rwkv6Config has no context key.
  const c = readCommon(f, name, { ...HF_KEYS, defaultPositions: MAX.positions });
  const h = c.hiddenSize;
  const headSize = hubHeadSize(f, h);
  // Rwkv6SelfAttention: TIME_MIX_EXTRA_DIM / TIME_DECAY_EXTRA_DIM, doubled for the 7B's (and 14B's) width.
  const wide = h === 4096;
  // Rwkv6FeedForward: int((hidden_size * 3.5) // 32 * 32), Rwkv6Config having dropped intermediate_size.
  const intermediateSize = Math.floor((h * 3.5) / 32) * 32;
  const given = f.optionalPositiveInt('intermediate_size', MAX.intermediate);
  const warnings =
    given !== null && given !== intermediateSize
      ? [
          `intermediate_size (${given}) is not used: Rwkv6Config sets it to None, so Rwkv6FeedForward's key is ${intermediateSize} wide (int(h · 3.5 // 32 · 32))`,
        ]
      : [];
  const finch: Finch = {
    heads: h / headSize,
    valueWidth: h,
    tokenShiftRank: wide ? 64 : 32,
    decayRank: wide ? 128 : 64,
    intermediateSize,
    norm: { kind: 'layernorm', perLayer: 2, embedding: true },
    activation: 'sqrelu',
  };
  return finchSpec(f, c, finch, warnings);
}

/** flash-linear-attention's RWKV6Config / RWKV6ForCausalLM. */
function flaFinch(top: Fields, name: string): ModelSpec {
  const f = withClassDefaults(top, FLA_DEFAULTS);
  if (f.has('attn'))
    f.fail('attn', 'sets hybrid softmax-attention layers, which are not read: leave it null');
  const c = readCommon(f, name);
  const h = c.hiddenSize;
  // RWKV6Attention: key_dim = int(hidden_size * expand_k), value_dim = int(hidden_size * expand_v).
  const keyWidth = Math.floor(h * f.positiveNumber('expand_k', 1000));
  if (keyWidth !== h)
    f.fail(
      'expand_k',
      `must give keys as wide as hidden_size (${h}), got ${keyWidth}: llmecon sizes the token shift and WKV keys by it`,
    );
  const valueWidth = Math.floor(h * f.positiveNumber('expand_v', 1000));
  if (valueWidth < 1 || valueWidth > MAX.hidden) f.fail('expand_v', `gives ${valueWidth} value channels`);
  const heads = f.positiveInt('num_heads', { max: MAX.heads });
  if (h % heads !== 0 || valueWidth % heads !== 0)
    f.fail(
      'num_heads',
      `(${heads}) must divide the keys (${h}) and the values (${valueWidth}) into whole heads`,
    );
  // RWKV6FeedForward: intermediate_size, else int(h · hidden_ratio) rounded up to a multiple of 32 (hidden_ratio None = 3.5).
  const ratio = f.has('hidden_ratio') ? f.positiveNumber('hidden_ratio', 1000) : 3.5;
  const intermediateSize = f.has('intermediate_size')
    ? f.positiveInt('intermediate_size', { max: MAX.intermediate })
    : Math.ceil(Math.floor(h * ratio) / 32) * 32;
  const rank = (key: string) => f.positiveInt(key, { max: MAX.hidden });
  const finch: Finch = {
    heads,
    valueWidth,
    tokenShiftRank: rank('proj_low_rank_dim'),
    decayRank: rank('gate_low_rank_dim'),
    intermediateSize,
    norm: {
      kind: 'layernorm',
      perLayer: 2,
      ...(f.bool('norm_bias', true) ? {} : { bias: false as const }),
      ...(f.bool('norm_first', true) ? { embedding: true as const } : {}),
    },
    activation: f.string('hidden_act', 'sqrelu'),
  };
  return finchSpec(f, c, finch, []);
}

export const rwkv6: Family = (f, name) => {
  const fla = FLA_KEYS.find((key) => f.has(key));
  const hub = HUB_KEYS.find((key) => f.has(key));
  if (fla !== undefined && hub !== undefined)
    f.fail(
      hub,
      `is a key of the Hub's Rwkv6Config and '${fla}' one of fla's RWKV6Config: a config is one or the other`,
    );
  return fla === undefined ? hubFinch(f, name) : flaFinch(f, name);
};
