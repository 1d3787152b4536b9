/**
 * Gemma 3n (`gemma3n_text`, inside the `gemma3n` wrapper), as transformers builds it
 * (`models/gemma3n/modeling_gemma3n.py`, `configuration_gemma3n.py`): Gemma 3's decoder (four
 * RMSNorms per layer, per-head q/k RMSNorms, tied embeddings, GeGLU) with
 * - four sliding layers to one global by default (`layer_types`: full when (i + 1) % 5 == 0), window
 *   512, every layer's MLP width from the `intermediate_size` list (MatFormer slices may vary it);
 * - per-layer input embeddings as Gemma 4's E-models (`hidden_size_per_layer_input`, a table of
 *   `vocab_size_per_layer_input` rows) and KV-shared last layers (`num_kv_shared_layers`), whose
 *   k_proj, v_proj and k_norm weights are built and kept though unused;
 * - AltUp residual streams (`altup_num_inputs`) and a LAuReL low-rank residual (`laurel_rank`) in
 *   every layer (spec.ts `AltUpSpec`, `LaurelSpec`).
 * Activation sparsity (`activation_sparsity_pattern`: a Gaussian cutoff on the gate of the first
 * layers) skips no matmul, and the logit soft-cap is elementwise: neither changes the counts.
 */
import type { ModelSpec } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
import { gemmaDecoder } from './gemma2.js';
import { shareKv } from './gemma4.js';
import { type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';
import { subConfig, wrapped } from './wrappers.js';

/** `intermediate_size`: one width for every layer, or a list with one per layer (the config's own form). */
function mlpWidths(f: Fields, layers: number): number[] | null {
  if (!Array.isArray(f.raw('intermediate_size'))) return null;
  const widths = f.intList('intermediate_size', MAX.intermediate);
  if (widths.length !== layers || widths.some((w) => w < 1)) {
    f.fail(
      'intermediate_size',
      `must be a positive width or a list of ${layers} positive widths (one per layer), got ${widths.length} entries${widths.some((w) => w < 1) ? ' with a 0' : ''}`,
    );
  }
  return widths;
}

export const gemma3nText: Family = (config, name): ModelSpec => {
  const f = withClassDefaults(config, SUB_CONFIG_DEFAULTS.gemma3n_text ?? {});
  const layers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const widths = mlpWidths(f, layers);
  const plePerLayer = f.int('hidden_size_per_layer_input', { max: MAX.hidden });
  const streams = f.positiveInt('altup_num_inputs', { max: 64 });
  const active = f.int('altup_active_idx', { fallback: 0, max: 64 });
  if (active >= streams) {
    f.fail(
      'altup_active_idx',
      `(${active}) must name one of the ${streams} AltUp streams (0 to ${streams - 1})`,
    );
  }
  const laurelRank = f.int('laurel_rank', { max: MAX.hidden });
  const base = widths ? f.with({ intermediate_size: widths[0] }) : f;
  // Gemma3nTextConfig: without layer_types, layer i is global when (i + 1) % 5 == 0. The decoder's
  // four norms and PLE's post_per_layer_input_norm (AltUp's and LAuReL's norms are in residualStreams).
  const spec = gemmaDecoder(base, name, (i) => (i + 1) % 5 !== 0, 'per-head', {
    defaultWindow: 512,
    extraNormsPerLayer: plePerLayer > 0 ? 1 : 0,
  });
  const sized = spec.layers.map((l, i) =>
    widths && widths[i] !== widths[0] ? { ...l, intermediateSize: widths[i] as number } : l,
  );
  return {
    ...spec,
    layers: shareKv(base, sized),
    kvSharedWeightsKept: true,
    ...(plePerLayer > 0
      ? {
          perLayerInput: {
            hiddenSize: plePerLayer,
            vocabSize: f.positiveInt('vocab_size_per_layer_input', { max: MAX.vocab }),
          },
        }
      : {}),
    altUp: { streams },
    ...(laurelRank > 0 ? { laurel: { rank: laurelRank } } : {}),
  };
};

/**
 * Gemma 3n's audio tower (transformers `Gemma3nAudioEncoder`, a USM Conformer) and its `embed_audio`
 * embedder, counted apart, no bias anywhere: two bias-free Conv2d subsampling blocks (1 → c0 → c1
 * channels, `sscp_conv_kernel_size`, `sscp_conv_stride_size`, frequency padded by one each side) each
 * with a group norm weight, input_proj_linear (c1 · frequencies left → D); per Conformer layer two
 * feed-forwards (D → 4D → D between two RMSNorms), attention (q, k, v, the relative position
 * projection and post, D → D each; per_dim_scale of D / heads; two RMSNorms), a light conv (linear_start
 * D → 2D, a depthwise conv of `conf_conv_kernel_size`, linear_end D → D, two RMSNorms) and a norm;
 * the embedder a 128-row table of D, two RMSNorms and a projection D → text hidden.
 */
function readGemma3nAudio(f: Fields, textHidden: number): { description: string; params: number } {
  const d = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('conf_num_hidden_layers', { max: MAX.layers });
  const heads = f.positiveInt('conf_num_attention_heads', { max: MAX.heads });
  const kernel = f.positiveInt('conf_conv_kernel_size', { max: 4096 });
  const rows = f.positiveInt('vocab_size', { fallback: 128, max: MAX.vocab });
  let frequencies = f.positiveInt('input_feat_size', { max: 1_000_000 });
  const channels = f.intList('sscp_conv_channel_size', MAX.hidden);
  const kernels = f.raw('sscp_conv_kernel_size');
  const strides = f.raw('sscp_conv_stride_size');
  const pairs = (v: unknown) =>
    Array.isArray(v) &&
    v.length === 2 &&
    v.every(
      (p) => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isInteger(x) && x >= 1 && x <= 64),
    );
  if (channels.length !== 2 || channels.some((c) => c < 1)) {
    f.fail('sscp_conv_channel_size', `must list two positive channel counts, got ${shown(channels)}`);
  }
  if (!pairs(kernels))
    f.fail('sscp_conv_kernel_size', 'must be two [height, width] kernel sizes from 1 to 64');
  if (!pairs(strides)) f.fail('sscp_conv_stride_size', 'must be two [height, width] strides from 1 to 64');
  let inChannels = 1;
  let subsample = 0;
  channels.forEach((c, i) => {
    const [kh, kw] = (kernels as number[][])[i] as [number, number];
    const sw = ((strides as number[][])[i] as [number, number])[1];
    subsample += c * inChannels * kh * kw + c;
    frequencies = Math.floor((frequencies + 2 - kw) / sw) + 1;
    inChannels = c;
  });
  if (frequencies < 1) f.fail('input_feat_size', 'leaves no frequencies after the subsampling convolutions');
  const layer = 24 * d * d + 9 * d + Math.floor(d / heads) + d * kernel;
  const embedder = rows * d + 2 * d + d * textHidden;
  return {
    description: `Gemma 3n Conformer ${depth} × ${d}, ${heads} heads`,
    params: subsample + inChannels * frequencies * d + depth * layer + embedder,
  };
}

/**
 * The `gemma3n` wrapper (Gemma3nForConditionalGeneration): the text model of `text_config` and the
 * audio tower of `audio_config`, counted apart. The vision tower is timm's MobileNet-V5
 * (`vision_config.architecture`, whose size the config does not give): not counted, and said.
 */
export function gemma3nWrapper(familyOf: (modelType: string) => Family | undefined): Family {
  const inner = wrapped(familyOf, { textType: 'gemma3n_text' });
  return (top, name) => {
    const spec = inner(top, name);
    const audio = subConfig(top, 'audio_config', 'gemma3n_audio');
    const withAudio = audio ? { ...spec, audio: readGemma3nAudio(audio, spec.hiddenSize) } : spec;
    if (!top.has('vision_config')) return withAudio;
    return {
      ...withAudio,
      warnings: [
        ...(spec.warnings ?? []),
        "gemma3n: the vision tower (vision_config, timm MobileNet-V5) and its embedder are not counted; parameters, FLOPs and memory are the language model's",
      ],
    };
  };
}
