/**
 * Pipeline placement: which layers each pipeline rank holds (chunks of p·v, chunk k on rank k mod p)
 * and how many microbatches of activations it keeps in flight under each schedule.
 * Split out of training-memory.ts.
 */

import { layerKinds } from '../model/flops.js';
import { layerKey } from '../model/layer-view.js';
import type { ModelSpec } from '../model/spec.js';
import { MAX_PIPELINE_EXTRA_CHUNKS, type ParallelLayout } from '../parallelism/layout.js';

/**
 * Layers of each of the p·v model chunks, in model order: L/(p·v) each, the remainder one apiece to
 * the chunks after the first (the first stage also holds the embedding and the most activations).
 * With interleaving, chunk k runs on pipeline rank k mod p (Narayanan et al. 2021, Sec. 2.2.2).
 * Up to two chunks beyond the layers hold the embedding alone (the first) and the output head and
 * loss alone (the last): Megatron-Core's --account-for-embedding-in-pipeline-split and
 * --account-for-loss-in-pipeline-split count each as a layer of the split (MAX_PIPELINE_EXTRA_CHUNKS).
 */
export function pipelineChunks(
  numLayers: number,
  pipelineParallel: number,
  virtualStages: number,
): { readonly first: number; readonly last: number }[] {
  const total = pipelineParallel * virtualStages;
  const extra = Math.min(MAX_PIPELINE_EXTRA_CHUNKS, Math.max(0, total - numLayers));
  const n = total - extra;
  const base = Math.floor(numLayers / n);
  const remainder = numLayers - base * n;
  const chunks: { first: number; last: number }[] = extra > 0 ? [{ first: 0, last: 0 }] : [];
  let at = 0;
  for (let k = 0; k < n; k += 1) {
    const size = base + (k >= 1 && k <= remainder ? 1 : 0);
    chunks.push({ first: at, last: at + size });
    at += size;
  }
  if (extra > 1) chunks.push({ first: numLayers, last: numLayers });
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

/** What each pipeline rank holds, for a split of p ranks × v chunks. */
export interface RankLayers {
  readonly layersOf: Int32Array;
  readonly moeLayersOf: Int32Array;
  /** Per rank, how many of its layers are of each kind of `layerKinds(spec)`, in that order. */
  readonly kindCountsOf: readonly Int32Array[];
  /**
   * Per rank, the layers whose weights it holds: its own, and a copy of any layer on another rank whose
   * weights its layers run (`reusesWeights`: Zamba2's shared blocks).
   */
  readonly weightLayersOf: readonly (readonly number[])[];
}

const rankLayersCache = new WeakMap<ModelSpec, Map<number, RankLayers>>();
const kindIndexCache = new WeakMap<ModelSpec, Int32Array>();

/** Each layer's index in `layerKinds(spec)` (cached per spec). */
export function layerKindIndex(spec: ModelSpec): Int32Array {
  let index = kindIndexCache.get(spec);
  if (!index) {
    const position = new Map(layerKinds(spec).map(({ layer }, k) => [layerKey(layer), k]));
    index = Int32Array.from(spec.layers, (layer) => position.get(layerKey(layer))!);
    kindIndexCache.set(spec, index);
  }
  return index;
}

/**
 * Layers, MoE layers, layers of each kind and the layers whose weights each pipeline rank holds, with
 * chunks placed round-robin (cached per spec: the layout search asks for every stage of every layout).
 */
export function rankLayers(spec: ModelSpec, p: number, v: number): RankLayers {
  let bySplit = rankLayersCache.get(spec);
  if (!bySplit) {
    bySplit = new Map();
    rankLayersCache.set(spec, bySplit);
  }
  const key = p * 4096 + v;
  let hit = bySplit.get(key);
  if (!hit) {
    const prefix = moeLayerPrefix(spec);
    const kindOf = layerKindIndex(spec);
    const kinds = layerKinds(spec).length;
    const chunks = pipelineChunks(spec.numLayers, p, v);
    const layersOf = new Int32Array(p);
    const moeLayersOf = new Int32Array(p);
    const kindCountsOf = Array.from({ length: p }, () => new Int32Array(kinds));
    const own: number[][] = Array.from({ length: p }, () => []);
    chunks.forEach((chunk, k) => {
      layersOf[k % p]! += chunk.last - chunk.first;
      moeLayersOf[k % p]! += prefix[chunk.last]! - prefix[chunk.first]!;
      for (let i = chunk.first; i < chunk.last; i += 1) {
        kindCountsOf[k % p]![kindOf[i]!]! += 1;
        own[k % p]!.push(i);
      }
    });
    const weightLayersOf = own.map((layers) => {
      const held = new Set(layers);
      const borrowed = new Set(
        layers.map((i) => spec.layers[i]!.reusesWeights ?? i).filter((i) => !held.has(i)),
      );
      return [...layers, ...borrowed];
    });
    hit = { layersOf, moeLayersOf, kindCountsOf, weightLayersOf };
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
