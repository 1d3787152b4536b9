/**
 * Test helper: a Llama-style checkpoint's tensors from its config's numbers alone (transformers
 * LlamaForCausalLM and the remote-code decoders built like it: InternLM, Aquila, Skywork, BlueLM, Doge).
 */

/** The shape of a Llama-style decoder: head_dim = h / heads unless given. */
export interface LlamaShape {
  readonly vocab: number;
  readonly h: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly inter: number;
  readonly tied: boolean;
  /** `head_dim` when not h / heads (Nanbeige 4.2: 128 at h 3072 over 48 heads). */
  readonly headDim?: number;
  /** Biases on q, k, v and o (InternLM `bias`). */
  readonly qkvoBias?: boolean;
  /** A LayerNorm (weight and bias) on the embedding (BlueLM `use_stable_embedding`). */
  readonly embedLayerNorm?: boolean;
}

/** LlamaConfig's class defaults, the LLaMA-7B shape (an untied head, MHA): many remote-code configs' defaults too. */
export const LLAMA_7B_SHAPE: LlamaShape = {
  vocab: 32_000,
  h: 4096,
  layers: 32,
  heads: 32,
  kvHeads: 32,
  inter: 11_008,
  tied: false,
};

/** q/k/v/o_proj of one layer (weights, and biases if asked): 2h·(H + K)·d (+ (H + 2K)·d + h). */
export function llamaAttentionTensors(c: LlamaShape): number {
  const d = c.headDim ?? c.h / c.heads;
  const q = c.heads * d;
  const kv = c.kvHeads * d;
  return c.h * q + 2 * c.h * kv + q * c.h + (c.qkvoBias ? q + 2 * kv + c.h : 0);
}

/** embed_tokens, per layer two RMSNorms, q/k/v/o and a SwiGLU, model.norm, lm_head unless tied. */
export function llamaTensors(c: LlamaShape): number {
  const layer = 2 * c.h + llamaAttentionTensors(c) + 3 * c.h * c.inter;
  const embedNorm = c.embedLayerNorm ? 2 * c.h : 0;
  return c.vocab * c.h + embedNorm + c.layers * layer + c.h + (c.tied ? 0 : c.vocab * c.h);
}
