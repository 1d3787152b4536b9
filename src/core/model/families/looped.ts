/**
 * Looped (weight-tied) stacks read unrolled, as they run: a physical layer called several times per
 * token holds its weights at its first call, and every later call runs them (LayerSpec.reusesWeights)
 * with its own compute, activations and KV cache. Ouro's steps, HRM-Text's cycles and Nanbeige's loops
 * and LoopSplit all list their calls here.
 */
import type { LayerSpec } from '../spec.js';

/**
 * The layers in call order: `order` lists indices into `physical`; each call of an index after its
 * first reuses the weights of that first call (its position in the result).
 */
export function loopedLayers(physical: readonly LayerSpec[], order: readonly number[]): LayerSpec[] {
  const firstCall = new Map<number, number>();
  return order.map((j, position) => {
    const layer = physical[j];
    if (layer === undefined) throw new RangeError(`loopedLayers: no physical layer ${j}`);
    const owner = firstCall.get(j);
    if (owner === undefined) {
      firstCall.set(j, position);
      return layer;
    }
    return { ...layer, reusesWeights: owner };
  });
}

/**
 * `times` passes over the `n` layers first … first + n − 1: the call order of a stack (or a block of it)
 * run in a loop.
 */
export function repeatedPasses(n: number, times: number, first = 0): number[] {
  return Array.from({ length: n * times }, (_, i) => first + (i % n));
}
