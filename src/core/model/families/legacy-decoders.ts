/**
 * Decoder-only language models of 2018–22 that transformers still ships, each with keys of its own:
 * GPT-1 (`openai-gpt`, models/openai/modeling_openai.py), CTRL (`ctrl`, models/ctrl/modeling_ctrl.py),
 * XGLM (`xglm`, models/xglm/modeling_xglm.py), BioGPT (`biogpt`, models/biogpt/modular_biogpt.py)
 * and GPT-NeoX-Japanese (`gpt_neox_japanese`, models/gpt_neox_japanese/modeling_gpt_neox_japanese.py).
 * All are multi-head attention with LayerNorms and an ungated two-matrix MLP; they differ in biases,
 * positions (a learned table, a sinusoid without parameters, or rotary), the final norm and the head.
 * Class defaults: each configuration_<type>.py `__init__`.
 */
import type { ModelSpec } from '../spec.js';
import { readMha } from './early-decoders.js';
import { type Fields, MAX } from './fields.js';
import { fused } from './fused-projections.js';
import {
  baseSpec,
  type CommonKeys,
  type Family,
  HF_KEYS,
  readCommon,
  readPlainMlp,
  uniformLayers,
  withClassDefaults,
} from './readers.js';

/** The block every family here shares: MHA of hidden / heads per head, a plain MLP, LayerNorms. */
function block(
  f: Fields,
  name: string,
  parts: {
    readonly keys: CommonKeys;
    readonly headsKey: string;
    readonly bias: boolean;
    readonly mlp: (f: Fields, hidden: number) => ModelSpec['mlp'];
    readonly activation: string;
  },
): ModelSpec {
  const c = readCommon(f, name, parts.keys);
  return {
    ...baseSpec(f, c, {
      attention: readMha(f, c.hiddenSize, parts.headsKey, { bias: parts.bias }),
      mlp: parts.mlp(f, c.hiddenSize),
      layers: uniformLayers(c.numLayers, 'dense'),
    }),
    // PretrainedConfig's default: the head shares the token embedding.
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: { kind: 'layernorm', perLayer: 2 },
    activation: parts.activation,
  };
}

/** OpenAIGPTConfig's `__init__` defaults (the openai-community/openai-gpt checkpoint). */
const OPENAI_GPT_DEFAULTS = {
  vocab_size: 40478,
  n_positions: 512,
  n_embd: 768,
  n_layer: 12,
  n_head: 12,
  afn: 'gelu',
};

/**
 * OpenAIGPTLMHeadModel (GPT-1): tokens_embed, positions_embed (a learned `n_positions` × n_embd
 * table), per Block attn.c_attn (one Conv1D n_embd → 3·n_embd) and attn.c_proj with biases, ln_1,
 * mlp.c_fc (n_embd → 4·n_embd, fixed) and mlp.c_proj with biases, ln_2; post-norm
 * (ln_1(x + attn(x)), ln_2(n + mlp(n))) and no final norm; lm_head tied, without bias.
 */
export const openaiGpt: Family = (f, name) => {
  const g = withClassDefaults(f, OPENAI_GPT_DEFAULTS);
  const spec = block(g, name, {
    keys: { vocab: 'vocab_size', hidden: 'n_embd', layers: 'n_layer', positions: 'n_positions' },
    headsKey: 'n_head',
    bias: true,
    mlp: (_, hidden) => ({ intermediateSize: 4 * hidden, gated: false, bias: true }),
    activation: g.string('afn', 'gelu'),
  });
  return {
    ...fused(spec, { qkv: true }),
    learnedPositionEmbeddings: spec.maxContextTokens,
    norm: { kind: 'layernorm', perLayer: 2, final: false },
  };
};

/** CTRLConfig's `__init__` defaults (Salesforce/ctrl, 1.6B). */
const CTRL_DEFAULTS = {
  vocab_size: 246534,
  n_positions: 256,
  n_embd: 1280,
  dff: 8192,
  n_layer: 48,
  n_head: 16,
};

/**
 * CTRLLMHeadModel: w (vocab × n_embd), a sinusoidal pos_encoding of `n_positions` rows (a tensor,
 * no parameters), per EncoderLayer layernorm1, multi_head_attention.Wq/Wk/Wv and dense (n_embd →
 * n_embd, with biases), layernorm2, ffn (Linear n_embd → `dff`, ReLU, Linear back, with biases);
 * pre-norm; a final layernorm; lm_head tied to w, with a vocabulary-sized bias (`headBias`).
 */
export const ctrl: Family = (f, name) => {
  const read = block(withClassDefaults(f, CTRL_DEFAULTS), name, {
    keys: { vocab: 'vocab_size', hidden: 'n_embd', layers: 'n_layer', positions: 'n_positions' },
    headsKey: 'n_head',
    bias: true,
    mlp: (g) => readPlainMlp(g, true, 'dff'),
    activation: 'relu',
  });
  // CTRLLMHeadModel: lm_head = nn.Linear(n_embd, vocab_size, bias=True), its weight tied to w.
  const spec = { ...read, headBias: true };
  // transformers reads n_positions (the sinusoid table) as the maximum; the release trained at n_ctx.
  const trained = f.has('n_ctx') ? f.positiveInt('n_ctx', { max: MAX.positions }) : null;
  if (trained === null || trained >= spec.maxContextTokens) return spec;
  return {
    ...spec,
    warnings: [
      ...(spec.warnings ?? []),
      `ctrl: the context limit read is n_positions (${spec.maxContextTokens.toLocaleString('en-US')}, the size of the sinusoidal position table); the model was trained on sequences of n_ctx = ${trained.toLocaleString('en-US')} tokens`,
    ],
  };
};

