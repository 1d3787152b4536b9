/**
 * Two 2023 Llama-likes that ship remote code under their own model_type.
 *
 * InternLM v1 (`internlm`, InternLMForCausalLM: internlm/internlm-7b, internlm-chat-7b(-8k),
 * internlm-20b, internlm-chat-20b). Read from the Hub's `modeling_internlm.py` (InternLMRMSNorm,
 * InternLMMLP, InternLMAttention, InternLMDecoderLayer, InternLMModel, InternLMForCausalLM; the 20B
 * release as mirrored in yangulei/internlm-20b, the 7B's later revision with InternLMFlashAttention2
 * and InternLMDynamicNTKScalingRotaryEmbedding) and its `configuration_internlm.py` (InternLMConfig;
 * the defaults as copied in mindnlp `models/internlm/configuration_internlm.py`):
 * - embed_tokens [V, h]; lm_head [V, h] (no bias), untied unless `tie_word_embeddings`.
 * - Per layer: input_layernorm and post_attention_layernorm (RMSNorm h); q/k/v_proj [H·d, h] and
 *   o_proj [h, H·d], all four biased per `bias` (InternLMConfig default true: the 7B sets it, the 20B
 *   sets false); d = hidden / heads. k and v always have `num_attention_heads` heads: the code never
 *   reads `num_key_value_heads` (the 20B config carries it equal to the heads). gate/up/down_proj
 *   SwiGLU without bias whatever `bias` says.
 * - model.norm: RMSNorm h. RoPE over the whole head, `rotary` {base, type origin|dynamic NTK}: no
 *   weights (inv_freq is a non-persistent buffer). Full causal attention on every layer.
 *
 * Aquila (`aquila`: BAAI/Aquila-7B and AquilaChat-7B; Aquila2-7B, -34B and their AquilaChat2
 * releases). Read from the Hub's `modeling_aquila.py` as copied in Vastai/VastModelZOO
 * `llm/aquila/source_code/modeling_aquila_vacc.py` (Aquila2: AquilaRMSNorm, AquilaMLP, AquilaAttention,
 * AquilaDecoderLayer, "Copied from … Llama" of transformers 4.31) and AquilaChat-7B's
 * `modeling_aquila.py` (Aquila 1: AquilaAttention and AquilaRotaryEmbedding as copied in Intel's
 * BetterTransformer patch beside `bt_aquila_forward`); AquilaConfig's defaults as ported in Huawei
 * MindIE `atb_llm/models/aquila/config_aquila.py`:
 * - Llama's layer with every projection bias-free (no bias key is read): q_proj [H·d, h], k/v_proj
 *   [K·d, h] with K = `num_key_value_heads` (default H; Aquila2-34B has 8, GQA), o_proj [h, H·d],
 *   d = hidden / heads; SwiGLU gate/up/down_proj; two RMSNorms a layer and model.norm; lm_head untied.
 * - Aquila 1's AquilaAttention builds k/v with H heads (its configs have no num_key_value_heads, so the
 *   reading is the same) and registers RoPE's inv_freq as a persistent buffer (d/2 floats a layer in
 *   its state dict): a buffer, not a parameter, so not counted.
 */
import type { ModelSpec } from '../spec.js';
import { type Json, MAX } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/** InternLMConfig's `__init__` defaults (InternLM-7B's shape) for the keys a config omits. */
const INTERNLM_DEFAULTS: Json = {
  ...SUB_CONFIG_DEFAULTS.llama,
  vocab_size: 103_168,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  bias: true,
};

/** AquilaConfig's `__init__` defaults (Aquila-7B's shape) for the keys a config omits. */
const AQUILA_DEFAULTS: Json = {
  ...SUB_CONFIG_DEFAULTS.llama,
  vocab_size: 100_008,
  hidden_act: 'silu',
  tie_word_embeddings: false,
};

/** InternLMForCausalLM (see the file comment). */
export const internlm: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, INTERNLM_DEFAULTS);
  const bias = f.bool('bias', true);
  const spec = decoder(f, name, {
    attention: {
      // InternLMAttention: q/k/v/o all nn.Linear(bias=config.bias).
      qkvBias: bias,
      outputBias: bias,
      // k_proj/v_proj are num_heads · head_dim wide: as many K/V heads as query heads.
      kvHeadsKey: 'num_attention_heads',
      // head_dim = hidden_size // num_heads (no head_dim key).
      headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden),
    },
  });
  // The config's own num_key_value_heads, only to say when the code disregards it.
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const kvHeads = f.int('num_key_value_heads', { fallback: heads, max: MAX.heads });
  if (kvHeads === heads) return spec;
  return {
    ...spec,
    warnings: [
      `internlm: num_key_value_heads ${kvHeads} is not read: InternLMAttention (modeling_internlm.py) builds k_proj and v_proj with num_attention_heads (${heads}) heads, so the K/V projections and the KV cache are counted at ${heads} heads`,
    ],
  };
};

/** AquilaForCausalLM (see the file comment). */
export const aquila: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, AQUILA_DEFAULTS);
  return decoder(f, name, {
    attention: {
      // AquilaAttention: q/k/v/o nn.Linear(bias=False); head_dim = hidden_size // num_heads.
      qkvBias: false,
      outputBias: false,
      headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden),
    },
  });
};
