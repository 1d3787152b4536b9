/**
 * The 14 real 2025–26 configs in test/fixtures/hf-configs (provenance in its README): total and
 * active parameters against an independent tensor-by-tensor enumeration of the Hugging Face modules
 * (written from the modelling code, straight from config.json, not through ModelSpec), against the
 * publishers' figures, and KV bytes per token against hand-derived values.
 */
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../../src/core/model/hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../../src/core/model/kv-cache.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { hfFixture } from '../hf-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values, read loosely by this independent enumeration
type Cfg = Record<string, any>;

const fixture = (name: string): Cfg => hfFixture(name);

const prod = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A count of tensors: total, and the routed-expert tensors a token does not touch. */
class Tensors {
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

function headAndEmbedding(t: Tensors, c: Cfg, tie: boolean): void {
  t.add([c.vocab_size, c.hidden_size], [c.hidden_size]);
  if (!tie) t.add([c.vocab_size, c.hidden_size]);
}

function swiglu(t: Tensors, h: number, i: number): void {
  t.add([i, h], [i, h], [h, i]);
}

/** Qwen3-Next and Qwen3.5 / Qwen3.5-MoE text models (modeling_qwen3_next.py, modular_qwen3_5.py). */
function qwen35Tensors(top: Cfg): Tensors {
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
function qwen3VlTensors(top: Cfg): Tensors {
  const c = top.text_config;
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, top.tie_word_embeddings);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    const q = c.num_attention_heads * c.head_dim;
    const kv = c.num_key_value_heads * c.head_dim;
    t.add([h], [h], [q, h], [kv, h], [kv, h], [h, q], [c.head_dim], [c.head_dim]);
    if (c.num_experts) {
      t.add([c.num_experts, h]);
      t.experts(
        c.num_experts,
        c.num_experts_per_tok,
        [h, 2 * c.moe_intermediate_size],
        [c.moe_intermediate_size, h],
      );
    } else {
      swiglu(t, h, c.intermediate_size);
    }
  }
  return t;
}

/** Qwen3VLVisionModel: patch embed, position table, blocks, merger, deepstack mergers. */
function qwenVisionTensors(v: Cfg): number {
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
function llama4Tensors(top: Cfg): Tensors {
  const c = top.text_config;
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, false);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    const q = c.num_attention_heads * c.head_dim;
    const kv = c.num_key_value_heads * c.head_dim;
    t.add([h], [h], [q, h], [kv, h], [kv, h], [h, q]);
    if ((i + 1) % c.interleave_moe_layer_step === 0) {
      t.add([c.num_local_experts, h]);
      t.experts(
        c.num_local_experts,
        c.num_experts_per_tok,
        [h, 2 * c.intermediate_size],
        [c.intermediate_size, h],
      );
      swiglu(t, h, c.intermediate_size);
    } else {
      swiglu(t, h, c.intermediate_size_mlp);
    }
  }
  return t;
}

/** Nemotron-H (modeling_nemotron_h.py): one norm and one mixer per block. */
function nemotronHTensors(c: Cfg): Tensors {
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
function deepseekMoe(t: Tensors, c: Cfg, experts: number, topK: number, shared: number): void {
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
function dsaTensors(c: Cfg): Tensors {
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
function minimaxTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, c.tie_word_embeddings);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    const q = c.num_attention_heads * c.head_dim;
    const kv = c.num_key_value_heads * c.head_dim;
    t.add([h], [h], [q, h], [kv, h], [kv, h], [h, q], [q], [kv]);
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

/**
 * Kimi Linear (remote modeling_kimi.py; transformers modeling_kimi_linear.py): KimiDeltaAttention on
 * `kda_layers` (q/k/v_proj, q/k/v_conv1d without bias, f_a/f_b, b_proj, A_log, dt_bias, g_a/g_b,
 * o_norm, o_proj), MLA without q compression on `full_attn_layers`, layer 0 a SwiGLU MLP, MoE after
 * it (router weight + e_score_correction_bias, experts, shared_experts).
 */
function kimiLinearTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const n = c.num_attention_heads;
  const lac = c.linear_attn_config;
  const d = lac.head_dim;
  const p = lac.num_heads * d;
  const kernel = lac.short_conv_kernel_size;
  const t = new Tensors();
  headAndEmbedding(t, c, false);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h]);
    if (lac.kda_layers.includes(i + 1)) {
      t.add([p, h], [p, h], [p, h], [p, 1, kernel], [p, 1, kernel], [p, 1, kernel]);
      t.add([d, h], [p, d], [lac.num_heads, h], [1, 1, lac.num_heads, 1], [p]);
      t.add([d, h], [p, d], [d], [h, p]);
    } else {
      t.add([n * (c.qk_nope_head_dim + c.qk_rope_head_dim), h]);
      t.add([c.kv_lora_rank + c.qk_rope_head_dim, h], [c.kv_lora_rank]);
      t.add([n * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank], [h, n * c.v_head_dim]);
    }
    if (i < c.first_k_dense_replace) swiglu(t, h, c.intermediate_size);
    else deepseekMoe(t, c, c.num_experts, c.num_experts_per_token, c.num_shared_experts);
  }
  return t;
}

