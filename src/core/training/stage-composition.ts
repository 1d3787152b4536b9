/**
 * Which layers each pipeline stage holds: contiguous blocks of ceil(L/p) layers, counted by layer
 * kind, and whether the stage also holds the embedding (first) or the head (last).
 */
import { layerKey } from '../model/layer-view.js';
import type { ModelSpec } from '../model/spec.js';
import { perSpecMemo } from '../model/spec-memo.js';

/** A pipeline stage's layers: how many of each kind, and whether it holds the embedding or the head. */
export interface StageComposition {
  readonly kinds: readonly { readonly key: string; readonly count: number }[];
  readonly first: boolean;
  readonly last: boolean;
}

const stagesMemo = perSpecMemo<number, readonly StageComposition[]>();

/**
 * The distinct stage compositions of p contiguous blocks of ceil(L/p) layers (memoised per spec);
 * identical middle stages appear once.
 */
export const stageCompositions = (spec: ModelSpec, p: number): readonly StageComposition[] =>
  stagesMemo(spec, p, () => computeStageCompositions(spec, p));

function computeStageCompositions(spec: ModelSpec, p: number): readonly StageComposition[] {
  const perStage = Math.ceil(spec.numLayers / p);
  const seen = new Map<string, StageComposition>();
  for (let stage = 0; stage < p; stage += 1) {
    const first = stage * perStage;
    const last = Math.min(spec.numLayers, first + perStage);
    if (first >= last) break;
    const counts = new Map<string, number>();
    for (let i = first; i < last; i += 1) {
      const key = layerKey(spec.layers[i]!);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const composition = {
      kinds: [...counts].map(([key, count]) => ({ key, count })),
      first: first === 0,
      last: last === spec.numLayers,
    };
    const signature = JSON.stringify(composition);
    if (!seen.has(signature)) seen.set(signature, composition);
  }
  return [...seen.values()];
}
