/**
 * What a multimodal model attaches to its decoder: a vision encoder counted apart, and cross-attention to an
 * image's tokens. Their shapes as `ModelSpec` carries them; re-exported by spec.ts.
 */
/**
 * A vision encoder in front of the language model (Qwen3-VL, Gemma 3, Mistral 3, Llama 4). Counted
 * apart from the language model: its parameters, and its FLOPs per image when the image size is known.
 */
export interface VisionTowerSpec {
  /** Short description, e.g. "ViT 27 × 1152, patch 16". */
  readonly description: string;
  readonly params: number;
  readonly patchSize: number;
  /** Patches of one image at `imageSize` (null when the config gives no fixed image size). */
  readonly imageSize: number | null;
  /**
   * Forward FLOPs to encode one image of `imageSize`, or at the config's default patch budget when
   * images keep their own size up to a budget (Gemma 4); null when neither is fixed.
   */
  readonly flopsPerImage: number | null;
}

/**
 * Cross-attention to an image (Llama 3.2 Vision `MllamaCrossAttentionDecoderLayer`, IDEFICS
 * `IdeficsGatedCrossAttentionLayer`): q_proj on the text tokens, k_proj and v_proj on the `contextTokens`
 * vision tokens once per image (cached per sequence), no RoPE or mask; tanh gates on the attention and
 * MLP outputs. Absent optional fields = Mllama's layer.
 */
export interface CrossAttentionSpec {
  /** Vision tokens each sequence's cross-attention layers attend to (one image at its most tiles). */
  readonly contextTokens: number;
  /** Width k_proj and v_proj read (IDEFICS `vision_config.embed_dim`); absent = `hiddenSize`. */
  readonly contextWidth?: number;
  /** Per-head q/k RMSNorms: absent = 'per-head' (Mllama); 'none' (IDEFICS `qk_layer_norms` false). */
  readonly qkNorm?: 'per-head' | 'none';
  /** Elements of each of the two gates: absent = 1 (a scalar), h for IDEFICS `alpha_type` "vector". */
  readonly gateWidth?: number;
}
