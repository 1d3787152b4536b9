/**
 * DiffusionGemma (`diffusion_gemma`, google/diffusiongemma-26B-A4B-it; its text model
 * `diffusion_gemma_text`), as transformers builds it (`models/diffusion_gemma/modular_diffusion_gemma.py`,
 * `modeling_diffusion_gemma.py`, `configuration_diffusion_gemma.py`, `generation_diffusion_gemma.py`,
 * `convert_diffusion_gemma_weights.py`). DiffusionGemmaForBlockDiffusion holds:
 * - an encoder (DiffusionGemmaEncoderModel: Gemma 4's vision tower and `embed_vision`, and
 *   DiffusionGemmaEncoderTextModel) and a decoder (DiffusionGemmaDecoderModel) over the same Gemma 4
 *   text trunk: `_tied_weights_keys` ties every weight of the encoder's layers, its final norm and its
 *   embedding to the decoder's, so the trunk is counted once. Each layer is Gemma 4's with its MoE
 *   block always on (DiffusionGemmaEncoderTextLayer / DecoderTextLayer): q, k, o and, on sliding
 *   layers only, v projections (full layers take their values from the keys, whatever the config
 *   says) with per-head q/k RMSNorms and a weightless v norm; the dense GeGLU MLP of
 *   `intermediate_size`; the router (proj h → E, a learned h scale, a per-expert scale) and E fused
 *   experts of `moe_intermediate_size`, top `top_k_experts`; seven RMSNorms. Full layers use
 *   `global_head_dim` (512) and `num_global_key_value_heads` (or `per_layer_config`, where newer
 *   transformers writes them). No per-layer embeddings, no KV-shared layers (the config class drops
 *   those attributes). `layer_scalar` is a buffer.
 * - the decoder's self-conditioning block (DiffusionGemmaSelfConditioning: pre_norm h, gate_proj and
 *   up_proj h → intermediate_size, down_proj back, a weightless post_norm) and the lm_head, tied to
 *   the decoder's embedding (`tie_word_embeddings: false` unties the encoder from the decoder too,
 *   refused by name).
 * The self-conditioning block has no ModelSpec field, so it is not in the total; a warning says so
 * with its exact count. The encoder attends causally over text (`use_bidirectional_attention`
 * 'vision': both ways within an image); 'all' is refused by name. Generation is block diffusion,
 * not one forward pass per token (DiffusionGemmaGenerationMixin); a warning says what that changes.
 */
import { mlpParams } from '../mixer-params.js';
import type { ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { gemma4Text } from './gemma4.js';
import { type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';
import { readGemma4Vision } from './vision.js';
import { subConfig, wrapped } from './wrappers.js';

/** DiffusionGemmaTextConfig's defaults: Gemma4TextConfig's, tied, with its activation spelled out. */
const DIFFUSION_GEMMA_TEXT_DEFAULTS: Json = {
  ...SUB_CONFIG_DEFAULTS.gemma4_text,
  hidden_activation: 'gelu_pytorch_tanh',
  tie_word_embeddings: true,
};

/**
 * What DiffusionGemma's modules fix whatever the config says: the MoE block on every layer, keys
 * as values on full layers, no per-layer embeddings, no KV sharing, no double-wide MLP.
 */
const FIXED: Json = {
  enable_moe_block: true,
  attention_k_eq_v: true,
  hidden_size_per_layer_input: 0,
  num_kv_shared_layers: 0,
  use_double_wide_mlp: false,
};

/** DiffusionGemmaConfig's `canvas_length` default: the block of tokens one diffusion run fills. */
const DEFAULT_CANVAS = 256;

/** Why llmecon's per-token decode figures do not describe DiffusionGemma's generation. */
function servingWarning(canvas: number): string {
  return (
    `diffusion_gemma generates by block diffusion, not one forward pass per token: each block of canvas_length (${canvas}) ` +
    'tokens takes up to max_denoising_steps (generation_config, 48 by default; fewer when the entropy-bound sampler settles) ' +
    'bidirectional decoder passes over the whole canvas, each with the lm_head on every canvas position, reading the ' +
    "prompt's KV cache without extending it (the canvas's own keys and values are transient), then one encoder pass that " +
    "appends the accepted block to the cache. The KV cache per token is the causal encoder's, as counted here; decode " +
    'figures that assume one pass per generated token (weight reads, FLOPs and latency per token) do not hold'
  );
}

/** The self-conditioning block the spec cannot hold, with its exact parameter count. */
function selfConditioningWarning(f: Fields): string {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const params = mlpParams(h, inter, true, false) + h;
  return (
    `diffusion_gemma: the decoder's self-conditioning block (pre_norm, gate_proj and up_proj ${h} → ${inter}, down_proj; ` +
    `${params.toLocaleString('en-US')} parameters) is not in the total, nor in the FLOPs with the soft embedding each ` +
    'denoising step computes (softmax of the previous logits times embed_tokens, canvas × vocab × hidden): llmecon has no ' +
    'ModelSpec field for them'
  );
}

/** The Gemma 4 trunk under DiffusionGemma's fixed choices, with both warnings. */
function readText(config: Fields, name: string, canvas: number): ModelSpec {
  const f = withClassDefaults(config, DIFFUSION_GEMMA_TEXT_DEFAULTS);
  if (f.string('use_bidirectional_attention', 'vision') === 'all') {
    f.fail(
      'use_bidirectional_attention',
      "'all' makes the encoder attend both ways over the whole prompt (and halves sliding_window); llmecon models the causal prompt encoder ('vision' or null)",
    );
  }
  const spec = gemma4Text(f.with(FIXED), name);
  return {
    ...spec,
    warnings: [...(spec.warnings ?? []), selfConditioningWarning(f), servingWarning(canvas)],
  };
}

/** A bare `diffusion_gemma_text` config: the shared trunk (see the file comment). */
export const diffusionGemmaText: Family = (f, name) => readText(f, name, DEFAULT_CANVAS);

/** The `diffusion_gemma` wrapper: the trunk of `text_config` and Gemma 4's vision tower, counted apart. */
export const diffusionGemma: Family = (top, name) => {
  const canvas = top.positiveInt('canvas_length', { fallback: DEFAULT_CANVAS, max: MAX.positions });
  const text = subConfig(top, 'text_config', 'diffusion_gemma_text');
  for (const [where, key] of [
    [top, 'tie_word_embeddings'],
    [text, 'tie_word_embeddings'],
  ] as const) {
    if (where && !where.bool(key, true)) {
      where.fail(
        key,
        "false undoes all of DiffusionGemma's ties (encoder to decoder, as well as embedding to lm_head), two trunks llmecon does not model",
      );
    }
  }
  // DiffusionGemmaConfig builds text_config as DiffusionGemmaTextConfig whatever model_type it names.
  return wrapped(() => (f, n) => readText(f, n, canvas), {
    textType: 'diffusion_gemma_text',
    vision: (t, textHidden) => {
      const v = subConfig(t, 'vision_config', 'gemma4_vision');
      return v ? readGemma4Vision(t, v, textHidden) : null;
    },
  })(top, name);
};
