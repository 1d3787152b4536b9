/**
 * The architecture of a decoder-only transformer, as llmecon reasons about it. Every supported
 * Hugging Face `config.json` is translated into this shape (see `hf-config.ts`), and users can write
 * it directly (JSON/YAML, see `model-spec-schema.ts`) for hypothetical models.
 */

import type { LayerExtrasSpec } from './layer-extras.js';
import type { GatedDeltaNetSpec, ShortConvSpec, SparseAttentionSpec, StateSpaceSpec } from './mixer-specs.js';
import type { CrossAttentionSpec, VisionTowerSpec } from './modality-specs.js';
import type { MoeSpec } from './moe-spec.js';
import type { AltUpSpec, HyperConnectionsSpec, LaurelSpec, PerLayerInputSpec } from './residual-specs.js';

export type { LayerExtraGemm, LayerExtrasSpec } from './layer-extras.js';
export type {
  GatedDeltaNetSpec,
  SelectiveScanSpec,
  ShortConvSpec,
  SparseAttentionSpec,
  StateSpaceSpec,
} from './mixer-specs.js';
export type { CrossAttentionSpec, VisionTowerSpec } from './modality-specs.js';
export type { MoeSpec } from './moe-spec.js';
export type { AltUpSpec, HyperConnectionsSpec, LaurelSpec, PerLayerInputSpec } from './residual-specs.js';

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
  /**
   * Sigmoid output gate (Qwen3-Next / Qwen3.5 `attn_output_gate`): q_proj emits a second
   * `numHeads·headDim` block that gates the attention output elementwise. Absent = false.
   */
  readonly outputGate?: boolean;
  /** Step-3.5 head-wise gate (Step3p5Attention): g_proj (h → numHeads) scales each head's output. */
  readonly headGate?: boolean;
  /**
   * With {@link outputGate}: the gate is its own g_proj (h → numHeads·headDim; Laguna `gating`
   * "per-element"), not a second half of q_proj. The same parameters and FLOPs; LoRA on q adapts q_proj
   * alone. Absent = the gate is part of q_proj.
   */
  readonly gateProjection?: boolean;
  /**
   * A low-rank query shared by the heads (Step3's multi-matrix factorisation attention, vLLM
   * `Step3TextAttention`): q_proj h → queryRank, inter_norm RMSNorm(queryRank), wq queryRank →
   * numHeads·headDim. Absent = a full-rank q_proj.
   */
  readonly queryRank?: number;
  /**
   * Keys double as values (Gemma 4 `attention_k_eq_v` on its global layers, `Gemma4TextAttention`):
   * k_proj's output is both, so there is no v_proj; the cache still holds K (after k_norm and RoPE)
   * and V (after v_norm) apart, as transformers' and vLLM's caches do. Absent = false.
   */
  readonly valueFromKey?: boolean;
  /**
   * q, k and v are one matrix (GPT-NeoX/BLOOM/Falcon `query_key_value`, Phi-3 `qkv_proj`, MPT
   * `Wqkv`, GPT-2 `c_attn`): an adapter targets it whole (PEFT target_modules name the fused module),
   * so LoRA on it is r·(h + q + 2·kv), not one pair per projection. Absent = separate projections.
   */
  readonly fusedQkv?: boolean;
  /**
   * Width of each value head when it differs from the query/key width `headDim` (MiMo-V2-Flash
   * `v_head_dim` 128 beside `head_dim` 192): v_proj is numKvHeads·valueHeadDim wide, o_proj reads
   * numHeads·valueHeadDim, the cache holds keys of headDim and values of valueHeadDim. Absent = headDim.
   */
  readonly valueHeadDim?: number;
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
  /** Sigmoid output gate (Kimi K3 `mla_use_output_gate`): g_proj h → heads·v_head_dim before o_proj. */
  readonly outputGate?: boolean;
  /** Learned attention-sink logit per head (Hy4 `HYV4Attention.sinks`, as GQA's {@link GqaAttention.sinks}). Absent = false. */
  readonly sinks?: boolean;
}

