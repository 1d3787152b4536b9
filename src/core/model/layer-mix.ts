/** A one-line description of a model's layers, e.g. "48 layers: 36 linear (Gated DeltaNet), 12 full attention; MoE 512 experts top-10". */
import { layerMix } from './kv-cache.js';
import type { LayerMixer, LayerMlp, ModelSpec } from './spec.js';

/** A mixer kind in words, with its window, chunk or indexer. */
export function mixerLabel(spec: ModelSpec, mixer: LayerMixer): string {
  switch (mixer) {
    case 'full':
      return spec.attention.kind === 'mla' ? 'full attention (MLA)' : 'full attention';
    case 'sliding':
      return `sliding window (${spec.slidingWindow ?? 'unbounded'} tokens)`;
    case 'chunked':
      return `chunked attention (${spec.chunkedAttentionTokens ?? 'unbounded'}-token chunks)`;
    case 'sparse':
      return `sparse attention (MLA + DSA indexer, top-${spec.sparseAttention?.topKTokens ?? '?'} keys)`;
    case 'linear':
      return 'linear (Gated DeltaNet)';
    case 'mamba':
      return 'state-space (Mamba-2)';
    case 'none':
      return 'without a token mixer';
  }
}

/** Number of layers of each MLP kind: dense, mixture-of-experts, none. */
export function mlpMix(spec: ModelSpec): Readonly<Record<LayerMlp, number>> {
  const mlps: Record<LayerMlp, number> = { dense: 0, moe: 0, none: 0 };
  for (const l of spec.layers) mlps[l.mlp] += 1;
  return mlps;
}

export function describeLayerMix(spec: ModelSpec): string {
  const mix = layerMix(spec);
  const mixers = (Object.entries(mix) as [LayerMixer, number][])
    .filter(([, n]) => n > 0)
    .map(([m, n]) => `${n} ${mixerLabel(spec, m)}`);
  const mlps = mlpMix(spec);
  const parts: string[] = [];
  if (mlps.moe > 0 && spec.moe) {
    const shared = spec.moe.numSharedExperts > 0 ? ` + ${spec.moe.numSharedExperts} shared` : '';
    parts.push(`MoE ${spec.moe.numExperts} experts top-${spec.moe.topK}${shared} on ${mlps.moe} layers`);
  }
  if (mlps.dense > 0) parts.push(`dense MLP on ${mlps.dense} layers`);
  if (mlps.none > 0) parts.push(`no MLP on ${mlps.none} layers`);
  return `${spec.numLayers} layers: ${mixers.join(', ')}; ${parts.join(', ')}`;
}

/** True when some layer is neither full nor sliding-window attention (a hybrid or sparse model). */
export function hasNewLayerKinds(spec: ModelSpec): boolean {
  return (
    spec.layers.some((l) => l.attention !== 'full' && l.attention !== 'sliding') ||
    spec.layers.some((l) => l.mlp === 'none')
  );
}
