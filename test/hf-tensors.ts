/**
 * Test helper: an independent tensor-by-tensor enumeration of the Hugging Face modules of the
 * 2025–26 families, written from the modelling code and read straight from config.json (not through
 * ModelSpec), so the golden counts in test/golden/new-families.test.ts check the spec reader and
 * the parameter count against something they share no code with.
 */

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values, read loosely by this independent enumeration
export type Cfg = Record<string, any>;

const prod = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A count of tensors: total, and the routed-expert tensors a token does not touch. */
export class Tensors {
  total = 0;
  inactive = 0;
  add(...shapes: number[][]): void {
    for (const s of shapes) this.total += prod(s);
  }
  /** `count` routed experts of `shapes` each, `active` of them used per token. */
  experts(count: number, active: number, ...shapes: number[][]): void {
    const one = shapes.reduce((a, s) => a + prod(s), 0);
    this.total += count * one;
    this.inactive += (count - active) * one;
  }
}

export function headAndEmbedding(t: Tensors, c: Cfg, tie: boolean): void {
  t.add([c.vocab_size, c.hidden_size], [c.hidden_size]);
  if (!tie) t.add([c.vocab_size, c.hidden_size]);
}

export function swiglu(t: Tensors, h: number, i: number): void {
  t.add([i, h], [i, h], [h, i]);
}

/**
 * A bias-free router (E × h) and E experts stored as one fused gate_up_proj [E, h, 2·I] and one
 * down_proj [E, I, h] (Qwen3VLMoeTextExperts, Llama4TextExperts), `active` of them used per token.
 */
function routerAndFusedExperts(t: Tensors, h: number, experts: number, active: number, i: number): void {
  t.add([experts, h]);
  t.experts(experts, active, [h, 2 * i], [i, h]);
}

/** Qwen3-Next and Qwen3.5 / Qwen3.5-MoE text models (modeling_qwen3_next.py, modular_qwen3_5.py). */
export function qwen35Tensors(top: Cfg): Tensors {
  const c = top.text_config ?? top;
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, top.tie_word_embeddings);
  // Qwen3NextConfig: layer_types, else full attention every full_attention_interval-th layer.
  const types: string[] =
    c.layer_types ??
    Array.from({ length: c.num_hidden_layers }, (_, i) =>
      (i + 1) % c.full_attention_interval === 0 ? 'full_attention' : 'linear_attention',
    );
  for (const type of types) {
    t.add([h], [h]);
    if (type === 'linear_attention') {
      const k = c.linear_num_key_heads * c.linear_key_head_dim;
      const v = c.linear_num_value_heads * c.linear_value_head_dim;
      const hv = c.linear_num_value_heads;
      t.add([2 * k + v, h], [v, h], [hv, h], [hv, h], [2 * k + v, 1, c.linear_conv_kernel_dim]);
      t.add([hv], [hv], [c.linear_value_head_dim], [h, v]);
    } else {
      const q = c.num_attention_heads * c.head_dim;
      const kv = c.num_key_value_heads * c.head_dim;
      t.add([2 * q, h], [kv, h], [kv, h], [h, q], [c.head_dim], [c.head_dim]);
    }
    if (c.num_experts) {
      t.add([c.num_experts, h]);
      t.experts(
        c.num_experts,
        c.num_experts_per_tok,
        [2 * c.moe_intermediate_size, h],
        [h, c.moe_intermediate_size],
      );
      swiglu(t, h, c.shared_expert_intermediate_size);
      t.add([1, h]);
    } else {
      swiglu(t, h, c.intermediate_size);
    }
  }
  return t;
}

/** Qwen3-VL text model (modeling_qwen3_vl.py, modeling_qwen3_vl_moe.py). */
export function qwen3VlTensors(top: Cfg): Tensors {
  const c = top.text_config;
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, top.tie_word_embeddings);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h], [c.head_dim], [c.head_dim]);
    gqaProjections(t, c, c.head_dim);
    if (c.num_experts) {
      routerAndFusedExperts(t, h, c.num_experts, c.num_experts_per_tok, c.moe_intermediate_size);
    } else {
      swiglu(t, h, c.intermediate_size);
    }
  }
  return t;
}

