/**
 * Independent tensor-by-tensor enumerations of the 2025–26 families added in the second pass (Kimi
 * Linear, Falcon-H1, LFM2, GLM-4.5V text, Apertus, ERNIE 4.5 MoE, Hunyuan-A13B), written from each
 * model's Hugging Face modelling code, for test/golden/new-families.test.ts.
 */
import { type Cfg, deepseekMoe, gqaProjections, headAndEmbedding, swiglu, Tensors } from './hf-tensors.js';

/**
 * Kimi Linear (remote modeling_kimi.py; transformers modeling_kimi_linear.py): KimiDeltaAttention on
 * `kda_layers` (q/k/v_proj, q/k/v_conv1d without bias, f_a/f_b, b_proj, A_log, dt_bias, g_a/g_b,
 * o_norm, o_proj), MLA without q compression on `full_attn_layers`, layer 0 a SwiGLU MLP, MoE after
 * it (router weight + e_score_correction_bias, experts, shared_experts).
 */
export function kimiLinearTensors(c: Cfg): Tensors {
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

/**
 * Falcon-H1 (modular_falcon_h1.py): per layer input_layernorm, pre_ff_layernorm, LlamaAttention
 * q/k/v/o, FalconH1Mixer (in_proj h → d_ssm + conv_dim + H, conv1d [conv_dim, 1, K] + bias, dt_bias,
 * A_log, D, RMSNormGated(d_ssm) only when mamba_rms_norm, out_proj), FalconH1MLP (gate/up/down).
 */
export function falconH1Tensors(c: Cfg): Tensors {
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
export function lfm2Tensors(c: Cfg): Tensors {
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
export function glm4vMoeTextTensors(top: Cfg): Tensors {
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
export function apertusTensors(c: Cfg): Tensors {
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
export function ernie45MoeTensors(c: Cfg): Tensors {
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
export function hunyuanTensors(c: Cfg): Tensors {
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