/**
 * DeepSeek-V4 attention (DeepSeek-V4 report Sec. 2.3; transformers `DeepseekV4Attention`): shared-KV
 * MQA — kv_proj (h → `headDim`) with an RMSNorm, one head read as both keys and values —, queries from
 * a low-rank latent (q_a_proj h → `qLoraRank`, RMSNorm, q_b_proj → heads·headDim, an unweighted
 * RMSNorm), a learned sink per head, and a grouped low-rank output (o_a_proj: `outputGroups` blocks of
 * heads·headDim/g → `outputLoraRank`; o_b_proj g·r → h). Every layer attends over the last
 * `slidingWindow` tokens; a layer with a `compressRatio` also over compressed entries (LayerSpec).
 */
export interface CompressedAttention {
  readonly kind: 'compressed';
  readonly numHeads: number;
  /** The one shared key/value head's width (also each query head's). */
  readonly headDim: number;
  /** The rotated slice of each head (`qk_rope_head_dim`). */
  readonly ropeHeadDim: number;
  readonly qLoraRank: number;
  /** g, the head groups of the grouped output projection (`o_groups`). */
  readonly outputGroups: number;
  /** d_g, each group's intermediate output width (`o_lora_rank`). */
  readonly outputLoraRank: number;
}

export type AttentionSpec = GqaAttention | MlaAttention | CompressedAttention;

export interface MlpSpec {
  readonly intermediateSize: number;
  /** Gated (SwiGLU/GeGLU: gate, up and down matrices) or plain (up and down). */
  readonly gated: boolean;
  readonly bias: boolean;
  /** Gate and up are one matrix (Phi-3, GLM-4 `gate_up_proj`, ChatGLM `dense_h_to_4h`): LoRA r·(h + 2I). */
  readonly fusedGateUp?: boolean;
  /** A norm of the intermediate width before the down projection (Kosmos-2 `ffn_layernorm`). Absent = none. */
  readonly intermediateNorm?: boolean;
}

/**
 * What mixes tokens in a layer:
 * - `full`: softmax attention over every earlier token (KV grows with context);
 * - `sliding`: softmax attention over the last `slidingWindow` tokens;
 * - `chunked`: softmax attention within fixed chunks of `chunkedAttentionTokens` (Llama 4 iRoPE
 *   layers): a query sees only the earlier tokens of its own chunk, so KV is capped at one chunk;
 * - `sparse`: attention plus a lightning indexer that picks the top-k earlier tokens per query
 *   (MLA + DSA: DeepSeek-V3.2, GLM-5) or the top-k key blocks (GQA: MiniMax-M3); see
 *   `sparseAttention`; KV grows with context, compute does not;
 * - `linear`: Gated DeltaNet (Qwen3-Next, Qwen3.5), Kimi Delta Attention, lightning attention, the
 *   mLSTM, an RWKV time mix, HGRN2's gated linear attention or HGRN's element-wise recurrence (see
 *   `linearAttention`): a constant state per sequence, no KV;
 * - `mamba`: a Mamba-2 or Mamba-1 state-space mixer (Nemotron-H; Jamba, Falcon-Mamba; see
 *   `stateSpace`): constant state, no KV;
 * - `conv`: a gated short convolution (LFM2 `Lfm2ShortConv`; see `shortConv`): a constant conv window, no KV;
 * - `projection`: one bias-free hidden×hidden Linear in place of attention (Nemotron-NAS / DeciLM
 *   `replace_with_linear`, `DeciLMLinearAttention`): no token mixing, no KV;
 * - `cross`: softmax attention from the text tokens to a fixed set of encoder tokens (Llama 3.2
 *   Vision's cross-attention layers; see `crossAttention`): a constant KV per sequence;
 * - `none`: no token mixer (Nemotron-H MLP-only and MoE-only blocks, Nemotron-NAS `no_op`).
 */
export type LayerMixer =
  | 'full'
  | 'sliding'
  | 'chunked'
  | 'sparse'
  | 'linear'
  | 'mamba'
  | 'conv'
  | 'projection'
  | 'cross'
  | 'none';

