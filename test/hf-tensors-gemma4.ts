/**
 * An independent tensor-by-tensor enumeration of Gemma 4 (transformers
 * `models/gemma4/modeling_gemma4.py`, `configuration_gemma4.py`), written from the modules each
 * class builds — not from llmecon's spec — for test/golden/gemma4-params.test.ts. Buffers
 * (`layer_scalar`, clipped-linear bounds, `std_bias`/`std_scale`, rotary tables) are not parameters.
 */
import { type Cfg, Tensors } from './hf-tensors.js';

/** Gemma4TextConfig's layer types: the given list, else 5 sliding to 1 full; the last forced full. */
function layerTypes(c: Cfg): string[] {
  const types: string[] =
    c.layer_types ??
    Array.from({ length: c.num_hidden_layers }, (_, i) =>
      (i + 1) % 6 !== 0 ? 'sliding_attention' : 'full_attention',
    );
  return types.map((t, i) => (i === types.length - 1 ? 'full_attention' : t));
}

/**
 * Gemma4TextModel + tied lm_head. Per Gemma4TextDecoderLayer: Gemma4TextAttention (q_proj, q_norm;
 * k_proj, k_norm and v_proj — absent on global layers with attention_k_eq_v — only on layers that
 * do not share KV; o_proj; v_norm has no weight), Gemma4TextMLP (gate/up/down, twice as wide on
 * KV-shared layers with use_double_wide_mlp), four RMSNorms; with enable_moe_block a router (proj
 * [E, h], scale [h], per_expert_scale [E]; its norm has no weight), Gemma4TextExperts (gate_up_proj
 * [E, 2I, h], down_proj [E, h, I]) and three more RMSNorms; with hidden_size_per_layer_input p a
 * per_layer_input_gate [p, h], per_layer_projection [h, p] and post_per_layer_input_norm [h]; the
 * model adds embed_tokens_per_layer [V_ple, L·p], per_layer_model_projection [L·p, h] and
 * per_layer_projection_norm [p].
 */
export function gemma4TextTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const L = c.num_hidden_layers;
  const heads = c.num_attention_heads;
  const types = layerTypes(c);
  const kEqV = c.attention_k_eq_v ?? false;
  const globalHeadDim = c.global_head_dim === undefined ? 512 : c.global_head_dim || c.head_dim;
  const shared = c.num_kv_shared_layers ?? 0;
  const firstShared = L - shared;
  const ple = c.hidden_size_per_layer_input ?? 256;
  const bias = c.attention_bias ?? false;
  const t = new Tensors();
  t.add([c.vocab_size, h], [h]); // embed_tokens (lm_head tied), final norm
  if (ple > 0) t.add([c.vocab_size_per_layer_input ?? 262_144, L * ple], [L * ple, h], [ple]);
  for (let i = 0; i < L; i += 1) {
    const sliding = types[i] === 'sliding_attention';
    const d = sliding ? c.head_dim : globalHeadDim;
    const alternative = kEqV && !sliding;
    const kv = alternative ? (c.num_global_key_value_heads ?? c.num_key_value_heads) : c.num_key_value_heads;
    const isShared = i >= firstShared && shared > 0;
    t.add([heads * d, h], [d], [h, heads * d]);
    if (bias) t.add([heads * d], [h]);
    if (!isShared) {
      t.add([kv * d, h], [d]);
      if (bias) t.add([kv * d]);
      if (!alternative) {
        t.add([kv * d, h]);
        if (bias) t.add([kv * d]);
      }
    }
    const wide = (c.use_double_wide_mlp ?? false) && i >= firstShared && firstShared > 0;
    const inter = c.intermediate_size * (wide ? 2 : 1);
    t.add([inter, h], [inter, h], [h, inter]);
    t.add([h], [h], [h], [h]);
    if (c.enable_moe_block) {
      const e = c.num_experts;
      t.add([e, h], [h], [e]);
      t.experts(e, c.top_k_experts, [2 * c.moe_intermediate_size, h], [h, c.moe_intermediate_size]);
      t.add([h], [h], [h]);
    }
    if (ple > 0) t.add([ple, h], [h, ple], [h]);
  }
  return t;
}

/**
 * Gemma4VisionModel and Gemma4Model.embed_vision: patch_embedder.input_proj [h, 3·p²] and
 * position_embedding_table [2, P, h]; per Gemma4VisionEncoderLayer q/k/v/o (no bias), q_norm and
 * k_norm [head_dim], gate/up/down, four RMSNorms; embed_vision.embedding_projection [text h, h].
 */
export function gemma4VisionParams(v: Cfg, textHidden: number): number {
  const h = v.hidden_size;
  const d = v.head_dim;
  const t = new Tensors();
  t.add([h, 3 * v.patch_size * v.patch_size], [2, v.position_embedding_size, h]);
  for (let i = 0; i < v.num_hidden_layers; i += 1) {
    t.add([v.num_attention_heads * d, h], [v.num_key_value_heads * d, h], [v.num_key_value_heads * d, h]);
    t.add([h, v.num_attention_heads * d], [d], [d]);
    t.add([v.intermediate_size, h], [v.intermediate_size, h], [h, v.intermediate_size]);
    t.add([h], [h], [h], [h]);
  }
  t.add([textHidden, h]);
  return t.total;
}

/**
 * Gemma4AudioModel and Gemma4Model.embed_audio: subsample_conv_projection (layer0.conv [c0, 1, 3, 3],
 * layer0.norm [c0], layer1.conv [c1, c0, 3, 3], layer1.norm [c1], input_proj_linear [H, (c0/4)·c1]);
 * per Gemma4AudioLayer feed_forward1/2 (ffw_layer_1 [4H, H], ffw_layer_2 [H, 4H], two norms),
 * self_attn (q/k/v [H, H], post [H, H], relative_k_proj [H, H], per_dim_scale [H/heads]), lconv1d
 * (linear_start [2H, H], linear_end [H, H], depthwise_conv1d [H, 1, K], two norms), norm_pre_attn,
 * norm_post_attn, norm_out; output_proj [out, H] + bias [out]; embed_audio [text h, out].
 */
export function gemma4AudioParams(a: Cfg, textHidden: number): number {
  const h = a.hidden_size;
  const [c0, c1] = a.subsampling_conv_channels;
  const out = a.output_proj_dims;
  const t = new Tensors();
  t.add([c0, 1, 3, 3], [c0], [c1, c0, 3, 3], [c1], [h, (c0 / 4) * c1]);
  for (let i = 0; i < a.num_hidden_layers; i += 1) {
    for (let ff = 0; ff < 2; ff += 1) t.add([4 * h, h], [h, 4 * h], [h], [h]);
    t.add([h, h], [h, h], [h, h], [h, h], [h, h], [h / a.num_attention_heads]);
    t.add([2 * h, h], [h, h], [h, 1, a.conv_kernel_size], [h], [h]);
    t.add([h], [h], [h]);
  }
  t.add([out, h], [out], [textHidden, out]);
  return t.total;
}
