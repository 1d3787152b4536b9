/**
 * Jais (`jais`: inceptionai/jais-13b, jais-30b-v1/v3 and the from-scratch jais-family-590m … 30b-16k;
 * the jais-adapted-* releases are `llama`), as the remote code of the HF repos builds it
 * (configuration_jais.py JAISConfig, modeling_jais.py JAISLMHeadModel, a GPT-2 derivative by Cerebras;
 * read through vLLM `vllm/model_executor/models/jais.py` and `vllm/transformers_utils/configs/jais.py`,
 * Cerebras modelzoo `models/nlp/jais/configs/params_jais_{13b,30b}.yaml` and
 * `tools/checkpoint_converters/jais_hf_cs.py`, llama.cpp's JaisModel converter):
 * - transformer.wte (vocab_size × n_embd); transformer.wpe (n_positions × n_embd) only when
 *   `position_embedding_type` is not "alibi" (JAISConfig's default is "learned"; every release is ALiBi).
 * - transformer.relative_pe (AlibiPositionEmbeddingLayer, ALiBi only): its `slopes` [n_head, 1] are an
 *   nn.Parameter with requires_grad=False, so in the state dict and the checkpoints (llama.cpp reads
 *   max_alibi_bias back from them); n_head parameters, held as layer 0's `extras` (no matmul).
 * - Per block (JAISBlock): ln_1, JAISAttention — c_attn, one Conv1D h → 3h with bias (MHA of n_head
 *   heads of h / n_head), c_proj h → h with bias —, ln_2, JAISMLP — c_fc and, with `activation_function`
 *   "swiglu" (every release), c_fc2, both h → n_inner (default 4h) with bias, and c_proj n_inner → h
 *   with bias; any other activation is GPT-2's plain c_fc → act → c_proj. LayerNorms with bias.
 * - transformer.ln_f; lm_head (h → vocab, no bias) tied to wte unless `tie_word_embeddings` is false.
 * The muP scalars (`mup_embeddings_scale`/`embeddings_scale`, `mup_output_alpha` · `mup_width_scale`/
 * `width_scale`, `mup_scale_qk_dot_by_d`/`scale_qk_dot_by_d`) and `alibi_scaling` hold no parameters.
 * The KV cache holds keys and values of all n_head heads on every layer.
 */

import { readMha } from './early-decoders.js';
import { fused } from './fused-projections.js';
import {
  baseSpec,
  type Family,
  readCommon,
  readPlainMlp,
  uniformLayers,
  withClassDefaults,
} from './readers.js';

/** JAISConfig's `__init__` defaults (configuration_jais.py) for the keys read here. */
const JAIS_DEFAULTS = {
  vocab_size: 50_257,
  n_positions: 1024,
  n_embd: 768,
  n_layer: 12,
  n_head: 12,
  activation_function: 'gelu_new',
  position_embedding_type: 'learned',
};

/** JAISLMHeadModel (JAISModel with its tied lm_head). */
export const jais: Family = (raw, name) => {
  const f = withClassDefaults(raw, JAIS_DEFAULTS);
  // vLLM's JAISModel asserts it; the checkpoints hold no crossattention or ln_cross_attn.
  if (f.bool('add_cross_attention', false))
    f.fail('add_cross_attention', 'must be false: JAISLMHeadModel is a decoder without cross-attention');
  const c = readCommon(f, name, {
    vocab: 'vocab_size',
    hidden: 'n_embd',
    layers: 'n_layer',
    positions: 'n_positions',
  });
  const activation = f.string('activation_function', 'gelu_new');
  const plain = readPlainMlp(f, true, 'n_inner', 4 * c.hiddenSize);
  const alibi = f.string('position_embedding_type', 'learned') === 'alibi';
  const attention = readMha(f, c.hiddenSize, 'n_head', { bias: true });
  const spec = baseSpec(f, c, {
    attention,
    // SwiGLU: c_fc2 beside c_fc (SwiGLUActivation: c_fc · silu(c_fc2)), both with bias.
    mlp: activation === 'swiglu' ? { ...plain, gated: true } : plain,
    layers: uniformLayers(c.numLayers, 'dense'),
  });
  const slopes = {
    modules: 'transformer.relative_pe.slopes (ALiBi, frozen)',
    params: attention.numHeads,
    gemms: [],
  };
  return {
    ...fused(spec, { qkv: true }),
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    learnedPositionEmbeddings: alibi ? 0 : c.maxContextTokens,
    norm: { kind: 'layernorm', perLayer: 2 },
    layers: alibi
      ? spec.layers.map((layer, i) => (i === 0 ? { ...layer, extras: slopes } : layer))
      : spec.layers,
    activation,
  };
};
