/**
 * What an uploaded config.json is, read by the CLI's own functions: its layer mix (token mixers and
 * MLPs per layer kind), the vision and audio towers, total and active parameters, KV bytes per token and the
 * recurrent state per sequence, and the assumptions made reading it — as `llmecon params` and
 * `llmecon kv` report them; and whether a model is a mixture of experts (the views and the worker ask).
 */
import { findModel } from '../../src/catalog/catalog.js';
import { InputError } from '../../src/core/errors.js';
import { type CheckpointFormat, checkpointFormat } from '../../src/core/model/checkpoint-format.js';
import { kvCacheBytes, layerMix, recurrentStateBytes } from '../../src/core/model/kv-cache.js';
import { describeLayerMix, mixerLabel, mlpMix } from '../../src/core/model/layer-mix.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import type { LayerMixer, LayerMlp } from '../../src/core/model/spec.js';
import { parseConfigUpload } from './config-upload.js';

export interface ModelFacts {
  readonly name: string;
  readonly modelType: string;
  readonly layers: number;
  readonly description: string;
  /** Layers per mixer kind with the kind in words (kinds with no layer left out). */
  readonly mixers: readonly { kind: LayerMixer; label: string; layers: number }[];
  readonly mlps: readonly { kind: LayerMlp; label: string; layers: number }[];
  readonly totalParams: number;
  readonly activeParams: number;
  readonly vision: { description: string; params: number; flopsPerImage: number | null } | null;
  /** The audio encoder (Gemma 3n/4 E-models, Qwen3-Omni, Voxtral, Qwen2-Audio), counted apart. */
  readonly audio: { description: string; params: number } | null;
  /** KV-cache bytes per token over the attention layers (BF16 cache). */
  readonly kvBytesPerToken: number;
  /** Constant state of the linear-attention and Mamba layers per sequence. */
  readonly recurrentStateBytesPerSequence: number;
  /** The checkpoint's weight and KV formats (its quantization_config; null: a BF16/FP16 release), as `llmecon params`. */
  readonly checkpoint: CheckpointFormat | null;
  readonly warnings: readonly string[];
}

const MLP_LABELS: Record<LayerMlp, string> = {
  dense: 'dense MLP',
  moe: 'mixture of experts',
  projection: 'linear replacement of the MLP',
  none: 'no MLP',
};

export function modelFacts(text: string, name: string): ModelFacts {
  const config = parseConfigUpload(text, name);
  const spec = modelSpecFrom(config, name);
  const p = paramCount(spec);
  const mix = layerMix(spec);
  const mlps = mlpMix(spec);
  return {
    name: spec.name,
    modelType: spec.modelType,
    layers: spec.numLayers,
    description: describeLayerMix(spec),
    mixers: (Object.keys(mix) as LayerMixer[])
      .filter((k) => mix[k] > 0)
      .map((kind) => ({ kind, label: mixerLabel(spec, kind), layers: mix[kind] })),
    mlps: (Object.keys(mlps) as LayerMlp[])
      .filter((k) => mlps[k] > 0)
      .map((kind) => ({
        kind,
        label:
          kind === 'moe' && spec.moe
            ? `${MLP_LABELS.moe} (${spec.moe.numExperts} experts, top-${spec.moe.topK}${spec.moe.numSharedExperts > 0 ? ` + ${spec.moe.numSharedExperts} shared` : ''})`
            : MLP_LABELS[kind],
        layers: mlps[kind],
      })),
    totalParams: p.totalParams,
    activeParams: p.activeParams,
    vision: spec.vision && {
      description: spec.vision.description,
      params: p.visionParams,
      flopsPerImage: spec.vision.flopsPerImage,
    },
    audio: spec.audio ? { description: spec.audio.description, params: p.audioParams ?? 0 } : null,
    kvBytesPerToken: kvCacheBytes(spec, 1, 'bf16').bytesPerToken,
    recurrentStateBytesPerSequence: recurrentStateBytes(spec).bytesPerSequence,
    checkpoint: checkpointFormat(config),
    warnings: spec.warnings ?? [],
  };
}

const moeByModel = new Map<string, boolean>();

/** Whether a catalog model (or an uploaded config.json, when given) is a mixture of experts. */
export function isMoe(model: string, config: string | null = null): boolean {
  const key = config ?? `id:${model}`;
  let moe = moeByModel.get(key);
  if (moe === undefined) {
    try {
      const entry = config === null ? findModel(model, 'model') : null;
      const spec = entry
        ? modelSpecFrom(entry.config, entry.name)
        : modelSpecFrom(parseConfigUpload(config!, 'config.json'), 'config.json');
      moe = Boolean(spec.moe);
    } catch (error) {
      // An unknown model or a broken upload: the engine reports it by its field.
      if (!(error instanceof InputError)) throw error;
      moe = false;
    }
    if (moeByModel.size > 64) moeByModel.clear();
    moeByModel.set(key, moe);
  }
  return moe;
}