/** XGLMConfig's `__init__` defaults (facebook/xglm-564M). */
const XGLM_DEFAULTS = {
  vocab_size: 256008,
  max_position_embeddings: 2048,
  d_model: 1024,
  ffn_dim: 4096,
  num_layers: 24,
  attention_heads: 16,
  activation_function: 'gelu',
};

/**
 * XGLMForCausalLM: embed_tokens (scaled by √d_model, a multiply with no parameters), sinusoidal
 * embed_positions (a buffer of max_position_embeddings + 2 rows, no parameters), per
 * XGLMDecoderLayer self_attn_layer_norm, q/k/v/out_proj (d_model → d_model, with biases),
 * final_layer_norm, fc1 (d_model → `ffn_dim`) and fc2 with biases; pre-norm; a final layer_norm;
 * lm_head tied, without bias. `add_cross_attention` (encoder_attn and its norm per layer) is refused:
 * no released checkpoint builds it.
 */
export const xglm: Family = (f, name) => {
  const g = withClassDefaults(f, XGLM_DEFAULTS);
  if (g.bool('add_cross_attention', false)) {
    g.fail('add_cross_attention', 'must be false: the cross-attention to an encoder is not modelled');
  }
  return block(g, name, {
    keys: {
      vocab: 'vocab_size',
      hidden: 'd_model',
      layers: 'num_layers',
      positions: 'max_position_embeddings',
    },
    headsKey: 'attention_heads',
    bias: true,
    mlp: (h) => readPlainMlp(h, true, 'ffn_dim'),
    activation: g.string('activation_function', 'gelu'),
  });
};

/** BioGptConfig's `__init__` defaults (microsoft/biogpt, 347M). */
const BIOGPT_DEFAULTS = {
  vocab_size: 42384,
  hidden_size: 1024,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  intermediate_size: 4096,
  hidden_act: 'gelu',
  max_position_embeddings: 1024,
};

/**
 * BioGptForCausalLM: embed_tokens (scaled by √hidden, no parameters), embed_positions
 * (OPTLearnedPositionalEmbedding: max_position_embeddings + 2 rows, the offset of 2), per
 * BioGptDecoderLayer (BART's decoder layer without its encoder_attn) self_attn_layer_norm,
 * q/k/v/out_proj with biases, final_layer_norm, fc1 (hidden → `intermediate_size`) and fc2 with
 * biases; pre-norm; a final layer_norm; output_projection tied, without bias.
 */
export const biogpt: Family = (f, name) => {
  const g = withClassDefaults(f, BIOGPT_DEFAULTS);
  const spec = block(g, name, {
    keys: HF_KEYS,
    headsKey: 'num_attention_heads',
    bias: true,
    mlp: (h) => readPlainMlp(h, true),
    activation: g.string('hidden_act', 'gelu'),
  });
  return { ...spec, learnedPositionEmbeddings: spec.maxContextTokens + 2 };
};

/** GPTNeoXJapaneseConfig's `__init__` defaults (abeja/gpt-neox-japanese-2.7b). */
const GPT_NEOX_JAPANESE_DEFAULTS = {
  vocab_size: 32000,
  hidden_size: 2560,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  intermediate_multiple_size: 4,
  hidden_act: 'gelu',
  max_position_embeddings: 2048,
};

/**
 * GPTNeoXJapaneseForCausalLM: embed_in, per GPTNeoXJapaneseLayer input_layernorm,
 * attention.query_key_value (h → 3h) and attention.dense (h → h), both without bias, rotary on
 * `rotary_pct` of each head (no parameters), post_attention_layernorm, mlp.dense_h_to_4h (h →
 * int(h · `intermediate_multiple_size`)) and dense_4h_to_h without bias; sequential pre-norm; a
 * final_layer_norm; embed_out without bias, tied unless `tie_word_embeddings` is false. The last
 * layer alone adds attention.dense_bias (h), which a ModelSpec cannot place on one layer: not counted.
 */
export const gptNeoxJapanese: Family = (f, name) => {
  const g = withClassDefaults(f, GPT_NEOX_JAPANESE_DEFAULTS);
  const spec = block(g, name, {
    keys: HF_KEYS,
    headsKey: 'num_attention_heads',
    bias: false,
    mlp: (h, hidden) => {
      const width = Math.floor(hidden * h.positiveNumber('intermediate_multiple_size', MAX.intermediate));
      if (width < 1 || width > MAX.intermediate) {
        h.fail('intermediate_multiple_size', `gives an MLP width of ${width}, outside 1…${MAX.intermediate}`);
      }
      return { intermediateSize: width, gated: false, bias: false };
    },
    activation: g.string('hidden_act', 'gelu'),
  });
  return fused(spec, { qkv: true });
};
