/**
 * How an unknown `model_type` is read (hf-config.ts): the known families recognised by their keys, the
 * structures a family must model before it may read a config that signals them, and the sub-configs of
 * encoders a fallback read leaves out.
 */
import type { SupportedModelType } from './families/index.js';

/**
 * Keys that signal a structure a lookalike must model to be read safely, by what they signal. A
 * config that carries one its lookalike does not explain is refused: reading Jamba (Mamba layers,
 * `num_experts`) as a dense Llama would print a quarter of its parameters as a confident answer.
 */
export const STRUCTURE_MARKERS = {
  moe: {
    what: 'mixture-of-experts',
    keys: [
      'num_experts',
      'num_local_experts',
      'n_routed_experts',
      'moe_num_experts',
      'moe_intermediate_size',
      'num_experts_per_tok',
    ],
  },
  stateSpace: {
    what: 'state-space or recurrent layers',
    keys: [
      'state_size',
      'ssm_state_size',
      'mamba_d_state',
      'd_state',
      'time_step_rank',
      'mamba_expand',
      'linear_attn_config',
      'linear_num_value_heads',
      'attn_type_list',
      'full_attention_interval',
      'layers_block_type',
      'attn_layer_period',
      'hybrid_override_pattern',
      'attention_hidden_size',
      'attn_layer_indices',
      // Ling's linear-attention hybrids (layer_group_size), KDA's short conv (Ling 3.0), Qwen3-Next's
      // Gated DeltaNet, SambaY's Mamba period (Phi-4-mini-flash), LFM2's short convolutions.
      'layer_group_size',
      'short_conv_kernel_size',
      'linear_num_key_heads',
      'linear_conv_kernel_dim',
      'mb_per_layer',
      'conv_L_cache',
      // Griffin / RecurrentGemma's RG-LRU blocks.
      'lru_width',
      'block_types',
      '_block_types',
    ],
  },
  encoderDecoder: {
    what: 'an encoder-decoder',
    keys: ['is_encoder_decoder', 'num_decoder_layers', 'decoder_layers', 'encoder_layers'],
  },
  sharedExperts: {
    what: 'shared experts beside the routed ones',
    keys: [
      'shared_intermediate_size',
      'shared_expert_intermediate_size',
      'moe_shared_expert_intermediate_size',
      'n_shared_experts',
      'num_shared_experts',
    ],
  },
  crossAttention: { what: 'cross-attention layers', keys: ['cross_attention_layers'] },
  perLayerStreams: {
    what: 'per-layer input embeddings, AltUp streams or LAuReL blocks (Gemma 3n)',
    keys: ['altup_num_inputs', 'laurel_rank', 'hidden_size_per_layer_input'],
  },
  encoderOnly: {
    what: 'a bidirectional encoder (BERT-style)',
    // BERT's token types; ModernBERT's alternating global layers and pooling; EuroBERT's pooling.
    keys: ['type_vocab_size', 'global_attn_every_n_layers', 'classifier_pooling', 'clf_pooling'],
  },
  compressedAttention: {
    what: 'compressed KV attention or hyper-connections (DeepSeek-V4)',
    keys: ['compress_ratios', 'compress_rates', 'hc_mult'],
  },
  perKindHeads: {
    what: 'attention heads of their own on sliding layers (Step-3.5 attention_other_setting)',
    keys: ['attention_other_setting'],
  },
  lowRankQuery: {
    what: "a low-rank query projection shared by the heads (Step-3's multi-matrix factorisation attention)",
    keys: ['share_q_dim', 'use_mfa'],
  },
  headWidth: {
    what: "a head width of its own (Megatron's `kv_channels`: JetMoE's mixture of attention heads, ChatGLM, Qwen v1)",
    keys: ['kv_channels'],
  },
  latentAttention: {
    what: 'multi-head latent attention (a low-rank compressed KV, DeepSeek-V2 MLA)',
    keys: ['kv_lora_rank'],
  },
} as const;

export type Structure = keyof typeof STRUCTURE_MARKERS;

/** The keys that count routed experts, by family. */
export const EXPERT_COUNT_KEYS = ['num_experts', 'num_local_experts', 'n_routed_experts', 'moe_num_experts'];

/**
 * The expert-count keys each lookalike family that explains experts reads (its own modelling code); one it
 * does not read, counting more than one expert, on a config it reads as dense is refused.
 */
export const FAMILY_EXPERT_KEYS: Partial<Record<SupportedModelType, readonly string[]>> = {
  deepseek_v4: ['n_routed_experts'],
  step3_text: ['moe_num_experts'],
  step3p5: ['moe_num_experts', 'num_experts'],
  nemotron_h: ['n_routed_experts'],
  qwen3_5_moe_text: ['num_experts'],
  deepseek_v32: ['n_routed_experts'],
  kimi_linear: ['n_routed_experts', 'num_experts'],
  sarvam_mla: ['num_experts', 'n_routed_experts'],
  deepseek_v3: ['n_routed_experts'],
  minimax_m3: ['num_local_experts'],
  llama4_text: ['num_local_experts'],
  mixtral: ['num_local_experts'],
  qwen2_moe: ['num_experts'],
  bailing_moe: ['num_experts'],
  qwen3_moe: ['num_experts'],
  glm4_moe: ['n_routed_experts'],
};

