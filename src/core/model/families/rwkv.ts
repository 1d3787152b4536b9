/**
 * RWKV-4 (`rwkv`; transformers `models/rwkv/configuration_rwkv.py`, `modeling_rwkv.py`,
 * `convert_rwkv_checkpoint_to_hf.py`: RWKV/rwkv-4-169m-pile … rwkv-raven-14b) and RWKV-7 "Goose"
 * (`rwkv7`; flash-linear-attention `fla/models/rwkv7/configuration_rwkv7.py`, `modeling_rwkv7.py`,
 * `fla/layers/rwkv7.py`, LoRA from `fla/layers/rwkv6.py`: fla-hub/rwkv7-1.5B-world, RWKV7-Goose-World3).
 * Every block is ln1 (LayerNorm h), the time mix, ln2 (LayerNorm h) and the channel mix; block 0 first
 * runs ln0 on the embeddings (`pre_ln` / `pre_norm`, read as the embedding norm); then ln_out and an
 * untied head (h → V).
 * - RwkvSelfAttention: time_mix_key/value/receptance (h each), key, value, receptance (h → A),
 *   output (A → h), time_decay and time_first (A); the WKV per channel. RwkvFeedForward:
 *   time_mix_key/receptance (h each), key (h → I), squared ReLU, value (I → h), receptance (h → h),
 *   sigmoid(receptance) × value. A = `attention_hidden_size` (h), I = `intermediate_size` (4·h).
 * - RWKV7Attention: x_r, x_w, x_k, x_v, x_a, x_g (h each), r_proj, k_proj (h → h), v_proj (h → v),
 *   o_proj (v → h), w_lora, a_lora, v_lora (not on layer 0), g_lora (h → rank → …), k_k, k_a, r_k,
 *   g_norm (GroupNorm of the heads, weight and bias); heads of `head_dim` (h / head_dim of them).
 *   RWKV7FeedForward: x_k (h), key (h → I), squared ReLU, value (I → h); I = `intermediate_size`, else
 *   h · `hidden_ratio` rounded up to 32.
 * Read as linear attention's `rwkv4` / `rwkv7` variants (mixer-specs.ts `isRwkv`): spec.mlp is the
 * channel mix's key and value; its mixes and RWKV-4's receptance count with the mixer. The state per
 * sequence is the WKV state (FP32) and two token-shift vectors per layer. Not read: fla's `attn`
 * (softmax-attention layers in a hybrid), refused; per-layer `value_dim` lists that differ, refused.
 */

