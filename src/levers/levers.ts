/**
 * Cost levers: a baseline (a pretraining run, a fine-tuning run or a serving deployment) and levers
 * applied in order. Each lever changes the inputs of the training or serving engine and the engine runs
 * again — cost, time, memory per GPU and energy after every step — so levers interact (FP8 after MoE
 * saves less than FP8 on the dense model). Each kind lives in kinds/ as `{ label, apply }`; this is the
 * engine. Pure: the catalog is static data, so this runs in the browser too.
 */
import { findGpu } from '../catalog/catalog.js';
import { DoesNotFitError, InputError } from '../core/errors.js';
import type { BandedFit } from '../core/memory/memory-band.js';
import { LayoutDoesNotFitError } from '../core/training/plan.js';
import { type Range, ratioRange } from '../core/uncertainty/range.js';
import type { LeverKind, LeverName } from './kind.js';
import { LEVER_KINDS } from './kinds/index.js';
import { evaluateState } from './outcome.js';
import type { Lever, LeverStudy } from './schema.js';
import { baselineState, type LeverState, type Outcome, type OutcomeRange } from './state.js';

export { bestServingPlan, evaluateState, servingCandidates } from './outcome.js';
export {
  baselineState,
  type FinetuneState,
  type LeverState,
  type Outcome,
  type OutcomeRange,
  type ServingState,
  stateFor,
  type TrainingHints,
  type TrainingState,
} from './state.js';

const kindOf = (lever: Lever) => LEVER_KINDS[lever.lever] as LeverKind<LeverName>;

/** Applies lever `i` to a state: the new state and what to keep in mind about it. */
export function applyLever(s: LeverState, lever: Lever, i: number): { state: LeverState; caveat: string } {
  return kindOf(lever).apply(s, lever, i);
}

export const leverLabel = (lever: Lever): string => kindOf(lever).label(lever);

/** No layout fits after a lever: which lever, the closest layouts and the GPU's memory. */
export class LeverDoesNotFitError extends LayoutDoesNotFitError {
  readonly capacityBytes: number;
  constructor(message: string, cause: LayoutDoesNotFitError, capacityBytes: number) {
    super(message, cause.nearestInfeasible, cause.fittingAlternatives);
    this.capacityBytes = capacityBytes;
  }
}

export interface WaterfallStep {
  readonly lever: string;
  readonly costUsd: number;
  readonly deltaUsd: number;
  readonly timeSeconds: number;
  readonly memoryPerGpuBytes: number;
  /** How that memory and its band sit against the GPU's capacity (Outcome.memoryFit). */
  readonly memoryFit: BandedFit;
  readonly energyKWh: number | null;
  readonly co2Kg: number | null;
  readonly gpuHours: number;
  readonly gpus: number;
  /** P10–P90 of the step's figures: the band of the estimate this step re-ran. */
  readonly range: OutcomeRange;
  /** Where that estimate is outside what was calibrated (empty when inside). */
  readonly outsideCalibration: readonly string[];
  /** The engine's warnings on the step's plan (Outcome.warnings). */
  readonly warnings: readonly string[];
  readonly detail: string;
  readonly caveat: string;
  /**
   * The lever applied alone to the baseline: its delta there, or null where it needs an earlier lever
   * (MLA after MoE) or no layout fits without them. `deltaUsd − aloneDeltaUsd` is the interaction.
   */
  readonly aloneDeltaUsd: number | null;
}

export interface Waterfall {
  readonly name: string;
  readonly kind: 'train' | 'finetune' | 'serve';
  readonly baseline: Outcome & { readonly model: string };
  readonly baselineCostUsd: number;
  readonly finalCostUsd: number;
  /** P10–P90 of the final step's figures (the baseline's when there are no levers). */
  readonly finalRange: OutcomeRange;
  /**
   * Baseline cost over final cost and its P10–P90: estimates on the same calibration (one GPU family ×
   * stack, or engine × family) share one residual draw, so their ratio carries no calibration spread;
   * across calibrations (a GPU lever to another family) the draws are independent.
   */
  readonly savings: { readonly ratio: number; readonly range: Range; readonly sameCalibration: boolean };
  readonly steps: readonly WaterfallStep[];
}

/** A lever's delta on the baseline by itself; null where it does not apply or fit there. */
function aloneDelta(baseline: LeverState, baseCostUsd: number, lever: Lever, i: number): number | null {
  try {
    return evaluateState(applyLever(baseline, lever, i).state).costUsd - baseCostUsd;
  } catch (error) {
    if (error instanceof InputError) return null;
    throw error;
  }
}

/**
 * `evaluate()`, a layout that does not fit named by `where` (exit 3 in the CLI, as `train`'s), a
 * deployment that meets no SLO placed at `path` (the baseline or the lever).
 */
function fitting(
  evaluate: () => Outcome,
  where: string,
  gpuId: string,
  path: readonly (string | number)[],
): Outcome {
  try {
    return evaluate();
  } catch (error) {
    if (error instanceof LayoutDoesNotFitError)
      throw new LeverDoesNotFitError(
        `${where}: ${error.issues[0]!.message}`,
        error,
        findGpu(gpuId).memoryBytes,
      );
    // A deployment no replica can serve within its SLO: computed, but does not fit (exit 3, as `serve`'s).
    if (error instanceof DoesNotFitError)
      throw new DoesNotFitError(error.issues.map((issue) => ({ ...issue, path })));
    throw error;
  }
}

/** Runs the baseline, then each lever in order through the engines. */
export function runWaterfall(study: LeverStudy): Waterfall {
  const baseline = baselineState(study.baseline);
  let state = baseline;
  const base = fitting(() => evaluateState(state), 'the baseline', state.gpuId, ['baseline']);
  let previous = base.costUsd;
  const steps: WaterfallStep[] = [];
  let last: Outcome = base;
  for (const [i, lever] of study.levers.entries()) {
    const applied = applyLever(state, lever, i);
    state = applied.state;
    const o = fitting(
      () => evaluateState(state),
      `after lever ${i + 1} (${leverLabel(lever)})`,
      state.gpuId,
      ['levers', i],
    );
    steps.push({
      lever: leverLabel(lever),
      costUsd: o.costUsd,
      deltaUsd: o.costUsd - previous,
      timeSeconds: o.timeSeconds,
      memoryPerGpuBytes: o.memoryPerGpuBytes,
      memoryFit: o.memoryFit,
      energyKWh: o.energyKWh,
      co2Kg: o.co2Kg,
      gpuHours: o.gpuHours,
      gpus: o.gpus,
      range: o.range,
      outsideCalibration: o.band.outside,
      warnings: o.warnings ?? [],
      detail: o.detail,
      caveat: lever.note ? `${applied.caveat}; ${lever.note}` : applied.caveat,
      aloneDeltaUsd: i === 0 ? o.costUsd - base.costUsd : aloneDelta(baseline, base.costUsd, lever, i),
    });
    previous = o.costUsd;
    last = o;
  }
  const sameCalibration = base.band.key === last.band.key;
  return {
    name: study.name,
    kind: study.baseline.kind,
    baseline: { ...base, model: study.baseline.model },
    baselineCostUsd: base.costUsd,
    finalCostUsd: previous,
    finalRange: last.range,
    savings: {
      ratio: base.costUsd / last.costUsd,
      range: ratioRange(
        { value: base.costUsd, ...base.band },
        { value: last.costUsd, ...last.band },
        sameCalibration,
      ),
      sameCalibration,
    },
    steps,
  };
}
