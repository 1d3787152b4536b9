/**
 * GPT-2: learned positions, LayerNorm, biased MHA and a plain GELU MLP (modeling_gpt2.py); GPTBigCode
 * (StarCoder 1, SantaCoder: modeling_gpt_bigcode.py), the same block with multi-query attention.
 */
import { MAX } from './fields.js';
import { baseSpec, type Family, readCommon, uniformLayers } from './readers.js';

export const gpt2: Family = (f, name) => {
  const c = readCommon(f, name, {
    vocab: 'vocab_size',
    hidden: 'n_embd',
    layers: 'n_layer',
    positions: 'n_positions',
  });
  const numHeads = f.positiveInt('n_head', { max: MAX.heads });
  if (c.hiddenSize % numHeads !== 0)
    f.fail('n_embd', `(${c.hiddenSize}) must be divisible by 'n_head' (${numHeads})`);
  const base = baseSpec(f, c, {
    attention: {
      kind: 'gqa',
      numHeads,
      numKvHeads: numHeads,
      headDim: c.hiddenSize / numHeads,
      qkvBias: true,
      outputBias: true,
      qkNorm: 'none',
      sinks: false,
    },
    // GPT2MLP: c_fc (n_embd → n_inner, default 4·n_embd) and c_proj, with biases.
    mlp: {
      intermediateSize: f.positiveInt('n_inner', { fallback: 4 * c.hiddenSize, max: MAX.intermediate }),
      gated: false,
      bias: true,
    },
    layers: uniformLayers(c.numLayers, 'dense'),
  });
  return {
    ...base,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    // GPT2Model.wpe: learned absolute positions, n_positions × n_embd.
    learnedPositionEmbeddings: c.maxContextTokens,
    norm: { kind: 'layernorm', perLayer: 2 },
    activation: f.string('activation_function', 'gelu_new'),
  };
};

/**
 * GPTBigCodeForCausalLM: GPT-2's block with one K/V head when `multi_query` (default true): c_attn
 * projects n_embd → n_embd + 2 · head_dim, with bias; embeddings tied as GPT-2's.
 */
export const gptBigcode: Family = (f, name) => {
  const spec = gpt2(f, name);
  if (spec.attention.kind !== 'gqa' || !f.bool('multi_query', true)) return spec;
  return { ...spec, attention: { ...spec.attention, numKvHeads: 1 } };
};