import type { GatedDeltaNetSpec, LayerSpec, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import {
  baseSpec,
  type Common,
  type Family,
  readCommon,
  uniformLayers,
  withClassDefaults,
} from './readers.js';
import { mixerSplitAttention } from './xlstm.js';

/** RwkvConfig's class defaults for the keys that shape the model. */
const RWKV_DEFAULTS: Json = { vocab_size: 50_277, context_length: 1024, tie_word_embeddings: false };

/** RWKV7Config's class defaults (fla) for the keys that shape the model. */
const RWKV7_DEFAULTS: Json = {
  vocab_size: 32_000,
  hidden_size: 2048,
  num_hidden_layers: 24,
  head_dim: 64,
  hidden_ratio: 4,
  decay_low_rank_dim: 64,
  gate_low_rank_dim: 128,
  a_low_rank_dim: 64,
  v_low_rank_dim: 16,
  max_position_embeddings: 2048,
  norm_first: true,
  norm_bias: true,
  tie_word_embeddings: false,
  hidden_act: 'sqrelu',
};

/**
 * The head size of the Hub's RWKV-5 and RWKV-6 remote code (`head_size`), which must divide h into whole
 * heads; `attention_hidden_size` must be h: ln_x is GroupNorm(heads, hidden_size) over the A-wide WKV
 * output, so RwkvSelfAttention (RWKV-5) and Rwkv6SelfAttention run only with A = h.
 */
export function hubHeadSize(f: Fields, h: number): number {
  const attentionWidth = f.positiveInt('attention_hidden_size', { fallback: h, max: MAX.hidden });
  if (attentionWidth !== h)
    f.fail(
      'attention_hidden_size',
      `(${attentionWidth}) must equal hidden_size (${h}): ln_x normalises h channels`,
    );
  const headSize = f.positiveInt('head_size', { max: h });
  if (h % headSize !== 0)
    f.fail('head_size', `(${headSize}) must divide hidden_size (${h}) into whole heads`);
  return headSize;
}

/** The block around any RWKV time mix (rwkv5.ts, rwkv6.ts too): LayerNorms ln1, ln2 (ln0 on the embeddings), a squared-ReLU MLP. */
export function rwkvSpec(
  f: Fields,
  c: Common,
  linearAttention: GatedDeltaNetSpec,
  intermediateSize: number,
  layers: LayerSpec[],
  norm: ModelSpec['norm'],
): ModelSpec {
  return {
    ...baseSpec(f, c, {
      attention: mixerSplitAttention(linearAttention),
      mlp: { intermediateSize, gated: false, bias: false },
      layers,
    }),
    norm,
    linearAttention,
    activation: 'sqrelu',
  };
}

export const rwkv: Family = (top, name) => {
  const f = withClassDefaults(top, RWKV_DEFAULTS);
  const c = readCommon(f, name, {
    vocab: 'vocab_size',
    hidden: 'hidden_size',
    layers: 'num_hidden_layers',
    positions: 'context_length',
  });
  const h = c.hiddenSize;
  // The token shift and the WKV state are h wide only when A = h (every release; the class default).
  const attentionWidth = f.positiveInt('attention_hidden_size', { fallback: h, max: MAX.hidden });
  if (attentionWidth !== h)
    f.fail(
      'attention_hidden_size',
      `(${attentionWidth}) must equal hidden_size (${h}): llmecon sizes the WKV state by it`,
    );
  const linearAttention: GatedDeltaNetSpec = {
    numKeyHeads: h,
    numValueHeads: h,
    keyHeadDim: 1,
    valueHeadDim: 1,
    convKernel: 0,
    // wkv_cuda.cu scans each channel token by token.
    chunkTokens: 1,
    // RwkvModel keeps num/den/max in FP32 whatever the model's dtype.
    stateBytesPerElement: 4,
    projections: 'rwkv4',
  };
  const intermediate = f.positiveInt('intermediate_size', { fallback: 4 * h, max: MAX.intermediate });
  const norm: ModelSpec['norm'] = { kind: 'layernorm', perLayer: 2, embedding: true };
  return rwkvSpec(f, c, linearAttention, intermediate, uniformLayers(c.numLayers, 'dense', 'linear'), norm);
};

/** RWKV7Attention's heads: `head_dim` wins (h / head_dim heads), else h / `num_heads`. */
function headDim(f: Fields, h: number): number {
  const d = f.has('head_dim')
    ? f.positiveInt('head_dim', { max: h })
    : h / f.positiveInt('num_heads', { max: h });
  if (!Number.isInteger(d) || h % d !== 0)
    f.fail('head_dim', `must divide hidden_size (${h}) into whole heads`);
  return d;
}

/** `value_dim`: absent = h; one value (or the same in every layer) a multiple of h. */
function valueWidth(f: Fields, h: number, layers: number): number {
  const raw = f.raw('value_dim');
  if (raw === undefined || raw === null) return h;
  const list = Array.isArray(raw)
    ? f.intList('value_dim', MAX.hidden)
    : [f.positiveInt('value_dim', { max: MAX.hidden })];
  const width = list[0] ?? h;
  if (Array.isArray(raw) && list.length !== layers)
    f.fail('value_dim', `must list one width per layer (${layers}), got ${list.length}`);
  if (list.some((w) => w !== width))
    f.fail('value_dim', 'must be the same in every layer: llmecon reads one time mix');
  if (width < h || width % h !== 0)
    f.fail('value_dim', `(${width}) must be a multiple of hidden_size (${h})`);
  return width;
}

export const rwkv7: Family = (top, name) => {
  const f = withClassDefaults(top, RWKV7_DEFAULTS);
  if (f.has('attn'))
    f.fail('attn', 'sets hybrid softmax-attention layers, which are not read: leave it null');
  const c = readCommon(f, name);
  const h = c.hiddenSize;
  const d = headDim(f, h);
  const heads = h / d;
  const v = valueWidth(f, h, c.numLayers);
  if (v % heads !== 0) f.fail('value_dim', `(${v}) must split over the ${heads} heads`);
  const rank = (key: string) => f.positiveInt(key, { max: MAX.hidden });
  const linearAttention: GatedDeltaNetSpec = {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: d,
    valueHeadDim: v / heads,
    convKernel: 0,
    // chunk_rwkv7 → chunk_dplr_delta_rule's chunk_size.
    chunkTokens: 16,
    // fla keeps recurrent_state in FP32.
    stateBytesPerElement: 4,
    projections: 'rwkv7',
    decayRank: rank('decay_low_rank_dim'),
    learningRateRank: rank('a_low_rank_dim'),
    valueRank: rank('v_low_rank_dim'),
    gateRank: rank('gate_low_rank_dim'),
  };
  // RWKV7FeedForward: intermediate_size, else int(h · hidden_ratio) rounded up to a multiple of 32.
  const intermediate = f.has('intermediate_size')
    ? f.positiveInt('intermediate_size', { max: MAX.intermediate })
    : Math.ceil(Math.floor(h * f.positiveNumber('hidden_ratio', 1000)) / 32) * 32;
  const bias = f.bool('norm_bias', true);
  const norm: ModelSpec['norm'] = {
    kind: 'layernorm',
    perLayer: 2,
    ...(bias ? {} : { bias: false as const }),
    ...(f.bool('norm_first', true) ? { embedding: true as const } : {}),
  };
  const layers = uniformLayers(c.numLayers, 'dense', 'linear').map((l, i) =>
    i === 0 ? { ...l, valueFirst: true } : l,
  );
  return rwkvSpec(f, c, linearAttention, intermediate, layers, norm);
};
