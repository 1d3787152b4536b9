/**
 * Independent tensor-by-tensor enumerations of MiniMax-M3 (text and VL) and Kimi K3, written from
 * the modelling code and read straight from config.json (not through ModelSpec), for
 * test/golden/m3-params.test.ts.
 */
import { type Cfg, headAndEmbedding, swiglu, Tensors } from './hf-tensors.js';

/** 1 where the per-layer list is nonzero. */
const on = (list: number[] | undefined, i: number, fallback: boolean) =>
  list === undefined ? fallback : list[i] !== 0;

/**
 * The checkpoint's tensors of one MiniMax-M3 decoder layer (vLLM `models/minimax_m3`, checkpoint
 * names): input_layernorm, post_attention_layernorm; self_attn q/k/v/o_proj, q_norm and k_norm of
 * head_dim (per head); on sparse layers index_q_proj [Hi·d, h], index_k_proj [d, h], index_q_norm
 * and index_k_norm [d]; a dense mlp gate/up/down_proj of dense_intermediate_size, or
 * block_sparse_moe: gate [E, h], e_score_correction_bias [E], experts.{0..E-1}.w1/w3 [I, h] and w2
 * [h, I], shared_experts gate/up/down_proj of shared_intermediate_size.
 */
function minimaxM3Layer(t: Tensors, c: Cfg, sparse: boolean, moe: boolean): void {
  const h = c.hidden_size;
  const d = c.head_dim;
  const sac = c.sparse_attention_config;
  t.add([h], [h]);
  t.add([c.num_attention_heads * d, h], [c.num_key_value_heads * d, h], [c.num_key_value_heads * d, h]);
  t.add([h, c.num_attention_heads * d], [d], [d]);
  if (sparse) {
    const di = sac.sparse_index_dim;
    t.add([sac.sparse_num_index_heads * di, h], [di, h], [di], [di]);
  }
  if (!moe) {
    swiglu(t, h, c.dense_intermediate_size);
    return;
  }
  const e = c.num_local_experts;
  const i = c.intermediate_size;
  t.add([e, h], [e]);
  t.experts(e, c.num_experts_per_tok, [i, h], [h, i], [i, h]);
  swiglu(t, h, c.shared_intermediate_size);
}

/** MiniMax-M3's language model: embed_tokens, the layers, norm, lm_head (untied). */
export function minimaxM3Tensors(top: Cfg): Tensors {
  const c = top.text_config ?? top;
  const t = new Tensors();
  headAndEmbedding(t, c, c.tie_word_embeddings);
  const sparseFreq = c.sparse_attention_config?.sparse_attention_freq;
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    minimaxM3Layer(t, c, on(sparseFreq, i, false), on(c.moe_layer_freq, i, true));
  }
  return t;
}

/**
 * MiniMax-M3's MTP modules (vLLM `MiniMaxM3MultiTokenPredictorLayer`, `mtp.layers.N.*`): enorm,
 * hnorm, eh_proj [h, 2h], a decoder layer forced sparse and MoE, final_layernorm; the embedding and
 * lm_head are the main model's.
 */
export function minimaxM3MtpTensors(top: Cfg): number {
  const c = top.text_config ?? top;
  const h = c.hidden_size;
  const t = new Tensors();
  for (let m = 0; m < c.num_mtp_modules; m += 1) {
    t.add([h], [h], [h, 2 * h], [h]);
    minimaxM3Layer(t, c, true, true);
  }
  return t.total;
}

/**
 * MiniMax-M3 VL vision tower and projector (transformers MiniMaxM3VLVisionModel and
 * MiniMaxM3VLMultiModalProjector, checkpoint names): embeddings.proj Conv3d [h, C, T, p, p] without
 * bias, pre_layrnorm weight and bias, per layer layer_norm1/2 weight and bias, self_attn q/k/v/out_proj
 * weight and bias, mlp fc1/fc2 weight and bias; multi_modal_projector linear_1 [P, h], linear_2
 * [H, P], merge_linear_1 [P, H·m²], merge_linear_2 [H, P], each with a bias.
 */
export function minimaxM3VisionTensors(top: Cfg): number {
  const v = top.vision_config;
  const text = top.text_config.hidden_size;
  const h = v.hidden_size;
  const inter = v.intermediate_size;
  const ic = v.img_token_compression_config;
  const p = top.projector_hidden_size;
  const t = new Tensors();
  t.add([h, v.num_channels, ic.temporal_patch_size, v.patch_size, v.patch_size], [h], [h]);
  for (let i = 0; i < v.num_hidden_layers; i += 1) {
    t.add([h], [h], [h], [h]);
    for (let j = 0; j < 4; j += 1) t.add([h, h], [h]);
    t.add([inter, h], [inter], [h, inter], [h]);
  }
  t.add([p, h], [p], [text, p], [text]);
  t.add([p, text * ic.spatial_merge_size ** 2], [p], [text, p], [text]);
  return t.total;
}

