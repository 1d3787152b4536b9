/** A one-line description of a model's layers, e.g. "48 layers: 36 linear (Gated DeltaNet), 12 full attention; MoE 512 experts top-10". */
import { plural } from '../format.js';
import { layerMix } from './kv-cache.js';
import { hasLayerSizes, layerView } from './layer-view.js';
import { isAttentionMixer, type LayerMixer, type LayerMlp, type ModelSpec } from './spec.js';

/** Each attention kind in words, and what its layers cache per token. */
export const ATTENTION_KINDS: Readonly<
  Record<ModelSpec['attention']['kind'], { readonly name: string; readonly cached: string }>
> = {
  gqa: { name: 'GQA', cached: 'K and V' },
  mla: { name: 'MLA', cached: 'MLA latent + RoPE key' },
  compressed: {
    name: 'compressed (DeepSeek-V4)',
    cached: 'one shared K=V head over the window + one entry per compress ratio',
  },
};

/** The kind of a model's `linear` layers in words: Gated DeltaNet, Kimi Delta Attention, Lightning Attention, mLSTM, RWKV or HGRN. */
export function linearMixerName(spec: ModelSpec): string {
  const projections = spec.linearAttention?.projections;
  if (projections === 'kda') return 'Kimi Delta Attention';
  if (projections === 'mlstm') return 'mLSTM';
  if (projections === 'rwkv4') return 'RWKV-4 time mix';
  if (projections === 'rwkv5') return 'RWKV-5 time mix';
  if (projections === 'rwkv6') return 'RWKV-6 time mix';
  if (projections === 'rwkv7') return 'RWKV-7 time mix';
  if (projections === 'gla') return 'HGRN2 (GLA)';
  if (projections === 'hgrn') return 'HGRN';
  return projections === 'lightning' ? 'Lightning Attention' : 'Gated DeltaNet';
}

/** A mixer kind in words, with its window, chunk or indexer. */
export function mixerLabel(spec: ModelSpec, mixer: LayerMixer): string {
  switch (mixer) {
    case 'full': {
      // Gemma 4's global layers: their own KV heads and head_dim, keys as values.
      const g = spec.fullAttention;
      if (g)
        return `full attention (${g.numKvHeads} KV head${g.numKvHeads === 1 ? '' : 's'} × ${g.headDim}${g.valueHeadDim === undefined ? '' : `, values × ${g.valueHeadDim}`}${g.valueFromKey ? ', K = V' : ''})`;
      if (spec.attention.kind === 'compressed')
        return `heavily compressed attention (window ${spec.slidingWindow ?? 'unbounded'} + every compressed entry)`;
      return spec.attention.kind === 'mla' ? 'full attention (MLA)' : 'full attention';
    }
    case 'sliding':
      return `sliding window (${spec.slidingWindow ?? 'unbounded'} tokens)`;
    case 'chunked':
      return `chunked attention (${spec.chunkedAttentionTokens ?? 'unbounded'}-token chunks)`;
    case 'sparse': {
      const block = spec.sparseAttention?.blockTokens;
      if (spec.attention.kind === 'compressed')
        return `compressed sparse attention (window ${spec.slidingWindow ?? 'unbounded'} + indexer top-${spec.sparseAttention?.topKTokens ?? '?'} compressed entries)`;
      return block === undefined
        ? `sparse attention (MLA + DSA indexer, top-${spec.sparseAttention?.topKTokens ?? '?'} keys)`
        : `sparse attention (GQA + block indexer, top-${(spec.sparseAttention?.topKTokens ?? 0) / block} blocks of ${block} keys)`;
    }
    case 'linear':
      return `linear (${linearMixerName(spec)})`;
    case 'mamba':
      return spec.stateSpace?.selective
        ? spec.stateSpace.selective.stepPerHead
          ? 'state-space (Mamba, Δ per head)'
          : 'state-space (Mamba-1)'
        : 'state-space (Mamba-2)';
    case 'conv':
      return 'short convolution (LFM2)';
    case 'projection':
      return 'linear replacement of attention (hidden × hidden)';
    case 'cross':
      return `cross-attention (${spec.crossAttention?.contextTokens ?? '?'} vision tokens)`;
    case 'none':
      return 'without a token mixer';
  }
}

