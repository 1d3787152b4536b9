/**
 * Class defaults of the sub-configs that multimodal wrappers nest, by `model_type`. transformers
 * writes a nested `text_config`/`vision_config` without the keys equal to its class defaults
 * (`PretrainedConfig.to_diff_dict`), so e.g. google/gemma-3-27b-it's `text_config` has no
 * `vocab_size`: the reader fills those keys from here. Values are the `__init__` defaults of each
 * configuration class (transformers `models/<name>/configuration_<name>.py`); only the keys that
 * llmecon reads are listed.
 */
import type { Json } from './fields.js';
import { TOWER_CONFIG_DEFAULTS } from './tower-config-defaults.js';

/** LlamaConfig `__init__` defaults (Llama 2 7B's shape); GraniteConfig's are the same. */
const LLAMA_DEFAULTS: Json = {
  vocab_size: 32_000,
  hidden_size: 4096,
  intermediate_size: 11_008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  max_position_embeddings: 2048,
  attention_bias: false,
};

/** Qwen2Config `__init__` defaults; Qwen3Config's are the same plus head_dim 128. */
const QWEN2_DEFAULTS: Json = {
  vocab_size: 151_936,
  hidden_size: 4096,
  intermediate_size: 22_016,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  max_position_embeddings: 32_768,
};

/** Gemma2Config's layer shape (Gemma 2 2B's), which Gemma3TextConfig repeats. */
const GEMMA2_SHAPE: Json = {
  hidden_size: 2304,
  intermediate_size: 9216,
  num_hidden_layers: 26,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  head_dim: 256,
  attention_bias: false,
  sliding_window: 4096,
};

