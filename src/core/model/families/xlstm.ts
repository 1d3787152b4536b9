/**
 * xLSTM-7B (`xlstm`, NX-AI/xLSTM-7b; transformers `models/xlstm/configuration_xlstm.py` and
 * `modeling_xlstm.py`, the native twins of NX-AI's `xlstm.xlstm_large.model`). Every block
 * (xLSTMBlock) is norm_mlstm (RMSNorm h), an mLSTM layer, norm_ffn (RMSNorm h) and a feed-forward:
 * - xLSTMLayer: query and key (h → qk = ⌊h · `qk_dim_factor`⌋), value and ogate_preact
 *   (h → v = ⌊h · `v_dim_factor`⌋), igate_preact and fgate_preact (h → heads, with bias); per head a
 *   matrix memory C (qk/heads × v/heads), a normaliser n (qk/heads) and a stabiliser m, updated with
 *   the exponential input gate and sigmoid forget gate (chunkwise in blocks of `chunk_size`, the
 *   recurrence at decode); multihead_norm (a per-head LayerNorm with a weight of v), sigmoid(ogate) ×
 *   the normed output, out_proj (v → h). `weight_mode` "fused" joins q, k, v, ogate into qkv_opreact
 *   and the two gates into ifgate_preact: the same parameters.
 * - xLSTMFeedForward: proj_up_gate and proj_up (h → I), SiLU(gate) × up, proj_down (I → h); I is
 *   h · `ffn_proj_factor` rounded up to `ffn_round_up_to_multiple_of` (round_up_to_next_multiple_of);
 *   "fused" joins gate and up into proj_up_gate_z.
 * Then out_norm (RMSNorm h; xLSTMModel builds it whatever `add_out_norm` says), and lm_head (h → V,
 * tied per `tie_word_embeddings`). Biases follow `use_bias` (false in the release). There is no
 * positional limit and no KV cache.
 *
 * The mLSTM is read as such (`projections: 'mlstm'`): every module above is counted, its chunkwise and
 * step FLOPs are the mLSTM cell's (layer-kinds.ts `mlstmFlopsPerToken`), and its state is C, n and m
 * per head at `inference_state_dtype`. `use_bias` also puts a bias on norm_mlstm and norm_ffn
 * (xLSTMRMSNorm), which llmecon's norms cannot carry, so it is refused.
 */

import type { GatedDeltaNetSpec, GqaAttention } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { baseSpec, type Family, HF_KEYS, readCommon, uniformLayers, withClassDefaults } from './readers.js';

/** xLSTMConfig's class defaults for the keys that shape the model (the xLSTM-7B release's values). */
const XLSTM_DEFAULTS: Json = {
  vocab_size: 50_304,
  num_heads: 8,
  use_bias: false,
  tie_word_embeddings: false,
  qk_dim_factor: 0.5,
  v_dim_factor: 1.0,
  chunk_size: 64,
  inference_state_dtype: 'float32',
  ffn_proj_factor: 2.667,
  ffn_round_up_to_multiple_of: 64,
  weight_mode: 'single',
};

/**
 * A size xLSTMConfig takes under two names (`hidden_size` / `embedding_dim`, `num_hidden_layers` /
 * `num_blocks`): whichever is set, else the class default; both set, they must agree (transformers
 * sizes the embedding by embedding_dim and the blocks by hidden_size, and builds num_blocks blocks
 * but a cache of num_hidden_layers).
 */
function aliased(f: Fields, key: string, alias: string, fallback: number, max: number): number {
  const value = f.positiveInt(key, { fallback: f.positiveInt(alias, { fallback, max }), max });
  if (f.has(alias) && f.positiveInt(alias, { max }) !== value)
    f.fail(alias, `(${f.raw(alias)}) must equal ${key} (${value}): xLSTMModel uses both`);
  return value;
}

