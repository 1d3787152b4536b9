/**
 * Two dense decoders with an ungated ReLU² MLP that Llama's reading gets wrong:
 *
 * - nanochat (`nanochat`, NanoChatForCausalLM: karpathy/nanochat-d32, nanochat-students/nanochat-d20).
 *   transformers `models/nanochat/modular_nanochat.py` → `modeling_nanochat.py` (NanoChatRMSNorm,
 *   NanoChatAttention, NanoChatMLP, NanoChatDecoderLayer, NanoChatModel, NanoChatForCausalLM) and
 *   `configuration_nanochat.py` (NanoChatConfig). Every norm is NanoChatRMSNorm, Llama 4's L2 norm
 *   without a weight: input_layernorm, post_attention_layernorm, the per-head q_norm and k_norm (after
 *   RoPE) and model.norm, which runs on the embeddings before the first layer and again after the
 *   last. NanoChatAttention (Qwen3Attention) has q/k/v/o with `attention_bias`; NanoChatMLP (CLIPMLP)
 *   is fc1 h → I and fc2 I → h, both bias-free, around `hidden_act` (relu2); lm_head is untied unless
 *   `tie_word_embeddings`; the final-logit softcap (`final_logit_softcapping`, tanh) is a scalar.
 *   Karpathy's later nanochat (value embeddings, per-layer residual scalars, sliding windows) is not
 *   this class and is not read here.
 * - Jais 2 (`jais2`, Jais2ForCausalLM: inceptionai/Jais-2-8B-Chat, Jais-2-70B-Chat). transformers
 *   `models/jais2/modular_jais2.py` → `modeling_jais2.py` (Jais2MLP from NemotronMLP, Jais2Attention,
 *   Jais2DecoderLayer, Jais2Model, Jais2ForCausalLM) and `configuration_jais2.py` (Jais2Config).
 *   Llama's layer with nn.LayerNorm (weight and bias) for input_layernorm, post_attention_layernorm
 *   and model.norm; q/k/v/o with `attention_bias` (default true); Jais2MLP up_proj h → I and
 *   down_proj I → h with `mlp_bias` (default true) around relu2, no gate; untied lm_head by default.
 *
 * Both read RoPE (no parameters) and full causal attention on every layer.
 */
import type { ModelSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readHeadDim, readPlainMlp, withClassDefaults } from './readers.js';

/** NanoChatConfig defaults for the keys whose absence changes the structure (sizes are required). */
const NANOCHAT_DEFAULTS = {
  hidden_act: 'relu2',
  attention_bias: false,
  tie_word_embeddings: false,
  max_position_embeddings: 2048,
} as const;

/** Jais2Config defaults for the keys whose absence changes the structure (sizes are required). */
const JAIS2_DEFAULTS = {
  hidden_act: 'relu2',
  attention_bias: true,
  mlp_bias: true,
  tie_word_embeddings: false,
  max_position_embeddings: 8192,
} as const;

/**
 * `intermediate_size`, required: both configuration classes default it to a constant (NanoChatConfig
 * 8192, Jais2Config 26624) whatever `hidden_size`, which only fits one size of each family.
 */
function readIntermediate(f: Fields, cls: string, classDefault: number): number {
  if (f.raw('intermediate_size') === undefined) {
    f.fail(
      'intermediate_size',
      `is required: ${cls} defaults it to ${classDefault} whatever hidden_size, so the MLP width must be stated`,
    );
  }
  return f.positiveInt('intermediate_size', { max: MAX.intermediate });
}

/** What the config says that NanoChatForCausalLM does not build or read, as warnings (none for d32). */
function nanochatNotes(top: Fields): string[] {
  const out: string[] = [];
  // The first port read `qkv_bias`; the current one reads only `attention_bias`.
  if (top.raw('attention_bias') === undefined && top.bool('qkv_bias', false)) {
    out.push(
      'qkv_bias true is ignored: NanoChatAttention reads attention_bias (absent, so false) for q/k/v/o',
    );
  }
  // Karpathy's nanochat GPT after Jan 2026 (window_pattern "SSSL", value embeddings, resid/x0 lambdas).
  if (top.has('window_pattern')) {
    out.push(
      'window_pattern is not read: NanoChatForCausalLM attends fully on every layer and builds none of the later nanochat GPT’s value embeddings, value gates or per-layer scalars; tensors a remote-code export holds for them are not counted',
    );
  }
  return out.map((n) => `nanochat: ${n}`);
}

/**
 * NanoChatForCausalLM. head_dim: `getattr(config, "head_dim", None) or hidden_size //
 * num_attention_heads` (Qwen3Attention); NanoChatConfig has no head_dim field of its own.
 */
export const nanochat: Family = (top, name) => {
  const f = withClassDefaults(top, NANOCHAT_DEFAULTS);
  // NanoChatMLP (CLIPMLP): fc1 and fc2, bias=False whatever the config says; act_fn(fc1(x)), no gate.
  const mlp = { intermediateSize: readIntermediate(f, 'NanoChatConfig', 8192), gated: false, bias: false };
  const spec: ModelSpec = {
    ...decoder(f, name, {
      // NanoChatAttention: q/k/v/o bias = attention_bias; q_norm/k_norm NanoChatRMSNorm per head.
      attention: { qkNorm: 'per-head', headDim: readHeadDim(f) },
      mlp,
    }),
    // NanoChatRMSNorm holds no weight: two per layer, model.norm after the last layer, and the same
    // model.norm on the embeddings before the first (“Additional norm before the layers”).
    norm: { kind: 'rmsnorm', perLayer: 2, affine: false, embedding: true },
  };
  const warnings = nanochatNotes(top);
  return warnings.length > 0 ? { ...spec, warnings } : spec;
};

/** Jais2ForCausalLM (Llama's decoder with LayerNorms and an ungated, biased ReLU² MLP). */
export const jais2: Family = (top, name) => {
  const f = withClassDefaults(top, JAIS2_DEFAULTS);
  // Jais2Config.validate_architecture: hidden_size must be a multiple of num_attention_heads.
  f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  readIntermediate(f, 'Jais2Config', 26624);
  return {
    ...decoder(f, name, {
      // Jais2Attention: q/k/v/o all with bias = attention_bias; head_dim (default hidden / heads).
      attention: { headDim: readHeadDim(f) },
      // Jais2MLP (NemotronMLP): up_proj and down_proj with bias = mlp_bias around relu2.
      mlp: readPlainMlp(f, f.bool('mlp_bias', true)),
    }),
    // nn.LayerNorm(hidden_size): weight and bias, two per layer and model.norm.
    norm: { kind: 'layernorm', perLayer: 2 },
  };
};
