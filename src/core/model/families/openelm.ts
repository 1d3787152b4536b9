/**
 * Apple OpenELM (`openelm`: apple/OpenELM-270M, -450M, -1_1B, -3B and their -Instruct; arXiv
 * 2404.14619), read as its Hugging Face remote code builds it (configuration_openelm.py
 * `OpenELMConfig.__post_init__`, modeling_openelm.py; mlx-lm mlx_lm/models/openelm.py alike):
 * - layer-wise scaling: layer i's query width is `make_divisible(model_dim · q_i, head_dim ·
 *   num_gqa_groups)` and its FFN width `make_divisible(f_i · model_dim, ffn_dim_divisor)`, where a
 *   `[first, last]` pair of `qkv_multipliers` / `ffn_multipliers` becomes one multiplier per layer
 *   by `round(np.linspace(first, last, layers), 2)` (numpy's rounding), a number gives every
 *   layer the same, and `ffn_multipliers` may list one per layer; KV heads are query heads //
 *   num_gqa_groups, or the stored `num_kv_heads` list (PretrainedConfig sets the kwargs after
 *   `__post_init__`);
 * - OpenELMMultiHeadCausalAttention: fused bias-free qkv_proj h → (q + 2·kv)·head_dim, q_norm and
 *   k_norm RMSNorms of head_dim (`normalize_qk_projections`), RoPE, bias-free out_proj;
 * - OpenELMFeedForwardNetwork: proj_1 h → 2·I (GLU halves, `ffn_with_glu`; else h → I) and proj_2
 *   I → h, both bias-free;
 * - attn_norm and ffn_norm RMSNorms per layer, a final norm, the head tied to token_embeddings
 *   when `share_input_output_layers` (OpenELMRMSNorm always: the code never reads
 *   `normalization_layer_name`).
 * `num_query_heads` is recomputed by `__post_init__`: a stored list that disagrees is refused.
 */
import type { GqaAttention, LayerSpec, ModelSpec } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
import { baseSpec, type Family, readCommon, withClassDefaults } from './readers.js';

/** OpenELMConfig.__init__ defaults (configuration_openelm.py). */
const OPENELM_DEFAULTS = {
  vocab_size: 32_000,
  max_context_length: 2048,
  num_transformer_layers: 12,
  model_dim: 2048,
  head_dim: 128,
  qkv_multipliers: 1.0,
  num_gqa_groups: 1,
  ffn_multipliers: 4.0,
  ffn_with_glu: true,
  ffn_dim_divisor: 256,
  activation_fn_name: 'swish',
  normalize_qk_projections: false,
  share_input_output_layers: false,
};

/** Largest multiplier read (far above any release's 4.0). */
const MAX_MULTIPLIER = 1000;

/**
 * configuration_openelm.py `make_divisible` with `min_value` = divisor: v rounded to the nearest
 * multiple of `divisor` (`int(v + divisor / 2) // divisor * divisor`), at least `divisor`, one
 * multiple more when that rounds down by over 10%.
 */
