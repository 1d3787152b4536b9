/**
 * Gemma 4 (`gemma4_text`, inside the `gemma4` wrapper), as transformers builds it
 * (`models/gemma4/modeling_gemma4.py`, `configuration_gemma4.py`): Gemma 3's decoder (four
 * RMSNorms per layer, per-head q/k RMSNorms, tied embeddings, GeGLU) with
 * - per-layer-type attention (`Gemma4TextAttention`): sliding layers use `head_dim` and
 *   `num_key_value_heads`; full (global) layers use `global_head_dim` (default 512) and, with
 *   `attention_k_eq_v`, `num_global_key_value_heads` and no v_proj (the keys are the values);
 * - five sliding layers to one global by default, the last layer always global
 *   (`Gemma4TextConfig.__post_init__` forces it), window default 512;
 * - `enable_moe_block`: every layer runs its dense MLP (`intermediate_size`) beside a routed block
 *   (`Gemma4TextRouter`: a weightless RMSNorm, a learned `hidden` scale, proj h → E and a
 *   per-expert scale; `Gemma4TextExperts`: E experts of fused gate_up and down at
 *   `moe_intermediate_size`, top `top_k_experts`) and three more RMSNorms
 *   (post_feedforward_layernorm_1/_2, pre_feedforward_layernorm_2). The dense MLP sees every token,
 *   so it is read as one always-active shared expert.
 * Partial rotary and the final logit soft-cap have no parameters; the soft-cap's tanh over the
 * logits is elementwise (excluded from FLOPs, as for Gemma 2). KV-shared layers
 * (`num_kv_shared_layers`), per-layer input embeddings (`hidden_size_per_layer_input`, Gemma 4's
 * small E-models) and bidirectional text attention are refused by name until modelled.
 */
import type { GqaAttention, LayerMixer } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { gemmaDecoder } from './gemma2.js';
import type { Family, SlidingLayout } from './readers.js';
import { readGemma4Vision } from './vision.js';
import { subConfig, wrapped } from './wrappers.js';

/** Gemma4TextConfig: the last layer must be `full_attention` (its __post_init__ rewrites it). */
function lastLayerGlobal(_f: Fields, layout: SlidingLayout): SlidingLayout {
  const kinds = [...layout.kinds];
  if (kinds.length > 0 && kinds[kinds.length - 1] !== 'full') kinds[kinds.length - 1] = 'full';
  return { window: kinds.includes('sliding') ? layout.window : null, kinds: kinds as LayerMixer[] };
}

/** Fields Gemma 4 has that change parameters, FLOPs or KV and llmecon does not model yet. */
function refuseUnmodelled(f: Fields): void {
  // Gemma4TextConfig default hidden_size_per_layer_input = 256: absent means per-layer embeddings.
  const perLayer = f.int('hidden_size_per_layer_input', { fallback: 256, max: MAX.hidden });
  if (perLayer > 0) {
    f.fail(
      'hidden_size_per_layer_input',
      `(${perLayer}) enables per-layer input embeddings (Gemma 4 E-models), which llmecon does not model yet; only 0 is supported`,
    );
  }
  const shared = f.int('num_kv_shared_layers', { fallback: 0, max: MAX.layers });
  if (shared > 0) {
    f.fail(
      'num_kv_shared_layers',
      `(${shared}) makes layers reuse an earlier layer's keys and values, which llmecon does not model yet; only 0 is supported`,
    );
  }
  const bidirectional = f.string('use_bidirectional_attention', 'vision');
  if (bidirectional === 'all') {
    f.fail(
      'use_bidirectional_attention',
      "'all' makes every text token attend both ways (an encoder); llmecon models causal decoders ('vision' or null)",
    );
  }
}

/**
 * The attention of global layers: `global_head_dim` (Gemma4TextConfig pops it with default 512; a
 * null or 0 falls back to `head_dim`, as Gemma4TextAttention does), and with `attention_k_eq_v` the
 * `num_global_key_value_heads` (default `num_key_value_heads`) and no v_proj. Undefined when it is
 * the sliding layers' attention.
 */
function globalAttention(f: Fields, sliding: GqaAttention): GqaAttention | undefined {
  const raw = f.raw('global_head_dim');
  const headDim =
    raw === undefined
      ? 512
      : raw === null || raw === 0
        ? sliding.headDim
        : f.positiveInt('global_head_dim', { max: MAX.headDim });
  const valueFromKey = f.bool('attention_k_eq_v', false);
  const numKvHeads = valueFromKey
    ? f.positiveInt('num_global_key_value_heads', { fallback: sliding.numKvHeads, max: MAX.heads })
    : sliding.numKvHeads;
  if (sliding.numHeads % numKvHeads !== 0) {
    f.fail(
      'num_global_key_value_heads',
      `(${numKvHeads}) must divide num_attention_heads (${sliding.numHeads})`,
    );
  }
  if (headDim === sliding.headDim && numKvHeads === sliding.numKvHeads && !valueFromKey) return undefined;
  return { ...sliding, headDim, numKvHeads, ...(valueFromKey ? { valueFromKey: true } : {}) };
}

export const gemma4Text: Family = (f, name) => {
  refuseUnmodelled(f);
  const moe = f.bool('enable_moe_block', false);
  // Gemma4TextConfig: without layer_types, layer i slides when (i + 1) % 6 != 0.
  const spec = gemmaDecoder(f, name, (i) => (i + 1) % 6 !== 0, 'per-head', {
    defaultWindow: 512,
    layout: lastLayerGlobal,
    ...(moe
      ? {
          layerMlp: 'moe' as const,
          moe: {
            experts: 'num_experts',
            topK: 'top_k_experts',
            expertSize: 'moe_intermediate_size',
            // The dense MLP beside the experts, on every token.
            shared: { sizeKey: 'intermediate_size', count: 1 as const },
            // per_expert_scale: one parameter per expert beside proj.
            routerBias: true,
          },
          extraNormsPerLayer: 3,
        }
      : {}),
  });
  const attention = spec.attention;
  if (attention.kind !== 'gqa') return spec;
  const full = spec.layers.some((l) => l.attention === 'full') ? globalAttention(f, attention) : undefined;
  return {
    ...spec,
    ...(full ? { fullAttention: full } : {}),
    ...(spec.moe ? { moe: { ...spec.moe, routerInputScale: true } } : {}),
  };
};

/**
 * The `gemma4` wrapper (Gemma4ForConditionalGeneration): the text model of `text_config`, the vision
 * tower of `vision_config` with its `embed_vision` projection (counted apart), and the audio tower
 * of `audio_config` (Gemma 4's E-models), which llmecon refuses by name until it is counted.
 */
export function gemma4Wrapper(familyOf: (modelType: string) => Family | undefined): Family {
  const inner = wrapped(familyOf, {
    textType: 'gemma4_text',
    vision: (top, textHidden) => {
      const v = subConfig(top, 'vision_config', 'gemma4_vision');
      return v ? readGemma4Vision(top, v, textHidden) : null;
    },
  });
  return (top, name) => {
    if (top.has('audio_config')) {
      top.fail(
        'audio_config',
        'holds an audio tower (Gemma4AudioModel), which llmecon does not count yet; only null is supported',
      );
    }
    return inner(top, name);
  };
}
