/**
 * Sarvam MoE (`sarvam_moe`, SarvamMoEForCausalLM: sarvamai/sarvam-30b). Shapes from the checkpoint's
 * remote code `modeling_sarvam_moe.py` (SarvamMoEForCausalLM, SarvamMoEModel, SarvamMoEDecoderLayer,
 * SarvamMoEAttention, SarvamMoESparseMoeBlock, SarvamMoEGate, SarvamMoEExperts, SarvamMoEMLP,
 * SarvamMoERMSNorm) and `configuration_sarvam_moe.py` (SarvamMoEConfig), checked against transformers'
 * native port (`models/sarvam_moe/modular_sarvam_moe.py`: SarvamMoeAttention(Qwen3Attention),
 * SarvamMoeTopkRouter, SarvamMoeSparseMoeBlock, SarvamMoeDecoderLayer; `configuration_sarvam_moe.py`),
 * Megatron-Bridge `models/sarvam/sarvam_moe_bridge.py` and llama.cpp's converter, which reads it as
 * Ling 2.0 (`SarvamMoEModel(BailingMoeV2Model)`: full rotary, same tensors).
 *
 * model.word_embeddings [V, h] and an untied lm_head [V, h]; model.norm. Every layer:
 * input_layernorm and post_attention_layernorm (RMSNorm h); attention.query_key_value h → (H + 2K)·d
 * (bias `use_qkv_bias`), per-head query_layernorm and key_layernorm RMSNorm(d) (`use_qk_norm`),
 * attention.dense H·d → h (bias `use_bias`); then a bias-free SwiGLU of `intermediate_size` on the
 * first `first_k_dense_replace` layers (all layers when `num_experts` is null), else the MoE block:
 * gate.weight [E, h] with gate.expert_bias [E] (always built, sigmoid scores, aux-loss-free; group-
 * limited to `topk_group` of `n_group` groups), E SwiGLU experts of `moe_intermediate_size`, and
 * shared_experts one SwiGLU of `moe_intermediate_size` × `num_shared_experts` (none when null). No MTP
 * layer, no sliding window. The larger Sarvam (`sarvam_mla`, sarvam-105b) is another family.
 */

