/**
 * Decoders that are Llama's layer with one change, read through the standard decoder: Arcee AFM
 * (`arcee`, modeling_arcee.py: an ungated ReLU² MLP, up and down only), EXAONE 3.x (`exaone`,
 * EXAONE remote code: Llama's layer under its own key names) and Ling / Bailing MoE (`bailing_moe`,
 * inclusionAI modeling_bailing_moe.py: fused query_key_value, DeepSeek-style shared experts after
 * `first_k_dense_replace` dense layers), ChatGLM / GLM-4 (`chatglm`, THUDM modeling_chatglm.py:
 * Megatron-style key names, grouped query attention by `multi_query_group_num`), InternLM2/2.5
 * (`internlm2`, modeling_internlm2.py: fused wqkv, biases per `bias`; InternVL's language model) and
 * Qwen (v1, `qwen`, Qwen's remote modeling_qwen.py: fused c_attn with bias, a SwiGLU of half
 * `intermediate_size`) and MiniCPM (`minicpm`, OpenBMB's remote modeling_minicpm.py: Llama's layer with
 * scalar embedding and depth scales, embeddings tied by default), and Baichuan 2 (`baichuan`: fused
 * W_pack, ALiBi on the 13B).
 */

import { MAX } from './fields.js';
import { fused } from './fused-projections.js';
import { decoder, type Family, HF_KEYS, readGatedMlp, readPlainMlp } from './readers.js';

/** ArceeMLP: up_proj (h → intermediate) and down_proj, ReLU² between, no gate. */
export const arcee: Family = (f, name) =>
  decoder(f, name, { mlp: readPlainMlp(f, f.bool('mlp_bias', false)) });

/** ExaoneConfig: num_layers for the depth; attention, SwiGLU MLP and two RMSNorms as Llama's. */
export const exaone: Family = (f, name) => decoder(f, name, { keys: { ...HF_KEYS, layers: 'num_layers' } });

/**
 * BailingMoeForCausalLM (Ling-lite, Ling-plus): query_key_value with bias per `use_qkv_bias`, dense
 * with bias per `use_bias`; dense SwiGLU MLPs on the first `first_k_dense_replace` layers, then a
 * router, `num_experts` experts of moe_intermediate_size and `num_shared_experts` shared ones of the
 * same width.
 */
export const bailingMoe: Family = (f, name) => {
  const firstDense = f.int('first_k_dense_replace', { fallback: 0, max: MAX.layers });
  const spec = decoder(f, name, {
    attention: { qkvBias: f.bool('use_qkv_bias', false), outputBias: f.bool('use_bias', false) },
    layerMlp: (i) => (i < firstDense ? 'dense' : 'moe'),
    moe: {
      experts: 'num_experts',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'num_shared_experts' },
    },
  });
  return fused(spec, { qkv: true });
};

/**
 * BaichuanForCausalLM (Baichuan 2 7B/13B, remote code): Llama's layer with q/k/v fused in W_pack (no
 * bias), untied NormHead of the vocabulary's size; the 13B has ALiBi and no `max_position_embeddings`,
 * its context `model_max_length`.
 */
export const baichuan: Family = (f, name) =>
  fused(
    decoder(f, name, {
      keys: {
        ...HF_KEYS,
        positions: f.has('max_position_embeddings') ? 'max_position_embeddings' : 'model_max_length',
      },
      attention: { qkvBias: false, outputBias: false },
    }),
    { qkv: true },
  );

/**
 * ChatGLMForConditionalGeneration (ChatGLM2/3-6B, GLM-4-9B): `num_layers`, `padded_vocab_size`,
 * `seq_length`; query_key_value with bias (`add_qkv_bias`) over `multi_query_group_num` KV heads when
 * `multi_query_attention`, heads of `kv_channels`; dense and the SwiGLU MLP (dense_h_to_4h = 2 ×
 * ffn_hidden_size) with bias per `add_bias_linear`; RMSNorm when `rmsnorm`; output_layer untied.
 */
export const chatglm: Family = (f, name) => {
  const linearBias = f.bool('add_bias_linear', false);
  const spec = fused(
    decoder(f, name, {
      keys: {
        vocab: 'padded_vocab_size',
        hidden: 'hidden_size',
        layers: 'num_layers',
        positions: 'seq_length',
      },
      attention: {
        qkvBias: f.bool('add_qkv_bias', false),
        outputBias: linearBias,
        kvHeadsKey: f.bool('multi_query_attention', false) ? 'multi_query_group_num' : 'num_attention_heads',
        headDim: f.positiveInt('kv_channels', { max: MAX.headDim }),
      },
      mlp: readGatedMlp(f, 'ffn_hidden_size', linearBias),
    }),
    { qkv: true, gateUp: true },
  );
  return {
    ...spec,
    ...(f.bool('rmsnorm', true) ? {} : { norm: { kind: 'layernorm', perLayer: 2 } as const }),
  };
};

/** InternLM2ForCausalLM: wqkv and wo with bias per `bias` (default false), w1/w3/w2 SwiGLU, two RMSNorms. */
export const internlm2: Family = (f, name) => {
  const bias = f.bool('bias', false);
  return fused(decoder(f, name, { attention: { qkvBias: bias, outputBias: bias } }), { qkv: true });
};

/**
 * QWenLMHeadModel (Qwen-1.8B/7B/14B/72B, 2023): c_attn (h → 3 × heads × kv_channels, QWenConfig's
 * default 128) with bias and c_proj per `no_bias` (default true: none); QWenMLP's w1 and w2 are each
 * intermediate_size / 2 wide (c_proj(w1(x) · silu(w2(x)))), bias per `no_bias`; ln_1, ln_2 and ln_f
 * RMSNorms; lm_head untied.
 */
export const qwenV1: Family = (f, name) => {
  const bias = !f.bool('no_bias', true);
  const doubled = f.positiveInt('intermediate_size', { max: 2 * MAX.intermediate });
  if (doubled % 2 !== 0)
    f.fail('intermediate_size', `(${doubled}) must be even: Qwen's w1 and w2 are each half of it`);
  const spec = decoder(f, name, {
    attention: {
      qkvBias: true,
      outputBias: bias,
      kvHeadsKey: 'num_attention_heads',
      headDim: f.positiveInt('kv_channels', { fallback: 128, max: MAX.headDim }),
    },
    mlp: { intermediateSize: doubled / 2, gated: true, bias },
  });
  return fused(spec, { qkv: true });
};

/**
 * MiniCPMForCausalLM: Llama's layer; scale_emb, scale_depth and dim_model_base are scalars; tied by
 * default. With `num_experts` above 1 (MiniCPM-MoE-8x2B) every layer is MiniCPMMoE (vLLM minicpm.py): a
 * bias-free h → E router and `num_experts` gated experts of `intermediate_size`, top `num_experts_per_tok`.
 */
export const minicpm: Family = (f, name) => {
  const moe = f.int('num_experts', { fallback: 0, max: MAX.experts }) > 1;
  return {
    ...decoder(
      f,
      name,
      moe
        ? {
            layerMlp: 'moe',
            moe: { experts: 'num_experts', topK: 'num_experts_per_tok', expertSize: 'intermediate_size' },
          }
        : { mlp: readGatedMlp(f, 'intermediate_size', false) },
    ),
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
  };
};
