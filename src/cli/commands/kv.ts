import { hasAttentionLayers, kvCacheBytes, recurrentStateBytes } from '../../core/model/kv-cache.js';
import {
  ATTENTION_KINDS,
  describeLayerMix,
  hasNewLayerKinds,
  linearMixerName,
} from '../../core/model/layer-mix.js';
import { KV_FORMATS } from '../../core/precision.js';
import { formatBytes, toJson } from '../format.js';
import { loadModel } from '../load-model.js';
import { oneOf, positiveInteger, sequenceLength } from '../options.js';

export function kvCommand(
  ref: string,
  options: { precision?: string; context?: string; batch?: string; json?: boolean },
): string {
  const { spec } = loadModel(ref);
  const precision = oneOf(options.precision, '--precision', KV_FORMATS, 'bf16');
  // A model without attention layers holds no KV and has no positional limit: its state is per sequence.
  const attention = hasAttentionLayers(spec);
  const { tokens: context, warnings } = sequenceLength(
    options.context,
    '--context',
    spec,
    'served',
    attention ? spec.maxContextTokens : Math.min(4096, spec.maxContextTokens),
  );
  const batch = positiveInteger(options.batch, '--batch', 1);
  const kv = kvCacheBytes(spec, context, precision);
  const state = recurrentStateBytes(spec);
  const result = {
    model: spec.name,
    precision,
    attention: spec.attention.kind,
    layerMix: describeLayerMix(spec),
    bytesPerToken: kv.bytesPerToken,
    elementsPerTokenPerLayer: kv.elementsPerTokenPerLayer,
    ...(kv.elementsPerTokenPerLayerRange
      ? { elementsPerTokenPerLayerRange: kv.elementsPerTokenPerLayerRange }
      : {}),
    ...(kv.fullElementsPerTokenPerLayer === undefined
      ? {}
      : { fullLayerElementsPerToken: kv.fullElementsPerTokenPerLayer }),
    fullAttentionLayers: kv.fullLayers,
    slidingWindowLayers: kv.slidingLayers,
    slidingWindowTokens: spec.slidingWindow,
    chunkedAttentionLayers: kv.chunkedLayers,
    chunkTokens: spec.chunkedAttentionTokens,
    sparseAttentionLayers: kv.sparseLayers,
    layersWithoutKv: kv.layersWithoutKv,
    ...(kv.kvSharedLayers === undefined ? {} : { kvSharedLayers: kv.kvSharedLayers }),
    ...(kv.crossLayers === undefined
      ? {}
      : { crossAttentionLayers: kv.crossLayers, crossBytesPerSequence: kv.crossBytesPerSequence }),
    recurrentStateBytesPerSequence: state.bytesPerSequence,
    contextTokens: context,
    batchSize: batch,
    bytesPerSequence: kv.bytesPerSequence + state.bytesPerSequence,
    kvBytesPerSequence: kv.bytesPerSequence,
    totalBytes: (kv.bytesPerSequence + state.bytesPerSequence) * batch,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  if (options.json) return toJson(result);
  const compressed = spec.attention.kind === 'compressed';
  const capped = [
    compressed
      ? `every layer's window capped at ${spec.slidingWindow} tokens, ${spec.layers.filter((l) => l.compressRatio !== undefined).length} layers adding one entry per compressed window (per token: the entries' growth)`
      : // A window no shorter than the context caps nothing (Phi-4-mini's 262,144 over a 131,072 context).
        kv.slidingLayers > 0 && (spec.slidingWindow ?? 0) < context
        ? `${kv.slidingLayers} of ${spec.numLayers} layers capped at a ${spec.slidingWindow}-token window`
        : '',
    kv.chunkedLayers > 0 && (spec.chunkedAttentionTokens ?? 0) < context
      ? `${kv.chunkedLayers} of ${spec.numLayers} layers capped at a ${spec.chunkedAttentionTokens}-token chunk`
      : '',
  ].filter(Boolean);
  const window = capped.length > 0 ? `, ${capped.join(', ')}` : '';
  const crossLayers = kv.crossLayers ?? 0;
  const attentionLayers = spec.numLayers - kv.layersWithoutKv - crossLayers;
  const hybrid = hasNewLayerKinds(spec);
  // Layers that reuse an earlier layer's top-k (indexerShared) cache no indexer key of their own.
  const sharing = spec.layers.filter((l) => l.attention === 'sparse' && l.indexerShared).length;
  const indexerKey =
    kv.sparseLayers > sharing
      ? ` + ${spec.sparseAttention?.headDim}-dim indexer key${sharing > 0 ? ` on ${kv.sparseLayers - sharing} of ${kv.sparseLayers} sparse layers` : ''}`
      : '';
  const cached = `${ATTENTION_KINDS[spec.attention.kind].cached}${indexerKey}`;
  // Nemotron-NAS: per-layer KV widths differ; Gemma 4: global layers cache their own head_dim and KV heads.
  const range = kv.elementsPerTokenPerLayerRange;
  const perLayer = range ? `${range.min} to ${range.max}` : `${kv.elementsPerTokenPerLayer}`;
  const elements =
    kv.fullElementsPerTokenPerLayer === undefined
      ? `${perLayer} elements per token per layer`
      : `${perLayer} elements per token per sliding layer, ${kv.fullElementsPerTokenPerLayer} per global layer`;
  const lines = [
    ...warnings.map((w) => `warning: ${w}`),
    ...(hybrid ? [describeLayerMix(spec)] : []),
    attention
      ? `${spec.name}: KV cache at ${precision}${hybrid ? ` on ${attentionLayers} attention layers${kv.kvSharedLayers ? ` (${kv.kvSharedLayers} more reuse their KV)` : ''}` : ''} (${cached}, ${elements})`
      : `${spec.name}: no attention layers, no KV cache`,
    `per token         ${kv.bytesPerToken.toLocaleString('en-US')} B (${formatBytes(kv.bytesPerToken)})`,
    `per sequence      ${formatBytes(kv.bytesPerSequence)} at ${context.toLocaleString('en-US')} tokens${window}`,
  ];
  if (crossLayers > 0) {
    lines.push(
      `image K/V         ${formatBytes(kv.crossBytesPerSequence ?? 0)} per sequence, constant (${crossLayers} cross-attention layers × ${spec.crossAttention?.contextTokens.toLocaleString('en-US')} vision tokens; in the per-sequence figure)`,
    );
  }
  if (state.linearLayers + state.mambaLayers + state.convLayers > 0) {
    const linear = linearMixerName(spec);
    const kinds = [
      state.linearLayers > 0 ? `${state.linearLayers} ${linear}` : '',
      state.mambaLayers > 0
        ? `${state.mambaLayers} ${spec.stateSpace?.selective ? 'Mamba-1' : 'Mamba-2'}`
        : '',
      state.convLayers > 0 ? `${state.convLayers} short-conv` : '',
    ].filter(Boolean);
    lines.push(
      `state/sequence    ${formatBytes(state.bytesPerSequence)} constant (${kinds.join(' + ')} layers: conv ${formatBytes(state.convBytesPerSequence)} + recurrent state ${formatBytes(state.stateBytesPerSequence)})`,
    );
  }
  lines.push(`${`batch of ${batch}`.padEnd(17)} ${formatBytes(result.totalBytes)}`);
  return lines.join('\n');
}