import type { LayerMlp, ModelSpec, MoeSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import {
  decoder,
  type Family,
  HF_KEYS,
  readRoutingGroups,
  readTopK,
  unbuiltMtp,
  withClassDefaults,
} from './readers.js';

/**
 * SarvamMoEConfig `__init__` defaults (remote `configuration_sarvam_moe.py`; transformers'
 * SarvamMoeConfig has the same ones) for the keys whose absence changes the structure. The sizes and
 * `head_dim` (where the two classes disagree: 256 in the remote class, hidden / heads in transformers')
 * are required.
 */
const SARVAM_MOE_DEFAULTS: Json = {
  num_key_value_heads: 4,
  use_qkv_bias: false,
  use_bias: false,
  use_qk_norm: true,
  num_shared_experts: 1,
  n_group: 1,
  topk_group: 1,
  first_k_dense_replace: 1,
};

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * `head_dim` (SarvamMoEAttention: `config.head_dim or hidden_size // num_attention_heads`, so null
 * means hidden / heads). An absent key is refused: the remote class fills 256, transformers' class
 * hidden / heads, and the released config states it.
 */
function readHeadDim(f: Fields): number {
  if (f.raw('head_dim') === undefined) {
    f.fail(
      'head_dim',
      'is required: SarvamMoEConfig (remote code) defaults it to 256 and transformers’ SarvamMoeConfig to hidden_size / num_attention_heads',
    );
  }
  return f.has('head_dim')
    ? f.positiveInt('head_dim', { max: MAX.headDim })
    : f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
}

/**
 * SarvamMoESparseMoeBlock: E experts of `moe_intermediate_size`, top `num_experts_per_tok`; one shared
 * SwiGLU of `moe_intermediate_size` × `num_shared_experts` (`moe_shared_expert_intermediate_size` is not
 * read by the code); the gate's `expert_bias` parameter, always.
 */
function readSarvamMoe(f: Fields): MoeSpec {
  const numExperts = f.positiveInt('num_experts', { max: MAX.experts });
  const expertIntermediateSize = f.positiveInt('moe_intermediate_size', { max: MAX.intermediate });
  const topK = readTopK(f, 'num_experts_per_tok', numExperts);
  const numShared = f.int('num_shared_experts', { fallback: 0, max: MAX.experts });
  return {
    numExperts,
    topK,
    expertIntermediateSize,
    gated: true,
    expertBias: false,
    numSharedExperts: numShared > 0 ? 1 : 0,
    sharedIntermediateSize: numShared * expertIntermediateSize,
    routerBias: true,
    sharedExpertGate: false,
    routingGroups: readRoutingGroups(f, numExperts, { expertsKey: 'num_experts', topK }),
  };
}

/** SarvamMoEDecoderLayer: MoE when `num_experts` is not None and layer_idx ≥ first_k_dense_replace. */
function readLayerMlp(f: Fields): (i: number) => LayerMlp {
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const firstDense = f.int('first_k_dense_replace', { max: MAX.layers });
  if (firstDense > numLayers)
    f.fail('first_k_dense_replace', `(${firstDense}) exceeds num_hidden_layers (${numLayers})`);
  const moe = f.raw('num_experts') !== null;
  return (i) => (moe && i >= firstDense ? 'moe' : 'dense');
}

/** What the config says that SarvamMoEForCausalLM does not build or read, as warnings (none for the release). */
function notes(f: Fields, spec: ModelSpec): string[] {
  const out: string[] = [];
  const mtp = unbuiltMtp(f, spec);
  if (mtp) {
    out.push(
      `num_nextn_predict_layers (${mtp.layers}) is not counted: SarvamMoEForCausalLM builds no MTP layer and loads no MTP weights; laid out as Ling 2.0's BailingMoeV2MTPLayer (enorm, hnorm, eh_proj 2h → h, a ${spec.moe ? 'MoE' : 'dense'} decoder layer, final_layernorm) each would hold ${fmt(mtp.each)} parameters, ${fmt(mtp.layers * mtp.each)} in all`,
    );
  }
  if (spec.moe && f.has('moe_shared_expert_intermediate_size')) {
    const given = f.positiveInt('moe_shared_expert_intermediate_size', { max: MAX.intermediate });
    const built = spec.moe.sharedIntermediateSize;
    if (given !== built) {
      out.push(
        `moe_shared_expert_intermediate_size (${fmt(given)}) is ignored: SarvamMoESparseMoeBlock sizes shared_experts as moe_intermediate_size × num_shared_experts (${fmt(built)})`,
      );
    }
  }
  if (spec.moe && !f.bool('moe_router_enable_expert_bias', true)) {
    out.push(
      'moe_router_enable_expert_bias false is ignored: SarvamMoEGate always holds expert_bias (one per expert, counted)',
    );
  }
  return out.map((n) => `sarvam_moe: ${n}`);
}

/**
 * SarvamMoEForCausalLM. q/k/v bias per `use_qkv_bias`, dense's per `use_bias`; transformers' port
 * reads `attention_bias` for all four (Qwen3Attention), honoured when a config sets it.
 */
export const sarvamMoe: Family = (top, name) => {
  const f = withClassDefaults(top, SARVAM_MOE_DEFAULTS);
  const attentionBias = f.bool('attention_bias', false);
  const spec = decoder(f, name, {
    keys: HF_KEYS,
    attention: {
      qkvBias: f.bool('use_qkv_bias', false) || attentionBias,
      outputBias: f.bool('use_bias', false) || attentionBias,
      qkNorm: f.bool('use_qk_norm', true) ? 'per-head' : 'none',
      headDim: readHeadDim(f),
    },
    layerMlp: readLayerMlp(f),
  });
  const moe = spec.layers.some((l) => l.mlp === 'moe') ? readSarvamMoe(f) : null;
  const withMoe: ModelSpec = { ...spec, moe };
  const warnings = notes(f, withMoe);
  return warnings.length > 0 ? { ...withMoe, warnings } : withMoe;
};