/**
 * The token-mixer kinds a model runs (its layers' `attention`, sorted; `none` left out): what a
 * calibration's cases must have run for its band to speak for this model's kernels.
 */
export function mixerKinds(spec: ModelSpec): LayerMixer[] {
  return [...new Set(spec.layers.map((l) => l.attention).filter((m) => m !== 'none'))].sort();
}

/** A token-mixer kind with its label ('linear' → 'linear (Gated DeltaNet)'). */
export interface LabelledMixer {
  readonly kind: string;
  readonly label: string;
}

/** {@link mixerKinds} with their labels, for the bands' extrapolation statements. */
export function labelledMixerKinds(spec: ModelSpec): LabelledMixer[] {
  return mixerKinds(spec).map((kind) => ({ kind, label: mixerLabel(spec, kind) }));
}

/**
 * The statement for a model's layers of a kind none of a calibration's cases ran (`seen`), or null
 * when every kind was seen (or the calibration does not record its kinds): `none` names the cases.
 */
export function unseenMixerStatement(
  mixers: readonly LabelledMixer[] | undefined,
  seen: readonly string[] | undefined,
  none: string,
): string | null {
  if (!seen || seen.length === 0) return null;
  const unseen = (mixers ?? []).filter((m) => !seen.includes(m.kind));
  if (unseen.length === 0) return null;
  return `its ${unseen.map((m) => m.label).join(' and ')} layers are of a kind ${none} ran (theirs: ${seen.join(', ')}): those layers are timed from their FLOPs and bytes, uncalibrated; the band is widened by half`;
}

/** Number of layers of each MLP kind: dense, mixture-of-experts, none. */
export function mlpMix(spec: ModelSpec): Readonly<Record<LayerMlp, number>> {
  const mlps: Record<LayerMlp, number> = { dense: 0, moe: 0, projection: 0, none: 0 };
  for (const l of spec.layers) mlps[l.mlp] += 1;
  return mlps;
}

/** Layers whose MLP routes to experts (a `moe` layer of a spec without experts runs a dense MLP). */
export const routedLayers = (spec: ModelSpec): number => (spec.moe === null ? 0 : mlpMix(spec).moe);

/** A model's layer mix as rows a view can show (web upload, CLI), and the same as one line. */
export interface LayerMixSummary {
  readonly numLayers: number;
  /** Token mixers with their layer counts, in a fixed order (full, sliding, chunked, sparse, linear, mamba, conv, projection, none). */
  readonly mixers: readonly { readonly mixer: LayerMixer; readonly label: string; readonly layers: number }[];
  /** Channel mixers with their layer counts. */
  readonly mlps: readonly { readonly mlp: LayerMlp; readonly label: string; readonly layers: number }[];
  /** The vision tower counted apart (multimodal wrappers), or null. */
  readonly vision: string | null;
  /** The one-line form, e.g. "48 layers: 36 linear (Gated DeltaNet), 12 full attention; MoE 512 experts top-10 + 1 shared on 48 layers". */
  readonly text: string;
}

/** ` (N widths, min–max)` when the dense layers have their own MLP widths (Nemotron-NAS), else ''. */
function widthsNote(spec: ModelSpec): string {
  const widths = new Set(
    spec.layers.filter((l) => l.mlp === 'dense').map((l) => l.intermediateSize ?? spec.mlp.intermediateSize),
  );
  return widths.size > 1 ? ` (${widths.size} widths, ${range([...widths])})` : '';
}

/**
 * ` (query heads min–max, KV heads min–max)` for what the layers of a softmax mixer have of their own
 * (OpenELM's query heads, Nemotron-NAS's KV heads), else ''.
 */
