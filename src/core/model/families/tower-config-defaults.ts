/**
 * Class defaults of the vision and audio towers that multimodal wrappers nest, by `model_type`
 * (the text models' are in sub-config-defaults.ts, which spreads these into SUB_CONFIG_DEFAULTS).
 * Values are the `__init__` defaults of each configuration class; only the keys llmecon reads.
 */
import type { Json } from './fields.js';

/** Glm4vVisionConfig's defaults, which Glm4vMoeVisionConfig repeats. */
const GLM4V_VISION: Json = {
  depth: 24,
  hidden_size: 1536,
  num_heads: 12,
  in_channels: 3,
  image_size: 336,
  patch_size: 14,
  spatial_merge_size: 2,
  temporal_patch_size: 2,
  out_hidden_size: 4096,
  intermediate_size: 13_696,
  attention_bias: false,
};

/** The SigLIP so400m/16 shape several towers' classes default to (27 × 1152, MLP 4304, 16 heads, patch 16). */
export const SIGLIP_SO400M_16 = {
  hidden_size: 1152,
  intermediate_size: 4304,
  num_hidden_layers: 27,
  num_attention_heads: 16,
  num_channels: 3,
  patch_size: 16,
} as const;

/**
 * CLIP ViT-L/14 at 336 px (openai/clip-vit-large-patch14-336: 24 × 1024, MLP 4096, 16 heads), the tower
 * LlavaConfig defaults to and LLaVA 1.5, Phi-3-vision and Molmo load by name.
 */
export const CLIP_VIT_L14_336 = {
  hidden_size: 1024,
  intermediate_size: 4096,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  num_channels: 3,
  image_size: 336,
  patch_size: 14,
} as const;

/** SigLIP so400m/14 at 384 px (google/siglip-so400m-patch14-384): the so400m shape at patch 14. */
export const SIGLIP_SO400M_14_384 = { ...SIGLIP_SO400M_16, patch_size: 14, image_size: 384 } as const;

export const TOWER_CONFIG_DEFAULTS: Readonly<Record<string, Json>> = {
  // MllamaVisionConfig (configuration_mllama.py); its image_size default (448) is smaller than the released 560.
  mllama_vision_model: {
    hidden_size: 1280,
    intermediate_size: 5120,
    num_hidden_layers: 32,
    num_global_layers: 8,
    num_channels: 3,
    image_size: 448,
    patch_size: 14,
    max_num_tiles: 4,
    vision_output_dim: 7680,
    supported_aspect_ratios: [
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 1],
      [2, 2],
      [3, 1],
      [4, 1],
    ],
  },
  // InternVLVisionConfig (transformers configuration_internvl.py): InternViT-300M-448px.
  internvl_vision: {
    hidden_size: 1024,
    intermediate_size: 4096,
    num_hidden_layers: 24,
    num_attention_heads: 16,
    image_size: [448, 448],
    patch_size: [14, 14],
    num_channels: 3,
    attention_bias: false,
    use_qk_norm: false,
    norm_type: 'layer_norm',
    use_mean_pooling: true,
  },
  // InternVisionConfig (OpenGVLab configuration_intern_vit.py): InternViT-6B at 224 px.
  intern_vit_6b: {
    hidden_size: 3200,
    intermediate_size: 12_800,
    num_hidden_layers: 48,
    num_attention_heads: 25,
    image_size: 224,
    patch_size: 14,
    num_channels: 3,
    qkv_bias: false,
    qk_normalization: true,
    norm_type: 'rms_norm',
  },
  // Gemma3nAudioConfig (configuration_gemma3n.py).
  gemma3n_audio: {
    hidden_size: 1536,
    vocab_size: 128,
    input_feat_size: 128,
    conf_num_hidden_layers: 12,
    conf_num_attention_heads: 8,
    conf_conv_kernel_size: 5,
    sscp_conv_channel_size: [128, 32],
    sscp_conv_kernel_size: [
      [3, 3],
      [3, 3],
    ],
    sscp_conv_stride_size: [
      [2, 2],
      [2, 2],
    ],
  },
  // Gemma4AudioConfig (configuration_gemma4.py).
  gemma4_audio: {
    hidden_size: 1024,
    num_hidden_layers: 12,
    num_attention_heads: 8,
    subsampling_conv_channels: [128, 32],
    conv_kernel_size: 5,
    output_proj_dims: 1536,
  },
  // Gemma4VisionConfig (configuration_gemma4.py).
  gemma4_vision: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_hidden_layers: 16,
    num_attention_heads: 12,
    num_key_value_heads: 12,
    head_dim: 64,
    patch_size: 16,
    position_embedding_size: 10_240,
    pooling_kernel_size: 3,
  },
  // SiglipVisionConfig (configuration_siglip.py).
  siglip_vision_model: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    num_channels: 3,
    image_size: 224,
    patch_size: 16,
  },
  // CLIPVisionConfig (configuration_clip.py).
  clip_vision_model: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    num_channels: 3,
    image_size: 224,
    patch_size: 32,
  },
  // PixtralVisionConfig (configuration_pixtral.py).
  pixtral: {
    hidden_size: 1024,
    intermediate_size: 4096,
    num_hidden_layers: 24,
    num_attention_heads: 16,
    num_channels: 3,
    image_size: 1024,
    patch_size: 16,
  },
  // HunYuanVLVisionConfig (configuration_hunyuan_vl.py): HunyuanOCR's tower.
  hunyuan_vl_vision: {
    ...SIGLIP_SO400M_16,
    max_image_size: 2048,
    spatial_merge_size: 2,
  },
  // Glm4vVisionConfig and Glm4vMoeVisionConfig (configuration_glm4v.py, configuration_glm4v_moe.py,
  // the same class defaults), GLM-4.1V's shape; GLM-4.5V sets intermediate_size 10944 (its language
  // model's dense FFN width).
  glm4v_vision: GLM4V_VISION,
  glm4v_moe_vision: GLM4V_VISION,
  // Llama4VisionConfig (configuration_llama4.py).
  llama4_vision_model: {
    hidden_size: 768,
    num_hidden_layers: 34,
    num_attention_heads: 16,
    num_channels: 3,
    intermediate_size: 5632,
    vision_output_dim: 7680,
    image_size: 448,
    patch_size: 14,
    pixel_shuffle_ratio: 0.5,
    projector_input_dim: 4096,
    projector_output_dim: 4096,
  },
};
