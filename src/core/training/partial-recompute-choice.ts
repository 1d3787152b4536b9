/**
 * Which partial recomputation (layout.ts PartialRecompute) a full-recomputation layout runs best: the
 * search's choice (layout-search.ts) and the hint's (recompute-hint.ts) alike. Fewer recomputed layers
 * step faster and hold more (block-recompute.test.ts), so the choice is the fewest that fit.
 */
import type { StageMemory } from '../memory/training-memory-types.js';
import { chunksPerStage, type ParallelLayout } from '../parallelism/layout.js';
import type { StackProfile } from './stack.js';
import type { StepTime } from './step-time.js';

/** The stack's partial method: Megatron-Core's block method or torchtitan's every K-th layer (null: neither). */
export function partialRecomputeKind(stack: StackProfile | undefined): 'block' | 'every' | null {
  if (stack?.recomputesBlocks) return 'block';
  if (stack?.recomputesEveryNth) return 'every';
  return null;
}

/** A model chunk's layers (block: what `--recompute-num-layers` counts) or a stage's (every). */
export function partialRecomputeSpan(
  kind: 'block' | 'every',
  numLayers: number,
  l: Pick<ParallelLayout, 'pipelineParallel' | 'virtualStages'>,
): number {
  const chunks = kind === 'block' ? chunksPerStage(l) : 1;
  return Math.ceil(numLayers / (l.pipelineParallel * chunks));
}

/** `layout` recomputing `n` of its layers by the stack's partial method. */
const withPartialRecompute = (
  layout: ParallelLayout,
  kind: 'block' | 'every',
  n: number,
): ParallelLayout => ({
  ...layout,
  recompute: 'full',
  ...(kind === 'block' ? { recomputeLayers: n } : { recomputeEvery: n }),
});

/**
 * The partial recomputation that fits and steps fastest, or null where none fits short of every layer.
 * Block: the fewest layers per chunk, 1 … span − 1, that fit (memory never rises as more recompute).
 * Every: the largest K, 2 … span, that fits (memory never falls as K grows), then the smallest K that
 * steps as fast (the slowest stage recomputes as many layers; the others hold less).
 */
function partialRecomputeCount(
  kind: 'block' | 'every',
  span: number,
  fitsAt: (n: number) => boolean,
  stepSecondsAt: (n: number) => number,
): number | null {
  if (kind === 'block') {
    let lo = 1;
    let hi = span - 1;
    if (hi < 1 || !fitsAt(hi)) return null;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (fitsAt(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
  let lo = 2;
  let hi = span;
  if (hi < lo || !fitsAt(lo)) return null;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fitsAt(mid)) lo = mid;
    else hi = mid - 1;
  }
  const step = stepSecondsAt(lo);
  while (lo > 2 && stepSecondsAt(lo - 1) <= step) lo -= 1;
  return lo;
}

/** How the search sizes and times a layout: its peak stage, the capacity it must fit under, its step. */
export interface PartialRecomputeProbe {
  readonly peak: (l: ParallelLayout) => StageMemory;
  readonly capacityBytes: number;
  readonly step: (l: ParallelLayout, peak: StageMemory) => StepTime;
}

/**
 * `layout` (recomputing every layer) with the partial recomputation {@link partialRecomputeCount} picks,
 * sized and timed; null where none fits short of every layer.
 */
export function partialRecomputeChoice(
  kind: 'block' | 'every',
  numLayers: number,
  layout: ParallelLayout,
  probe: PartialRecomputeProbe,
): { readonly layout: ParallelLayout; readonly peak: StageMemory; readonly step: StepTime } | null {
  const sized = new Map<number, { layout: ParallelLayout; peak: StageMemory }>();
  const at = (n: number) => {
    if (!sized.has(n)) {
      const l = withPartialRecompute(layout, kind, n);
      sized.set(n, { layout: l, peak: probe.peak(l) });
    }
    return sized.get(n)!;
  };
  const n = partialRecomputeCount(
    kind,
    partialRecomputeSpan(kind, numLayers, layout),
    (k) => at(k).peak.totalBytes <= probe.capacityBytes,
    (k) => probe.step(at(k).layout, at(k).peak).stepSeconds,
  );
  if (n === null) return null;
  const chosen = at(n);
  return { ...chosen, step: probe.step(chosen.layout, chosen.peak) };
}
