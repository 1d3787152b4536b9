import { kvCacheBytes } from '../../core/model/kv-cache.js';
import { KV_FORMATS } from '../../core/precision.js';
import { formatBytes, toJson } from '../format.js';
import { loadModel } from '../load-model.js';
import { contextTokens, oneOf, positiveInteger } from '../options.js';

export function kvCommand(
  ref: string,
  options: { precision?: string; context?: string; batch?: string; json?: boolean },
): string {
  const { spec } = loadModel(ref);
  const precision = oneOf(options.precision, '--precision', KV_FORMATS, 'bf16');
  const context = contextTokens(options.context, '--context', spec, spec.maxContextTokens);
  const batch = positiveInteger(options.batch, '--batch', 1);
  const kv = kvCacheBytes(spec, context, precision);
  const result = {
    model: spec.name,
    precision,
    attention: spec.attention.kind,
    bytesPerToken: kv.bytesPerToken,
    elementsPerTokenPerLayer: kv.elementsPerTokenPerLayer,
    fullAttentionLayers: kv.fullLayers,
    slidingWindowLayers: kv.slidingLayers,
    slidingWindowTokens: spec.slidingWindow,
    contextTokens: context,
    batchSize: batch,
    bytesPerSequence: kv.bytesPerSequence,
    totalBytes: kv.bytesPerSequence * batch,
  };
  if (options.json) return toJson(result);
  const window =
    kv.slidingLayers > 0
      ? `, ${kv.slidingLayers} of ${spec.numLayers} layers capped at a ${spec.slidingWindow}-token window`
      : '';
  return [
    `${spec.name}: KV cache at ${precision} (${spec.attention.kind === 'mla' ? 'MLA latent + RoPE key' : 'K and V'}, ${kv.elementsPerTokenPerLayer} elements per token per layer)`,
    `per token         ${kv.bytesPerToken.toLocaleString('en-US')} B (${formatBytes(kv.bytesPerToken)})`,
    `per sequence      ${formatBytes(kv.bytesPerSequence)} at ${context.toLocaleString('en-US')} tokens${window}`,
    `batch of ${batch}`.padEnd(18) + formatBytes(result.totalBytes),
  ].join('\n');
}
