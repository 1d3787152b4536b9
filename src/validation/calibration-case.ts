/**
 * What a calibration case is (a published run through the engine without calibration, with the
 * shares and passes the stack's parameters act on) and the helpers every case builder shares.
 */
import { findStack } from '../catalog/stacks.js';
import { mixerKinds } from '../core/model/layer-mix.js';
import { paramCount } from '../core/model/param-count.js';
import type { LayerMixer, ModelSpec } from '../core/model/spec.js';
import type { ParallelLayout } from '../core/parallelism/layout.js';
import type { StackId } from '../core/training/stack.js';
import type { StepTime } from '../core/training/step-time.js';
import type { CalibrationTerms } from '../core/training/step-time-types.js';

export interface CalibrationCase {
  readonly id: string;
  readonly stack: StackId;
  readonly family: string;
  /** The GPU family the run ran on (`family` is its calibration group's: '*' where pooled over families). */
  readonly gpuFamily: string;
  readonly source: string;
  readonly locator: string;
  readonly gpus: number;
  /** Published and engine step seconds (or another time-like figure in the same unit). */
  readonly published: number;
  readonly engine: number;
  /** The engine's step and its calibration terms: what the fitted parameters act on (calibratedRatio). */
  readonly stepSeconds: number;
  readonly calibrationTerms: CalibrationTerms;
  /** Share of the engine's step in attention kernels (reported; the fit reads calibrationTerms). */
  readonly attentionFraction: number;
  /** Share of the engine's step in routed-expert GEMMs and exposed expert all-to-all. */
  readonly expertFraction: number;
  /** MoE-layer passes (one micro-batch, forward and backward) on the critical path per engine second. */
  readonly localExpertPassesPerSecond: number;
  /** Layer passes (any layer) on the critical path per engine second. */
  readonly layerPassesPerSecond: number;
  /** Layer passes of a ZeRO-3/FSDP layout per engine second (0 otherwise). */
  readonly zero3LayerPassesPerSecond: number;
  /** The token-mixer kinds of the run's model (layer-mix.ts mixerKinds). */
  readonly mixers: readonly LayerMixer[];
  /** The run's stack launches eager modules (no fused element-wise kernels): the host times apply. */
  readonly eagerDispatch: boolean;
  /** What the diagnosis prints: the run's shape and the engine's split of its step. */
  readonly detail: CaseDetail;
}

/** A calibration case's shape and the engine's step split, for `calibrate --diagnose`. */
export interface CaseDetail {
  readonly model: string;
  readonly moe: boolean;
  readonly paramsBillions: number;
  readonly precision: string;
  readonly seqLen: number;
  readonly layout: string;
  readonly microbatches: number;
  /** Breakdown shares of the engine's step (gemm, attention, elementwise, comm, bubble, dp+opt). */
  readonly shares: Readonly<
    Record<'gemm' | 'attention' | 'elementwise' | 'comm' | 'bubble' | 'dpOpt', number>
  >;
}

/** The terms and detail of a case from the engine's step and chosen layout. */
export function caseTerms(
  spec: ModelSpec,
  step: StepTime,
  layout: ParallelLayout,
  precision: string,
  seqLen: number,
) {
  const b = step.breakdown;
  const T = step.stepSeconds;
  const share = (x: number) => x / T;
  const detail: CaseDetail = {
    model: spec.name,
    moe: spec.moe !== null,
    paramsBillions: paramCount(spec).totalParams / 1e9,
    precision,
    seqLen,
    layout: layoutText(layout),
    microbatches: step.microbatches,
    shares: {
      gemm: share(b.gemmSeconds),
      attention: share(b.attentionSeconds),
      elementwise: share(b.elementwiseSeconds + b.gradientAccumulationSeconds + b.dequantizationSeconds),
      comm: share(
        b.tensorParallelCommSeconds +
          b.contextParallelCommSeconds +
          b.expertParallelCommSeconds +
          b.pipelineCommSeconds,
      ),
      bubble: share(b.pipelineBubbleSeconds),
      dpOpt: share(b.dataParallelCommSeconds + b.optimizerSeconds),
    },
  };
  const terms = step.calibrationTerms;
  return {
    stepSeconds: T,
    calibrationTerms: terms,
    attentionFraction: terms.attentionSeconds / T,
    expertFraction: (terms.expertGemmSeconds + terms.expertCommSeconds) / T,
    localExpertPassesPerSecond: terms.localExpertPasses / T,
    layerPassesPerSecond: terms.layerPasses / T,
    zero3LayerPassesPerSecond: terms.zero3LayerPasses / T,
    mixers: mixerKinds(spec),
    detail,
  };
}

export const layoutText = (l: ParallelLayout) =>
  `tp${l.tensorParallel} pp${l.pipelineParallel} dp${l.dataParallel}${l.expertParallel > 1 ? ` ep${l.expertParallel}` : ''}${l.expertTensorParallel !== undefined ? ` etp${l.expertTensorParallel}` : ''}${l.contextParallel > 1 ? ` cp${l.contextParallel}` : ''}${l.virtualStages > 1 ? ` v${l.virtualStages}` : ''} mb${l.microBatchSize}${l.zeroStage === 3 ? ' fsdp' : ''}${l.recompute !== 'none' ? ` ${l.recompute}` : ''}`;

/** A stack without calibrations: the engine's own time with the stack's memory and splits. */
export const uncalibrated = (id: StackId) => ({ ...findStack(id), calibrations: [] });
/** Whether a stack runs eager modules (each element-wise op its own kernel launched from Python). */
export const eagerDispatch = (id: StackId) => findStack(id).memory.unfusedElementwise;
