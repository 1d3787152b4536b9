/**
 * Ouro (`ouro`: ByteDance/Ouro-1.4B, Ouro-2.6B and their -Thinking fine-tunes), a looped language
 * model: its stack of `num_hidden_layers` decoder layers runs `total_ut_steps` times per token with
 * the same weights. Shapes from the Hub remote code `modeling_ouro.py` and `configuration_ouro.py`
 * (stored copies, e.g. LoopedLMs/ouro_rl `ouro_rl/modeling/`) and vLLM
 * `vllm/model_executor/models/ouro.py`:
 * - OuroAttention: q/k/v/o without bias (attention_bias is not read), `head_dim` (else h / heads),
 *   GQA by `num_key_value_heads`, RoPE; sliding on `layer_types`' sliding layers (Qwen2's
 *   `use_sliding_window` / `max_window_layers` rule when the list is absent).
 * - OuroMLP: gate_proj, up_proj h → I, down_proj I → h, no bias, `hidden_act`.
 * - OuroDecoderLayer: sandwich RMSNorms — input_layernorm and input_layernorm_2 around the
 *   attention, post_attention_layernorm and post_attention_layernorm_2 around the MLP: four of h.
 * - OuroModel: embed_tokens (V × h), the layers, `norm` (RMSNorm of h) and `early_exit_gate`
 *   (nn.Linear(h, 1) with bias). Each step (`for current_ut in range(total_ut_steps)`) runs every
 *   layer, then `norm`, whose output is the next step's input, and the gate on it.
 * - OuroForCausalLM: lm_head (h → V), untied by default.
 * - The cache: each step keeps its own keys and values per layer (UniversalTransformerCache slot
 *   `current_ut · num_hidden_layers + layer_idx`; in vLLM one Attention per step, `self.attn[current_ut]`).
 * Read unrolled: total_ut_steps × num_hidden_layers layers, the first pass holding the weights and every
 * later pass running them (LayerSpec.reusesWeights) with its own compute, activations and KV cache.
 * early_exit_gate is the last layer's `extras` on every pass (h + 1 parameters, held once, an h → 1
 * matmul per step). Early exit saves no compute in the modelling code: every step runs, and
 * `early_exit_threshold` (1.0, never) or `exit_at_step` only choose which step's state feeds lm_head.
 */
import type { LayerExtrasSpec, ModelSpec } from '../spec.js';
import { type Json, MAX } from './fields.js';
import { loopedLayers, repeatedPasses } from './looped.js';
import { decoder, type Family, readQwenSliding, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/** OuroConfig's class defaults (a Qwen2-style config; Ouro-7B-beta shapes); save_pretrained leaves out keys equal to them. */
const OURO_DEFAULTS: Json = {
  ...SUB_CONFIG_DEFAULTS.qwen2,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  use_sliding_window: false,
  sliding_window: 4096,
  max_window_layers: 28,
  total_ut_steps: 4,
};

const count = (n: number): string => n.toLocaleString('en-US');

export const ouro: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, OURO_DEFAULTS);
  const steps = f.positiveInt('total_ut_steps', { max: MAX.layers });
  const physical = decoder(f, name, {
    attention: { qkvBias: false, outputBias: false },
    layout: readQwenSliding,
  });
  const n = physical.numLayers;
  if (n * steps > MAX.layers)
    f.fail(
      'total_ut_steps',
      `(${steps}) × num_hidden_layers (${n}) exceeds ${count(MAX.layers)} layer passes`,
    );
  const h = physical.hiddenSize;
  const gate: LayerExtrasSpec = {
    modules: 'early_exit_gate',
    params: h + 1,
    gemms: [{ name: 'early_exit_gate', n: 1, k: h }],
  };
  // Every pass ends in the final norm and early_exit_gate, held as its last layer's extras.
  const layers = loopedLayers(physical.layers, repeatedPasses(n, steps)).map((layer, i) =>
    (i + 1) % n === 0 ? { ...layer, extras: gate } : layer,
  );

  return {
    ...physical,
    numLayers: layers.length,
    layers,
    // input_layernorm, input_layernorm_2, post_attention_layernorm, post_attention_layernorm_2.
    norm: { kind: 'rmsnorm', perLayer: 4 },
    warnings: [
      `ouro: the ${n} layers are read unrolled as they run, total_ut_steps (${steps}) passes, ${layers.length} layers in all; each layer's weights are counted at its first pass and run by the later ones, whose compute, activations and KV cache are their own; the final norm and early_exit_gate (${count(h + 1)} parameters, held as the last layer's extras) run after every pass; early exit saves no compute — every step runs, early_exit_threshold only picks the step whose state feeds lm_head`,
    ],
  };
};