/**
 * Known families recognised by their keys, most specific first: the family to read an unknown
 * `model_type` as, the keys that identify it, and what reading it that way assumes.
 */
export const LOOKALIKES: readonly {
  readonly family: SupportedModelType;
  readonly keys: readonly string[];
  readonly assumption: string;
  /** The structures of {@link STRUCTURE_MARKERS} this family models; absent = none. */
  readonly explains?: readonly Structure[];
}[] = [
  {
    family: 'deepseek_v4',
    keys: ['compress_ratios', 'o_lora_rank', 'o_groups', 'hc_mult'],
    assumption:
      'DeepSeek-V4: shared-KV MQA over a sliding window with compressed sparse and heavily compressed layers, a grouped low-rank output, hyper-connections, DeepSeek experts',
    explains: ['moe', 'sharedExperts', 'compressedAttention'],
  },
  {
    family: 'step3_text',
    keys: ['share_q_dim', 'share_expert_dim', 'moe_intermediate_size', 'num_attention_groups'],
    assumption:
      'Step3 MFA: a low-rank query shared by the heads (share_q_dim), one KV head, MoE layers from moe_layers_enum with one shared expert',
    explains: ['moe', 'sharedExperts', 'lowRankQuery'],
  },
  {
    family: 'step3p5',
    keys: ['share_expert_dim', 'moe_intermediate_size', 'hidden_size', 'num_attention_heads'],
    assumption:
      'Step-3.5: full and sliding GQA layers (sliding heads from attention_other_setting), head-wise attention gates, MoE with one shared expert of share_expert_dim',
    explains: ['moe', 'sharedExperts', 'perKindHeads'],
  },
  {
    family: 'nemotron-nas',
    keys: ['block_configs', 'hidden_size', 'num_attention_heads'],
    assumption:
      'DeciLM blocks from block_configs: per-layer GQA (n_heads_in_group) or no-op/linear attention, per-layer SwiGLU width (ffn_mult)',
  },
  {
    family: 'gemma3n_text',
    keys: ['altup_num_inputs', 'laurel_rank', 'hidden_size', 'num_hidden_layers'],
    assumption:
      'Gemma 3n decoder: AltUp residual streams, LAuReL, per-layer inputs, KV-shared last layers, four sliding layers to one global',
    explains: ['perLayerStreams'],
  },
  {
    family: 'nemotron_h',
    keys: ['hybrid_override_pattern', 'mamba_num_heads', 'ssm_state_size'],
    assumption: 'Mamba-2/attention/MLP blocks from hybrid_override_pattern, one RMSNorm each, ungated MLPs',
    explains: ['moe', 'stateSpace', 'sharedExperts'],
  },
  {
    family: 'qwen3_5_moe_text',
    keys: ['linear_num_key_heads', 'linear_num_value_heads', 'num_experts', 'moe_intermediate_size'],
    assumption: 'Gated DeltaNet layers with gated full attention, MoE with a gated shared expert',
    explains: ['moe', 'stateSpace', 'sharedExperts'],
  },
  {
    family: 'qwen3_5_text',
    keys: ['linear_num_key_heads', 'linear_num_value_heads', 'intermediate_size'],
    assumption: 'Gated DeltaNet layers with gated full attention, SwiGLU MLPs',
    explains: ['stateSpace'],
  },
  {
    family: 'deepseek_v32',
    keys: ['kv_lora_rank', 'qk_rope_head_dim', 'index_topk', 'index_n_heads'],
    assumption: 'MLA with a DSA indexer on every layer, DeepSeek-V3 experts',
    explains: ['moe', 'sharedExperts', 'latentAttention'],
  },
  {
    family: 'kimi_linear',
    keys: ['linear_attn_config', 'kv_lora_rank', 'qk_rope_head_dim'],
    assumption: 'Kimi Delta Attention layers with MLA full-attention layers, DeepSeek-style experts',
    explains: ['moe', 'stateSpace', 'sharedExperts', 'latentAttention'],
  },
  {
    // Sarvam-105B's spelling of DeepSeek-V3's MLA and MoE (num_experts, num_shared_experts).
    family: 'sarvam_mla',
    keys: ['kv_lora_rank', 'qk_rope_head_dim', 'num_experts', 'num_shared_experts'],
    assumption:
      'MLA attention, routed experts (num_experts) with num_shared_experts shared, a dense first layer',
    explains: ['moe', 'sharedExperts', 'latentAttention'],
  },
  {
    family: 'deepseek_v3',
    keys: ['kv_lora_rank', 'qk_rope_head_dim', 'qk_nope_head_dim', 'v_head_dim'],
    assumption: 'MLA attention, DeepSeek-V3 shared and routed experts',
    explains: ['moe', 'sharedExperts', 'latentAttention'],
  },
  {
    family: 'minimax_m3',
    keys: [
      'sparse_attention_config',
      'dense_intermediate_size',
      'num_local_experts',
      'shared_intermediate_size',
    ],
    assumption:
      'GQA with block-sparse attention layers (MiniMax-M3 indexer), dense first layers, MoE with one shared expert',
    explains: ['moe', 'sharedExperts'],
  },
  {
    family: 'llama4_text',
    keys: ['num_local_experts', 'interleave_moe_layer_step', 'intermediate_size_mlp'],
    assumption: 'Llama 4 interleaved MoE with a shared expert, chunked attention',
    explains: ['moe', 'sharedExperts'],
  },
  {
    family: 'mixtral',
    keys: ['num_local_experts', 'num_experts_per_tok', 'intermediate_size'],
    assumption: 'every layer a top-k MoE of SwiGLU experts, no shared expert, no biases',
    explains: ['moe'],
  },
  {
    family: 'qwen2_moe',
    keys: ['num_experts', 'num_experts_per_tok', 'moe_intermediate_size', 'shared_expert_intermediate_size'],
    assumption:
      'Qwen2 attention (q/k/v bias), top-k MoE of SwiGLU experts with one sigmoid-gated shared expert',
    explains: ['moe', 'sharedExperts'],
  },
  {
    family: 'bailing_moe',
    keys: ['num_experts', 'num_experts_per_tok', 'moe_intermediate_size', 'num_shared_experts'],
    assumption:
      'GQA attention, num_shared_experts shared SwiGLU experts beside the routed ones after first_k_dense_replace dense layers',
    explains: ['moe', 'sharedExperts'],
  },
  {
    family: 'qwen3_moe',
    keys: ['num_experts', 'num_experts_per_tok', 'moe_intermediate_size'],
    assumption: 'per-head q/k RMSNorms, top-k MoE of SwiGLU experts, no shared expert',
    explains: ['moe'],
  },
  {
    family: 'glm4_moe',
    keys: ['n_routed_experts', 'num_experts_per_tok', 'moe_intermediate_size', 'num_attention_heads'],
    assumption: 'GQA attention, shared and routed SwiGLU experts after first_k_dense_replace dense layers',
    explains: ['moe', 'sharedExperts'],
  },
  {
    // Gemma 2's keys (GeGLU's `hidden_activation`, `query_pre_attn_scalar`): a Gemma derivative read as
    // Llama would count an untied head (VaultGemma: +28%).
    family: 'gemma2',
    keys: ['hidden_activation', 'query_pre_attn_scalar', 'head_dim', 'num_attention_heads'],
    assumption:
      'GeGLU MLP, four RMSNorms per layer (Gemma 2 post-norms), embeddings tied unless tie_word_embeddings is false, sliding layers per layer_types or sliding_window',
  },
  {
    family: 'llama',
    keys: ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'vocab_size'],
    assumption:
      'separate q/k/v/o projections (bias per attention_bias), SwiGLU MLP, two RMSNorms per layer, RoPE, embeddings tied only if tie_word_embeddings',
  },
];

