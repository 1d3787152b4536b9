/**
 * Four 2025 dense decoders built from Llama's layer, each with one or two settings of its own:
 * - BitNet b1.58 (`bitnet`; transformers `models/bitnet/modular_bitnet.py`, `modeling_bitnet.py`,
 *   `configuration_bitnet.py`): BitNetAttention is LlamaAttention with `attn_sub_norm`, an
 *   RMSNorm(hidden_size) on the attention output before o_proj; BitNetMLP is GemmaMLP (gate, up,
 *   down, no bias) with `ffn_sub_norm`, an RMSNorm(intermediate_size) before down_proj; ReLU².
 *   The ternary weights are a quantization of these shapes (`quantization_config`), not a shape.
 * - Ministral (`ministral`; `models/ministral/modular_ministral.py`): Qwen2's layer without any
 *   attention bias, and a sliding or full layer per `layer_types` (MinistralConfig).
 * - Code World Model (`cwm`; `models/cwm/modular_cwm.py`, `configuration_cwm.py`): Llama's layer
 *   with CwmAttention (bias-free q/k/v/o) sliding on three layers of four (CwmConfig).
 * - Helium (`helium`; `models/helium/modular_helium.py`, `configuration_helium.py`): Llama's layer
 *   whose o_proj is Linear(hidden_size, hidden_size) without bias, and HeliumConfig's defaults.
 * RoPE (Helium's interleaved pairs, CWM's llama3 scaling) has no parameters.
 */
import type { ModelSpec } from '../spec.js';
import type { Fields } from './fields.js';
import {
  decoder,
  type Family,
  HF_KEYS,
  readGatedMlp,
  readPatternSliding,
  withClassDefaults,
} from './readers.js';

/** The query heads' concatenated width must be hidden_size where a module of that width takes it. */
function requireHeadsSpanHidden(f: Fields, spec: ModelSpec, module: string): void {
  const a = spec.attention;
  if (a.kind === 'gqa' && a.numHeads * a.headDim !== spec.hiddenSize) {
    f.fail(
      'head_dim',
      `(${a.headDim}) × num_attention_heads (${a.numHeads}) must equal hidden_size (${spec.hiddenSize}): ${module}`,
    );
  }
}

// BitNetConfig: hidden_act 'relu2', max_position_embeddings 2048, tie_word_embeddings False (the
// released 2B4T config sets True), attention_bias False; BitNetForCausalLM is LlamaForCausalLM.
export const bitnet: Family = (top, name) => {
  const f = withClassDefaults(top, { hidden_act: 'relu2' });
  const spec = decoder(f, name, {
    keys: { ...HF_KEYS, defaultPositions: 2048 },
    // BitNetMLP (GemmaMLP): gate_proj, up_proj, down_proj, all bias=False; act_fn(gate) * up.
    mlp: readGatedMlp(f),
  });
  // attn_sub_norm is RMSNorm(hidden_size) on the heads·head_dim attention output.
  requireHeadsSpanHidden(f, spec, 'BitNetAttention.attn_sub_norm normalizes the attention output');
  const i = spec.mlp.intermediateSize;
  return {
    ...spec,
    // input_layernorm, post_attention_layernorm and attn_sub_norm (hidden_size each).
    norm: { kind: 'rmsnorm', perLayer: 3 },
    warnings: [
      `bitnet: each layer's ffn_sub_norm (an RMSNorm of intermediate_size before down_proj, ${i.toLocaleString('en-US')} weights a layer, ${(i * spec.numLayers).toLocaleString('en-US')} in all) is not counted: the spec has no norm of the MLP's width`,
    ],
  };
};

// MinistralAttention: q/k/v/o all bias=False whatever attention_bias says; MinistralMLP (Qwen2MLP):
// gate/up/down without bias. MinistralConfig: sliding_window 4096 when absent; layer_types default
// all sliding when sliding_window is set, all full when it is null; a sliding layer's window is
// sliding_window (None: it attends to everything); max_position_embeddings 4096 × 32.
export const ministral: Family = (f, name) =>
  decoder(f, name, {
    keys: { ...HF_KEYS, defaultPositions: 4096 * 32 },
    attention: { qkvBias: false, outputBias: false },
    layout: (g, n) => readPatternSliding(g, n, () => true, 4096),
    mlp: readGatedMlp(f),
  });

// CwmConfig: head_dim 128 and num_key_value_heads 8 when absent (an explicit null: hidden / heads,
// and one KV head per query head), sliding_window 8192 (None when null), layer_types default full
// when i % 4 == 0 else sliding (a `window_pattern` key is not read), max_position_embeddings
// 131072. CwmAttention: q/k/v/o bias=False (attention_bias is removed from the config);
// CwmDecoderLayer's MLP is LlamaMLP with mlp_bias.
export const cwm: Family = (top, name) => {
  const f = withClassDefaults(top, { head_dim: 128, num_key_value_heads: 8 });
  return decoder(f, name, {
    keys: { ...HF_KEYS, defaultPositions: 131_072 },
    attention: { qkvBias: false, outputBias: false },
    layout: (g, n) => readPatternSliding(g, n, (i) => i % 4 !== 0, 8192),
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
  });
};

// HeliumConfig: head_dim 128 and num_key_value_heads 20 when absent, max_position_embeddings 4096,
// tie_word_embeddings False. HeliumAttention: q/k/v with attention_bias, o_proj
// Linear(hidden_size, hidden_size, bias=False); HeliumMLP (LlamaMLP) with mlp_bias.
export const helium: Family = (top, name) => {
  const f = withClassDefaults(top, { head_dim: 128, num_key_value_heads: 20 });
  const spec = decoder(f, name, {
    keys: { ...HF_KEYS, defaultPositions: 4096 },
    attention: { qkvBias: f.bool('attention_bias', false), outputBias: false },
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
  });
  requireHeadsSpanHidden(f, spec, 'HeliumAttention.o_proj takes hidden_size inputs');
  return spec;
};
