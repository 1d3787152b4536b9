/**
 * Decoders of 2022–24 still cited and served, with keys of their own (transformers modelling files
 * of bloom, opt, dbrx, mpt): BLOOM (ALiBi, fused biased QKV, an embedding LayerNorm), OPT (learned
 * positions offset by 2, ReLU MLP, biases everywhere), DBRX (fine-grained MoE, 16 GLU experts
 * top-4, bias-free LayerNorms, settings nested in `attn_config` / `ffn_config`) and MPT, DBRX's
 * dense predecessor with the same keys.
 */
import type { GqaAttention } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { fused } from './fused-projections.js';
import {
  baseSpec,
  type CommonKeys,
  type Family,
  readCommon,
  readKvHeads,
  readMoe,
  uniformLayers,
} from './readers.js';

/**
 * Multi-head attention of hidden / heads dimensions per head, the heads under `headsKey` (the GPT-2
 * lineage, BLOOM, OPT, MPT, DBRX): biases on q/k/v and o as given, one K/V head per query head
 * unless `kvHeads` says how many.
 */
export function readMha(
  f: Fields,
  hidden: number,
  headsKey: string,
  parts: {
    readonly bias: boolean;
    readonly outputBias?: boolean;
    readonly kvHeads?: (heads: number) => number;
  },
): GqaAttention {
  const numHeads = f.positiveInt(headsKey, { max: MAX.heads });
  if (hidden % numHeads !== 0) f.fail(headsKey, `(${numHeads}) must divide the hidden size (${hidden})`);
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads: parts.kvHeads?.(numHeads) ?? numHeads,
    headDim: hidden / numHeads,
    qkvBias: parts.bias,
    outputBias: parts.outputBias ?? parts.bias,
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
    attention: readMha(g, c.hiddenSize, g.has('n_head') ? 'n_head' : 'num_attention_heads', { bias: true }),
    mlp: { intermediateSize: 4 * c.hiddenSize, gated: false, bias: true },
    layers: uniformLayers(c.numLayers, 'dense'),
  });
  return {
    ...fused(spec, { qkv: true }),
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
  const spec = baseSpec(f, c, {
    attention: readMha(f, c.hiddenSize, 'num_attention_heads', { bias }),
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

/** llm-foundry's names for the common fields (DbrxConfig, MptConfig). */
const LLM_FOUNDRY_KEYS: CommonKeys = {
  vocab: 'vocab_size',
  hidden: 'd_model',
  layers: 'n_layers',
  positions: 'max_seq_len',
};

/**
 * DbrxForCausalLM (DBRX): wte, per layer norm_1, Wqkv (h → (H + 2·kv)·d) and out_proj without bias,
 * norm_2, a router (h → E, no bias) and E GLU experts (w1, v1, w2) of `ffn_config.ffn_hidden_size`,
 * top `moe_top_k`; LayerNorms without bias; lm_head untied. Heads and KV heads from `n_heads` and
 * `attn_config.kv_n_heads`.
 */
export const dbrx: Family = (f, name) => {
  const c = readCommon(f, name, LLM_FOUNDRY_KEYS);
  const attn = f.child('attn_config') ?? f.fail('attn_config', 'is required (kv_n_heads)');
  const ffn =
    f.child('ffn_config') ??
    f.fail('ffn_config', 'is required (ffn_hidden_size, moe_num_experts, moe_top_k)');
  const expertSize = ffn.positiveInt('ffn_hidden_size', { max: MAX.intermediate });
  const spec = baseSpec(f, c, {
    attention: readMha(f, c.hiddenSize, 'n_heads', {
      bias: false,
      kvHeads: (heads) => readKvHeads(attn, heads, 'kv_n_heads'),
    }),
    mlp: { intermediateSize: expertSize, gated: true, bias: false },
    layers: uniformLayers(c.numLayers, 'moe'),
  });
  return {
    ...fused(spec, { qkv: true }),
    norm: { kind: 'layernorm', perLayer: 2, bias: false },
    // DbrxExperts: GLU experts without bias; DbrxRouter: a bias-free linear, no shared expert.
    moe: readMoe(ffn, { experts: 'moe_num_experts', expertSize: 'ffn_hidden_size', topK: 'moe_top_k' }),
  };
};

/** llm-foundry's attention types (attention.py): KV heads of each. */
const MPT_KV_HEADS = {
  multihead_attention: (heads: number) => heads,
  multiquery_attention: () => 1,
  grouped_query_attention: null,
} as const;

/**
 * MptForCausalLM (MPT-7B, MPT-30B, as llm-foundry's MPTModel built their checkpoints): wte, per block
 * norm_1, a fused Wqkv (h → (H + 2·kv)·d) and out_proj, norm_2, up_proj/down_proj of
 * `expansion_ratio`·h (GELU; `ffn_config.ffn_type` mptglu adds a gate, `ffn_hidden_size` overrides the
 * width), norm_f; linear and LayerNorm biases only without `no_bias`; ALiBi, or a learned table of
 * `max_seq_len` positions when `attn_config.alibi` is off and `learned_pos_emb` on; lm_head tied to wte.
 * KV heads by `attn_config.attn_type`: one per head, one (multi-query) or `kv_n_heads` (grouped).
 */
export const mpt: Family = (f, name) => {
  const c = readCommon(f, name, { ...LLM_FOUNDRY_KEYS, defaultPositions: 2048 });
  const attn = f.child('attn_config') ?? f.with({ attn_config: {} }).child('attn_config')!;
  const ffn = f.child('ffn_config') ?? f.with({ ffn_config: {} }).child('ffn_config')!;
  const attnType = attn.string('attn_type', 'multihead_attention');
  if (!Object.hasOwn(MPT_KV_HEADS, attnType))
    attn.fail('attn_type', `must be one of ${Object.keys(MPT_KV_HEADS).join(', ')}, got '${attnType}'`);
  const kvHeads = MPT_KV_HEADS[attnType as keyof typeof MPT_KV_HEADS];
  const ffnType = ffn.string('ffn_type', 'mptmlp');
  if (ffnType !== 'mptmlp' && ffnType !== 'mptglu')
    ffn.fail('ffn_type', `must be mptmlp or mptglu (llm-foundry's dense MLPs), got '${ffnType}'`);
  const ratio = f.has('expansion_ratio') ? f.positiveNumber('expansion_ratio', MAX.intermediate) : 4;
  const width = ffn.positiveInt('ffn_hidden_size', {
    fallback: Math.round(ratio * c.hiddenSize),
    max: MAX.intermediate,
  });
  const bias = !f.bool('no_bias', true);
  const alibi = attn.bool('alibi', true);
  const spec = baseSpec(f, c, {
    attention: {
      ...readMha(f, c.hiddenSize, 'n_heads', {
        bias,
        kvHeads: (heads) => (kvHeads ? kvHeads(heads) : readKvHeads(attn, heads, 'kv_n_heads')),
      }),
      qkNorm: attn.bool('qk_ln', false) ? 'full' : 'none',
    },
    mlp: { intermediateSize: width, gated: ffnType === 'mptglu', bias },
    layers: uniformLayers(c.numLayers, 'dense'),
  });
  const normType = f.string('norm_type', 'low_precision_layernorm');
  return {
    ...fused(spec, { qkv: true }),
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    learnedPositionEmbeddings: !alibi && f.bool('learned_pos_emb', true) ? c.maxContextTokens : 0,
    norm: normType.includes('rmsnorm')
      ? { kind: 'rmsnorm', perLayer: 2 }
      : { kind: 'layernorm', perLayer: 2, ...(bias ? {} : { bias: false as const }) },
    activation: 'gelu',
  };
};
