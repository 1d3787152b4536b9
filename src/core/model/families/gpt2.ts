/**
 * GPT-2: learned positions, LayerNorm, biased MHA and a plain GELU MLP (modeling_gpt2.py); GPTBigCode
 * (StarCoder 1, SantaCoder: modeling_gpt_bigcode.py), the same block with multi-query attention;
 * GPT-J and CodeGen (rotary, parallel attention and MLP) and GPT-Neo (alternating local layers).
 */

import { readMha } from './early-decoders.js';
import { type Fields, MAX, shown } from './fields.js';
import { fused } from './fused-projections.js';
import { baseSpec, type Family, readCommon, readPlainMlp, uniformLayers } from './readers.js';

/** GPT-2's block with q, k and v as separate matrices (GPT-J's and CodeGen's base; GPT-2 fuses them). */
const gpt2Block: Family = (f, name) => {
  const c = readCommon(f, name, {
    vocab: 'vocab_size',
    hidden: 'n_embd',
    layers: 'n_layer',
    positions: 'n_positions',
  });
  const base = baseSpec(f, c, {
    attention: readMha(f, c.hiddenSize, 'n_head', { bias: true }),
    // GPT2MLP: c_fc (n_embd → n_inner, default 4·n_embd) and c_proj, with biases.
    mlp: readPlainMlp(f, true, 'n_inner', 4 * c.hiddenSize),
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

/** GPT2LMHeadModel: the block with c_attn, q, k and v as one Conv1D (GPTBigCode's too). */
export const gpt2: Family = (f, name) => fused(gpt2Block(f, name), { qkv: true });

/**
 * GPTBigCodeForCausalLM: GPT-2's block with one K/V head when `multi_query` (default true): c_attn
 * projects n_embd → n_embd + 2 · head_dim, with bias; embeddings tied as GPT-2's.
 */
export const gptBigcode: Family = (f, name) => {
  const spec = gpt2(f, name);
  if (spec.attention.kind !== 'gqa' || !f.bool('multi_query', true)) return spec;
  return { ...spec, attention: { ...spec.attention, numKvHeads: 1 } };
};

/**
 * GPTJForCausalLM (GPT-J-6B) and CodeGenForCausalLM (CodeGen, CodeGen2 mono/multi): GPT-2's keys,
 * q/k/v (CodeGen: a fused qkv_proj, `codegen` below) and out_proj without bias, fc_in/fc_out (`n_inner`, default
 * 4·n_embd) with bias, one LayerNorm per block (attention and MLP in parallel on its output), ln_f,
 * rotary on `rotary_dim` (no position table); lm_head untied, with a vocabulary-sized bias (`headBias`).
 */
export const gptj: Family = (f, name) => {
  const spec = gpt2Block(f, name);
  return {
    ...spec,
    attention: { ...spec.attention, qkvBias: false, outputBias: false },
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    headBias: true,
    learnedPositionEmbeddings: 0,
    norm: { kind: 'layernorm', perLayer: 1 },
  };
};

/** CodeGenForCausalLM: GPT-J's block with q, k and v as one qkv_proj. */
export const codegen: Family = (f, name) => fused(gptj(f, name), { qkv: true });

/**
 * GPTNeoForCausalLM (GPT-Neo 125M–2.7B): q/k/v without bias and out_proj with it, c_fc/c_proj
 * (`intermediate_size`, default 4·hidden) with bias, two LayerNorms, learned positions of
 * `max_position_embeddings`, lm_head tied; `attention_types` ([[["global","local"], n]], expanded as
 * GPTNeoConfig.expand_attention_types_params) makes every "local" layer a sliding window of `window_size`.
 */
export const gptNeo: Family = (f, name) => {
  const c = readCommon(f, name, {
    vocab: 'vocab_size',
    hidden: 'hidden_size',
    layers: 'num_layers',
    positions: 'max_position_embeddings',
    defaultPositions: 2048,
  });
  const kinds = attentionTypes(f, c.numLayers);
  const base = baseSpec(f, c, {
    attention: readMha(f, c.hiddenSize, 'num_heads', { bias: false, outputBias: true }),
    mlp: readPlainMlp(f, true, 'intermediate_size', 4 * c.hiddenSize),
    layers: kinds.map((attention) => ({ attention, mlp: 'dense' as const })),
  });
  return {
    ...base,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    learnedPositionEmbeddings: c.maxContextTokens,
    slidingWindow: kinds.includes('sliding') ? f.positiveInt('window_size', { fallback: 256 }) : null,
    norm: { kind: 'layernorm', perLayer: 2 },
    activation: f.string('activation_function', 'gelu_new'),
  };
};

/** GPT-Neo's `attention_types`: [[kinds, repeats], …] expanded to one mixer per layer, as many as layers. */
function attentionTypes(f: Fields, numLayers: number): ('full' | 'sliding')[] {
  const raw = f.raw('attention_types') ?? [[['global', 'local'], 12]]; // GPTNeoConfig's default
  const kinds: ('full' | 'sliding')[] = [];
  const bad = (why: string): never =>
    f.fail('attention_types', `must be [[["global"|"local", …], repeats], …]: ${why}`);
  if (!Array.isArray(raw)) bad('not a list');
  for (const entry of raw as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || !Array.isArray(entry[0]))
      bad('an entry is not [kinds, repeats]');
    const [names, repeats] = entry as [unknown[], unknown];
    if (!Number.isInteger(repeats) || (repeats as number) < 1 || (repeats as number) > MAX.layers)
      bad(`repeats must be a whole number ≥ 1, got ${shown(repeats)}`);
    for (let r = 0; r < (repeats as number); r += 1)
      for (const name of names) {
        if (name !== 'global' && name !== 'local') bad(`unknown kind ${shown(name)}`);
        kinds.push(name === 'local' ? 'sliding' : 'full');
        if (kinds.length > numLayers) bad(`it names more than the ${numLayers} layers`);
      }
  }
  if (kinds.length !== numLayers) bad(`it names ${kinds.length} layers, num_layers is ${numLayers}`);
  return kinds;
}
