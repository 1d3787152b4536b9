/**
 * Gemma 4 (`gemma4_text`, inside the `gemma4` wrapper), as transformers builds it
 * (`models/gemma4/modeling_gemma4.py`, `configuration_gemma4.py`): Gemma 3's decoder (four
 * RMSNorms per layer, per-head q/k RMSNorms, tied embeddings, GeGLU) with
 * - per-layer-type attention (`Gemma4TextAttention`): sliding layers use `head_dim` and
 *   `num_key_value_heads`; full (global) layers use `global_head_dim` (default 512) and, with
 *   `attention_k_eq_v`, `num_global_key_value_heads` and no v_proj (the keys are the values) — or
 *   the overrides of `per_layer_config`, where transformers ≥ 5.15 writes them;
 * - five sliding layers to one global by default, the last layer always global
 *   (`Gemma4TextConfig.__post_init__` forces it), window default 512;
 * - `enable_moe_block`: every layer runs its dense MLP (`intermediate_size`) beside a routed block
 *   (`Gemma4TextRouter`: a weightless RMSNorm, a learned `hidden` scale, proj h → E and a
 *   per-expert scale; `Gemma4TextExperts`: E experts of fused gate_up and down at
 *   `moe_intermediate_size`, top `top_k_experts`) and three more RMSNorms
 *   (post_feedforward_layernorm_1/_2, pre_feedforward_layernorm_2). The dense MLP sees every token,
 *   so it is read as one always-active shared expert.
 * - Gemma 4's small E-models: per-layer input embeddings (`hidden_size_per_layer_input`, default
 *   256; `vocab_size_per_layer_input` rows) and KV-shared last layers (`num_kv_shared_layers`, their
 *   MLP twice as wide with `use_double_wide_mlp`).
 * Partial rotary and the final logit soft-cap have no parameters; the soft-cap's tanh over the
 * logits is elementwise (excluded from FLOPs, as for Gemma 2). Bidirectional text attention
 * (`use_bidirectional_attention: 'all'`) is refused by name.
 */
import type { GqaAttention, LayerMixer, LayerSpec } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
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

/** `use_bidirectional_attention: 'all'` (an encoder) is refused: llmecon models causal decoders. */
function refuseBidirectional(f: Fields): void {
  if (f.string('use_bidirectional_attention', 'vision') === 'all') {
    f.fail(
      'use_bidirectional_attention',
      "'all' makes every text token attend both ways (an encoder); llmecon models causal decoders ('vision' or null)",
    );
  }
}

/**
 * KV sharing (Gemma4TextAttention): layers from L − `num_kv_shared_layers` on reuse the keys and
 * values of the last earlier non-shared layer of their type; with `use_double_wide_mlp` their MLP
 * is twice `intermediate_size` (Gemma4TextMLP).
 */
export function shareKv(f: Fields, layers: readonly LayerSpec[]): LayerSpec[] {
  const shared = f.int('num_kv_shared_layers', { fallback: 0, max: MAX.layers });
  if (shared === 0) return [...layers];
  if (shared >= layers.length) {
    f.fail(
      'num_kv_shared_layers',
      `(${shared}) must be less than num_hidden_layers (${layers.length}): a shared layer reuses an earlier layer's keys and values`,
    );
  }
  const first = layers.length - shared;
  const owners = new Set(layers.slice(0, first).map((l) => l.attention));
  const orphan = layers.slice(first).find((l) => !owners.has(l.attention));
  if (orphan) {
    f.fail(
      'num_kv_shared_layers',
      `(${shared}) leaves no earlier non-shared '${orphan.attention}' layer for the shared '${orphan.attention}' layers to take keys and values from`,
    );
  }
  const wide = f.bool('use_double_wide_mlp', false);
  if (wide && layers.some((l) => l.mlp === 'moe')) {
    f.fail(
      'use_double_wide_mlp',
      'with enable_moe_block and num_kv_shared_layers would widen the dense MLP beside the experts on the KV-shared layers only, which llmecon does not model; no released Gemma 4 combines them',
    );
  }
  const width = 2 * f.positiveInt('intermediate_size', { max: MAX.intermediate });
  return layers.map((l, i) =>
    i < first
      ? l
      : { ...l, kvShared: true, ...(wide && l.mlp === 'dense' ? { intermediateSize: width } : {}) },
  );
}

