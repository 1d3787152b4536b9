/**
 * Mistral 4 (`mistral4`, the text model of Mistral-Small-4-119B-2603; transformers
 * `models/mistral4/modular_mistral4.py` → `modeling_mistral4.py`, `configuration_mistral4.py`,
 * `convert_mistral4_weight_to_hf.py`). Mistral4ForCausalLM is embed_tokens, `num_hidden_layers`
 * Mistral4DecoderLayers, a final RMSNorm and an lm_head (untied by default). Each layer:
 * - Mistral4Attention, DeepSeek-V3's MLA: q_a_proj (h → q_lora_rank, bias = attention_bias),
 *   q_a_layernorm, q_b_proj (q_lora_rank → heads·(qk_nope + qk_rope)), or q_proj (h → heads·qk_head_dim)
 *   when q_lora_rank is null; kv_a_proj_with_mqa (h → kv_lora_rank + qk_rope, bias = attention_bias),
 *   kv_a_layernorm, kv_b_proj (kv_lora_rank → heads·(qk_nope + v_head_dim)), o_proj (heads·v_head_dim → h,
 *   bias = attention_bias; those biases are not in llmecon's MLA spec, so attention_bias true is a
 *   warning with their size). `llama_4_scaling_beta` scales the queries by position and the YaRN RoPE on
 *   qk_rope_head_dim has no parameters.
 * - Mistral4MLP (gate/up/down SwiGLU of intermediate_size, no bias) below `first_k_dense_replace`,
 *   else Mistral4MoE: Mistral4TopkRouter (h → n_routed_experts, no bias and no e_score_correction_bias:
 *   softmax scores, group-limited top-k by `n_group`/`topk_group`), Mistral4Experts (gate_up_proj and
 *   down_proj of moe_intermediate_size per expert) and shared_experts, one Mistral4MLP of
 *   moe_intermediate_size × n_shared_experts. There is no `moe_layer_freq` and no MTP layer.
 * - input_layernorm and post_attention_layernorm.
 * The released checkpoint wraps this model in `mistral3` (Mistral3ForConditionalGeneration with a
 * Pixtral tower, as the converter writes it), whose `text_config` omits the keys equal to
 * Mistral4Config's defaults: they are filled here.
 */
import type { ModelSpec } from '../spec.js';
import { readMla } from './deepseek.js';
import { type Fields, type Json, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';

/** Mistral4Config's defaults (Mistral-Small-4-119B-2603's shape) for the keys read here. */
const MISTRAL4_DEFAULTS: Json = {
  vocab_size: 131_072,
  hidden_size: 4096,
  intermediate_size: 12_288,
  moe_intermediate_size: 2048,
  num_hidden_layers: 36,
  num_attention_heads: 32,
  n_shared_experts: 1,
  n_routed_experts: 128,
  kv_lora_rank: 256,
  q_lora_rank: 1024,
  qk_rope_head_dim: 64,
  v_head_dim: 128,
  qk_nope_head_dim: 64,
  n_group: 1,
  topk_group: 1,
  num_experts_per_tok: 4,
  first_k_dense_replace: 0,
  max_position_embeddings: 1_048_576,
  tie_word_embeddings: false,
  attention_bias: false,
};

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * `attention_bias` true puts biases on q_a_proj (q_proj has none), kv_a_proj_with_mqa and o_proj,
 * which llmecon's MLA spec has no place for: their size, for the warning, else null.
 */
function attentionBiasNote(f: Fields, spec: ModelSpec): string | null {
  if (!f.bool('attention_bias', false) || spec.attention.kind !== 'mla') return null;
  const a = spec.attention;
  const each = (a.qLoraRank ?? 0) + a.kvLoraRank + a.qkRopeHeadDim + spec.hiddenSize;
  return `mistral4: attention_bias is true: the biases of ${a.qLoraRank === null ? '' : 'q_a_proj, '}kv_a_proj_with_mqa and o_proj (${fmt(each)} a layer, ${fmt(each * spec.numLayers)} in all) are not counted`;
}

/** Mistral 4: DeepSeek-V3's MLA and shared + routed experts, an unbiased softmax router, no MTP. */
export const mistral4: Family = (top, name) => {
  const f = withClassDefaults(top, MISTRAL4_DEFAULTS);
  // Mistral4DecoderLayer: MoE when layer_idx >= first_k_dense_replace (no other condition).
  const firstDense = f.int('first_k_dense_replace', { max: MAX.layers });
  const spec = decoder(f, name, {
    attention: readMla,
    mlp: readGatedMlp(f),
    layerMlp: (i) => (i >= firstDense ? 'moe' : 'dense'),
    moe: {
      experts: 'n_routed_experts',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'n_shared_experts' },
      groupRouting: true,
    },
  });
  const bias = attentionBiasNote(f, spec);
  return bias ? { ...spec, warnings: [bias] } : spec;
};