/** Softmax-attention mixers: those that hold a KV cache and use {@link ModelSpec.attention}. */
export const ATTENTION_MIXERS: readonly LayerMixer[] = ['full', 'sliding', 'chunked', 'sparse'];

export const isAttentionMixer = (mixer: LayerMixer): boolean => ATTENTION_MIXERS.includes(mixer);

/**
 * The channel mixer of a layer: `none` for Nemotron-H's mixer-only blocks and Nemotron-NAS `no_op`
 * FFNs; `projection` for one bias-free hidden×hidden Linear in place of the FFN (Nemotron-NAS
 * `replace_with_linear`, `DeciLMLinearMLP`).
 */
export type LayerMlp = 'dense' | 'moe' | 'projection' | 'none';

export interface LayerSpec {
  /** The token mixer (named `attention` for history: also `linear`, `mamba` or `none`). */
  readonly attention: LayerMixer;
  readonly mlp: LayerMlp;
  /** GQA KV heads when not `spec.attention.numKvHeads` (Nemotron-NAS `n_heads_in_group` per layer). */
  readonly numKvHeads?: number;
  /** GQA query heads when not `spec.attention.numHeads` (OpenELM's layer-wise scaling, `num_query_heads`). */
  readonly numHeads?: number;
  /**
   * Intermediate size of this layer's dense MLP when not `spec.mlp.intermediateSize` (Nemotron-NAS
   * `ffn_mult` per layer; Gemma 4 `use_double_wide_mlp`: twice as wide on KV-shared layers).
   */
  readonly intermediateSize?: number;
  /** Hidden-size norms when not `spec.norm.perLayer` (Nemotron-NAS: one per sub-block present). */
  readonly norms?: number;
  /**
   * Attends with the keys and values of the last earlier non-shared layer of the same kind (Gemma 3n
   * / Gemma 4 `num_kv_shared_layers`, `Gemma4TextAttention.is_kv_shared_layer`): no k/v projections
   * or k norm, no KV cache of its own (Gemma 3n keeps their unused weights: see
   * `ModelSpec.kvSharedWeightsKept`). Absent = false.
   */
  readonly kvShared?: boolean;
  /**
   * DeepSeek-V4 KV compression beside the sliding window (report Sec. 2.3.1-2.3.2; transformers
   * `DeepseekV4CSACompressor`, `DeepseekV4HCACompressor`): every `compressRatio` tokens are pooled by a
   * learned softmax gate into one cached entry of the attention's headDim. A `sparse` layer (CSA, two
   * overlapping series) attends to the lightning indexer's top-k entries (`sparseAttention`, scoring
   * compressed indexer keys), a `full` layer (HCA) to all of them. Absent = no compression.
   */
  readonly compressRatio?: number;
  /**
   * The index of an earlier layer of the same kind whose weights this one runs (Zamba2's shared blocks):
   * no parameters, states or adapters of its own; its compute, activations and KV cache are its own.
   */
  readonly reusesWeights?: number;
  /**
   * A `sparse` layer attending to the top-k keys the last earlier sparse layer with its own indexer
   * selected (IndexCache, arXiv:2603.12201; GLM-5.2 / Hy4 `indexer_types` 'shared': `self.indexer = None`):
   * no indexer weights, indexer keys or operations; its attention still reads the top-k keys. Absent = false.
   */
  readonly indexerShared?: boolean;
  /** RWKV-7's layer 0 (fla `RWKV7Attention`): its v is v_first, so no v_lora (layerView drops `valueRank`). */
  readonly valueFirst?: boolean;
  /** Small modules ModelSpec has no kind for, held and run with the layer (layer-extras.ts). Absent = none. */
  readonly extras?: LayerExtrasSpec;
}

/**
 * An MTP module unlike DeepSeek-V3's (whose layer attends fully, or sparsely with a DSA indexer, and runs the
 * model's MLP, sharing the main head): the decoder layer each module runs (MiMo-V2-Flash and Step-3.5-Flash:
 * a sliding-window layer with a dense MLP), and whether each module holds a vocabulary projection of its own
 * (Step-3.5's `shared_head.output`).
 */