/** What `per_layer_config` may override per layer (Gemma4TextConfig's per-layer attributes). */
const PER_LAYER_KEYS = ['head_dim', 'num_key_value_heads', 'num_attention_heads'] as const;
type PerLayerOverrides = Partial<Record<(typeof PER_LAYER_KEYS)[number], number>>;

/**
 * `per_layer_config` (transformers ≥ 5.15 writes the global layers' geometry there, layer index →
 * overrides, instead of `global_head_dim`/`num_global_key_value_heads`): the overrides every global
 * layer shares, or null without the key. Overrides of sliding layers, different shapes among global
 * layers and keys beyond head_dim / KV heads / heads are refused by name.
 */
function perLayerOverrides(f: Fields, kinds: readonly LayerMixer[]): PerLayerOverrides | null {
  const raw = f.raw('per_layer_config');
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return f.fail('per_layer_config', 'must be an object from layer index to attention overrides');
  }
  const byLayer = new Map<number, PerLayerOverrides>();
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= kinds.length) {
      f.fail('per_layer_config', `has key '${key}', not a layer index below ${kinds.length}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      f.fail('per_layer_config', `entry '${key}' must be an object of attention overrides`);
    }
    const overrides: PerLayerOverrides = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!(PER_LAYER_KEYS as readonly string[]).includes(k)) {
        f.fail(
          'per_layer_config',
          `layer ${i} overrides '${k}', which llmecon does not model per layer (only ${PER_LAYER_KEYS.join(', ')})`,
        );
      }
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX.headDim) {
        f.fail('per_layer_config', `layer ${i} '${k}' must be a positive integer, got ${shown(v)}`);
      }
      overrides[k as keyof PerLayerOverrides] = v as number;
    }
    if (kinds[i] !== 'full' && Object.keys(overrides).length > 0) {
      f.fail(
        'per_layer_config',
        `overrides layer ${i}, a '${kinds[i]}' layer: llmecon models one attention shape for the sliding layers (head_dim, num_key_value_heads) and one for the global layers`,
      );
    }
    byLayer.set(i, overrides);
  }
  const shapes = new Set<string>();
  let shared: PerLayerOverrides = {};
  kinds.forEach((kind, i) => {
    if (kind !== 'full') return;
    shared = byLayer.get(i) ?? {};
    shapes.add(JSON.stringify(PER_LAYER_KEYS.map((k) => shared[k] ?? null)));
  });
  if (shapes.size > 1) {
    f.fail(
      'per_layer_config',
      'gives the global layers different attention shapes; llmecon models one shape for all of them',
    );
  }
  return shared;
}

/**
 * The attention of global layers: from `per_layer_config` when the config has it, else
 * `global_head_dim` (Gemma4TextConfig pops it with default 512; a null or 0 falls back to
 * `head_dim`, as Gemma4TextAttention does) and, with `attention_k_eq_v`, `num_global_key_value_heads`
 * (default `num_key_value_heads`). With `attention_k_eq_v` there is no v_proj. Undefined when it is
 * the sliding layers' attention.
 */
function globalAttention(
  f: Fields,
  sliding: GqaAttention,
  kinds: readonly LayerMixer[],
): GqaAttention | undefined {
  const valueFromKey = f.bool('attention_k_eq_v', false);
  const overrides = perLayerOverrides(f, kinds);
  let headDim: number;
  let numKvHeads: number;
  let numHeads = sliding.numHeads;
  let key = 'num_global_key_value_heads';
  if (overrides) {
    headDim = overrides.head_dim ?? sliding.headDim;
    numKvHeads = overrides.num_key_value_heads ?? sliding.numKvHeads;
    numHeads = overrides.num_attention_heads ?? sliding.numHeads;
    key = 'per_layer_config';
  } else {
    const raw = f.raw('global_head_dim');
    headDim =
      raw === undefined
        ? 512
        : raw === null || raw === 0
          ? sliding.headDim
          : f.positiveInt('global_head_dim', { max: MAX.headDim });
    numKvHeads = valueFromKey
      ? f.positiveInt('num_global_key_value_heads', { fallback: sliding.numKvHeads, max: MAX.heads })
      : sliding.numKvHeads;
  }
  if (numHeads % numKvHeads !== 0) {
    f.fail(key, `(${numKvHeads} KV heads) must divide the global layers' ${numHeads} attention heads`);
  }
  if (
    headDim === sliding.headDim &&
    numKvHeads === sliding.numKvHeads &&
    numHeads === sliding.numHeads &&
    !valueFromKey
  )
    return undefined;
  return { ...sliding, numHeads, headDim, numKvHeads, ...(valueFromKey ? { valueFromKey: true } : {}) };
}

