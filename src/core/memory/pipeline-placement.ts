/**
 * Pipeline placement: which layers each pipeline rank holds (chunks of p·v, chunk k on rank k mod p)
 * and how many microbatches of activations it keeps in flight under each schedule.
 * Split out of training-memory.ts.
 */

import type { ModelSpec } from '../model/spec.js';
import type { ParallelLayout } from '../parallelism/layout.js';

/**
 * Layers of each of the p·v model chunks, in model order: L/(p·v) each, the remainder one apiece to
 * the chunks after the first (the first stage also holds the embedding and the most activations).
 * With interleaving, chunk k runs on pipeline rank k mod p (Narayanan et al. 2021, Sec. 2.2.2).
 */
export function pipelineChunks(
  numLayers: number,
  pipelineParallel: number,
  virtualStages: number,
): { readonly first: number; readonly last: number }[] {
  const n = Math.min(numLayers, pipelineParallel * virtualStages);
  const base = Math.floor(numLayers / n);
  const extra = numLayers - base * n;
  const chunks: { first: number; last: number }[] = [];
  let at = 0;
  for (let k = 0; k < n; k += 1) {
    const size = base + (k >= 1 && k <= extra ? 1 : 0);
    chunks.push({ first: at, last: at + size });
    at += size;
  }
  return chunks;
}

/**
 * Microbatches of its own layers whose activations pipeline rank i holds at its peak: 1F1B keeps
 * p − i (Narayanan et al. 2021, Sec. 2.2.1); the interleaved schedule 2(p − i − 1) + (v − 1)p + 1
 * chunk-microbatches (Megatron-LM's warm-up count plus one), i.e. p(1 + (p − 1)/(pv)) on the first
 * stage (Korthikanti Sec. 4.2.3); DualPipe p + 1 on every rank (DeepSeek-V3 Table 2).
 */
export function stageMicrobatchesInFlight(
  layout: ParallelLayout,
  numMicrobatches: number,
  stage: number,
): number {
  const p = layout.pipelineParallel;
  if (p === 1) return 1;
  switch (layout.schedule) {
    case 'interleaved': {
      const v = layout.virtualStages;
      return Math.min(numMicrobatches * v, 2 * (p - stage - 1) + (v - 1) * p + 1) / v;
    }
    case 'dualpipe':
      return Math.min(p + 1, numMicrobatches);
    default:
      return Math.min(p - stage, numMicrobatches);
  }
}

const rankLayersCache = new WeakMap<
  ModelSpec,
  Map<number, { layersOf: Int32Array; moeLayersOf: Int32Array }>
>();

/** Layers and MoE layers held by each pipeline rank with chunks placed round-robin (cached per spec). */
export function rankLayers(
  spec: ModelSpec,
  p: number,
  v: number,
): { readonly layersOf: Int32Array; readonly moeLayersOf: Int32Array } {
  let bySplit = rankLayersCache.get(spec);
  if (!bySplit) {
    bySplit = new Map();
    rankLayersCache.set(spec, bySplit);
  }
  const key = p * 4096 + v;
  let hit = bySplit.get(key);
  if (!hit) {
    const prefix = moeLayerPrefix(spec);
    const chunks = pipelineChunks(spec.numLayers, p, v);
    const layersOf = new Int32Array(p);
    const moeLayersOf = new Int32Array(p);
    chunks.forEach((chunk, k) => {
      layersOf[k % p]! += chunk.last - chunk.first;
      moeLayersOf[k % p]! += prefix[chunk.last]! - prefix[chunk.first]!;
    });
    hit = { layersOf, moeLayersOf };
    bySplit.set(key, hit);
  }
  return hit;
}

const moePrefixCache = new WeakMap<ModelSpec, Int32Array>();

/** prefix[i] = number of MoE layers among the first i layers (cached per spec). */
export function moeLayerPrefix(spec: ModelSpec): Int32Array {
  let prefix = moePrefixCache.get(spec);
  if (!prefix) {
    prefix = new Int32Array(spec.numLayers + 1);
    for (let i = 0; i < spec.numLayers; i += 1)
      prefix[i + 1] = prefix[i]! + (spec.layers[i]!.mlp === 'moe' && spec.moe ? 1 : 0);
    moePrefixCache.set(spec, prefix);
  }
  return prefix;
}
