/**
 * Hymba (`hymba`: nvidia/Hymba-1.5B-Base and -Instruct), hybrid-head layers: attention heads and a
 * Mamba-1 scan run side by side on the same input in every layer. Shapes from the Hub remote code
 * `modeling_hymba.py` and `configuration_hymba.py` (stored copies of nvidia/Hymba-1.5B-Base):
 * - HymbaBlock: one fused in_proj (h → q h, k and v of kv/heads·h and kv/heads·e·h, x and z of e·h each;
 *   no k/v parts on a layer that reuses another's KV; bias per `mamba_proj_bias`), attention without
 *   projections of its own (q/k head_dim h / heads, values of e·h / heads: `config.v_head_dim` is
 *   overwritten), RoPE; the Mamba-1 branch: depthwise conv1d over x, x_proj, dt_proj, A_log, D, RMSNorms on
 *   Δ, B, C (`mamba_inner_layernorms`); then (pre_avg_layernorm1(attn) + pre_avg_layernorm2(ssm)) / 2, both
 *   RMSNorms of e·h, and one out_proj (e·h → h). e = `mamba_expand`.
 * - HymbaDecoderLayer: input_layernorm → HymbaBlock → residual; pre_moe_layernorm → a SwiGLU MLP of
 *   `intermediate_size` (HymbaModel builds num_experts = 1 whatever the config says) → residual.
 * - Attention: full on `global_attn_idx`, a `sliding_window` elsewhere (only when both are given); the
 *   `num_memory_tokens` learned meta tokens (an nn.Parameter of tokens × h) are prepended to the prompt
 *   and stay visible to every sliding layer, whose cache keeps them beside the window.
 * - KV reuse (`kv_reuse_group`: the first layer of a group produces keys and values, the rest read them;
 *   or `kv_reuse_every_i_layer`): a consumer has no k/v projections and no cache of its own.
 * Read as two blocks per layer, as Falcon-H1: attention (GQA with valueHeadDim e·h / heads, whose o_proj
 * is the shared out_proj), then Mamba-1 without an out_proj of its own (`outputProjection: false`) + MLP;
 * the same parameters, FLOPs, KV and state, the two branches timed one after the other.
 */
import type { GqaAttention, LayerSpec, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { JAMBA_KEYS, readMamba1 } from './mamba.js';
import {
  baseSpec,
  type Family,
  readCommon,
  readGatedMlp,
  readKvHeads,
  withClassDefaults,
} from './readers.js';

/** HymbaConfig's class defaults (configuration_hymba.py, with the keys it pops from kwargs). */
const HYMBA_DEFAULTS: Json = {
  vocab_size: 65_536,
  tie_word_embeddings: false,
  hidden_size: 4096,
  intermediate_size: 14_336,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  max_position_embeddings: 262_144,
  mamba_d_state: 16,
  mamba_d_conv: 4,
  mamba_expand: 2,
  mamba_conv_bias: true,
  mamba_proj_bias: false,
  mamba_inner_layernorms: true,
  kv_reuse_every_i_layer: -1,
  num_memory_tokens: 0,
  memory_tokens_interspersed_every: 0,
  attn_hidden_size: -1,
  kq_head_dim: -1,
};

const count = (n: number): string => n.toLocaleString('en-US');

/** A count where -1 (or absent) means "off", as HymbaConfig writes `attn_hidden_size`, `kq_head_dim` and `kv_reuse_every_i_layer`. */
function countOrOff(f: Fields, key: string, max: number): number | null {
  const value = f.raw(key);
  return value === undefined || value === null || value === -1 ? null : f.int(key, { max });
}

/** The layers whose attention reads another layer's keys and values (no k/v of their own). */
function kvConsumers(f: Fields, n: number): Set<number> {
  const groups = f.raw('kv_reuse_group');
  if (groups !== undefined && groups !== null) {
    const valid =
      Array.isArray(groups) &&
      groups.every(
        (g) =>
          Array.isArray(g) &&
          g.length > 0 &&
          g.every((i) => Number.isInteger(i) && (i as number) >= 0 && (i as number) < n),
      );
    if (!valid)
      f.fail(
        'kv_reuse_group',
        `must be a list of layer groups, each a non-empty list of layer indices from 0 to ${n - 1} (the first produces the keys and values, the rest reuse them)`,
      );
    return new Set((groups as number[][]).flatMap((g) => g.slice(1)));
  }
  const every = countOrOff(f, 'kv_reuse_every_i_layer', MAX.layers);
  if (every === null || every === 0) return new Set();
  return new Set(Array.from({ length: n }, (_, i) => i).filter((i) => i % every !== 0));
}

/** Query heads over h, GQA keys, values of e·h / heads; projections biased per mamba_proj_bias. */
function readAttention(f: Fields, hidden: number, expand: number): GqaAttention {
  const numHeads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const headDim = f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  for (const [key, want] of [
    ['attn_hidden_size', hidden],
    ['kq_head_dim', headDim],
  ] as const) {
    const value = countOrOff(f, key, MAX.hidden);
    if (value !== null && value !== want)
      f.fail(
        key,
        `(${value}) must be -1 or ${want}: HymbaBlock sizes the fused in_proj from hidden_size, so other widths do not fit its attention`,
      );
  }
  // mamba_expand is a whole number, so e·h divides by the heads as h does.
  const valueWidth = expand * hidden;
  const kqNorm = f.raw('kq_norm');
  if (kqNorm !== undefined && kqNorm !== null && !['none', 'rms', 'perhead-rms'].includes(kqNorm as string))
    f.fail('kq_norm', `must be "none", "rms" or "perhead-rms", got ${shown(kqNorm)}`);
  const bias = f.bool('mamba_proj_bias', false);
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads: readKvHeads(f, numHeads),
    headDim,
    valueHeadDim: valueWidth / numHeads,
    qkvBias: bias,
    outputBias: bias,
    // HymbaRMSNorm(kq_head_dim) shared by the heads; PerheadHymbaRMSNorm: a weight per head.
    qkNorm: kqNorm === 'rms' ? 'per-head' : kqNorm === 'perhead-rms' ? 'full' : 'none',
    sinks: false,
    fusedQkv: true,
  };
}