/** A llama-style decoder layer's q/k/v/o of `c` (no bias). */
function gqaProjections(t: Tensors, c: Cfg, headDim: number): void {
  const h = c.hidden_size;
  const q = c.num_attention_heads * headDim;
  const kv = c.num_key_value_heads * headDim;
  t.add([q, h], [kv, h], [kv, h], [h, q]);
}

/**
 * Falcon-H1 (modular_falcon_h1.py): per layer input_layernorm, pre_ff_layernorm, LlamaAttention
 * q/k/v/o, FalconH1Mixer (in_proj h → d_ssm + conv_dim + H, conv1d [conv_dim, 1, K] + bias, dt_bias,
 * A_log, D, RMSNormGated(d_ssm) only when mamba_rms_norm, out_proj), FalconH1MLP (gate/up/down).
 */
function falconH1Tensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, c.tie_word_embeddings);
  const inner = c.mamba_d_ssm;
  const conv = inner + 2 * c.mamba_n_groups * c.mamba_d_state;
  const heads = c.mamba_n_heads;
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h]);
    gqaProjections(t, c, c.head_dim);
    t.add([inner + conv + heads, h], [conv, 1, c.mamba_d_conv], [conv], [heads], [heads], [heads]);
    if (c.mamba_rms_norm) t.add([inner]);
    t.add([h, inner]);
    swiglu(t, h, c.intermediate_size);
  }
  return t;
}

/**
 * LFM2 (modeling_lfm2.py): tied embedding, per block operator_norm and ffn_norm; Lfm2ShortConv
 * (in_proj [3h, h], conv [h, 1, L_cache], out_proj [h, h], biases when conv_bias) or Lfm2Attention
 * (q/k/v/out_proj, q_layernorm and k_layernorm of head_dim) on full_attn_idxs; Lfm2MLP w1/w3/w2 of
 * the adjusted width (int(2·ff/3) rounded up to block_multiple_of, 256 by default).
 */
function lfm2Tensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, true);
  const ff = 256 * Math.ceil(Math.floor((2 * c.block_ff_dim) / 3) / 256);
  const headDim = h / c.num_attention_heads;
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h]);
    if (c.full_attn_idxs.includes(i)) {
      gqaProjections(t, c, headDim);
      t.add([headDim], [headDim]);
    } else {
      t.add([3 * h, h], [h, 1, c.conv_L_cache], [h, h]);
    }
    swiglu(t, h, ff);
  }
  return t;
}

/**
 * GLM-4.5V's text model (modeling_glm4v_moe.py Glm4vMoeText*): q/k/v with bias (attention_bias),
 * o without, no q/k norm; layer 0 a SwiGLU MLP, then Glm4vMoeTextMoE (router + e_score_correction_bias,
 * routed experts, shared experts). The vision tower is not enumerated (not counted by the reader).
 */
function glm4vMoeTextTensors(top: Cfg): Tensors {
  const c = top.text_config;
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, false);
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h]);
    gqaProjections(t, c, c.head_dim);
    t.add([q], [kv], [kv]);
    if (i < c.first_k_dense_replace) swiglu(t, h, c.intermediate_size);
    else deepseekMoe(t, c, c.n_routed_experts, c.num_experts_per_tok, c.n_shared_experts);
  }
  return t;
}

/**
 * Apertus (modeling_apertus.py): attention_layernorm, feedforward_layernorm; q/k/v/o (no bias),
 * q_norm/k_norm of head_dim; ApertusMLP up_proj and down_proj (no gate). xIELU's alpha_p/alpha_n
 * (one scalar each per layer) are left out here as in the reader (64 parameters in Apertus-8B).
 */
function apertusTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, false);
  const headDim = h / c.num_attention_heads;
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h], [headDim], [headDim]);
    gqaProjections(t, c, headDim);
    t.add([c.intermediate_size, h], [h, c.intermediate_size]);
  }
  return t;
}

