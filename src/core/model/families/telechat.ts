/**
 * TeleChat (`telechat`: Tele-AI/telechat-7B, TeleChat-12B(-v2), TeleChat2-3B, -7B, -35B, -115B) and
 * transformers' TeleChat2 port (`telechat2`). Sources:
 * - Tele-AI/TeleChat2 `model/115B/configuration_telechat.py` (TelechatConfig) and `modeling_telechat.py`
 *   (TelechatAttention, TelechatMLP, TelechatBlock, TelechatModel, TelechatForCausalLM), the same modules
 *   as TeleChat 1's Tele-AI/Telechat `models/7B/modeling_telechat.py`; vLLM
 *   `vllm/model_executor/models/telechat2.py` (TeleChat2Model drops the qkv and gate_up biases of its
 *   LlamaModel, keeps o_proj's and down_proj's) and `vllm/transformers_utils/configs/telechat2.py`
 *   (Telechat2Config registered for model_type `telechat`);
 * - transformers `src/transformers/models/telechat2/modular_telechat2.py` and
 *   `configuration_telechat2.py` (TeleChat2Config(LlamaConfig), model_type `telechat2`): the same
 *   modules under Llama's names and keys.
 * The modules (remote names; the port's in brackets):
 * - TelechatAttention: query [q_proj] h → h and key_value [k_proj, v_proj] h → 2·kv·head_dim, no bias;
 *   dense [o_proj] h → h with a bias; head_dim = hidden / `n_head`; `num_key_value_heads` KV heads
 *   (absent: one per query head; TeleChat2-115B has 8); RoPE with NTK scaling past `training_seqlen`,
 *   no parameters; every layer attends to everything.
 * - TelechatMLP: gate_proj and up_proj h → `ffn_hidden_size` [`intermediate_size`], no bias; down_proj
 *   back with a bias (held as each layer's `extras`: ModelSpec's MLP bias is all three or none); SiLU.
 * - TelechatBlock: input_layernorm and post_attention_layernorm (RMSNorm h); TelechatModel:
 *   word_embeddings [embed_tokens], word_embeddings_layernorm (RMSNorm h) when `embed_layernorm`, ln_f
 *   [norm]; TelechatForCausalLM: lm_head without bias, tied unless `tie_word_embeddings` is false
 *   (PretrainedConfig's default true: TeleChat 1's 7B checkpoint has no lm_head; TeleChat2-115B's config
 *   sets false, and the TeleChat2 README lists every size untied). Context: `seq_length` (TelechatConfig
 *   keeps no default: `training_seqlen`'s).
 */
import type { LayerSpec, ModelSpec } from '../spec.js';
import { type Json, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/** TelechatConfig's `__init__` defaults (TeleChat 1's 7B shape, its 160k vocabulary). */
const TELECHAT_DEFAULTS: Json = {
  vocab_size: 160_256,
  hidden_size: 4096,
  n_layer: 30,
  n_head: 32,
  ffn_hidden_size: 12_288,
  training_seqlen: 8192,
  embed_layernorm: false,
};

/** TeleChat2Config's defaults: LlamaConfig's (`attention_bias` and `mlp_bias` deleted: false). */
const TELECHAT2_DEFAULTS: Json = {
  ...SUB_CONFIG_DEFAULTS.llama,
  hidden_act: 'silu',
  tie_word_embeddings: false,
};

/** Each layer with down_proj's bias (h) as its extras. */
function withDownBias(spec: ModelSpec): ModelSpec {
  const extras = { modules: 'mlp.down_proj.bias', params: spec.hiddenSize, gemms: [] };
  return { ...spec, layers: spec.layers.map((layer): LayerSpec => ({ ...layer, extras })) };
}

/** TelechatForCausalLM (remote code, model_type `telechat`): GPT-2-style keys, Llama's modules. */
export const telechat: Family = (top, name) => {
  const f = withClassDefaults(top, TELECHAT_DEFAULTS);
  // TelechatConfig: `n_embed`, when given, overrides hidden_size.
  const hidden = f.has('n_embed') ? 'n_embed' : 'hidden_size';
  const training = f.positiveInt('training_seqlen', { max: MAX.positions });
  const spec = decoder(f, name, {
    keys: {
      vocab: 'vocab_size',
      hidden,
      layers: 'n_layer',
      positions: 'seq_length',
      defaultPositions: training,
    },
    attention: {
      headsKey: 'n_head',
      headDim: f.divide(hidden, 'n_head', MAX.hidden),
      qkvBias: false,
      outputBias: true,
    },
    mlp: readGatedMlp(f, 'ffn_hidden_size'),
  });
  return withDownBias({
    ...spec,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: { ...spec.norm, ...(f.bool('embed_layernorm', false) ? { embedding: true as const } : {}) },
    // TelechatMLP applies F.silu whatever `hidden_act` says (TeleChat 1's class default is "fastgelu").
    activation: 'silu',
  });
};

/** TeleChat2ForCausalLM (transformers, model_type `telechat2`): Llama's keys, o_proj and down_proj biased. */
export const telechat2: Family = (top, name) => {
  const f = withClassDefaults(top, TELECHAT2_DEFAULTS);
  const mlpBias = f.bool('mlp_bias', false);
  const spec = decoder(f, name, {
    attention: { qkvBias: f.bool('attention_bias', false), outputBias: true },
    mlp: readGatedMlp(f, 'intermediate_size', mlpBias),
  });
  // With `mlp_bias`, gate_proj, up_proj and down_proj are all biased: ModelSpec's MLP bias counts them.
  return mlpBias ? spec : withDownBias(spec);
};
