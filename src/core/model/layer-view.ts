/**
 * The per-layer view of a model: a layer kind's identity (`layerKey`) and the model as one layer sees
 * it (`layerView`: Gemma 4's global attention, Nemotron-NAS's per-layer KV heads, MLP width and norms,
 * RWKV-7's layer 0 without v_lora).
 * Every per-layer formula reads a layer through here.
 */
import { layerExtrasKey } from './layer-extras.js';
import type { GatedDeltaNetSpec, LayerSpec, ModelSpec } from './spec.js';
import { perSpecMemo } from './spec-memo.js';

/**
 * A layer kind's identity: its mixer and MLP kinds, KV and indexer sharing and any per-layer sizes
 * (layers of one key are identical and cost the same).
 */
export function layerKey(layer: LayerSpec): string {
  const sizes =
    (layer.numKvHeads === undefined ? '' : `/kv${layer.numKvHeads}`) +
    (layer.numHeads === undefined ? '' : `/q${layer.numHeads}`) +
    (layer.intermediateSize === undefined ? '' : `/i${layer.intermediateSize}`) +
    (layer.norms === undefined ? '' : `/n${layer.norms}`) +
    (layer.kvShared ? '/kv-shared' : '') +
    (layer.reusesWeights === undefined ? '' : '/reused') +
    (layer.indexerShared ? '/indexer-shared' : '') +
    (layer.compressRatio === undefined ? '' : `/c${layer.compressRatio}`) +
    (layer.valueFirst ? '/v-first' : '') +
    layerExtrasKey(layer.extras);
  return `${layer.attention}/${layer.mlp}${sizes}`;
}

/** RWKV-7's layer 0 ({@link LayerSpec.valueFirst}): the mixer without v_lora. */
function withoutValueRank(g: GatedDeltaNetSpec | null): GatedDeltaNetSpec | null {
  if (!g) return g;
  const { valueRank: _valueRank, ...rest } = g;
  return rest;
}

/** True when a layer carries its own sizes (KV heads, MLP width or norm count). */
export function hasLayerSizes(layer: Partial<LayerSpec>): boolean {
  return (
    layer.numKvHeads !== undefined ||
    layer.numHeads !== undefined ||
    layer.intermediateSize !== undefined ||
    layer.norms !== undefined
  );
}

const viewsMemo = perSpecMemo<string, ModelSpec>();

/**
 * The model as one layer sees it: the attention of its kind ({@link ModelSpec.fullAttention} on
 * `full` layers, Gemma 4's global layers), its per-layer KV heads, MLP width and norm count in place
 * of the model-wide ones, so every per-layer formula (parameters, operations, KV, activations,
 * adapters) reads one spec. The spec itself for a layer without its own shape; memoised per spec and
 * key. KV sharing is not a shape: formulas read `layer.kvShared`.
 */
export function layerView(
  spec: ModelSpec,
  layer: Pick<LayerSpec, 'attention'> & Partial<LayerSpec>,
): ModelSpec {
  const ownAttention = layer.attention === 'full' && spec.fullAttention !== undefined;
  if (!ownAttention && !hasLayerSizes(layer) && !layer.valueFirst) return spec;
  return viewsMemo(spec, layerKey({ mlp: 'dense', ...layer }), () => {
    const a = (ownAttention && spec.fullAttention) || spec.attention;
    return {
      ...spec,
      attention:
        a.kind === 'gqa' && (layer.numKvHeads !== undefined || layer.numHeads !== undefined)
          ? { ...a, numKvHeads: layer.numKvHeads ?? a.numKvHeads, numHeads: layer.numHeads ?? a.numHeads }
          : a,
      mlp:
        layer.intermediateSize === undefined
          ? spec.mlp
          : { ...spec.mlp, intermediateSize: layer.intermediateSize },
      norm: layer.norms === undefined ? spec.norm : { ...spec.norm, perLayer: layer.norms },
      linearAttention: layer.valueFirst ? withoutValueRank(spec.linearAttention) : spec.linearAttention,
    };
  });
}