const ATTENTION_LAYER_TYPES: readonly unknown[] = [
  'full_attention',
  'sliding_attention',
  'chunked_attention',
];

/**
 * The key by which a config says it is an encoder beyond its STRUCTURE_MARKERS keys: `architectures` naming
 * a masked-language-model head (`EuroBertForMaskedLM`: its other keys are Llama's), or every token attending
 * both ways (`use_bidirectional_attention` true or 'all', EmbeddingGemma's; 'vision' is a decoder's image prefix).
 */
export function encoderSignal(json: Readonly<Record<string, unknown>>): string | undefined {
  const { architectures, use_bidirectional_attention: both } = json;
  const masked = (a: unknown) => typeof a === 'string' && /ForMaskedLM$/.test(a);
  if (Array.isArray(architectures) && architectures.some(masked)) return 'architectures';
  return both === true || both === 'all' ? 'use_bidirectional_attention' : undefined;
}

/** Whether a `layer_types` list names a layer kind other than softmax attention. */
export function namesRecurrentLayers(layerTypes: unknown): boolean {
  return Array.isArray(layerTypes) && layerTypes.some((t) => !ATTENTION_LAYER_TYPES.includes(t));
}

/** Sub-configs and keys of a multimodal model's encoders and speech decoders, which a fallback read leaves out. */
export const ENCODER_KEYS = [
  ...[
    'vision_config',
    'audio_config',
    'speech_config',
    'visual',
    'vision_tower',
    'audio_tower',
    'embd_layer',
  ],
  ...['visual_tokenizer_config', 'mm_vision_tower', 'vision_tower_config', 'image_encoder', 'tts_config'],
  ...['talker_config', 'code2wav_config', 'token2wav_config'],
];
