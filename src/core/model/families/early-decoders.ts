/**
 * Decoders of 2022–24 still cited and served, with keys of their own (transformers modelling files
 * of bloom, opt, dbrx): BLOOM (ALiBi, fused biased QKV, an embedding LayerNorm), OPT (learned
 * positions offset by 2, ReLU MLP, biases everywhere) and DBRX (fine-grained MoE, 16 GLU experts
 * top-4, bias-free LayerNorms, settings nested in `attn_config` / `ffn_config`).
 */
import type { GqaAttention } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { baseSpec, type Family, readCommon, readKvHeads, readMoe, uniformLayers } from './readers.js';

/** Multi-head attention with biased q/k/v/o (BLOOM's fused query_key_value, OPT's q/k/v/out_proj). */
function biasedMha(f: Fields, hidden: number, headsKey: string): GqaAttention {
  const numHeads = f.positiveInt(headsKey, { max: MAX.heads });
  if (hidden % numHeads !== 0) f.fail(headsKey, `(${numHeads}) must divide the hidden size (${hidden})`);
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads: numHeads,
    headDim: hidden / numHeads,
    qkvBias: true,
    outputBias: true,
    qkNorm: 'none',
    sinks: false,
  };
}

/**
 * BloomForCausalLM: word_embeddings and their LayerNorm, per layer input_layernorm,
 * query_key_value (h → 3h) and dense with biases, post_attention_layernorm, dense_h_to_4h /
 * dense_4h_to_h with biases (GELU), ln_f; ALiBi (no position table); lm_head tied. BloomConfig maps
 * `n_layer`, `n_head` and the legacy `n_embed`; the trained length is `seq_length` (2,048 when absent).
 */
export const bloom: Family = (f, name) => {
  const g = f.has('n_embed') && !f.has('hidden_size') ? f.with({ hidden_size: f.raw('n_embed') }) : f;
  const c = readCommon(g, name, {
    vocab: 'vocab_size',
    hidden: 'hidden_size',
    layers: g.has('n_layer') ? 'n_layer' : 'num_hidden_layers',
    positions: 'seq_length',
    defaultPositions: 2048,
  });
  const spec = baseSpec(g, c, {
    attention: biasedMha(g, c.hiddenSize, g.has('n_head') ? 'n_head' : 'num_attention_heads'),
    mlp: { intermediateSize: 4 * c.hiddenSize, gated: false, bias: true },
    layers: uniformLayers(c.numLayers, 'dense'),
  });
  return {
    ...spec,
    tieWordEmbeddings: g.bool('tie_word_embeddings', true),
    norm: { kind: 'layernorm', perLayer: 2, embedding: true },
    activation: 'gelu',
  };
};

/**
 * OPTForCausalLM (OPT-125M … 175B): embed_tokens, embed_positions (max_position_embeddings + 2:
 * OPTLearnedPositionalEmbedding's offset), per layer q/k/v/out_proj and fc1/fc2 (`ffn_dim`) with
 * biases (`enable_bias`), two LayerNorms, final_layer_norm; ReLU; lm_head tied. OPT-350M: a
 * `word_embed_proj_dim`-wide table and head with bias-free project_in/project_out, and post-norm
 * layers (`do_layer_norm_before` false: the same two LayerNorms per layer, no final_layer_norm).
 */
export const opt: Family = (f, name) => {
  const c = readCommon(f, name);
  const width = f.positiveInt('word_embed_proj_dim', { fallback: c.hiddenSize, max: MAX.hidden });
  const preNorm = f.bool('do_layer_norm_before', true);
  const bias = f.bool('enable_bias', true);
  const attention = biasedMha(f, c.hiddenSize, 'num_attention_heads');
  const spec = baseSpec(f, c, {
    attention: { ...attention, qkvBias: bias, outputBias: bias },
    mlp: { intermediateSize: f.positiveInt('ffn_dim', { max: MAX.intermediate }), gated: false, bias },
    layers: uniformLayers(c.numLayers, 'dense'),
  });
  return {
    ...spec,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    learnedPositionEmbeddings: c.maxContextTokens + 2,
    norm: { kind: 'layernorm', perLayer: 2, ...(preNorm ? {} : { final: false as const }) },
    ...(width === c.hiddenSize ? {} : { embeddingWidth: width }),
    activation: f.string('activation_function', 'relu'),
  };
};

/**
 * DbrxForCausalLM (DBRX): wte, per layer norm_1, Wqkv (h → (H + 2·kv)·d) and out_proj without bias,
 * norm_2, a router (h → E, no bias) and E GLU experts (w1, v1, w2) of `ffn_config.ffn_hidden_size`,
 * top `moe_top_k`; LayerNorms without bias; lm_head untied. Heads and KV heads from `n_heads` and
 * `attn_config.kv_n_heads`.
 */
export const dbrx: Family = (f, name) => {
  const c = readCommon(f, name, {
    vocab: 'vocab_size',
    hidden: 'd_model',
    layers: 'n_layers',
    positions: 'max_seq_len',
  });
  const attn = f.child('attn_config') ?? f.fail('attn_config', 'is required (kv_n_heads)');
  const ffn =
    f.child('ffn_config') ??
    f.fail('ffn_config', 'is required (ffn_hidden_size, moe_num_experts, moe_top_k)');
  const numHeads = f.positiveInt('n_heads', { max: MAX.heads });
  if (c.hiddenSize % numHeads !== 0) f.fail('n_heads', `(${numHeads}) must divide d_model (${c.hiddenSize})`);
  const expertSize = ffn.positiveInt('ffn_hidden_size', { max: MAX.intermediate });
  const spec = baseSpec(f, c, {
    attention: {
      kind: 'gqa',
      numHeads,
      numKvHeads: readKvHeads(attn, numHeads, 'kv_n_heads'),
      headDim: c.hiddenSize / numHeads,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    },
    mlp: { intermediateSize: expertSize, gated: true, bias: false },
    layers: uniformLayers(c.numLayers, 'moe'),
  });
  return {
    ...spec,
    norm: { kind: 'layernorm', perLayer: 2, bias: false },
    // DbrxExperts: GLU experts without bias; DbrxRouter: a bias-free linear, no shared expert.
    moe: readMoe(ffn, { experts: 'moe_num_experts', expertSize: 'ffn_hidden_size', topK: 'moe_top_k' }),
  };
};