export interface MtpModuleSpec {
  readonly layer: LayerSpec;
  /** Each module holds its own output head (vocab × width), not the main model's. Absent = false. */
  readonly ownHead?: boolean;
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
  /** A bias on the output head, vocabSize elements (Phi-1/1.5/2's and Moondream's lm_head); absent = none. */
  readonly headBias?: boolean;
  /** Rows of a learned absolute position table (GPT-2); 0 for RoPE/ALiBi models. */
  readonly learnedPositionEmbeddings: number;
  readonly norm: {
    readonly kind: 'rmsnorm' | 'layernorm';
    /** Hidden-size norms inside each decoder layer (2 for pre-norm Llama, 4 for Gemma 2). */
    readonly perLayer: number;
    /** A LayerNorm without its bias (CohereLayerNorm); absent: LayerNorm has one. */
    readonly bias?: false;
    /** Norms without learned parameters (OLMo 1's OlmoLayerNorm: no weight, no bias); absent: learned. */
    readonly affine?: false;
    /** One more norm on the embeddings (BLOOM `word_embeddings_layernorm`); absent: none. */
    readonly embedding?: true;
    /** No norm after the last layer (post-norm OPT-350M, `do_layer_norm_before` false); absent: one. */
    readonly final?: false;
  };
  /**
   * Width of the token embedding and the output head when it differs from `hiddenSize` (OPT-350M
   * `word_embed_proj_dim`): bias-free project_in (w → h) after the lookup and project_out (h → w)
   * before the head. Absent = `hiddenSize`, no projections ({@link embeddingWidth}).
   */
  readonly embeddingWidth?: number;
  readonly attention: AttentionSpec;
  /**
   * The attention of `full` layers when it differs from `attention`, which every other softmax layer
   * uses (Gemma 4's global layers: `global_head_dim`, `num_global_key_value_heads`, keys as values).
   * Absent = `attention` everywhere.
   */
  readonly fullAttention?: GqaAttention;
  /** Window of sliding-window layers (tokens); `null` when no layer slides. */
  readonly slidingWindow: number | null;
  /** Chunk of `chunked` layers (tokens, Llama 4 `attention_chunk_size`); `null` when none. */
  readonly chunkedAttentionTokens: number | null;
  /** The indexer of `sparse` layers; `null` when none. */
  readonly sparseAttention: SparseAttentionSpec | null;
  /** The mixer of `linear` layers; `null` when none. */
  readonly linearAttention: GatedDeltaNetSpec | null;
  /** The mixer of `mamba` layers; `null` when none. */
  readonly stateSpace: StateSpaceSpec | null;
  /** The mixer of `conv` layers; absent or `null` when none. */
  readonly shortConv?: ShortConvSpec | null;
  /** Per-layer input embeddings (Gemma 3n, Gemma 4 E-models); absent or `null` when none. */
  readonly perLayerInput?: PerLayerInputSpec | null;
  /**
   * Parameters of hashed lookup tables beside the vocabulary embedding (Qwen4-Exp's PLE n-gram
   * embeddings with their small projections): gathered per token, held (and split over TP) like the
   * input embedding, in the total and the embedding count, not in the active count, no GEMM FLOPs.
   * Absent = none.
   */
  readonly lookupTableParams?: number;
  /** What `cross` layers attend to (Llama 3.2 Vision); absent or `null` when none. */
  readonly crossAttention?: CrossAttentionSpec | null;
  /** AltUp residual streams (Gemma 3n); absent or `null` when none. */
  readonly altUp?: AltUpSpec | null;
  /** A LAuReL low-rank residual beside each layer's attention (Gemma 3n); absent or `null` when none. */
  readonly laurel?: LaurelSpec | null;
  /**
   * KV-shared layers still hold k_proj, v_proj and k_norm weights (Gemma 3n builds them in every
   * layer, `Gemma3nTextAttention`), counted as parameters but not run. Absent = false (Gemma 4).
   */
  readonly kvSharedWeightsKept?: boolean;
  /** A vision encoder (multimodal wrappers), counted apart; `null` for a text-only model. */
  readonly vision: VisionTowerSpec | null;
  /**
   * An audio encoder (Gemma 3n and 4 E-models' `audio_config`, Qwen3-Omni's), counted apart like the vision tower; its
   * FLOPs depend on the clip length and are not given. Absent or `null` when none.
   */
  readonly audio?: { readonly description: string; readonly params: number } | null;
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
  /** The MTP modules' shape where it is not DeepSeek-V3's ({@link MtpModuleSpec}); absent or null = DeepSeek-V3's. */
  readonly mtpModule?: MtpModuleSpec | null;
  /** Activation function name, informational. */
  readonly activation: string;
  /**
   * Hyper-connections (mHC: Xie et al. 2026, DeepSeek-V4 report Sec. 2.2; Hy4's iHC): the residual is
   * `streams` vectors of h; before its attention and before its MLP each layer computes mixing weights
   * from the flattened streams ({@link HyperConnectionsSpec}), collapses the streams into the block's
   * input and mixes its output back; the model collapses them once more before the final norm
   * (hc_head: streams·h → streams). Absent or null = one residual stream.
   */
  readonly hyperConnections?: HyperConnectionsSpec | null;
  /**
   * Attention Residuals (Kimi K3 `attn_res_block_size`): before its attention and before its MLP,
   * each layer mixes the residual stream with the block residuals kept every `blockLayers` layers by
   * a softmax over scores against one learned direction (a [1, h] projection and an RMSNorm weight
   * of h each, 4·h per layer), and the output once more (2·h). Absent or null = plain residuals.
   */
  readonly attentionResiduals?: { readonly blockLayers: number } | null;
  /**
   * Assumptions made reading the config (e.g. an unknown `model_type` read as a known family); the
   * CLI and web app show them as warnings. Absent when none.
   */
  readonly warnings?: readonly string[];
}

