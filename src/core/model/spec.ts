/**
 * The architecture of a decoder-only transformer, as llmecon reasons about it. Every supported
 * Hugging Face `config.json` is translated into this shape (see `hf-config.ts`), and users can write
 * it directly (JSON/YAML, see `model-spec-schema.ts`) for hypothetical models.
 */

/** Grouped-query attention; MHA when `numKvHeads === numHeads`, MQA when `numKvHeads === 1`. */
export interface GqaAttention {
  readonly kind: 'gqa';
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  /** Bias on the q, k and v projections (Qwen2, GPT-2, gpt-oss). */
  readonly qkvBias: boolean;
  /** Bias on the output projection (GPT-2, gpt-oss). */
  readonly outputBias: boolean;
  /**
   * Norms on queries and keys: `per-head` = one RMSNorm of `headDim` each for q and k (Qwen3, GLM-4.5);
   * `full` = RMSNorm over all of q (`numHeads·headDim`) and all of k (`numKvHeads·headDim`) (OLMo 2).
   */
  readonly qkNorm: 'none' | 'per-head' | 'full';
  /** Learned attention-sink logit per head (gpt-oss). */
  readonly sinks: boolean;
}

/** Multi-head latent attention (DeepSeek-V2 Sec. 2.1, Eq. 9-19). */
export interface MlaAttention {
  readonly kind: 'mla';
  readonly numHeads: number;
  /** Rank of the query compression; `null` projects queries directly (DeepSeek-V2-Lite). */
  readonly qLoraRank: number | null;
  /** d_c, the compressed KV latent dimension. */
  readonly kvLoraRank: number;
  readonly qkNopeHeadDim: number;
  /** d_h^R, the decoupled RoPE key dimension (shared across heads). */
  readonly qkRopeHeadDim: number;
  readonly vHeadDim: number;
}

export type AttentionSpec = GqaAttention | MlaAttention;

export interface MlpSpec {
  readonly intermediateSize: number;
  /** Gated (SwiGLU/GeGLU: gate, up and down matrices) or plain (up and down). */
  readonly gated: boolean;
  readonly bias: boolean;
}

export interface MoeSpec {
  /** Routed experts per MoE layer. */
  readonly numExperts: number;
  /** Routed experts each token goes to. */
  readonly topK: number;
  readonly expertIntermediateSize: number;
  readonly gated: boolean;
  /** Bias on expert matrices (gpt-oss). */
  readonly expertBias: boolean;
  /** Shared experts, always active; each of `sharedIntermediateSize`. */
  readonly numSharedExperts: number;
  readonly sharedIntermediateSize: number;
  /**
   * One parameter per expert next to the router weights: a Linear bias (gpt-oss) or DeepSeek-V3's
   * auxiliary-loss-free `e_score_correction_bias` (DeepSeek-V3 report Sec. 2.1.2).
   */
  readonly routerBias: boolean;
  /** A sigmoid gate scalar on the shared expert output (Qwen2-MoE): a `hidden → 1` projection. */
  readonly sharedExpertGate: boolean;
  /**
   * Group-limited routing (DeepSeek-V2/V3 `n_group`/`topk_group`): experts form `groups` groups and a
   * token goes to experts in at most `groupsPerToken` of them; with one group per node this bounds
   * the nodes a token is sent to (DeepSeek-V3 Sec. 2.1.2: at most 4 nodes). Null when unlimited.
   */
  readonly routingGroups: { readonly groups: number; readonly groupsPerToken: number } | null;
}

export interface LayerSpec {
  readonly attention: 'full' | 'sliding';
  readonly mlp: 'dense' | 'moe';
}

export interface ModelSpec {
  readonly name: string;
  /** The Hugging Face `model_type` it came from, or `llmecon` for a hand-written spec. */
  readonly modelType: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  /** Longest context the model supports (tokens). */
  readonly maxContextTokens: number;
  readonly tieWordEmbeddings: boolean;
  /** Rows of a learned absolute position table (GPT-2); 0 for RoPE/ALiBi models. */
  readonly learnedPositionEmbeddings: number;
  readonly norm: {
    readonly kind: 'rmsnorm' | 'layernorm';
    /** Hidden-size norms inside each decoder layer (2 for pre-norm Llama, 4 for Gemma 2). */
    readonly perLayer: number;
  };
  readonly attention: AttentionSpec;
  /** Window of sliding-window layers (tokens); `null` when no layer slides. */
  readonly slidingWindow: number | null;
  /** The MLP of dense layers (and of DeepSeek's first dense layers). */
  readonly mlp: MlpSpec;
  readonly moe: MoeSpec | null;
  /** One entry per decoder layer. */
  readonly layers: readonly LayerSpec[];
  /**
   * Multi-token-prediction modules (DeepSeek-V3 Sec. 2.2): each is one extra decoder layer plus two
   * norms and a 2h→h projection; embedding and output head are shared with the main model.
   */
  readonly numMtpModules: number;
  /** Activation function name, informational. */
  readonly activation: string;
}

/** Attention dims used by every formula: query/key width and value width per head. */
export function attentionHeadDims(attention: AttentionSpec): {
  readonly qkHeadDim: number;
  readonly vHeadDim: number;
} {
  return attention.kind === 'mla'
    ? { qkHeadDim: attention.qkNopeHeadDim + attention.qkRopeHeadDim, vHeadDim: attention.vHeadDim }
    : { qkHeadDim: attention.headDim, vHeadDim: attention.headDim };
}