/** Qwen3VLVisionModel: patch embed, position table, blocks, merger, deepstack mergers. */
export function qwenVisionTensors(v: Cfg): number {
  const h = v.hidden_size;
  const m = h * v.spatial_merge_size ** 2;
  const t = new Tensors();
  t.add(
    [h, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size],
    [h],
    [v.num_position_embeddings, h],
  );
  for (let i = 0; i < v.depth; i += 1) {
    t.add([h], [h], [h], [h], [3 * h, h], [3 * h], [h, h], [h]);
    t.add([v.intermediate_size, h], [v.intermediate_size], [h, v.intermediate_size], [h]);
  }
  const merger = (norm: number) =>
    t.add([norm], [norm], [m, m], [m], [v.out_hidden_size, m], [v.out_hidden_size]);
  merger(h);
  for (const _ of v.deepstack_visual_indexes) merger(m);
  return t.total;
}

/** Llama 4 text model (modeling_llama4.py: Llama4TextMoe, Llama4TextExperts, Llama4TextMLP). */
export function llama4Tensors(top: Cfg): Tensors {
  const c = top.text_config;
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, false);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h]);
    gqaProjections(t, c, c.head_dim);
    if ((i + 1) % c.interleave_moe_layer_step === 0) {
      routerAndFusedExperts(t, h, c.num_local_experts, c.num_experts_per_tok, c.intermediate_size);
      swiglu(t, h, c.intermediate_size);
    } else {
      swiglu(t, h, c.intermediate_size_mlp);
    }
  }
  return t;
}

/** Nemotron-H (modeling_nemotron_h.py): one norm and one mixer per block. */
export function nemotronHTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, c.tie_word_embeddings);
  const hd = c.head_dim ?? c.attention_head_dim;
  for (const block of c.hybrid_override_pattern as string) {
    t.add([h]);
    if (block === 'M') {
      const inner = c.mamba_num_heads * c.mamba_head_dim;
      const conv = inner + 2 * c.n_groups * c.ssm_state_size;
      t.add([inner + conv + c.mamba_num_heads, h], [conv, 1, c.conv_kernel], [conv]);
      t.add([c.mamba_num_heads], [c.mamba_num_heads], [c.mamba_num_heads], [inner], [h, inner]);
    } else if (block === '*') {
      t.add(
        [c.num_attention_heads * hd, h],
        [c.num_key_value_heads * hd, h],
        [c.num_key_value_heads * hd, h],
      );
      t.add([h, c.num_attention_heads * hd]);
    } else if (block === '-') {
      t.add([c.intermediate_size, h], [h, c.intermediate_size]);
    } else {
      t.add([c.n_routed_experts, h], [c.n_routed_experts]);
      t.experts(
        c.n_routed_experts,
        c.num_experts_per_tok,
        [c.moe_intermediate_size, h],
        [h, c.moe_intermediate_size],
      );
      t.add([c.moe_shared_expert_intermediate_size, h], [h, c.moe_shared_expert_intermediate_size]);
    }
  }
  return t;
}

/** DeepseekV3MoE: router weight + e_score_correction_bias, SwiGLU experts, shared experts of `shared` × the expert width. */
export function deepseekMoe(t: Tensors, c: Cfg, experts: number, topK: number, shared: number): void {
  const h = c.hidden_size;
  const i = c.moe_intermediate_size;
  t.add([experts, h], [experts]);
  t.experts(experts, topK, [i, h], [i, h], [h, i]);
  swiglu(t, h, shared * i);
}

/**
 * MLA + MoE decoders: DeepSeek-V3.2 / GLM-5 (modeling_deepseek_v32.py, modular_glm_moe_dsa.py) with
 * the DSA indexer when the config has `index_n_heads`; GLM-4.7-Flash (modular_glm4_moe_lite.py:
 * DeepseekV3Attention, Glm4MoeMoE) without it.
 */
export function dsaTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const n = c.num_attention_heads;
  const t = new Tensors();
  headAndEmbedding(t, c, false);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add(
      [h],
      [h],
      [c.q_lora_rank, h],
      [c.q_lora_rank],
      [n * (c.qk_nope_head_dim + c.qk_rope_head_dim), c.q_lora_rank],
    );
    t.add([c.kv_lora_rank + c.qk_rope_head_dim, h], [c.kv_lora_rank]);
    t.add([n * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank], [h, n * c.v_head_dim]);
    if (c.index_n_heads) {
      t.add(
        [c.index_n_heads * c.index_head_dim, c.q_lora_rank],
        [c.index_head_dim, h],
        [c.index_head_dim],
        [c.index_head_dim],
      );
      t.add([c.index_n_heads, h]);
    }
    if (i < c.first_k_dense_replace) swiglu(t, h, c.intermediate_size);
    else deepseekMoe(t, c, c.n_routed_experts, c.num_experts_per_tok, c.n_shared_experts);
  }
  return t;
}