export function makeDivisible(v: number, divisor: number): number {
  const rounded = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/**
 * `round(v, 2)` on linspace's np.float64 values is numpy's rounding, not Python's: `rint(v · 100) / 100`,
 * the scaled value rounded half to even (1.445 → 1.44, 0.495 → 0.5).
 */
function round2(v: number): number {
  const scaled = v * 100;
  const nearest = Math.round(scaled);
  return (nearest - scaled === 0.5 && nearest % 2 !== 0 ? nearest - 1 : nearest) / 100;
}

/**
 * `[round(v, 2) for v in np.linspace(first, last, num=n)]`: i·step + first, the last set to `last`
 * (one layer: `first`).
 */
function roundedLinspace(first: number, last: number, n: number): number[] {
  const step = n > 1 ? (last - first) / (n - 1) : 0;
  return Array.from({ length: n }, (_, i) => round2(n > 1 && i === n - 1 ? last : i * step + first));
}

/** A multiplier: a number greater than 0 (a bound keeps widths finite). */
function isMultiplier(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_MULTIPLIER;
}

/**
 * One multiplier per layer from `key` as `__post_init__` expands it: a number for every layer
 * (unrounded), a `[first, last]` pair by rounded linspace, or (`perLayer`) one value per layer.
 */
function readMultipliers(f: Fields, key: string, n: number, perLayer: boolean): number[] {
  const value = f.raw(key);
  if (isMultiplier(value)) return Array(n).fill(value);
  const shapes = perLayer ? `a [first, last] pair or a list of ${n} (one per layer)` : 'a [first, last] pair';
  if (!Array.isArray(value) || !value.every(isMultiplier))
    return f.fail(
      key,
      `must be a number or ${shapes} of numbers greater than 0 and at most ${MAX_MULTIPLIER}, got ${shown(value ?? null)}`,
    );
  if (value.length === 2) return roundedLinspace(value[0]!, value[1]!, n);
  if (perLayer && value.length === n) return value;
  return f.fail(key, `must be a number or ${shapes}, got a list of ${value.length}`);
}

/**
 * A stored per-layer head list, null when absent. A number in `num_query_heads` is the
 * `__init__` argument `__post_init__` overwrites (null too); modeling indexes `num_kv_heads` by layer.
 */
function storedHeads(f: Fields, key: 'num_query_heads' | 'num_kv_heads', n: number): number[] | null {
  if (!f.has(key) || (key === 'num_query_heads' && !Array.isArray(f.raw(key)))) return null;
  const heads = f.intList(key, MAX.heads);
  if (heads.length !== n || heads.includes(0))
    f.fail(key, `must list ${n} head counts of at least 1 (one per layer), got ${shown(heads)}`);
  return heads;
}

interface Shape {
  readonly heads: number;
  readonly kvHeads: number;
  readonly intermediate: number;
}

/** Each layer's query heads, KV heads and FFN width (OpenELMConfig.__post_init__, OpenELMFeedForwardNetwork). */
function layerShapes(f: Fields, hidden: number, n: number, headDim: number): Shape[] {
  const groups = f.positiveInt('num_gqa_groups', { max: MAX.heads });
  const heads = readMultipliers(f, 'qkv_multipliers', n, false).map(
    (m) => makeDivisible(hidden * m, headDim * groups) / headDim,
  );
  const stored = storedHeads(f, 'num_query_heads', n);
  const differs = stored?.findIndex((q, i) => q !== heads[i]) ?? -1;
  if (differs >= 0)
    f.fail(
      'num_query_heads',
      `(${stored![differs]} at layer ${differs}) disagrees with qkv_multipliers, from which OpenELMConfig recomputes ${heads[differs]} (all: ${heads.join(', ')})`,
    );
  const kvHeads = storedHeads(f, 'num_kv_heads', n) ?? heads.map((q) => q / groups);
  const indivisible = kvHeads.findIndex((kv, i) => heads[i]! % kv !== 0);
  if (indivisible >= 0)
    f.fail(
      'num_kv_heads',
      `(${kvHeads[indivisible]} at layer ${indivisible}) must divide that layer's ${heads[indivisible]} query heads`,
    );
  const divisor = f.positiveInt('ffn_dim_divisor', { max: MAX.intermediate });
  const ffn = readMultipliers(f, 'ffn_multipliers', n, true).map((m) => makeDivisible(m * hidden, divisor));
  return heads.map((q, i) => ({ heads: q, kvHeads: kvHeads[i]!, intermediate: ffn[i]! }));
}

export const openelm: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, OPENELM_DEFAULTS);
  const c = readCommon(f, name, {
    vocab: 'vocab_size',
    hidden: 'model_dim',
    layers: 'num_transformer_layers',
    positions: 'max_context_length',
  });
  const headDim = f.positiveInt('head_dim', { max: MAX.headDim });
  const shapes = layerShapes(f, c.hiddenSize, c.numLayers, headDim);
  // The model-wide sizes: the layer with the most query heads, the widest FFN; layers that differ carry their own.
  const widest = shapes.reduce((a, b) => (b.heads > a.heads ? b : a));
  const intermediate = Math.max(...shapes.map((s) => s.intermediate));
  const attention: GqaAttention = {
    kind: 'gqa',
    numHeads: widest.heads,
    numKvHeads: widest.kvHeads,
    headDim,
    qkvBias: false,
    outputBias: false,
    qkNorm: f.bool('normalize_qk_projections', false) ? 'per-head' : 'none',
    sinks: false,
    fusedQkv: true,
  };
  const gated = f.bool('ffn_with_glu', true);
  const layers = shapes.map(
    (s): LayerSpec => ({
      attention: 'full',
      mlp: 'dense',
      ...(s.heads === widest.heads ? {} : { numHeads: s.heads }),
      ...(s.kvHeads === widest.kvHeads ? {} : { numKvHeads: s.kvHeads }),
      ...(s.intermediate === intermediate ? {} : { intermediateSize: s.intermediate }),
    }),
  );
  const tied = f.bool('share_input_output_layers', false);
  const spec = baseSpec(f, c, {
    attention,
    mlp: { intermediateSize: intermediate, gated, bias: false, ...(gated ? { fusedGateUp: true } : {}) },
    layers,
  });
  return {
    ...spec,
    tieWordEmbeddings: tied,
    activation: f.string('activation_fn_name', 'swish'),
    ...(tied
      ? {}
      : {
          warnings: [
            `openelm: with share_input_output_layers false, OpenELMModel also builds a classifier (${c.hiddenSize} → ${c.vocabSize}, ${(c.hiddenSize * c.vocabSize).toLocaleString('en-US')} parameters) that OpenELMForCausalLM never runs (its lm_head gives the logits); it is not counted`,
          ],
        }),
  };
};
