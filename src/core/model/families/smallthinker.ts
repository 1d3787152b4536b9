/**
 * PowerInfer SmallThinker (`smallthinker`: SmallThinker-21BA3B-Instruct, SmallThinker-4BA0.6B-Instruct;
 * Song et al. 2025, "SmallThinker: A Family of Efficient Large Language Models Natively Trained for Local
 * Deployment"). Shapes from the remote code on the Hugging Face repos, `configuration_smallthinker.py`
 * (SmallThinkerConfig) and `modeling_smallthinker.py`, checked against vLLM's port
 * (`vllm/model_executor/models/smallthinker.py`: SmallThinkerAttention, SmallThinkerMoeBlock) and
 * llama.cpp (`convert_hf_to_gguf.py` SmallThinkerModel, `src/models/smallthinker.cpp`). The modules
 * SmallThinkerForCausalLM builds:
 * - SmallThinkerAttention: q_proj h → heads·head_dim, k_proj and v_proj h → kv·head_dim, o_proj back,
 *   none with a bias; no q/k norm. A layer slides (window `sliding_window_size`) where
 *   `sliding_window_layout[i]` is 1, else attends to everything. `rope_layout[i]` 0 leaves a layer
 *   NoPE (the 21B's global layers): no parameters either way.
 * - SmallThinkerMoeBlock in every layer, no dense MLP or shared expert: primary_router (h →
 *   `moe_num_primary_experts`, no bias) applied to the layer's input before input_layernorm (the
 *   pre-attention router: same weights and FLOPs as a router after attention), top
 *   `moe_num_active_primary_experts`, softmax over the top-k logits or (default) their sigmoids
 *   renormalised, per `moe_primary_router_apply_softmax`; SmallThinkerExpert: up, gate and down
 *   (h → `moe_ffn_hidden_size` → h, no bias), up(x) · relu(gate(x)): a ReGLU.
 * - input_layernorm and post_attention_layernorm (RMSNorm h), a final norm; embed_tokens and lm_head
 *   (no bias), tied by default.
 */
import type { ModelSpec } from '../spec.js';
import type { Fields, Json } from './fields.js';
import { decoder, type Family, type SlidingLayout, withClassDefaults } from './readers.js';

/** SmallThinkerConfig's `__init__` defaults (the 4B's shape, but 131,072 positions). */
const SMALLTHINKER_DEFAULTS: Json = {
  vocab_size: 151_936,
  hidden_size: 1536,
  num_hidden_layers: 32,
  num_attention_heads: 12,
  num_key_value_heads: 2,
  head_dim: 128,
  max_position_embeddings: 4096 * 32,
  sliding_window_layout: Array(32).fill(0),
  sliding_window_size: 4096,
  moe_num_primary_experts: 32,
  moe_ffn_hidden_size: 768,
  moe_num_active_primary_experts: 4,
  tie_word_embeddings: true,
};

/** `sliding_window_layout`: one 0 (full attention) or 1 (a window of `sliding_window_size`) per layer. */
function readLayout(f: Fields, n: number): SlidingLayout {
  const flags = f.intList('sliding_window_layout', 1);
  if (flags.length !== n)
    f.fail(
      'sliding_window_layout',
      `must list one 0 (full attention) or 1 (sliding window) per layer (${n}), got ${flags.length}`,
    );
  const window = flags.includes(1) ? f.positiveInt('sliding_window_size', { max: 1 << 24 }) : null;
  return { window, kinds: flags.map((s) => (s === 1 ? 'sliding' : 'full')) };
}

/** SmallThinker: bias-free GQA over full and sliding layers, a pre-attention-routed MoE of ReGLU experts in every layer. */
export const smallthinker: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, SMALLTHINKER_DEFAULTS);
  return {
    ...decoder(f, name, {
      attention: { qkvBias: false, outputBias: false },
      layout: readLayout,
      layerMlp: 'moe',
      moe: {
        experts: 'moe_num_primary_experts',
        topK: 'moe_num_active_primary_experts',
        expertSize: 'moe_ffn_hidden_size',
      },
    }),
    activation: 'relu',
  };
};