export const SUB_CONFIG_DEFAULTS: Readonly<Record<string, Json>> = {
  ...TOWER_CONFIG_DEFAULTS,
  // Gemma3TextConfig (configuration_gemma3.py).
  gemma3_text: {
    ...GEMMA2_SHAPE,
    vocab_size: 262_208,
    max_position_embeddings: 131_072,
    sliding_window_pattern: 6,
  },
  // MllamaTextConfig (configuration_mllama.py): Llama 3.2 11B Vision's text
  // shape; the vision class's image_size default (448) is smaller than the released 560.
  mllama_text_model: {
    vocab_size: 128_256,
    hidden_size: 4096,
    intermediate_size: 14_336,
    num_hidden_layers: 40,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    max_position_embeddings: 131_072,
    cross_attention_layers: [3, 8, 13, 18, 23, 28, 33, 38],
    tie_word_embeddings: false,
  },
  // Gemma3nTextConfig (configuration_gemma3n.py): the E4B shape; intermediate_size becomes a list of
  // one width per layer in its __init__, read either way in gemma3n.ts.
  gemma3n_text: {
    vocab_size: 262_400,
    hidden_size: 2048,
    intermediate_size: 16_384,
    num_hidden_layers: 35,
    num_attention_heads: 8,
    num_key_value_heads: 2,
    head_dim: 256,
    max_position_embeddings: 32_768,
    attention_bias: false,
    sliding_window: 512,
    hidden_size_per_layer_input: 256,
    vocab_size_per_layer_input: 262_144,
    num_kv_shared_layers: 15,
    altup_num_inputs: 4,
    laurel_rank: 64,
  },
  // Gemma4TextConfig (configuration_gemma4.py); global_head_dim and num_global_key_value_heads are
  // popped in __post_init__ (512 and num_key_value_heads when absent, read in gemma4.ts).
  gemma4_text: {
    vocab_size: 262_144,
    hidden_size: 2304,
    intermediate_size: 9216,
    num_hidden_layers: 30,
    num_attention_heads: 8,
    num_key_value_heads: 4,
    head_dim: 256,
    max_position_embeddings: 131_072,
    attention_bias: false,
    sliding_window: 512,
    hidden_size_per_layer_input: 256,
    vocab_size_per_layer_input: 262_144,
  },
  // GemmaConfig (configuration_gemma.py): PaliGemma's text_config.
  gemma: {
    vocab_size: 256_000,
    hidden_size: 3072,
    intermediate_size: 24_576,
    num_hidden_layers: 28,
    num_attention_heads: 16,
    num_key_value_heads: 16,
    head_dim: 256,
    max_position_embeddings: 8192,
    attention_bias: false,
  },
  // Gemma2Config (configuration_gemma2.py): PaliGemma 2's text_config.
  gemma2: { ...GEMMA2_SHAPE, vocab_size: 256_000, max_position_embeddings: 8192 },
  // Qwen3Config (configuration_qwen3.py): the text_config of wrappers over Qwen3.
  qwen3: { ...QWEN2_DEFAULTS, head_dim: 128, attention_bias: false, tie_word_embeddings: false },
  // Qwen3MoeConfig (configuration_qwen3_moe.py): InternVL3.5's MoE text_config (no head_dim default).
  qwen3_moe: {
    vocab_size: 151_936,
    hidden_size: 2048,
    intermediate_size: 6144,
    num_hidden_layers: 24,
    num_attention_heads: 32,
    num_key_value_heads: 4,
    max_position_embeddings: 32_768,
    attention_bias: false,
    tie_word_embeddings: false,
    decoder_sparse_step: 1,
    moe_intermediate_size: 768,
    num_experts_per_tok: 8,
    num_experts: 128,
    mlp_only_layers: [],
  },
  // GptOssConfig (configuration_gpt_oss.py), gpt-oss-120b's shape: InternVL3.5-GPT-OSS's text_config.
  gpt_oss: {
    num_hidden_layers: 36,
    num_local_experts: 128,
    vocab_size: 201_088,
    hidden_size: 2880,
    intermediate_size: 2880,
    head_dim: 64,
    num_attention_heads: 64,
    num_key_value_heads: 8,
    sliding_window: 128,
    tie_word_embeddings: false,
    max_position_embeddings: 131_072,
    num_experts_per_tok: 4,
    attention_bias: true,
  },
  // DeepseekV3Config (configuration_deepseek_v3.py), DeepSeek-V3's shape without its MTP module (which
  // transformers does not build): the text_config of Kimi-VL and Mistral Large 3.
  deepseek_v3: {
    vocab_size: 129_280,
    hidden_size: 7168,
    intermediate_size: 18_432,
    moe_intermediate_size: 2048,
    num_hidden_layers: 61,
    num_attention_heads: 128,
    num_key_value_heads: 128,
    n_shared_experts: 1,
    n_routed_experts: 256,
    kv_lora_rank: 512,
    q_lora_rank: 1536,
    qk_rope_head_dim: 64,
    v_head_dim: 128,
    qk_nope_head_dim: 128,
    n_group: 8,
    topk_group: 4,
    num_experts_per_tok: 8,
    first_k_dense_replace: 3,
    max_position_embeddings: 4096,
    tie_word_embeddings: false,
    attention_bias: false,
  },
  // LlamaConfig (configuration_llama.py): LLaVA's text_config names its checkpoint and little else.
  llama: LLAMA_DEFAULTS,
  // GraniteConfig (configuration_granite.py): Granite Speech's text_config; LlamaConfig's shape.
  granite: { ...LLAMA_DEFAULTS, mlp_bias: false },
  // Qwen2Config (configuration_qwen2.py): LLaVA-OneVision's and other wrappers' text_config.
  qwen2: QWEN2_DEFAULTS,
  // MistralConfig (configuration_mistral.py); head_dim None → hidden_size / num_attention_heads.
  mistral: {
    vocab_size: 32_000,
    hidden_size: 4096,
    intermediate_size: 14_336,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    max_position_embeddings: 4096 * 32,
    sliding_window: 4096,
  },
  // HunYuanVLTextConfig (configuration_hunyuan_vl.py): a 7B-like shape; released configs give their own.
  hunyuan_vl_text: {
    vocab_size: 290_943,
    hidden_size: 4096,
    intermediate_size: 11_008,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    max_position_embeddings: 2048,
    tie_word_embeddings: false,
  },
  // Glm4vTextConfig (configuration_glm4v.py): GLM-4.1V-9B's text shape.
  glm4v_text: {
    vocab_size: 151_552,
    hidden_size: 4096,
    intermediate_size: 13_696,
    num_hidden_layers: 40,
    num_attention_heads: 32,
    num_key_value_heads: 2,
    max_position_embeddings: 32_768,
    attention_bias: true,
    tie_word_embeddings: false,
  },
  // Glm4vMoeTextConfig (configuration_glm4v_moe.py); no head_dim default (the attention falls back
  // to hidden_size / num_attention_heads, which GLM-4.5V's file overrides with head_dim 128).
  glm4v_moe_text: {
    vocab_size: 151_424,
    hidden_size: 4096,
    intermediate_size: 10_944,
    num_hidden_layers: 46,
    num_attention_heads: 96,
    num_key_value_heads: 8,
    max_position_embeddings: 65_536,
    attention_bias: true,
    moe_intermediate_size: 1408,
    num_experts_per_tok: 8,
    n_shared_experts: 1,
    n_routed_experts: 128,
    n_group: 1,
    topk_group: 1,
    first_k_dense_replace: 1,
  },
  // Llama4TextConfig (configuration_llama4.py).
  llama4_text: {
    vocab_size: 202_048,
    hidden_size: 5120,
    intermediate_size: 8192,
    intermediate_size_mlp: 16_384,
    num_hidden_layers: 48,
    num_attention_heads: 40,
    num_key_value_heads: 8,
    head_dim: 128,
    max_position_embeddings: 4096 * 32,
    num_experts_per_tok: 1,
    num_local_experts: 16,
    interleave_moe_layer_step: 1,
    no_rope_layer_interval: 4,
    attention_chunk_size: 8192,
    attention_bias: false,
  },
  // Qwen3_5TextConfig (configuration_qwen3_5.py): its linear-attention keys too.
  qwen3_5_text: {
    vocab_size: 248_320,
    hidden_size: 4096,
    intermediate_size: 12_288,
    num_hidden_layers: 32,
    num_attention_heads: 16,
    num_key_value_heads: 4,
    head_dim: 256,
    max_position_embeddings: 32_768,
    attention_bias: false,
    linear_conv_kernel_dim: 4,
    linear_key_head_dim: 128,
    linear_value_head_dim: 128,
    linear_num_key_heads: 16,
    linear_num_value_heads: 32,
  },
};