/** The width of the embedding table and the output head ({@link ModelSpec.embeddingWidth}). */
export const embeddingWidth = (spec: ModelSpec): number => spec.embeddingWidth ?? spec.hiddenSize;

/** Parameters of the token embedding table, and of an untied output head of the same shape. */
export const embeddingTableParams = (spec: ModelSpec): number => spec.vocabSize * embeddingWidth(spec);

/** Attention dims used by every formula: query/key width and value width per head. */
export function attentionHeadDims(attention: AttentionSpec): {
  readonly qkHeadDim: number;
  readonly vHeadDim: number;
} {
  // DeepSeek-V4's shared-KV head: keys and values of headDim; GQA's values of their own width if given.
  if (attention.kind === 'mla')
    return { qkHeadDim: attention.qkNopeHeadDim + attention.qkRopeHeadDim, vHeadDim: attention.vHeadDim };
  return {
    qkHeadDim: attention.headDim,
    vHeadDim: attention.kind === 'gqa' ? (attention.valueHeadDim ?? attention.headDim) : attention.headDim,
  };
}

/**
 * A GQA layer's projection widths: q_proj's `query` (numHeads·headDim), k_proj's `key`
 * (numKvHeads·headDim), v_proj's `value` (numKvHeads·valueHeadDim) and o_proj's input `output`
 * (numHeads·valueHeadDim), which an output gate also has.
 */
export function gqaWidths(attention: GqaAttention): {
  readonly query: number;
  readonly key: number;
  readonly value: number;
  readonly output: number;
} {
  const v = attention.valueHeadDim ?? attention.headDim;
  return {
    query: attention.numHeads * attention.headDim,
    key: attention.numKvHeads * attention.headDim,
    value: attention.numKvHeads * v,
    output: attention.numHeads * v,
  };
}

/** Keys and values of one token in a GQA layer: numKvHeads·(headDim + valueHeadDim). */
export function gqaKeyValueWidth(attention: GqaAttention): number {
  const w = gqaWidths(attention);
  return w.key + w.value;
}
