/**
 * Tencent Hy4 (`hy_v4`, tencent/Hy4-preview; transformers `models/hy_v4/configuration_hy_v4.py`,
 * `modular_hy_v4.py`, `modeling_hy_v4.py`), the modules HYV4ForCausalLM builds:
 * - HYV4Attention, gated MLA with a learned sink: q_a_proj (h → `q_lora_rank`), q_a_layernorm,
 *   q_b_proj (→ heads·(qk_nope + qk_rope)), kv_a_proj_with_mqa (h → `kv_lora_rank` + qk_rope),
 *   kv_a_layernorm, kv_b_proj (→ heads·(qk_nope + `v_head_dim`)), o_proj, gate_proj (h →
 *   heads·v_head_dim, a sigmoid gate per element) and sinks (one logit per head); no biases.
 * - HYV4Indexer (DSA) on the layers `indexer_types` marks `full` (by default layer 0, then every 4th
 *   from layer 1): wq_b (q latent → index_n_heads·index_head_dim), wk (h → index_head_dim), k_norm
 *   LayerNorm with bias, weights_proj (h → index_n_heads). A `shared` layer has none: it attends to
 *   the previous full layer's top-`index_topk` keys.
 * - Per `mlp_layer_types` (default: the first layer dense): HYV4MLP, a SwiGLU of `intermediate_size`,
 *   or HYV4MoE — HYV4TopkRouter (weight E × h, e_score_correction_bias, sigmoid, n_group routing),
 *   HYV4Experts (gate_up_proj [E, 2I, h], down_proj [E, h, I], I = `moe_intermediate_size`) and
 *   shared_experts, one HYV4MLP of I · `n_shared_experts`.
 * - input_layernorm and post_attention_layernorm; HYV4HyperConnection attn_hc and ffn_hc (iHC over
 *   `hc_mult` streams: fn 2n × n·h, base 2n, scale 2); HYV4HyperHead hc_head (hc_fn n × n·h, hc_base
 *   n, hc_scale 1), the final norm and an untied lm_head.
 * Read as: MLA with `outputGate` and `sinks`, every layer `sparse`, the `shared` ones `indexerShared`
 * (no indexer weights, keys or operations), and `hyperConnections` of kind `ihc`.
 * The first port (gated_mla, gating_type, learnable_sink, enable_ihc switches) was folded into these
 * always-built modules; a config turning one off is refused. Missing keys take HYV4Config's defaults.
 *
 * Not counted, said in a warning: the checkpoint's MTP layer (`model.mtp_layers`), which transformers
 * drops on load.
 */
import { plural } from '../../format.js';
import type { LayerMlp } from '../spec.js';
import { deepseekMoeKeys, readIndexer, readMla, withSharedIndexers } from './deepseek.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, readMlpLayerTypes, withClassDefaults } from './readers.js';

/** HYV4Config's defaults for the keys read here. */
const HY_V4_DEFAULTS = {
  vocab_size: 120_832,
  hidden_size: 2816,
  intermediate_size: 6912,
  moe_intermediate_size: 768,
  num_hidden_layers: 34,
  num_attention_heads: 32,
  hidden_act: 'silu',
  max_position_embeddings: 262_144,
  tie_word_embeddings: false,
  attention_bias: false,
  n_routed_experts: 256,
  n_shared_experts: 1,
  num_experts_per_tok: 8,
  n_group: 1,
  topk_group: 1,
  q_lora_rank: 1536,
  kv_lora_rank: 512,
  qk_nope_head_dim: 192,
  qk_rope_head_dim: 64,
  v_head_dim: 256,
  index_topk: 2048,
  index_head_dim: 128,
  index_n_heads: 16,
  hc_mult: 4,
};

/** `mlp_layer_types`, else HYV4Config's default: the first layer dense, the rest MoE. */
function readMlpKinds(f: Fields, n: number): LayerMlp[] {
  return readMlpLayerTypes(f, n) ?? Array.from({ length: n }, (_, i) => (i < 1 ? 'dense' : 'moe'));
}

/** Whether each layer holds its own indexer: `indexer_types`, else full on layer 0 and when (i − 1) % 4 == 0. */
function readOwnIndexer(f: Fields, n: number): boolean[] {
  const types = f.enumList('indexer_types', n, ['full', 'shared'] as const);
  if (types) return types.map((t) => t === 'full');
  return Array.from({ length: n }, (_, i) => i === 0 || (i - 1) % 4 === 0);
}

/** The first port's switches, now always on: a config turning one off describes modules transformers builds anyway. */
function refuseDisabledModules(f: Fields): void {
  for (const key of ['gated_mla', 'learnable_sink', 'enable_ihc']) {
    if (!f.bool(key, true)) f.fail(key, 'false is not supported: HYV4ForCausalLM always builds the module');
  }
  const gating = f.string('gating_type', 'elementwise');
  if (gating !== 'elementwise')
    f.fail('gating_type', `'${gating}' is not supported: HYV4Attention's gate_proj gates each element`);
  if (f.bool('attention_bias', false))
    f.fail('attention_bias', 'true is not supported (q_a_proj, kv_a_proj_with_mqa and o_proj biases)');
}

export const hyV4: Family = (raw, name) => {
  const f = withClassDefaults(raw, HY_V4_DEFAULTS);
  refuseDisabledModules(f);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mlpKinds = readMlpKinds(f, n);
  const ownIndexer = readOwnIndexer(f, n);
  const mla = readMla(f);
  if (mla.qLoraRank === null)
    f.fail('q_lora_rank', 'is required (HYV4Attention and its indexer read the q latent)');
  const spec = decoder(f, name, {
    attention: () => ({ ...mla, outputGate: true, sinks: true }),
    mlp: readGatedMlp(f),
    layout: () => ({ window: null, kinds: Array(n).fill('sparse') }),
    layerMlp: (i) => mlpKinds[i]!,
    moe: deepseekMoeKeys(f, true),
  });
  const streams = f.positiveInt('hc_mult', { max: 64 });
  const mtp = f.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers });
  const warnings =
    mtp > 0
      ? [
          `the checkpoint's ${plural(mtp, 'MTP layer')} (num_nextn_predict_layers, model.mtp_layers) ${mtp === 1 ? 'is' : 'are'} not counted: transformers drops ${mtp === 1 ? 'it' : 'them'} on load`,
        ]
      : [];
  return {
    ...spec,
    layers: withSharedIndexers(f, spec.layers, ownIndexer, 'indexer_types'),
    sparseAttention: readIndexer(f),
    moe: spec.moe && { ...spec.moe, fusedGateUp: true },
    hyperConnections: { streams, kind: 'ihc' },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
};