/** MiniMax-M2 (modeling_minimax_m2.py): q/k norms over all heads, block_sparse_moe with w1/w2/w3. */
export function minimaxTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, c.tie_word_embeddings);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    // q/k norms over all heads.
    t.add([h], [h], [c.num_attention_heads * c.head_dim], [c.num_key_value_heads * c.head_dim]);
    gqaProjections(t, c, c.head_dim);
    t.add([c.num_local_experts, h], [c.num_local_experts]);
    t.experts(
      c.num_local_experts,
      c.num_experts_per_tok,
      [c.intermediate_size, h],
      [h, c.intermediate_size],
      [c.intermediate_size, h],
    );
  }
  return t;
}

/** A llama-style decoder layer's q/k/v/o of `c` (no bias). */
export function gqaProjections(t: Tensors, c: Cfg, headDim: number): void {
  const h = c.hidden_size;
  const q = c.num_attention_heads * headDim;
  const kv = c.num_key_value_heads * headDim;
  t.add([q, h], [kv, h], [kv, h], [h, q]);
}

/**
 * Gemma 3 text model (modeling_gemma3.py: Gemma3DecoderLayer with four RMSNorms and q/k norms,
 * tied embeddings), keys the text_config omits taken from Gemma3TextConfig's defaults.
 */
export function gemma3Tensors(top: Cfg): Tensors {
  const c = {
    vocab_size: 262_208,
    num_attention_heads: 8,
    num_key_value_heads: 4,
    head_dim: 256,
    ...top.text_config,
  };
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, true);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h], [h], [h], [c.head_dim], [c.head_dim]);
    gqaProjections(t, c, c.head_dim);
    swiglu(t, h, c.intermediate_size);
  }
  return t;
}

/** Mistral text model of Mistral 3 (modeling_mistral.py), untied. */
export function mistralTensors(top: Cfg): Tensors {
  const c = top.text_config;
  const t = new Tensors();
  headAndEmbedding(t, c, false);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([c.hidden_size], [c.hidden_size]);
    gqaProjections(t, c, c.head_dim);
    swiglu(t, c.hidden_size, c.intermediate_size);
  }
  return t;
}

export interface Kv {
  /** KV bytes per token at BF16, derived by hand from the config. */
  readonly kvBytesPerToken: number;
  readonly kvDerivation: string;
}

/** GQA/MHA: `layers` attention layers × K,V × `kvHeads` × `headDim` × 2 B (BF16). */
export function gqaKv(layers: number, kvHeads: number, headDim: number, what = 'layers', note = ''): Kv {
  return {
    kvBytesPerToken: layers * 2 * kvHeads * headDim * 2,
    kvDerivation: `${layers} ${what} × K,V × ${kvHeads} × ${headDim} × 2 B${note ? ` (${note})` : ''}`,
  };
}

/** MLA: `layers` × (latent 512 + RoPE key 64, + the DSA indexer key when there is one) × 2 B. */
export function mlaKv(layers: number, indexerKeyDim = 0): Kv {
  return {
    kvBytesPerToken: layers * (512 + 64 + indexerKeyDim) * 2,
    kvDerivation: `${layers} layers × (latent 512 + RoPE key 64${indexerKeyDim ? ` + indexer key ${indexerKeyDim}` : ''}) × 2 B`,
  };
}

/**
 * A Llama-layout text model (Granite's too): embed_tokens [V, h], norm [h]; per layer input_layernorm
 * and post_attention_layernorm [h], q_proj [H·d, h], k_proj and v_proj [K·d, h], o_proj [h, H·d],
 * gate_proj and up_proj [I, h], down_proj [h, I]; lm_head [V, h] unless tied.
 */
export function llamaTextTensors(x: Cfg, tie: boolean): number {
  const h = x.hidden_size;
  const d = h / x.num_attention_heads;
  const q = x.num_attention_heads * d;
  const kv = x.num_key_value_heads * d;
  const t = new Tensors();
  headAndEmbedding(t, x, tie);
  for (let i = 0; i < x.num_hidden_layers; i += 1) {
    t.add([h], [h], [q, h], [kv, h], [kv, h], [h, q]);
    swiglu(t, h, x.intermediate_size);
  }
  return t.total;
}