export const gemma4Text: Family = (f, name) => {
  refuseBidirectional(f);
  const moe = f.bool('enable_moe_block', false);
  // Gemma4TextConfig default hidden_size_per_layer_input = 256: absent means per-layer embeddings.
  const plePerLayer = f.int('hidden_size_per_layer_input', { fallback: 256, max: MAX.hidden });
  const ple =
    plePerLayer > 0
      ? {
          hiddenSize: plePerLayer,
          vocabSize: f.positiveInt('vocab_size_per_layer_input', { fallback: 262_144, max: MAX.vocab }),
        }
      : null;
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
        }
      : {}),
    // The MoE block's three RMSNorms; PLE's post_per_layer_input_norm.
    extraNormsPerLayer: (moe ? 3 : 0) + (ple ? 1 : 0),
  });
  const attention = spec.attention;
  if (attention.kind !== 'gqa') return spec;
  const kinds = spec.layers.map((l) => l.attention);
  const full = kinds.includes('full') ? globalAttention(f, attention, kinds) : undefined;
  // Gemma4TextConfig has no sliding_window_pattern: transformers (and vLLM, which reads its
  // layer_types) build the 5:1 default whatever the key says.
  const ignoredPattern =
    f.has('sliding_window_pattern') && !f.has('layer_types')
      ? [
          `gemma4: sliding_window_pattern (${shown(f.raw('sliding_window_pattern'))}) is not a Gemma4TextConfig field; without layer_types the layers follow its default of five sliding to one global, as transformers builds them`,
        ]
      : [];
  return {
    ...spec,
    ...(ignoredPattern.length > 0 ? { warnings: [...(spec.warnings ?? []), ...ignoredPattern] } : {}),
    layers: shareKv(f, spec.layers),
    ...(ple ? { perLayerInput: ple } : {}),
    ...(full ? { fullAttention: full } : {}),
    ...(spec.moe
      ? { moe: { ...spec.moe, routerInputScale: true, fusedGateUp: true, sharedIsDenseMlp: true } }
      : {}),
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
    const spec = inner(top, name);
    const audio = subConfig(top, 'audio_config', 'gemma4_audio');
    return audio ? { ...spec, audio: readGemma4Audio(audio, spec.hiddenSize) } : spec;
  };
}

/**
 * Gemma 4 audio tower (Gemma4AudioModel, a Conformer after the Universal Speech Model) and its
 * `embed_audio` projection, counted apart: two 3×3 stride-2 convs without bias (1 → c0 → c1
 * channels) each with a bias-free LayerNorm, input_proj_linear ((c0/4)·c1 → H); per layer two
 * macaron feed-forwards (H → 4H → H, pre and post RMSNorms), chunked self-attention (q, k, v and
 * relative_k_proj H → H, post H → H, per_dim_scale of head_dim), a light conv block (linear_start
 * H → 2H, depthwise conv of `conv_kernel_size` without bias, linear_end H → H, two RMSNorms) and
 * three RMSNorms; output_proj (H → output_proj_dims, with bias); embed_audio (output_proj_dims →
 * text hidden, its norm weightless). Clipped linears' bounds and the positional table are buffers.
 */
export function readGemma4Audio(f: Fields, textHidden: number): { description: string; params: number } {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const kernel = f.positiveInt('conv_kernel_size', { max: 4096 });
  const out = f.positiveInt('output_proj_dims', { max: MAX.hidden });
  const channels = f.intList('subsampling_conv_channels', MAX.hidden);
  if (channels.length !== 2 || channels.some((c) => c < 1)) {
    f.fail('subsampling_conv_channels', `must list two positive channel counts, got ${shown(channels)}`);
  }
  const [c0, c1] = channels as [number, number];
  const headDim = Math.floor(h / heads);
  const width = heads * headDim;
  const subsample = 9 * c0 + c0 + 9 * c0 * c1 + c1 + Math.floor(c0 / 4) * c1 * h;
  const feedForward = 2 * 4 * h * h + 2 * h;
  const attention = 4 * h * width + h * h + headDim;
  const lightConv = 3 * h * h + h * kernel + 2 * h;
  const layer = 2 * feedForward + attention + lightConv + 3 * h;
  const params = subsample + depth * layer + h * out + out + out * textHidden;
  return { description: `Gemma 4 Conformer ${depth} × ${h}, ${heads} heads`, params };
}