function kvHeadsNote(spec: ModelSpec, mixer: LayerMixer): string {
  const views = spec.layers
    .filter((l) => l.attention === mixer && isAttentionMixer(mixer))
    .map((l) => layerView(spec, l).attention)
    .flatMap((a) => (a.kind === 'gqa' ? [a] : []));
  const query = new Set(views.map((a) => a.numHeads));
  const kv = new Set(views.map((a) => a.numKvHeads));
  const notes = [
    ...(query.size > 1 ? [`query heads ${range([...query])}`] : []),
    ...(kv.size > 1 ? [`KV heads ${range([...kv])}`] : []),
  ];
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

const range = (values: number[]) =>
  `${Math.min(...values).toLocaleString('en-US')}–${Math.max(...values).toLocaleString('en-US')}`;

export function layerMixSummary(spec: ModelSpec): LayerMixSummary {
  const mix = layerMix(spec);
  const mixers = (Object.entries(mix) as [LayerMixer, number][])
    .filter(([, n]) => n > 0)
    .map(([mixer, layers]) => ({ mixer, label: mixerLabel(spec, mixer) + kvHeadsNote(spec, mixer), layers }));
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
  if (counts.dense > 0)
    mlps.push({ mlp: 'dense', label: `dense MLP${widthsNote(spec)}`, layers: counts.dense });
  if (counts.projection > 0)
    mlps.push({ mlp: 'projection', label: 'linear replacement of the MLP', layers: counts.projection });
  if (counts.none > 0) mlps.push({ mlp: 'none', label: 'no MLP', layers: counts.none });
  const kvShared = spec.layers.filter((l) => l.kvShared).length;
  const reused = spec.layers.filter((l) => l.reusesWeights !== undefined).length;
  const indexerShared = spec.layers.filter((l) => l.indexerShared).length;
  const sharing =
    (kvShared > 0 ? ` (${kvShared} reuse an earlier layer's KV)` : '') +
    (reused > 0 ? ` (${reused} run an earlier layer's weights)` : '') +
    (indexerShared > 0 ? ` (${indexerShared} reuse an earlier layer's top-k)` : '');
  const text = `${spec.numLayers} layers: ${mixers.map((m) => `${m.layers} ${m.label}`).join(', ')}${sharing}; ${mlps
    .map((m) => `${m.label} on ${plural(m.layers, 'layer')}`)
    .join(', ')}`;
  return { numLayers: spec.numLayers, mixers, mlps, vision: spec.vision?.description ?? null, text };
}

export function describeLayerMix(spec: ModelSpec): string {
  return layerMixSummary(spec).text;
}

/**
 * True when layers differ beyond full or sliding-window attention of one shape: hybrid or sparse
 * mixers, MLP-less or projection blocks, layers with their own sizes (Nemotron-NAS KV heads, MLP
 * widths, norms; Gemma 4 double-wide MLPs), global layers with their own attention, KV-shared
 * layers (Gemma 4) or layers running an earlier layer's weights (Zamba2) — the models whose memory and costs are summed layer kind by layer kind.
 */
export function hasNewLayerKinds(spec: ModelSpec): boolean {
  // Memoised per spec: the layout search asks once per candidate layout.
  let known = newLayerKinds.get(spec);
  if (known === undefined) {
    known =
      spec.fullAttention !== undefined ||
      spec.layers.some(
        (l) =>
          (l.attention !== 'full' && l.attention !== 'sliding') ||
          l.mlp === 'none' ||
          l.mlp === 'projection' ||
          l.kvShared === true ||
          l.reusesWeights !== undefined ||
          l.indexerShared === true ||
          l.extras !== undefined ||
          hasLayerSizes(l),
      );
    newLayerKinds.set(spec, known);
  }
  return known;
}
const newLayerKinds = new WeakMap<ModelSpec, boolean>();