/** xLSTMLayer's `int(hidden_size * factor)`, split over the heads by a reshape: it must divide. */
function headWidth(f: Fields, factorKey: string, hidden: number, heads: number): number {
  const width = Math.floor(hidden * f.positiveNumber(factorKey, 64));
  if (width === 0 || width % heads !== 0)
    f.fail(factorKey, `× hidden_size (${hidden}) gives ${width}, which num_heads (${heads}) must divide`);
  return width / heads;
}

/** round_up_to_next_multiple_of(h · ffn_proj_factor, ffn_round_up_to_multiple_of), as Python's `//` does it. */
function ffnWidth(f: Fields, hidden: number): number {
  const multiple = f.positiveInt('ffn_round_up_to_multiple_of', { max: MAX.intermediate });
  const width =
    Math.floor((hidden * f.positiveNumber('ffn_proj_factor', 1000) + multiple - 1) / multiple) * multiple;
  if (width === 0 || width > MAX.intermediate)
    f.fail('ffn_proj_factor', `× hidden_size (${hidden}) gives a feed-forward of ${width}`);
  return width;
}

/** The mLSTM: heads of qk/heads keys and v/heads values; C, n and m in the state. */
function readMlstm(f: Fields, hidden: number, heads: number, fused: boolean): GatedDeltaNetSpec {
  const dtype = f.string('inference_state_dtype', 'float32');
  if (dtype !== 'float32' && dtype !== 'bfloat16' && dtype !== 'float16')
    f.fail('inference_state_dtype', `must be float32, bfloat16 or float16, got '${dtype}'`);
  return {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: headWidth(f, 'qk_dim_factor', hidden, heads),
    valueHeadDim: headWidth(f, 'v_dim_factor', hidden, heads),
    convKernel: 0,
    chunkTokens: f.positiveInt('chunk_size', { max: MAX.positions }),
    // The step and sequence kernels keep C, n, m at inference_state_dtype (float32 in the release).
    stateBytesPerElement: dtype === 'float32' ? 4 : 2,
    projections: 'mlstm',
    ...(fused ? { fusedProjections: true } : {}),
  };
}

/**
 * The attention of a model where no layer attends (xLSTM's mLSTM, RWKV's time mix): its heads are what
 * tensor parallelism splits in the mixer.
 */
export function mixerSplitAttention(g: GatedDeltaNetSpec): GqaAttention {
  return {
    kind: 'gqa',
    numHeads: g.numValueHeads,
    numKvHeads: g.numValueHeads,
    headDim: g.valueHeadDim,
    qkvBias: false,
    outputBias: false,
    qkNorm: 'none',
    sinks: false,
  };
}

export const xlstm: Family = (top, name) => {
  const base = withClassDefaults(top, XLSTM_DEFAULTS);
  if (base.bool('use_bias', false))
    base.fail(
      'use_bias',
      'must be false: it puts a bias on the RMSNorms norm_mlstm and norm_ffn, which llmecon cannot count',
    );
  const weightMode = base.string('weight_mode', 'single');
  if (weightMode !== 'single' && weightMode !== 'fused')
    base.fail('weight_mode', `must be "single" or "fused", got "${weightMode}"`);
  const f = base.with({
    hidden_size: aliased(base, 'hidden_size', 'embedding_dim', 4096, MAX.hidden),
    num_hidden_layers: aliased(base, 'num_blocks', 'num_hidden_layers', 32, MAX.layers),
  });
  const c = readCommon(f, name, { ...HF_KEYS, defaultPositions: MAX.positions });
  const heads = f.positiveInt('num_heads', { max: MAX.heads });
  const linearAttention = readMlstm(f, c.hiddenSize, heads, weightMode === 'fused');
  return {
    ...baseSpec(f, c, {
      attention: mixerSplitAttention(linearAttention),
      mlp: {
        intermediateSize: ffnWidth(f, c.hiddenSize),
        gated: true,
        bias: false,
        ...(weightMode === 'fused' ? { fusedGateUp: true } : {}),
      },
      layers: uniformLayers(c.numLayers, 'dense', 'linear'),
    }),
    linearAttention,
  };
};