export const hymba: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, HYMBA_DEFAULTS);
  if (f.bool('kv_weight_reuse', false))
    f.fail(
      'kv_weight_reuse',
      'is true: Hymba layers sharing k/v projection weights are not modelled; give a model spec (docs/model-spec.md)',
    );
  if (f.int('memory_tokens_interspersed_every', { fallback: 0, max: MAX.positions }) > 0)
    f.fail(
      'memory_tokens_interspersed_every',
      'is set: meta tokens interspersed through the sequence are not modelled; give a model spec (docs/model-spec.md)',
    );
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers / 2 });
  const common = readCommon(f.with({ num_hidden_layers: 2 * n }), name);
  const h = common.hiddenSize;
  const mamba = {
    ...readMamba1(f, h, JAMBA_KEYS, f.bool('mamba_inner_layernorms', true)),
    outputProjection: false,
  };
  const expand = mamba.numHeads / h;
  const attention = readAttention(f, h, expand);
  const consumers = kvConsumers(f, n);

  const window = f.optionalPositiveInt('sliding_window', MAX.positions);
  const globals = f.intList('global_attn_idx', MAX.layers);
  const slides =
    window !== null && f.raw('global_attn_idx') !== undefined && f.raw('global_attn_idx') !== null;
  const metaTokens = f.int('num_memory_tokens', { fallback: 0, max: MAX.positions });
  // HymbaDecoderLayer builds the MLP only when intermediate_size > 0.
  const withMlp = (countOrOff(f, 'intermediate_size', MAX.intermediate) ?? 0) > 0;

  const layers: LayerSpec[] = [];
  for (let i = 0; i < n; i++) {
    layers.push({
      attention: slides && !globals.includes(i) ? 'sliding' : 'full',
      mlp: 'none',
      ...(consumers.has(i) ? { kvShared: true } : {}),
    });
    // pre_avg_layernorm2 (e·h) and pre_moe_layernorm (h) when there is an MLP.
    layers.push({ attention: 'mamba', mlp: withMlp ? 'dense' : 'none', norms: expand + (withMlp ? 1 : 0) });
  }
  const owners = n - consumers.size;
  const spec: ModelSpec = {
    ...baseSpec(f, common, {
      attention,
      // Without an MLP (intermediate_size ≤ 0) no layer uses it: width 0, as readUnusedMlp gives.
      mlp: withMlp ? readGatedMlp(f) : { intermediateSize: 0, gated: true, bias: false },
      layers,
    }),
    // input_layernorm (h) and pre_avg_layernorm1 (e·h) on the attention block.
    norm: { kind: 'rmsnorm', perLayer: 1 + expand },
    // The meta tokens stay in every sliding layer's window (their cache keeps them beside the last tokens).
    slidingWindow: slides ? window! + metaTokens : null,
    stateSpace: mamba,
    ...(metaTokens > 0 ? { lookupTableParams: metaTokens * h } : {}),
  };
  return {
    ...spec,
    warnings: [
      `hymba: each of the ${n} layers runs attention and Mamba-1 in parallel, read as ${2 * n} blocks (attention, whose o_proj is the shared out_proj; Mamba-1 + MLP) — same parameters, FLOPs, KV and state, the two branches timed one after the other; ${owners} layers hold keys and values, ${consumers.size} reuse another's (kv_reuse_group)`,
      ...(metaTokens > 0
        ? [
            `hymba: the ${metaTokens} meta tokens (${count(metaTokens * h)} parameters, counted as a lookup table) are prepended to every prompt — prefill runs ${metaTokens} more positions than the prompt, not added here${slides ? `; sliding layers keep them beside the window, read as ${window! + metaTokens} tokens` : ''}`,
          ]
        : []),
    ],
  };
};
