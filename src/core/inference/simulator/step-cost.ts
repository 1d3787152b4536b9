/**
 * Step time in the simulator: the per-step serving cost (serving-step.ts) of a decode batch and its
 * prefill chunks, with the engine's per-step terms (engine.ts stepOverheads, stepWallSeconds), memoized on a geometric grid so a
 * 10,000-request run evaluates the operation list a few hundred times, not once per step.
 */
import type { ClusterSpec } from '../../hardware/cluster-spec.js';
import { routedLayers } from '../../model/layer-mix.js';
import type { ModelSpec } from '../../model/spec.js';
import { type EngineProfile, stepOverheads, stepWallSeconds } from '../engine.js';
import { type Replica, type StepWork, servingStepSeconds } from '../serving-step.js';

/**
 * The grid: decode batches 2^(1/8) apart (±4%) and exact up to 32, contexts 2^(1/4) apart (±9%;
 * attention is a share of the step); prefill tokens are interpolated linearly between points
 * 2^(1/4) apart (exact up to 16).
 */
const bucket = (x: number, perOctave: number) =>
  x <= 32 ? Math.round(x) : Math.round(2 ** (Math.round(Math.log2(x) * perOctave) / perOctave));
const PREFILL_PER_OCTAVE = 4;
const prefillGrid = (x: number): [number, number, number] => {
  if (x <= 16) return [Math.round(x), Math.round(x), 0];
  const k = Math.floor(Math.log2(x) * PREFILL_PER_OCTAVE);
  const lo = 2 ** (k / PREFILL_PER_OCTAVE);
  const hi = 2 ** ((k + 1) / PREFILL_PER_OCTAVE);
  return [lo, hi, (x - lo) / (hi - lo)];
};

/** Seconds of a step doing `w`, with `prefillSequences` requests prefilling in it. */
export type StepCost = (w: StepWork, prefillSequences: number) => number;

export function stepCostModel(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: Replica,
  engine: EngineProfile,
  shape: Pick<StepWork, 'tokensPerSequence' | 'draftTokens' | 'draftWidth'>,
): StepCost {
  const cache = new Map<string, number>();
  const moeLayers = routedLayers(spec);
  // A pipeline splits a step's sequences over its stages (serving-step.ts pipelineMicrobatches): up to
  // its depth, the prompts prefilling count; so do a prefill-only step's over attention-DP ranks.
  const pp = r.pipelineParallel ?? 1;
  const gridStep = (
    d: number,
    c: number,
    p: number,
    pc: number,
    ps: number,
    streams: boolean,
    absorbed: boolean,
  ): number => {
    const key = `${d}|${c}|${p}|${pc}|${ps}|${streams}|${absorbed}`;
    let s = cache.get(key);
    if (s === undefined) {
      s = servingStepSeconds(spec, cluster, r, {
        decodeSequences: d,
        // Each decoding sequence verifies its drafts (the drafter's passes: draftTokens, draftWidth).
        ...shape,
        context: c,
        prefillTokens: p,
        prefillContext: pc,
        ...(ps > 0 ? { prefillSequences: ps } : {}),
        ...(streams ? { prefillStreams: true } : {}),
        ...(absorbed ? { prefillAbsorbed: true } : {}),
      });
      cache.set(key, s);
    }
    return s;
  };
  return (w, prefillSequences) => {
    const d = bucket(w.decodeSequences, 8);
    const c = bucket(w.context, 4);
    const pc = bucket(w.prefillContext, 4);
    const [lo, hi, f] = prefillGrid(w.prefillTokens);
    // Over attention data parallelism a prefill-only step's prompts fill its ranks up to one each.
    const ep = r.expertParallel;
    const ps =
      pp > 1
        ? Math.min(pp, prefillSequences)
        : ep > 1 && d === 0
          ? Math.min(ep, Math.max(1, prefillSequences))
          : 0;
    const streams = w.prefillStreams === true;
    const absorbed = w.prefillAbsorbed === true;
    const low = gridStep(d, c, lo, pc, ps, streams, absorbed);
    const s = f === 0 ? low : low + f * (gridStep(d, c, hi, pc, ps, streams, absorbed) - low);
    return stepWallSeconds(
      s,
      stepOverheads(engine, w.decodeSequences + prefillSequences, r.expertParallel, moeLayers, pp),
    );
  };
}