/**
 * ERNIE 4.5 MoE (modular_ernie4_5_moe.py): tied embedding; q/k/v/o (use_bias false); layer 0 a
 * SwiGLU MLP (moe_layer_start_index 1), then gate [E, h] + moe_statics [1, E], experts, shared
 * experts of moe_num_shared_experts × moe_intermediate_size. MTP layers are counted apart.
 */
function ernie45MoeTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, true);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h]);
    gqaProjections(t, c, h / c.num_attention_heads);
    if (i < c.moe_layer_start_index) {
      swiglu(t, h, c.intermediate_size);
    } else {
      t.add([c.moe_num_experts, h], [1, c.moe_num_experts]);
      const m = c.moe_intermediate_size;
      t.experts(c.moe_num_experts, c.moe_k, [m, h], [m, h], [h, m]);
      swiglu(t, h, c.moe_num_shared_experts * m);
    }
  }
  return t;
}

/**
 * Hunyuan-A13B (modular_hunyuan_v1_moe.py): tied embedding; q/k/v/o, query_layernorm and
 * key_layernorm of head_dim; every layer wg [E, h], MixtralExperts (gate_up [E, 2I, h], down
 * [E, h, I]) and shared_mlp, all of intermediate_size.
 */
function hunyuanTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const i = c.intermediate_size;
  const topK = Array.isArray(c.moe_topk) ? c.moe_topk[0] : c.moe_topk;
  const t = new Tensors();
  headAndEmbedding(t, c, true);
  for (let l = 0; l < c.num_hidden_layers; l += 1) {
    t.add([h], [h], [c.head_dim], [c.head_dim]);
    gqaProjections(t, c, c.head_dim);
    t.add([c.num_experts, h]);
    t.experts(c.num_experts, topK, [2 * i, h], [h, i]);
    swiglu(t, h, i);
  }
  return t;
}

/**
 * Gemma 3 text model (modeling_gemma3.py: Gemma3DecoderLayer with four RMSNorms and q/k norms,
 * tied embeddings), keys the text_config omits taken from Gemma3TextConfig's defaults.
 */
