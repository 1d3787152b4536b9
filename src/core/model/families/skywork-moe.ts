/**
 * Skywork-MoE (`skywork_moe`: Skywork/Skywork-MoE-Base and -Base-FP8, 146B total / 22B active, upcycled
 * from Skywork-13B; remote code configuration_skywork_moe.py / modeling_skywork_moe.py on the Hub, as
 * ported in SkyworkAI/vllm vllm/model_executor/models/skywork_moe.py and skywork_moe_quant.py, both
 * "adapted from" modeling_skywork_moe.py). SkyworkForCausalLM holds embed_tokens (vocab → h),
 * `num_hidden_layers` SkyworkDecoderLayer, the final RMSNorm and an untied lm_head (no bias). Each layer:
 * - input_layernorm and post_attention_layernorm (RMSNorm h);
 * - SkyworkAttention: q/k/v/o without bias, head_dim = hidden_size / num_attention_heads (no head_dim
 *   key), `num_key_value_heads` KV heads (SkyworkMoeConfig: one per query head when absent), full RoPE,
 *   no window;
 * - block_sparse_moe (SkyworkMoE): a router `gate` (h → E, no bias) and E = `num_experts`[0] SwiGLU
 *   experts (w1, w3: h → intermediate_size, w2 back, no bias); softmax over the router logits, top-2
 *   (the ports' TOPK, or `num_experts_per_tok` when given), renormalised. Gating logit normalisation
 *   (`moe_use_logits_norm`, `moe_gate_norm_std`: the logits divided by their standard deviation) and
 *   `moe_feature_no_mul_topk` / `moe_use_mixtral_gating` change no weight; the adaptive auxiliary loss
 *   is training only.
 * The released config sets `moe_2layer_gate` false: both SkyworkAI/vllm ports assert it. When it is
 * true (SkyworkMoeConfig's default) the router is SkyworkRouter's `wg`, Linear h → 8E, Tanh, Linear
 * 8E → E, both without bias (the SkyworkMoeConfig/SkyworkRouter vLLM port of the training code, and the
 * Skywork-derived MoE++ Router alike), held as each MoE layer's `extras` (MoeSpec.routerInExtras). That
 * port also reads `moe_expert_interval`: layer i is MoE when (i + 1) % interval == 0, else one SwiGLU
 * SkyworkMLP (gate_proj, up_proj: h → intermediate_size, down_proj back, no bias); the release uses 1.
 */
import type { LayerExtrasSpec, LayerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/**
 * SkyworkMoeConfig's `__init__` defaults for the keys that shape the model (configuration_skywork_moe.py
 * as the vLLM port of the training code inlines it), plus the ports' TOPK = 2 for `num_experts_per_tok`.
 */
const SKYWORK_MOE_DEFAULTS = {
  ...SUB_CONFIG_DEFAULTS.llama,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  num_experts: [32],
  num_experts_per_tok: 2,
  moe_expert_interval: 1,
  moe_2layer_gate: true,
};

/** SkyworkRouter's two-layer `wg` (h → 8E, Tanh, 8E → E, no bias) as a layer's extras. */
function twoLayerGate(h: number, experts: number): LayerExtrasSpec {
  const middle = 8 * experts;
  return {
    modules: 'block_sparse_moe.gate.wg (Linear h → 8E, Tanh, Linear 8E → E)',
    params: h * middle + middle * experts,
    gemms: [
      { name: 'gate.wg.0', n: middle, k: h },
      { name: 'gate.wg.2', n: experts, k: middle },
    ],
  };
}

export const skyworkMoe: Family = (top, name) => {
  const defaulted = withClassDefaults(top, SKYWORK_MOE_DEFAULTS);
  // num_experts is a list (one entry per training stage in the training code); every port builds
  // num_experts[0] experts per MoE layer.
  const [experts = 0] = defaulted.intList('num_experts', MAX.experts);
  if (experts === 0)
    defaulted.fail('num_experts', 'must list at least one expert count, the first at least 1');
  const f: Fields = defaulted.with({ num_experts: experts });
  const every = f.positiveInt('moe_expert_interval', { max: MAX.layers });
  const isMoe = (i: number) => (i + 1) % every === 0;
  const spec = decoder(f, name, {
    attention: {
      qkvBias: false,
      outputBias: false,
      headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden),
    },
    layerMlp: (i) => (isMoe(i) ? 'moe' : 'dense'),
    moe: { experts: 'num_experts', expertSize: 'intermediate_size' },
  });
  if (spec.moe === null || !f.bool('moe_2layer_gate', true)) return spec;
  const gate = twoLayerGate(spec.hiddenSize, spec.moe.numExperts);
  return {
    ...spec,
    layers: spec.layers.map((layer): LayerSpec => (layer.mlp === 'moe' ? { ...layer, extras: gate } : layer)),
    moe: { ...spec.moe, routerInExtras: true },
  };
};
