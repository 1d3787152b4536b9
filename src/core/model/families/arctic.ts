/**
 * Snowflake Arctic (`arctic`, Snowflake/snowflake-arctic-base and -instruct; remote code
 * configuration_arctic.py / modeling_arctic.py on the Hub, as copied in vLLM
 * vllm/transformers_utils/configs/arctic.py and ported in vllm/model_executor/models/arctic.py and
 * SGLang python/sglang/srt/models/arctic.py): a dense-MoE hybrid, "a 10B dense transformer with a
 * residual 128x3.66B MoE MLP" (model card). ArcticForCausalLM holds embed_tokens (vocab → h),
 * `num_hidden_layers` ArcticDecoderLayer, the final RMSNorm and an untied lm_head (no bias). Each layer:
 * - input_layernorm and post_attention_layernorm (RMSNorm h);
 * - ArcticAttention: q/k/v/o without bias, head_dim = hidden_size / num_attention_heads (a head_dim key
 *   is not read), `num_key_value_heads` KV heads (class default: one per query head), RoPE; all
 *   layers slide when `sliding_window` is set (copied from MistralAttention);
 * - block_sparse_moe (ArcticMoE): on layers with (i + 1) % moe_layer_frequency == 0 a router `gate`
 *   (h → num_local_experts, no bias; softmax, top-`num_experts_per_tok`, renormalised) and
 *   num_local_experts ArcticMLP experts (w1, w3: h → intermediate_size, w2 back, SwiGLU, no bias);
 *   on the other layers one ArcticMLP of intermediate_size;
 * - on MoE layers when `parallel_attn_mlp_res`: residual_layernorm (RMSNorm h) and residual_mlp, an
 *   ArcticMLP with `is_residual_mlp` whose width is hidden_size. It runs on every token after
 *   attention while the MoE reads post_attention_layernorm of the layer's input (beside attention):
 *   read as the MoE's one always-on shared expert of width h that is the layer's dense MLP; the
 *   overlap of the MoE with attention is not timed.
 * vLLM/SGLang gate the residual MLP on `use_residual` (the released config sets both keys true); a
 * config where the two disagree is refused. `quantization` (DeepSpeed FP quantization applied on
 * load), the capacity-factor, token-dropping and expert-parallel keys change no weight: ignored.
 */
import type { LayerSpec } from '../spec.js';
import { MAX } from './fields.js';
import { decoder, type Family, readAllSliding, withClassDefaults } from './readers.js';

/** ArcticConfig's `__init__` defaults for the keys that shape the model (configuration_arctic.py). */
const ARCTIC_DEFAULTS = {
  vocab_size: 32_000,
  hidden_size: 4096,
  intermediate_size: 14_336,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  max_position_embeddings: 4096,
  tie_word_embeddings: false,
  num_experts_per_tok: 1,
  num_local_experts: 8,
  moe_layer_frequency: 2,
  parallel_attn_mlp_res: false,
};

export const arctic: Family = (top, name) => {
  const f = withClassDefaults(top, ARCTIC_DEFAULTS);
  const every = f.positiveInt('moe_layer_frequency', { max: MAX.layers });
  const residual = f.bool('parallel_attn_mlp_res', false);
  if (f.has('use_residual') && f.bool('use_residual', residual) !== residual) {
    f.fail('use_residual', `(vLLM's switch for residual_mlp) must equal parallel_attn_mlp_res (${residual})`);
  }
  const isMoe = (i: number) => (i + 1) % every === 0;
  const spec = decoder(f, name, {
    attention: {
      qkvBias: false,
      outputBias: false,
      headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden),
    },
    layout: readAllSliding,
    layerMlp: (i) => (isMoe(i) ? 'moe' : 'dense'),
    moe: { experts: 'num_local_experts', expertSize: 'intermediate_size' },
  });
  if (!residual || spec.moe === null) return spec;
  return {
    ...spec,
    // residual_layernorm: a third RMSNorm on the layers that hold residual_mlp.
    layers: spec.layers.map((layer): LayerSpec => (layer.mlp === 'moe' ? { ...layer, norms: 3 } : layer)),
    moe: {
      ...spec.moe,
      numSharedExperts: 1,
      sharedIntermediateSize: spec.hiddenSize,
      sharedIsDenseMlp: true,
    },
  };
};