function gemma3Tensors(top: Cfg): Tensors {
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
function mistralTensors(top: Cfg): Tensors {
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

interface Case {
  readonly enumerate: (c: Cfg) => Tensors;
  /** KV bytes per token at BF16, derived by hand from the config. */
  readonly kvBytesPerToken: number;
  readonly kvDerivation: string;
  /** Published total / active (billions), the source, and the convention for active. */
  readonly published?: {
    readonly total: number;
    readonly active?: number;
    readonly source: string;
    /** What the publisher's figure includes beyond the language model. */
    readonly totalIncludesVision?: boolean;
    /** The figure is the checkpoint's: main model + MTP modules stored with their own embedding and head. */
    readonly totalIsCheckpoint?: boolean;
    /** The publisher counts active parameters without the input embedding and output head. */
    readonly activeWithoutEmbeddings?: boolean;
    /**
     * The figure is only the model's name, looser than rounding (stated per case): the relative
     * tolerance of the total against it.
     */
    readonly nominalTotalTolerance?: number;
  };
}

const CASES: Record<string, Case> = {
  'qwen3.5-397b-a17b': {
    enumerate: qwen35Tensors,
    kvBytesPerToken: 15 * 2 * 2 * 256 * 2,
    kvDerivation: '15 full layers × K,V × 2 KV heads × 256 × 2 B',
    published: {
      total: 397,
      active: 17,
      source: 'Qwen/Qwen3.5-397B-A17B model name',
      totalIncludesVision: true,
    },
  },
  'qwen3.5-122b-a10b': {
    enumerate: qwen35Tensors,
    kvBytesPerToken: 12 * 2 * 2 * 256 * 2,
    kvDerivation: '12 full layers × K,V × 2 × 256 × 2 B',
    published: {
      total: 122,
      active: 10,
      source: 'Qwen/Qwen3.5-122B-A10B model name',
      totalIncludesVision: true,
    },
  },
  'qwen3.5-35b-a3b': {
    enumerate: qwen35Tensors,
    kvBytesPerToken: 10 * 2 * 2 * 256 * 2,
    kvDerivation: '10 full layers × K,V × 2 × 256 × 2 B',
    published: { total: 35, active: 3, source: 'Qwen/Qwen3.5-35B-A3B model name', totalIncludesVision: true },
  },
  'qwen3.5-27b': {
    enumerate: qwen35Tensors,
    kvBytesPerToken: 16 * 2 * 4 * 256 * 2,
    kvDerivation: '16 full layers × K,V × 4 × 256 × 2 B',
    published: { total: 27, source: 'Qwen/Qwen3.5-27B model name', totalIncludesVision: true },
  },
  'qwen3-vl-235b-a22b-instruct': {
    enumerate: qwen3VlTensors,
    kvBytesPerToken: 94 * 2 * 4 * 128 * 2,
    kvDerivation: '94 layers × K,V × 4 × 128 × 2 B',
    published: { total: 235, active: 22, source: 'Qwen/Qwen3-VL-235B-A22B model name' },
  },
  'qwen3-vl-30b-a3b-instruct': {
    enumerate: qwen3VlTensors,
    kvBytesPerToken: 48 * 2 * 4 * 128 * 2,
    kvDerivation: '48 layers × K,V × 4 × 128 × 2 B',
    // The text model is Qwen3-30B-A3B's shape; its card: 30.5B total, 3.3B activated.
    published: { total: 30.5, active: 3.3, source: 'Qwen3-30B-A3B model card (same text model)' },
  },
  'qwen3-vl-8b-instruct': {
    enumerate: qwen3VlTensors,
    kvBytesPerToken: 36 * 2 * 8 * 128 * 2,
    kvDerivation: '36 layers × K,V × 8 × 128 × 2 B',
    published: { total: 8, source: 'Qwen/Qwen3-VL-8B model name' },
  },
  'llama-4-scout-17b-16e-instruct': {
    enumerate: llama4Tensors,
    kvBytesPerToken: 48 * 2 * 8 * 128 * 2,
    kvDerivation: '48 layers × K,V × 8 × 128 × 2 B (36 of them capped at the 8192-token chunk)',
    published: {
      total: 109,
      active: 17,
      source: 'Llama 4 model card: 17B active, 109B total (with the vision encoder, not in this config)',
    },
  },
  'llama-4-maverick-17b-128e-instruct': {
    enumerate: llama4Tensors,
    kvBytesPerToken: 48 * 2 * 8 * 128 * 2,
    kvDerivation: '48 layers × K,V × 8 × 128 × 2 B (36 capped at the chunk)',
    published: { total: 400, active: 17, source: 'Llama 4 model card: 17B active, 400B total' },
  },
  'deepseek-v3.2': {
    enumerate: dsaTensors,
    kvBytesPerToken: 61 * (512 + 64 + 128) * 2,
    kvDerivation: '61 layers × (latent 512 + RoPE key 64 + indexer key 128) × 2 B',
    published: {
      total: 685,
      source:
        'DeepSeek-V3.2 Hugging Face card: 685B in the checkpoint (main model + MTP module with its own embedding and head copies)',
      totalIsCheckpoint: true,
    },
  },
  'glm-5': {
    enumerate: dsaTensors,
    kvBytesPerToken: 78 * (512 + 64 + 128) * 2,
    kvDerivation: '78 layers × (512 + 64 + 128) × 2 B',
    published: {
      total: 744,
      active: 40,
      source: 'GLM-5 model card: 744B total, 40B active',
      activeWithoutEmbeddings: true,
    },
  },
  'hand-built/glm-4.7-flash': {
    enumerate: dsaTensors,
    kvBytesPerToken: 47 * (512 + 64) * 2,
    kvDerivation: '47 layers × (latent 512 + RoPE key 64) × 2 B',
    published: {
      total: 30,
      active: 3,
      source: 'GLM-4.7-Flash model card: a 30B-A3B MoE model',
      activeWithoutEmbeddings: true,
    },
  },
  'hand-built/qwen3-next-80b-a3b-instruct': {
    enumerate: qwen35Tensors,
    kvBytesPerToken: 12 * 2 * 2 * 256 * 2,
    kvDerivation: '12 full layers (every 4th of 48) × K,V × 2 × 256 × 2 B',
    published: { total: 80, active: 3, source: 'Qwen3-Next-80B-A3B model card: 80B total, 3B activated' },
  },
  'hand-built/gemma-3-27b-it': {
    enumerate: gemma3Tensors,
    kvBytesPerToken: 62 * 2 * 16 * 128 * 2,
    kvDerivation: '62 layers × K,V × 16 × 128 × 2 B (52 sliding ones capped at the 1024-token window)',
    published: {
      total: 27,
      source: 'Gemma 3 model card: 27B (with the 417M SigLIP encoder, Gemma 3 report Table 1)',
      totalIncludesVision: true,
    },
  },
  'hand-built/gemma-3-4b-it': {
    enumerate: gemma3Tensors,
    kvBytesPerToken: 34 * 2 * 4 * 256 * 2,
    kvDerivation: '34 layers × K,V × 4 (default) × 256 (default) × 2 B',
    published: { total: 4, source: 'Gemma 3 model card: 4B', totalIncludesVision: true },
  },
  'hand-built/mistral-small-3.1-24b-instruct-2503': {
    enumerate: mistralTensors,
    kvBytesPerToken: 40 * 2 * 8 * 128 * 2,
    kvDerivation: '40 layers × K,V × 8 × 128 × 2 B',
    published: { total: 24, source: 'Mistral Small 3.1 model card: 24B', totalIncludesVision: true },
  },
  'hand-built/kimi-linear-48b-a3b-instruct': {
    enumerate: kimiLinearTensors,
    kvBytesPerToken: 7 * (512 + 64) * 2,
    kvDerivation: '7 MLA layers × (latent 512 + RoPE key 64) × 2 B; 20 KDA layers hold no KV',
    published: {
      total: 48,
      active: 3,
      source: 'Kimi Linear model card (MoonshotAI/Kimi-Linear README): 48B total, 3B activated',
      // "48B" is the name: the tensors sum to 49.12B (the 26 × 256 routed experts alone are 47.1B).
      nominalTotalTolerance: 0.025,
    },
  },
  'hand-built/falcon-h1-0.5b-instruct': {
    enumerate: falconH1Tensors,
    kvBytesPerToken: 36 * 2 * 2 * 64 * 2,
    kvDerivation: '36 layers (attention beside Mamba-2 in each) × K,V × 2 KV heads × 64 × 2 B',
    published: { total: 0.5, source: 'Falcon-H1-0.5B model name (tiiuae/Falcon-H1-0.5B-Instruct)' },
  },
  'hand-built/lfm2-350m': {
    enumerate: lfm2Tensors,
    kvBytesPerToken: 6 * 2 * 8 * 64 * 2,
    kvDerivation: '6 attention blocks × K,V × 8 × 64 × 2 B; 10 short-conv blocks hold no KV',
    published: { total: 0.35, source: 'LFM2-350M model name (LiquidAI/LFM2-350M)' },
  },
  'hand-built/glm-4.5v': {
    enumerate: glm4vMoeTextTensors,
    kvBytesPerToken: 46 * 2 * 8 * 128 * 2,
    kvDerivation: '46 layers × K,V × 8 × 128 × 2 B',
    published: {
      total: 106,
      active: 12,
      source: 'GLM-4.5V model card: built on GLM-4.5-Air, 106B total / 12B active (language model)',
      activeWithoutEmbeddings: true,
    },
  },
  'hand-built/apertus-8b': {
    enumerate: apertusTensors,
    kvBytesPerToken: 32 * 2 * 8 * 128 * 2,
    kvDerivation: '32 layers × K,V × 8 × 128 × 2 B',
    published: { total: 8, source: 'Apertus-8B model name (swiss-ai/Apertus-8B-2509)' },
  },
  'hand-built/ernie-4.5-21b-a3b': {
    enumerate: ernie45MoeTensors,
    kvBytesPerToken: 28 * 2 * 4 * 128 * 2,
    kvDerivation: '28 layers × K,V × 4 × 128 × 2 B',
    published: {
      total: 21,
      active: 3,
      source: 'ERNIE-4.5-21B-A3B model card: 21B total, 3B activated',
      // "21B" is the name: the tensors sum to 21.8B.
      nominalTotalTolerance: 0.04,
    },
  },
  'hand-built/hunyuan-a13b': {
    enumerate: hunyuanTensors,
    kvBytesPerToken: 32 * 2 * 8 * 128 * 2,
    kvDerivation: '32 layers × K,V × 8 × 128 × 2 B',
    published: { total: 80, active: 13, source: 'Hunyuan-A13B model card: 80B total, 13B active' },
  },
  'minimax-m2.5': {
    enumerate: minimaxTensors,
    kvBytesPerToken: 62 * 2 * 8 * 128 * 2,
    kvDerivation: '62 layers × K,V × 8 × 128 × 2 B',
    published: {
      total: 229,
      active: 10,
      source: 'MiniMax-M2.5 model card: 229B total, 10B activated',
      activeWithoutEmbeddings: true,
    },
  },
  'nemotron-3-nano-30b-a3b': {
    enumerate: nemotronHTensors,
    kvBytesPerToken: 6 * 2 * 2 * 128 * 2,
    kvDerivation: '6 attention blocks × K,V × 2 × 128 × 2 B',
    published: {
      total: 31.6,
      active: 3.6,
      source: 'NVIDIA Nemotron 3 Nano model card: 31.6B total, 3.6B active including embeddings',
    },
  },
  'nemotron-h-56b-base-8k': {
    enumerate: nemotronHTensors,
    kvBytesPerToken: 10 * 2 * 8 * 128 * 2,
    kvDerivation: '10 attention blocks × K,V × 8 × 128 × 2 B',
    published: { total: 56, source: 'Nemotron-H-56B model name (Nemotron-H report, arXiv:2504.03624)' },
  },
};

describe('real 2025-26 configs: counts against an independent tensor enumeration', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: total and active exact`, () => {
      const config = fixture(name);
      const p = paramCount(specFromHfConfig(config, name));
      const t = c.enumerate(config);
      expect(p.totalParams).toBe(t.total);
      expect(p.activeParams).toBe(t.total - t.inactive);
    });

    it(`${name}: KV per token = ${c.kvDerivation}`, () => {
      const spec = specFromHfConfig(fixture(name), name);
      expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(c.kvBytesPerToken);
    });

    const pub = c.published;
    if (pub) {
      it(`${name}: published ${pub.total}B total${pub.active ? ` / ${pub.active}B active` : ''} (${pub.source})`, () => {
        const spec = specFromHfConfig(fixture(name), name);
        const p = paramCount(spec);
        const mtpCheckpoint = p.mtpParams + spec.numMtpModules * 2 * spec.vocabSize * spec.hiddenSize;
        const total =
          (p.totalParams +
            (pub.totalIncludesVision ? p.visionParams : 0) +
            (pub.totalIsCheckpoint ? mtpCheckpoint : 0)) /
          1e9;
        // Publishers round to their last digit; a nominal size ("109B" with a vision encoder this
        // config lacks) is checked to 1.5%.
        const unit = Number.isInteger(pub.total) ? 1 : 0.1;
        expect(Math.abs(total - pub.total)).toBeLessThanOrEqual(
          Math.max(unit / 2, (pub.nominalTotalTolerance ?? 0.015) * pub.total),
        );
        if (pub.active) {
          const active =
            (pub.activeWithoutEmbeddings ? p.activeParams - p.embeddingParams : p.activeParams) / 1e9;
          const activeUnit = Number.isInteger(pub.active) ? 1 : 0.1;
          // "A3B", "17B": truncated or rounded to the unit.
          expect(active).toBeGreaterThanOrEqual(pub.active - activeUnit / 2);
          expect(active).toBeLessThan(pub.active + activeUnit);
        }
      });
    }
  }

  it('vision towers of the Qwen wrappers equal their tensor enumeration', () => {
    for (const name of ['qwen3.5-397b-a17b', 'qwen3-vl-8b-instruct', 'qwen3-vl-235b-a22b-instruct']) {
      const config = fixture(name);
      expect(paramCount(specFromHfConfig(config, name)).visionParams).toBe(
        qwenVisionTensors(config.vision_config),
      );
    }
  });

  it('recurrent state per sequence: Qwen3.5-397B and Nemotron 3 Nano, derived by hand', () => {
    const qwen = specFromHfConfig(fixture('qwen3.5-397b-a17b'), 'q');
    // 45 GDN layers × (conv 3 × (2·16·128 + 64·128) × 2 B + state 64 × 128 × 128 × 4 B (float32)).
    expect(recurrentStateBytes(qwen).bytesPerSequence).toBe(
      45 * (3 * (4096 + 8192) * 2 + 64 * 128 * 128 * 4),
    );
    const nano = specFromHfConfig(fixture('nemotron-3-nano-30b-a3b'), 'n');
    // 23 Mamba-2 layers × (conv 3 × (64·64 + 2·8·128) × 2 B + SSM 64 × 64 × 128 × 4 B (float32)).
    expect(recurrentStateBytes(nano).bytesPerSequence).toBe(23 * (3 * (4096 + 2048) * 2 + 64 * 64 * 128 * 4));
  });

  it('recurrent state per sequence: Kimi Linear KDA, derived by hand', () => {
    const kimi = specFromHfConfig(fixture('hand-built/kimi-linear-48b-a3b-instruct'), 'k');
    // 20 KDA layers × (conv 3 × (3 × 32·128) × 2 B + state 32 × 128 × 128 × 2 B (BF16, no mamba_ssm_dtype)).
    expect(recurrentStateBytes(kimi).bytesPerSequence).toBe(20 * (3 * 3 * 4096 * 2 + 32 * 128 * 128 * 2));
    expect(kimi.layers.filter((l) => l.attention === 'linear')).toHaveLength(20);
    expect(kimi.layers.map((l) => l.mlp).filter((m) => m === 'dense')).toEqual(['dense']);
  });

  it('recurrent state per sequence: Falcon-H1-0.5B, derived by hand', () => {
    const falcon = specFromHfConfig(fixture('hand-built/falcon-h1-0.5b-instruct'), 'f');
    // 36 Mamba-2 mixers × (conv 3 × (1536 + 2·1·128) × 2 B + SSM 24 × 64 × 128 × 2 B (BF16)).
    expect(recurrentStateBytes(falcon).bytesPerSequence).toBe(36 * (3 * 1792 * 2 + 24 * 64 * 128 * 2));
    expect(falcon.warnings?.[0]).toMatch(
      /36 layers runs attention and Mamba-2 in parallel; read as 72 blocks/,
    );
  });

  it('conv window per sequence: LFM2-350M, derived by hand', () => {
    const lfm2 = specFromHfConfig(fixture('hand-built/lfm2-350m'), 'l');
    // 10 short-conv blocks × (L_cache 3 − 1) × 1024 channels × 2 B; no recurrent state.
    expect(recurrentStateBytes(lfm2)).toMatchObject({
      bytesPerSequence: 10 * 2 * 1024 * 2,
      stateBytesPerSequence: 0,
      convLayers: 10,
    });
  });

  it('GLM-4.5V: text_config keys left out take Glm4vMoeTextConfig defaults; the uncounted vision tower is a warning', () => {
    const full = fixture('hand-built/glm-4.5v');
    const sparse = { ...full, text_config: { model_type: 'glm4v_moe_text', head_dim: 128 } };
    const a = specFromHfConfig(full, 'a');
    const b = specFromHfConfig(sparse, 'b');
    expect(paramCount(b).totalParams).toBe(paramCount(a).totalParams);
    expect(a.warnings?.[0]).toMatch(/vision tower \(vision_config\) is not counted/);
  });

  it('Hunyuan: a per-layer moe_topk list that is not uniform is refused, naming the field', () => {
    const c = { ...fixture('hand-built/hunyuan-a13b'), moe_topk: [8, 4, ...Array(30).fill(8)] };
    expect(() => specFromHfConfig(c, 'h')).toThrow(/moe_topk.*list of equal numbers/);
  });

  it('Gemma 3 report Table 1: non-embedding and vision-encoder parameters of 4B and 27B', () => {
    // Gemma 3 Technical Report (arXiv:2503.19786) Table 1: vision encoder 417M; non-embedding
    // 3,209M (4B) and 25,600M (27B), in millions.
    for (const [name, nonEmbedding] of [
      ['hand-built/gemma-3-4b-it', 3209],
      ['hand-built/gemma-3-27b-it', 25_600],
    ] as const) {
      const spec = specFromHfConfig(fixture(name), name);
      const p = paramCount(spec);
      expect(Math.round((p.totalParams - p.embeddingParams) / 1e6)).toBe(nonEmbedding);
      // The SigLIP encoder without Gemma3MultiModalProjector (RMSNorm(1152) + 1152 × text hidden).
      const projector = 1152 + 1152 * spec.hiddenSize;
      expect(Math.round((p.visionParams - projector) / 1e6)).toBe(417);
    }
  });

  it("Llama 4 Scout with its vision_config: the tower counted apart, text + vision = the card's 109B", () => {
    const top = fixture('llama-4-scout-17b-16e-instruct');
    // Hand-built from Llama4VisionConfig as released with Scout (hidden 1408, 34 layers, 336 px,
    // patch 14, shuffle 0.5, projector 4096): the fixture's source dropped vision_config.
    const v = {
      hidden_size: 1408,
      image_size: 336,
      intermediate_size: 5632,
      model_type: 'llama4_vision_model',
      num_attention_heads: 16,
      num_hidden_layers: 34,
      patch_size: 14,
      pixel_shuffle_ratio: 0.5,
      projector_input_dim: 4096,
      projector_output_dim: 4096,
      vision_output_dim: 4096,
    };
    const spec = specFromHfConfig({ ...top, vision_config: v }, 'scout');
    const p = paramCount(spec);
    // Independent enumeration of Llama4VisionModel + Llama4MultiModalProjector.
    const t = new Tensors();
    const h = v.hidden_size;
    const patches = (v.image_size / v.patch_size) ** 2;
    t.add([h, 3 * v.patch_size ** 2], [h], [patches + 1, h], [h], [h], [h], [h]);
    for (let i = 0; i < v.num_hidden_layers; i += 1) {
      t.add([h, h], [h], [h, h], [h], [h, h], [h], [h, h], [h]);
      t.add([v.intermediate_size, h], [v.intermediate_size], [h, v.intermediate_size], [h]);
      t.add([h], [h], [h], [h]);
    }
    t.add([v.projector_input_dim, v.intermediate_size], [v.projector_output_dim, v.projector_output_dim]);
    t.add([top.text_config.hidden_size, v.vision_output_dim]);
    expect(p.visionParams).toBe(t.total);
    expect(spec.vision?.description).toMatch(/Llama 4 ViT 34 × 1408/);
    expect(spec.vision?.flopsPerImage).toBeGreaterThan(0);
    expect(Math.abs((p.totalParams + p.visionParams) / 1e9 - 109)).toBeLessThan(0.5);
    expect(p.totalParams).toBe(paramCount(specFromHfConfig(top, 'scout')).totalParams);
  });

  it('MiniMax-M2.5: its 3 MTP modules (use_mtp) counted apart, DeepSeek-V3-style, one MoE decoder layer each', () => {
    const config = fixture('minimax-m2.5');
    const p = paramCount(specFromHfConfig(config, 'm'));
    const h = config.hidden_size;
    const t = minimaxTensors(config);
    const perLayer = (t.total - 2 * config.vocab_size * h - h) / config.num_hidden_layers;
    // Per module: enorm, hnorm, eh_proj (2h → h), the decoder layer, and the shared head's norm.
    expect(p.mtpParams).toBe(3 * (3 * h + 2 * h * h + perLayer));
    expect(paramCount(specFromHfConfig({ ...config, use_mtp: false }, 'm')).mtpParams).toBe(0);
  });

  it('Nemotron-H written by transformers ≥ 5 (layers_block_type, num_hidden_layers null, mamba_n_groups) counts the same', () => {
    const config = fixture('nemotron-3-nano-30b-a3b');
    const words: Record<string, string> = { M: 'mamba', '*': 'attention', '-': 'mlp', E: 'moe' };
    const { hybrid_override_pattern, n_groups, ...rest } = config;
    const renamed = {
      ...rest,
      num_hidden_layers: null,
      mamba_n_groups: n_groups,
      layers_block_type: [...(hybrid_override_pattern as string)].map((c) => words[c]),
    };
    const a = paramCount(specFromHfConfig(config, 'n'));
    const b = paramCount(specFromHfConfig(renamed, 'n'));
    expect(b.totalParams).toBe(a.totalParams);
    expect(b.activeParams).toBe(a.activeParams);
    expect(() => specFromHfConfig({ ...renamed, layers_block_type: ['mamba', 'ssm'] }, 'n')).toThrowError(
      /layers_block_type.*entry 1 is "ssm"; allowed: mamba, attention, mlp, moe/,
    );
  });

  it('Nemotron-H with moe_latent_size (LatentMoE, Nemotron 3 Super): experts in the latent, latent projections always active', () => {
    const config: Cfg = { ...fixture('nemotron-3-nano-30b-a3b'), moe_latent_size: 1024 };
    const spec = specFromHfConfig(config, 'latent');
    const p = paramCount(spec);
    const base = paramCount(specFromHfConfig(fixture('nemotron-3-nano-30b-a3b'), 'n'));
    const h = config.hidden_size;
    const moeBlocks = [...(config.hybrid_override_pattern as string)].filter((c) => c === 'E').length;
    const I = config.moe_intermediate_size;
    // NemotronHMoE: fc1_latent_proj (h → latent), fc2_latent_proj (latent → h); experts up/down at latent.
    const perBlockDelta = 2 * h * 1024 + config.n_routed_experts * 2 * I * (1024 - h);
    expect(p.totalParams - base.totalParams).toBe(moeBlocks * perBlockDelta);
    const activeDelta = 2 * h * 1024 + config.num_experts_per_tok * 2 * I * (1024 - h);
    expect(p.activeParams - base.activeParams).toBe(moeBlocks * activeDelta);
    expect(spec.moe?.latentSize).toBe(1024);
  });
});
