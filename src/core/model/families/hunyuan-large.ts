/**
 * Tencent Hunyuan-Large (`hunyuan`, HunYuanForCausalLM: tencent/Tencent-Hunyuan-Large, Hunyuan-A52B-Pretrain
 * and -Instruct, 2024-11). Read from the release's remote code, Tencent/Tencent-Hunyuan-Large
 * `models/modeling_hunyuan.py` and `models/configuration_hunyuan.py` (HunYuanConfig), with the mlx-lm
 * port `mlx_lm/models/hunyuan.py` (ml-explore/mlx-lm):
 * - embed_tokens [V, h]; lm_head [V, h] unless `tie_word_embeddings` (HunYuanConfig default False).
 * - HunYuanAttention: head_dim = hidden_size // num_attention_heads (no `head_dim` key); q_proj and o_proj
 *   with bias = `attention_bias`; with `use_qk_norm`, query_layernorm and key_layernorm, RMSNorm(head_dim).
 *   Cross-layer attention (`use_cla`): a layer with layer_idx % cla_share_factor != 0 is 'cross' and builds
 *   no k_proj or v_proj; it attends with the keys and values of the last 'self' layer (HunYuanModel's
 *   prev_kv_states), through its own RoPE and key_layernorm. The release's vLLM backend keeps one KV cache
 *   per shared group ("a 50% savings in the KV-Cache portion", README.md; the remote code's DynamicCache
 *   still stores each layer's), read here as `kvShared` layers; the cross layers' key_layernorm
 *   (head_dim weights, elementwise) is their layer extra.
 * - HunYuanDecoderLayer: input_layernorm and post_attention_layernorm (RMSNorm); HunYuanMoE when
 *   num_experts > 1, else HunYuanMLP of `intermediate_size` (SwiGLU, no bias).
 * - HunYuanMoE: `num_experts` HunYuanMLP experts of `intermediate_size`; HunYuanTopKGate `wg`, a bias-free
 *   h → num_experts Linear, softmax top `moe_topk`; with `use_mixed_mlp_moe`, shared_mlp, one HunYuanMLP of
 *   intermediate_size × num_shared_expert, on every token.
 * - model.norm after the last layer.
 * Hunyuan-A13B's release (tencent/Hunyuan-A13B-Instruct, HunYuanMoEV1ForCausalLM under this model_type)
 * adds `attention_head_dim` and per-layer lists of `moe_topk`, `num_shared_expert` and
 * `moe_intermediate_size` (the routed experts' width where given), read as vLLM's hunyuan_v1.py reads
 * them; llmecon needs each list uniform.
 */
import type { LayerSpec, ModelSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { uniform } from './hunyuan.js';
import { decoder, type Family, readMoe, withClassDefaults } from './readers.js';

/** HunYuanConfig's `__init__` defaults for the structural keys (configuration_hunyuan.py). */
const HUNYUAN_DEFAULTS = {
  hidden_act: 'silu',
  max_position_embeddings: 2048,
  tie_word_embeddings: false,
  attention_bias: false,
  use_qk_norm: false,
  use_cla: false,
  cla_share_factor: 1,
  num_experts: 1,
  use_mixed_mlp_moe: false,
  num_shared_expert: 1,
  moe_topk: 1,
} as const;

/** Whether layer i is a CLA 'cross' layer (HunYuanAttention.attention_type), from `use_cla` and `cla_share_factor`. */
function crossLayerRule(f: Fields): (i: number) => boolean {
  const factor = f.positiveInt('cla_share_factor', { max: MAX.layers });
  return f.bool('use_cla', false) ? (i) => i % factor !== 0 : () => false;
}

/** HunYuanMoE's shape: routed experts and router from `num_experts`/`moe_topk`, shared_mlp when `use_mixed_mlp_moe`. */
function readHunyuanMoe(f: Fields): ModelSpec['moe'] {
  const expertSize = f.has('moe_intermediate_size') ? 'moe_intermediate_size' : 'intermediate_size';
  const moe = readMoe(f, { experts: 'num_experts', topK: 'moe_topk', expertSize });
  if (!f.bool('use_mixed_mlp_moe', false)) return moe;
  const shared = f.positiveInt('num_shared_expert', { max: MAX.experts });
  // shared_mlp: intermediate_size × num_shared_expert, whatever width the routed experts take.
  const width = f.positiveInt('intermediate_size', { max: MAX.hidden });
  return { ...moe, numSharedExperts: 1, sharedIntermediateSize: shared * width };
}

/** HunYuanForCausalLM (see the file comment). */
export const hunyuanLarge: Family = (top, name) => {
  const lists = ['num_experts', 'moe_topk', 'num_shared_expert', 'moe_intermediate_size'];
  const f = withClassDefaults(top, HUNYUAN_DEFAULTS).with(
    Object.assign({}, ...lists.map((k) => uniform(top, k))),
  );
  // HunYuanDecoderLayer: HunYuanMoE when `config.num_experts > 1` (per-layer lists must be uniform).
  const moeLayers = f.positiveInt('num_experts', { max: MAX.experts }) > 1;
  // vLLM's HunYuanAttention: `head_dim`, else `attention_head_dim`, else hidden_size / heads.
  const headKey = ['head_dim', 'attention_head_dim'].find((k) => f.has(k));
  const headDim = headKey
    ? f.positiveInt(headKey, { max: MAX.hidden })
    : f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const qkNorm = f.bool('use_qk_norm', false);
  const spec = decoder(f, name, {
    attention: {
      headDim,
      qkNorm: qkNorm ? 'per-head' : 'none',
    },
    layerMlp: moeLayers ? 'moe' : 'dense',
  });
  const cross = crossLayerRule(f);
  const keyNorm = { modules: 'self_attn.key_layernorm', params: headDim, gemms: [] };
  const layers = spec.layers.map(
    (l, i): LayerSpec => (cross(i) ? { ...l, kvShared: true, ...(qkNorm ? { extras: keyNorm } : {}) } : l),
  );
  return { ...spec, layers, moe: moeLayers ? readHunyuanMoe(f) : null };
};