/**
 * Kimi K3's language model (`text_config` of `kimi_k3`; sglang `models/kimi_k3.py`, mlx-lm
 * `kimi_k3.py`, checkpoint names under `language_model.`): per layer input_layernorm,
 * post_attention_layernorm and the Attention Residuals' self_attention_res_proj [1, h],
 * self_attention_res_norm [h], mlp_res_proj [1, h], mlp_res_norm [h]; KimiDeltaAttention on
 * `kda_layers` (1-based: q/k/v_proj, q/k/v_conv1d [P, 1, K], f_a_proj [d, h], f_b_proj [P, d],
 * b_proj [H, h], the full-rank g_proj [P, h] or g_a_proj/g_b_proj, A_log [H] as the reference
 * modelling code allocates it, dt_bias [P], o_norm [d], o_proj [h, P]); MLA with q-LoRA and the output
 * gate g_proj [H·v, h] elsewhere; layer 0 a dense MLP, the rest LatentMoE (gate [E, h],
 * e_score_correction_bias [E], E experts w1/w3 [I, L] and w2 [L, I] in the latent L,
 * routed_expert_down_proj [L, h], routed_expert_up_proj [h, L], routed_expert_norm [L], shared_experts
 * of I·n_shared); embed_tokens, norm, output_attn_res_proj [1, h] and _norm [h], lm_head.
 */
export function kimiK3Tensors(top: Cfg): Tensors {
  const c = top.text_config;
  const h = c.hidden_size;
  const lac = c.linear_attn_config;
  const d = lac.head_dim;
  const heads = lac.num_heads;
  const p = heads * d;
  const k = lac.short_conv_kernel_size;
  const n = c.num_attention_heads;
  const t = new Tensors();
  headAndEmbedding(t, c, c.tie_word_embeddings);
  t.add([1, h], [h]);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h], [1, h], [h], [1, h], [h]);
    if (lac.kda_layers.includes(i + 1)) {
      t.add([p, h], [p, h], [p, h], [p, 1, k], [p, 1, k], [p, 1, k]);
      t.add([d, h], [p, d], [heads, h]);
      if (lac.use_full_rank_gate) t.add([p, h]);
      else t.add([d, h], [p, d]);
      t.add([heads], [p], [d], [h, p]);
    } else {
      const qHead = c.qk_nope_head_dim + c.qk_rope_head_dim;
      t.add([c.q_lora_rank, h], [c.q_lora_rank], [n * qHead, c.q_lora_rank]);
      t.add([c.kv_lora_rank + c.qk_rope_head_dim, h], [c.kv_lora_rank]);
      t.add([n * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank], [h, n * c.v_head_dim]);
      if (c.mla_use_output_gate) t.add([n * c.v_head_dim, h]);
    }
    if (i < c.first_k_dense_replace) {
      swiglu(t, h, c.intermediate_size);
      continue;
    }
    const e = c.num_experts;
    const inter = c.moe_intermediate_size;
    const latent = c.routed_expert_hidden_size;
    t.add([e, h], [e]);
    t.experts(e, c.num_experts_per_token, [inter, latent], [inter, latent], [latent, inter]);
    t.add([latent, h], [h, latent]);
    if (c.latent_moe_use_norm) t.add([latent]);
    swiglu(t, h, inter * c.num_shared_experts);
  }
  return t;
}

/**
 * Kimi K3's MoonViT3d and projector (sglang `models/kimi_k3_vl.py`, checkpoint names):
 * vision_tower.patch_embed.proj.weight [h, 3, p, p] (+ bias when patch_embed_proj_bias),
 * patch_embed.pos_emb.weight [H, W, h], per block norm0/norm1 (RMSNorm weight, or LayerNorm weight
 * and bias), wqkv [3·q, h], wo [h, q] (+ biases when attn_bias), mlp.fc0 [I, h], mlp.fc1 [h, I]
 * (+ biases when linear_bias), encoder.final_layernorm; mm_projector.proj.0 [m, m], proj.2 [text, m]
 * with m = mm_hidden_size · merge², post_norm [text].
 */
export function kimiK3VisionTensors(top: Cfg): number {
  const v = top.vision_config;
  const h = v.vt_hidden_size;
  const q = v.qkv_hidden_size;
  const i = v.vt_intermediate_size;
  const norm = () => (v.norm_type === 'layernorm' ? [[h], [h]] : [[h]]);
  const t = new Tensors();
  t.add([h, 3, v.patch_size, v.patch_size], [v.init_pos_emb_height, v.init_pos_emb_width, h]);
  if (v.patch_embed_proj_bias) t.add([h]);
  for (let b = 0; b < v.vt_num_hidden_layers; b += 1) {
    t.add(...norm(), ...norm(), [3 * q, h], [h, q], [i, h], [h, i]);
    if (v.attn_bias) t.add([3 * q], [h]);
    if (v.linear_bias) t.add([i], [h]);
  }
  t.add(...norm());
  const m = v.mm_hidden_size * v.merge_kernel_size[0] * v.merge_kernel_size[1];
  t.add([m, m], [v.text_hidden_size, m], [v.text_hidden_size]);
  return t.total;
}
