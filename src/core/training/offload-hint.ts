/**
 * Whether keeping some layers' activations in host memory (Megatron-Core's cpu_offloading;
 * memory/activation-offload.ts) would beat the recomputation the chosen layout runs: never applied
 * to the plan (offload is only run when asked), said as a hint with the layout it would take.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { HostSpec } from '../memory/offload.js';
import type { ModelSpec } from '../model/spec.js';
import { type EvaluatedLayout, type SearchOptions, searchLayouts } from './layout-search.js';

export interface ActivationOffloadHint {
  /** Layers whose activations would live in host memory (`--offload-activations`). */
  readonly layers: number;
  /** The fastest layout with them offloaded (pp 1, no recomputation). */
  readonly best: EvaluatedLayout;
}

/** The step must be this much faster than the chosen one for a hint to be worth saying (recompute-hint.ts too). */
export const HINT_MIN_STEP_RATIO = 0.98;
/**
 * Headroom the hinted layout keeps: its peak times this must fit (megatron's memory has no measured
 * band to size it by, so a layout at the edge of capacity is not suggested).
 */
export const HINT_MEMORY_MARGIN = 1.1;

/** What a hinted layout must fit at: the run's memory fit, never under {@link HINT_MEMORY_MARGIN}. */
export const hintFit = (fit: SearchOptions['memoryFit']): NonNullable<SearchOptions['memoryFit']> => ({
  single: Math.max(HINT_MEMORY_MARGIN, fit?.single ?? 1),
  pipeline: Math.max(HINT_MEMORY_MARGIN, fit?.pipeline ?? 1),
});

/**
 * The fewest offloaded layers (tried in eighths of the model) whose fastest layout steps fastest, when
 * that beats the chosen layout's: only where the chosen layout recomputes on one pipeline stage, the
 * stack runs activation offload, the user fixed no recomputation, the layout's peak × 1.1 fits the GPU
 * and the host holds what is offloaded.
 */
export function activationOffloadHint(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: SearchOptions,
  chosen: EvaluatedLayout,
  host: HostSpec,
): ActivationOffloadHint | null {
  const c = options.constraints ?? {};
  if (
    chosen.layout.recompute === 'none' ||
    chosen.layout.pipelineParallel > 1 ||
    options.activationOffload ||
    !options.stack?.offloadsActivations ||
    c.recompute !== undefined
  )
    return null;
  let hint = null as ActivationOffloadHint | null;
  for (let eighth = 1; eighth < 8; eighth += 1) {
    const layers = Math.round((eighth * spec.numLayers) / 8);
    if (layers < 1 || layers >= spec.numLayers || layers === hint?.layers) continue;
    const { best } = searchLayouts(spec, cluster, {
      ...options,
      constraints: { ...c, pipelineParallel: 1 },
      activationOffload: { layers, host },
      top: 1,
      pareto: false,
      // One pipeline stage: only the single-stage multiplier applies.
      memoryFit: hintFit(options.memoryFit),
    });
    if (!best) continue; // the search keeps to layouts whose offloaded activations fit the host
    const bar = hint ? hint.best.step.stepSeconds : chosen.step.stepSeconds * HINT_MIN_STEP_RATIO;
    if (best.step.stepSeconds < bar) hint = { layers, best };
  }
  return hint;
}
