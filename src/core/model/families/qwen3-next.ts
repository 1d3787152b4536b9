/**
 * Qwen3-Next and Qwen3.5 (dense and MoE): Gated DeltaNet linear attention on most layers, gated
 * full attention (output gate, per-head q/k norms, head_dim 256) every `full_attention_interval`
 * layers, MoE with a gated shared expert, and MTP (transformers `models/qwen3_next/modeling_qwen3_next.py`,
 * `models/qwen3_5/modular_qwen3_5.py`, `models/qwen3_5_moe/`).
 */
import type { GatedDeltaNetSpec, LayerMixer } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { readQwenSparseLayers } from './qwen3.js';
import { decoder, type Family, readLayerTypes, readStateDtypeBytes } from './readers.js';

/** fla's `chunk_gated_delta_rule` chunk length (the chunked WY form used in training and prefill). */
const GATED_DELTA_NET_CHUNK_TOKENS = 64;

export function readGatedDeltaNet(f: Fields, projections: 'fused' | 'split' = 'fused'): GatedDeltaNetSpec {
  const numKeyHeads = f.positiveInt('linear_num_key_heads', { max: MAX.heads });
  const numValueHeads = f.positiveInt('linear_num_value_heads', { max: MAX.heads });
  if (numValueHeads % numKeyHeads !== 0) {
    f.fail(
      'linear_num_value_heads',
      `(${numValueHeads}) must be a multiple of linear_num_key_heads (${numKeyHeads})`,
    );
  }
  return {
    numKeyHeads,
    numValueHeads,
    keyHeadDim: f.positiveInt('linear_key_head_dim', { max: MAX.headDim }),
    valueHeadDim: f.positiveInt('linear_value_head_dim', { max: MAX.headDim }),
    convKernel: f.positiveInt('linear_conv_kernel_dim', { fallback: 4, max: 1024 }),
    chunkTokens: GATED_DELTA_NET_CHUNK_TOKENS,
    stateBytesPerElement: readStateDtypeBytes(f, 'mamba_ssm_dtype'),
    projections,
  };
}

/** `layer_types` (linear/full), else full attention on every `full_attention_interval`-th layer. */
function readHybridMixers(f: Fields, numLayers: number): LayerMixer[] {
  const types = readLayerTypes(f, numLayers, ['linear_attention', 'full_attention']);
  if (types) return types;
  const interval = f.positiveInt('full_attention_interval', { fallback: 4, max: MAX.layers });
  return Array.from({ length: numLayers }, (_, i) => ((i + 1) % interval === 0 ? 'full' : 'linear'));
}

/**
 * Qwen3-Next fuses the GDN input projections (in_proj_qkvz, in_proj_ba); Qwen3.5 splits them. `mtpDefault`:
 * the MTP layers where the config states none (Qwen3-Next's released configs do not, while its checkpoints
 * ship one mtp.* layer and vLLM reads getattr(config, "num_nextn_predict_layers", 1), qwen3_next_mtp.py).
 */
function qwenHybrid(moe: boolean, projections: 'fused' | 'split', mtpDefault: number): Family {
  return (f, name) => {
    const spec = decoder(f, name, {
      // Qwen3NextAttention: q_proj → 2·heads·head_dim (queries and the output gate), q/k RMSNorm(head_dim).
      attention: { qkNorm: 'per-head', defaultHeadDim: 256, outputGate: f.bool('attn_output_gate', true) },
      layout: (g, n) => ({ window: null, kinds: readHybridMixers(g, n) }),
      // Qwen3NextDecoderLayer: MoE unless in mlp_only_layers or off the decoder_sparse_step.
      layerMlp: moe ? readQwenSparseLayers(f) : 'dense',
      // Qwen3NextSparseMoeBlock: gate (h → E, no bias), experts, shared_expert and shared_expert_gate (h → 1).
      moe: {
        experts: 'num_experts',
        expertSize: 'moe_intermediate_size',
        shared: { sizeKey: 'shared_expert_intermediate_size', count: 1 },
        sharedExpertGate: true,
      },
    });
    return {
      ...spec,
      linearAttention: spec.layers.some((l) => l.attention === 'linear')
        ? readGatedDeltaNet(f, projections)
        : null,
      // Qwen3NextMultiTokenPredictor (vLLM qwen3_next_mtp.py): fc 2h → h, two pre-norms, decoder layers, norm.
      numMtpModules: f.int('mtp_num_hidden_layers', {
        fallback: f.int('num_nextn_predict_layers', { fallback: mtpDefault }),
        max: MAX.layers,
      }),
    };
  };
}

export const qwen3Next = qwenHybrid(true, 'fused', 1);
export const qwen35 = qwenHybrid(false, 'split', 0);
export const qwen35Moe = qwenHybrid(true, 'split', 0);
