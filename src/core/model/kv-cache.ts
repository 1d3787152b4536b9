/**
 * KV-cache size (DeepSeek-V2, Table 1): per token and layer, MHA/GQA/MQA cache 2·n_kv·d_h elements
 * (keys and values), MLA caches the compressed latent d_c plus the shared RoPE key d_h^R.
 * Sliding-window layers hold at most `window` tokens. MTP modules are not used at inference.
 */
import { bytesPerElement, type KvFormat } from '../precision.js';
import type { ModelSpec } from './spec.js';

/** Cached elements per token in one layer. */
export function kvElementsPerTokenPerLayer(spec: ModelSpec): number {
  const a = spec.attention;
  return a.kind === 'mla' ? a.kvLoraRank + a.qkRopeHeadDim : 2 * a.numKvHeads * a.headDim;
}

export interface KvCacheBytes {
  /** Bytes per token with every layer holding it (the steady-state figure papers quote). */
  readonly bytesPerToken: number;
  /** Bytes for one sequence of `contextTokens`, with sliding-window layers capped at the window. */
  readonly bytesPerSequence: number;
  readonly elementsPerTokenPerLayer: number;
  readonly fullLayers: number;
  readonly slidingLayers: number;
}

/**
 * KV-cache bytes for one sequence of `contextTokens` at `format`.
 *
 * @example kvCacheBytes(deepseekV3, 1, 'bf16').bytesPerToken // 70_272
 */
export function kvCacheBytes(
  spec: ModelSpec,
  contextTokens: number,
  format: KvFormat = 'bf16',
): KvCacheBytes {
  const elements = kvElementsPerTokenPerLayer(spec);
  const bytes = bytesPerElement(format);
  const slidingLayers =
    spec.slidingWindow === null ? 0 : spec.layers.filter((l) => l.attention === 'sliding').length;
  const fullLayers = spec.numLayers - slidingLayers;
  const windowTokens =
    spec.slidingWindow === null ? contextTokens : Math.min(contextTokens, spec.slidingWindow);
  return {
    bytesPerToken: elements * bytes * spec.numLayers,
    bytesPerSequence: elements * bytes * (fullLayers * contextTokens + slidingLayers * windowTokens),
    elementsPerTokenPerLayer: elements,
    fullLayers,
    slidingLayers,
  };
}
