/** A one-line description of a model's layers, e.g. "48 layers: 36 linear (Gated DeltaNet), 12 full attention; MoE 512 experts top-10". */
import { layerMix } from './kv-cache.js';
import type { LayerMixer, LayerMlp, ModelSpec } from './spec.js';

/** A mixer kind in words, with its window, chunk or indexer. */
export function mixerLabel(spec: ModelSpec, mixer: LayerMixer): string {
  switch (mixer) {
    case 'full': {
      // Gemma 4's global layers: their own KV heads and head_dim, keys as values.
      const g = spec.fullAttention;
      if (g)
        return `full attention (${g.numKvHeads} KV head${g.numKvHeads === 1 ? '' : 's'} × ${g.headDim}${g.valueFromKey ? ', K = V' : ''})`;
      return spec.attention.kind === 'mla' ? 'full attention (MLA)' : 'full attention';
    }
    case 'sliding':
      return `sliding window (${spec.slidingWindow ?? 'unbounded'} tokens)`;
    case 'chunked':
      return `chunked attention (${spec.chunkedAttentionTokens ?? 'unbounded'}-token chunks)`;
    case 'sparse':
      return `sparse attention (MLA + DSA indexer, top-${spec.sparseAttention?.topKTokens ?? '?'} keys)`;
    case 'linear':
      return spec.linearAttention?.projections === 'kda'
        ? 'linear (Kimi Delta Attention)'
        : 'linear (Gated DeltaNet)';
    case 'mamba':
      return 'state-space (Mamba-2)';
    case 'conv':
      return 'short convolution (LFM2)';
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

/** A model's layer mix as rows a view can show (web upload, CLI), and the same as one line. */
export interface LayerMixSummary {
  readonly numLayers: number;
  /** Token mixers with their layer counts, in a fixed order (full, sliding, chunked, sparse, linear, mamba, conv, none). */
  readonly mixers: readonly { readonly mixer: LayerMixer; readonly label: string; readonly layers: number }[];
  /** Channel mixers with their layer counts. */
  readonly mlps: readonly { readonly mlp: LayerMlp; readonly label: string; readonly layers: number }[];
  /** The vision tower counted apart (multimodal wrappers), or null. */
  readonly vision: string | null;
  /** The one-line form, e.g. "48 layers: 36 linear (Gated DeltaNet), 12 full attention; MoE 512 experts top-10 + 1 shared on 48 layers". */
  readonly text: string;
}

export function layerMixSummary(spec: ModelSpec): LayerMixSummary {
  const mix = layerMix(spec);
  const mixers = (Object.entries(mix) as [LayerMixer, number][])
    .filter(([, n]) => n > 0)
    .map(([mixer, layers]) => ({ mixer, label: mixerLabel(spec, mixer), layers }));
  const counts = mlpMix(spec);
  const mlps: { mlp: LayerMlp; label: string; layers: number }[] = [];
  if (counts.moe > 0 && spec.moe) {
    const shared = spec.moe.numSharedExperts > 0 ? ` + ${spec.moe.numSharedExperts} shared` : '';
    mlps.push({
      mlp: 'moe',
      label: `MoE ${spec.moe.numExperts} experts top-${spec.moe.topK}${shared}`,
      layers: counts.moe,
    });
  }
  if (counts.dense > 0) mlps.push({ mlp: 'dense', label: 'dense MLP', layers: counts.dense });
  if (counts.none > 0) mlps.push({ mlp: 'none', label: 'no MLP', layers: counts.none });
  const kvShared = spec.layers.filter((l) => l.kvShared).length;
  const sharing = kvShared > 0 ? ` (${kvShared} reuse an earlier layer's KV)` : '';
  const text = `${spec.numLayers} layers: ${mixers.map((m) => `${m.layers} ${m.label}`).join(', ')}${sharing}; ${mlps
    .map((m) => `${m.label} on ${m.layers} layers`)
    .join(', ')}`;
  return { numLayers: spec.numLayers, mixers, mlps, vision: spec.vision?.description ?? null, text };
}

export function describeLayerMix(spec: ModelSpec): string {
  return layerMixSummary(spec).text;
}

/**
 * True when layers differ beyond full or sliding-window attention of one shape: hybrid or sparse
 * mixers, MLP-less blocks, global layers with their own attention, KV-shared layers or per-layer
 * MLP widths (Gemma 4) — the models whose memory and costs are summed layer kind by layer kind.
 */
export function hasNewLayerKinds(spec: ModelSpec): boolean {
  return (
    spec.fullAttention !== undefined ||
    spec.layers.some(
      (l) =>
        (l.attention !== 'full' && l.attention !== 'sliding') ||
        l.mlp === 'none' ||
        l.kvShared === true ||
        l.mlpIntermediateSize !== undefined,
    )
  );
}
