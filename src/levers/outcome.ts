/**
 * The engines behind a lever state: a training or fine-tuning plan, or a deployment plan, as an outcome
 * (cost, time, memory, energy and what was chosen). The web app's plan/outcome facade.
 */
import { type CalibrationBand, servingBand, trainingBand } from '../catalog/bands.js';
import { findGpu } from '../catalog/catalog.js';
import { offloadOptions } from '../catalog/hosts.js';
import { servingScale } from '../catalog/serving-band.js';
import { onEngine, replicaFixed } from '../catalog/serving-engine-choice.js';
import {
  noBf16GradientBuffersReason,
  noFullIterationCudaGraphsReason,
  noTensorParallelOverlapReason,
} from '../catalog/stacks.js';
import { energyAssumptions, resolveHardware, runCostAssumptions } from '../catalog/training-defaults.js';
import { planFinetune } from '../core/adaptation/finetune.js';
import { formatMeanCount, mfuLabel } from '../core/format.js';
import type { DeploymentCandidate, DeploymentPlan } from '../core/inference/deployment.js';
import { requestSeconds } from '../core/inference/queueing.js';
import { replicaOptions } from '../core/inference/replica-layouts.js';
import { planServingModes } from '../core/inference/serving-modes.js';
import { replicaGpus } from '../core/inference/serving-step.js';
import { trafficPoint } from '../core/inference/traffic-point.js';
import { unservedError } from '../core/inference/unserved.js';
import { bandedFit, memoryRange } from '../core/memory/memory-band.js';
import { hostMemory, type OffloadOptions } from '../core/memory/offload.js';
import { trainingMemory } from '../core/memory/training-memory.js';
import { parseTargets } from '../core/model/adapters.js';
import { asReleased } from '../core/model/checkpoint-format.js';
import { beyondContextWarning } from '../core/model/context-limit.js';
import { drafterSplits } from '../core/model/drafter.js';
import { globalBatchForTokens } from '../core/parallelism/global-batch.js';
import { layoutSummary, recomputeWords } from '../core/parallelism/layout.js';
import { documentSpanTokens } from '../core/training/document-span.js';
import type { TrainingPlan } from '../core/training/plan.js';
import type { StackProfile } from '../core/training/stack.js';
import { type Range, scaledRange } from '../core/uncertainty/range.js';
import { requestsPerSecondFor, SECONDS_PER_DAY, SECONDS_PER_HOUR } from '../core/units.js';
import { stackMemoryBand } from '../validation/memory-cases.js';
import {
  finetuneMemoryFitMultipliers,
  hintMemoryFit,
  memoryFitMultipliers,
  trainingHintOptions,
} from '../validation/memory-fit.js';
import { billions } from './kind.js';
import { keptTrainingPlan } from './plan-memo.js';
import {
  type FinetuneState,
  type LeverState,
  layoutWords,
  type Outcome,
  type ServingState,
  stateStack,
  type TrainingHints,
  type TrainingState,
} from './state.js';

/**
 * An outcome with its band: every figure of the engine estimate scales with the band's multipliers;
 * one-off costs (a teacher's generation) add their own range, P10 to P10 and P90 to P90 (as if fully
 * correlated: a slightly wider band than independent draws would give).
 */
function banded(
  s: LeverState,
  o: Omit<Outcome, 'band' | 'range' | 'memoryFit'>,
  band: CalibrationBand,
  memory: Range | null = null,
): Outcome {
  const r = (x: number) => scaledRange(x, band.low, band.high);
  const engineUsd = r(o.costUsd - s.extraUsd);
  return {
    ...o,
    memoryFit: bandedFit(o.memoryPerGpuBytes, memory, findGpu(s.gpuId).memoryBytes),
    band,
    range: {
      costUsd: { p10: engineUsd.p10 + s.extraUsdRange.p10, p90: engineUsd.p90 + s.extraUsdRange.p90 },
      timeSeconds: r(o.timeSeconds),
      gpuHours: r(o.gpuHours),
      energyKWh: o.energyKWh === null ? null : r(o.energyKWh),
      co2Kg: o.co2Kg === null ? null : r(o.co2Kg),
      memoryPerGpuBytes: memory,
    },
  };
}

/** What would beat the chosen layout's recomputation (the plan's hints), each with the step and memory it would take. */
function trainingHints(plan: TrainingPlan): TrainingHints {
  const at = (e: {
    readonly step: { readonly stepSeconds: number };
    readonly memoryPerGpuBytes: number;
  }) => ({
    stepSeconds: e.step.stepSeconds,
    memoryPerGpuBytes: e.memoryPerGpuBytes,
  });
  const r = plan.recomputeHint;
  const o = plan.offloadHint;
  const likely = plan.likelyFit;
  return {
    recompute: r && {
      ...(r.kind === 'block' ? { layers: r.layers, chunkLayers: r.chunkLayers } : { every: r.every }),
      ...at(r.best),
    },
    offloadActivations: o && { layers: o.layers, ...at(o.best) },
    likelyFit: likely && {
      best: likely.best && { layout: layoutSummary(likely.best.layout), ...at(likely.best) },
      fixedFlags: likely.fixedFlags,
    },
  };
}

const formatTrainable = (n: number) => (n >= 1e9 ? billions(n) : `${(n / 1e6).toFixed(1)}M`);

/** A training or fine-tuning plan as an outcome: run cost, wall-clock, memory, energy and the layout. */
function trainingOutcome(
  s: TrainingState | FinetuneState,
  plan: TrainingPlan,
  what: string,
  details: boolean,
  stack: string,
  offload: Outcome['offload'],
): Outcome {
  const run = plan.run!;
  const l = plan.chosen.layout;
  const step = plan.chosen.step;
  const calibrated = trainingBand(
    plan.band!,
    stack,
    plan.calibration?.family ?? findGpu(s.gpuId).efficiency.family,
  );
  // A length past the model's context is costed as given and said, as `train --seq-len` says it.
  const beyond = beyondContextWarning(s.spec, 'seqLen', s.seqLen, 'trained');
  const band = beyond ? { ...calibrated, outside: [...calibrated.outside, beyond] } : calibrated;
  // As `llmecon train`/`finetune` band it: the stack's measured peaks in the layout's regime.
  const memory = stackMemoryBand(
    stack,
    l.pipelineParallel > 1,
    s.kind === 'train' ? false : s.method !== 'full',
  );
  return banded(
    s,
    {
      costUsd: run.costUsd + s.extraUsd,
      timeSeconds: run.wallClockDays * SECONDS_PER_DAY,
      memoryPerGpuBytes: plan.chosen.memoryPerGpuBytes,
      energyKWh: run.energyKWh,
      co2Kg: run.co2Kg,
      energyNote: run.energyNote,
      gpus: s.gpus,
      gpuHours: run.gpuHours,
      ...(offload && { offload }),
      // The engine's warnings, as `llmecon train`/`finetune` print them (a LoRA rank, a longest example).
      ...(plan.warnings.length > 0 && { warnings: plan.warnings }),
      ...(details
        ? {
            training: {
              stepSeconds: step.stepSeconds,
              stepBreakdownSeconds: { ...step.breakdown },
              pipeline: {
                stages: l.pipelineParallel,
                microbatches: step.microbatches,
                schedule: l.schedule,
              },
              gpuMemoryBytes: findGpu(s.gpuId).memoryBytes,
              hints: trainingHints(plan),
              pareto: plan.search.pareto.map((e) => ({
                gpus: e.gpus,
                stepSeconds: e.step.stepSeconds,
                gpuSecondsPerToken: (e.step.stepSeconds * e.gpus) / e.step.tokensPerStep,
              })),
            },
          }
        : {}),
      detail: `${what}, ${layoutWords({
        tp: l.tensorParallel,
        pp: l.pipelineParallel,
        dp: l.dataParallel,
        ep: l.expertParallel,
        etp: l.expertTensorParallel,
        cp: l.contextParallel,
        vpp: l.virtualStages,
        recompute: recomputeWords(l),
        // The ZeRO stage decides the memory as much as the degrees do (QLoRA on ZeRO-1 beside LoRA on ZeRO-3).
        ZeRO: String(l.zeroStage),
        schedule: s.kind === 'train' ? l.schedule : undefined,
        offload: offload?.mode,
      })}, ${mfuLabel(plan.chosen.step.mfu, s.precision)}`,
    },
    band,
    memoryRange(plan.chosen.memoryPerGpuBytes, memory),
  );
}

/** What offload asks of the host, over every stage of the chosen layout (the search sized only its peaks). */
function offloadedTo(
  offload: OffloadOptions | undefined,
  memory: () => { readonly stages: readonly { readonly offloadedBytes: number }[] },
): Outcome['offload'] {
  return offload && { mode: offload.mode, ...hostMemory(memory().stages, offload.host) };
}

/**
 * A baseline's stack switches as the (possibly levered) stack runs them: a stack lever to a stack
 * without a switch drops it (TP collectives exposed, per-layer launches, FP32 main-grad buffers).
 */
const keptSwitches = (
  s: Pick<TrainingState, 'overlapTensorParallel' | 'fullIterationCudaGraphs' | 'bf16GradBuffers'>,
  stack: StackProfile,
) => ({
  overlapTensorParallel: s.overlapTensorParallel === true && noTensorParallelOverlapReason(stack) === null,
  fullIterationCudaGraphs:
    s.fullIterationCudaGraphs === true && noFullIterationCudaGraphsReason(stack) === null,
  ...(s.bf16GradBuffers === true &&
    noBf16GradientBuffersReason(stack) === null && { gradReduceInFp32: false }),
});

/** Runs the engine for a state; `details` adds the step breakdown and the Pareto set of a pretraining run. */
export function evaluateState(s: LeverState, details = false): Outcome {
  if (s.kind !== 'serve') {
    const hw = resolveHardware(s.gpuId, undefined);
    const seqLen = s.seqLen;
    const cost = runCostAssumptions(hw, { goodput: s.goodput, usdPerGpuHour: s.usdPerGpuHour });
    // `--offload`: the GPU's host from the catalog (an error naming the GPUs that have one).
    const offload = offloadOptions(s.offload ?? 'none', hw.gpu, 'offload');
    if (s.kind === 'train') {
      const stack = stateStack(s);
      const training = {
        seqLen,
        documentTokens: documentSpanTokens(s, seqLen),
        globalBatchSize: globalBatchForTokens(s.globalBatchTokens, seqLen, s.gpus),
        precision: s.precision,
        optimizer: s.optimizer,
        offload,
      };
      const memoryFit = memoryFitMultipliers(s.memoryFit ?? 'estimate', stack.stack.id, false, ['memoryFit']);
      const plan = keptTrainingPlan(s.spec, hw.cluster, {
        ...stack,
        ...training,
        ...(memoryFit && { memoryFit }),
        overlapExpertParallel: s.overlapExpertParallel,
        ...keptSwitches(s, stack.stack),
        gpus: s.gpus,
        constraints: s.constraints,
        top: 1,
        pareto: details,
        // What a searched partial recomputation fits at, always; the hints `llmecon train` prints, where
        // details are asked (the web app's Train view).
        hintMemoryFit: hintMemoryFit(stack.stack.id),
        ...(details && trainingHintOptions(hw.gpu.id, stack.stack.id)),
        cost: { ...cost, tokens: s.tokens },
      });
      const host = offloadedTo(offload, () =>
        trainingMemory(s.spec, plan.chosen.layout, { ...training, stack: stack.stack }),
      );
      return trainingOutcome(s, plan, `${s.gpus} × ${s.gpuId}`, details, stack.stack.id, host);
    }
    const stack = stateStack(s);
    const memoryFit = finetuneMemoryFitMultipliers(s.memoryFit ?? 'estimate', stack.stack.id, ['memoryFit']);
    const plan = planFinetune(s.spec, hw.cluster, {
      ...stack,
      offload,
      ...(memoryFit && { memoryFit }),
      hintMemoryFit: hintMemoryFit(stack.stack.id),
      method: s.method,
      rank: s.rank,
      targets: parseTargets(s.targets),
      ...(s.trainEmbeddings && { trainEmbeddings: true }),
      ...(s.baseFormat !== undefined && { baseFormat: s.baseFormat }),
      ...keptSwitches(s, stack.stack),
      dataset: { ...s.dataset, tokens: s.tokens, epochs: s.epochs },
      globalBatchSize: s.globalBatchSize,
      seqLen,
      precision: s.precision,
      optimizer: s.optimizer,
      gpus: s.gpus,
      constraints: s.constraints,
      cost,
    });
    // As `llmecon finetune` sizes it: QLoRA's update in BF16 over the NF4 base, the method's adapter.
    const host = offloadedTo(offload, () =>
      trainingMemory(s.spec, plan.chosen.layout, {
        seqLen,
        globalBatchSize: s.globalBatchSize,
        precision: s.method === 'qlora' ? 'bf16' : s.precision,
        optimizer: s.optimizer,
        stack: stack.stack,
        offload,
        adapter: plan.adapter ?? undefined,
      }),
    );
    return trainingOutcome(
      s,
      plan,
      `${s.method} on ${s.gpus} × ${s.gpuId}, ${formatTrainable(plan.trainableParams)} trainable`,
      details,
      stack.stack.id,
      host,
    );
  }
  const best = bestServingPlan(s);
  const r = best.candidate.replica;
  // A request's latency at the day's traffic (fewer sequences running than at capacity).
  const at = trafficPoint(s.spec, best, s.workload);
  // The fleet for given traffic scales with 1 / throughput (and a latency-bound one alike, every time
  // scaled by the speed): GPU-hours, $, energy and latency take the engine's band (a continuous fleet:
  // rounding to whole replicas is not drawn), but no faster engine serves it on less than one replica.
  const outcome = banded(
    s,
    {
      costUsd: best.usdPerDay * s.days + s.extraUsd,
      timeSeconds: requestSeconds(at ?? best.point, s.workload.outputTokens),
      memoryPerGpuBytes: best.point.memoryPerGpuBytes,
      energyKWh: best.energyKWhPerDay === null ? null : best.energyKWhPerDay * s.days,
      co2Kg: best.co2KgPerDay === null ? null : best.co2KgPerDay * s.days,
      energyNote: best.energyNote,
      gpus: best.gpus,
      gpuHours: (best.gpus * s.days * SECONDS_PER_DAY) / SECONDS_PER_HOUR,
      detail: `${best.gpus} × ${s.gpuId} (TP${r.tensorParallel}${(r.pipelineParallel ?? 1) > 1 ? ` PP${r.pipelineParallel}` : ''}${r.expertParallel > 1 ? ` EP${r.expertParallel}` : r.epInTp ? ` EP${r.tensorParallel} in TP` : ''} ${s.weights}${s.sparsity === 'none' ? '' : ` ${s.sparsity}`}/${s.kv}${best.disaggregated ? ', prefill on separate GPUs' : ''}), ${at ? `${formatMeanCount(at.meanConcurrency)} sequences running per replica on average (${best.point.concurrency} at capacity)` : `${best.point.concurrency} sequences per replica`}${r.profile ? ` on ${r.profile.name}` : ''}`,
    },
    servingBand(s.gpuId, s.engineChoice.engine, servingScale(s.spec, s.workload, r)),
  );
  const least = Math.min(1, replicaGpus(r) / best.gpus);
  const { gpuHours, costUsd } = outcome.range;
  if (gpuHours.p10 >= least * outcome.gpuHours) return outcome;
  const engineUsd = outcome.costUsd - s.extraUsd;
  return {
    ...outcome,
    range: {
      ...outcome.range,
      gpuHours: { ...gpuHours, p10: least * outcome.gpuHours },
      costUsd: { ...costUsd, p10: Math.max(costUsd.p10, least * engineUsd + s.extraUsdRange.p10) },
    },
  };
}

/**
 * The cheapest deployment of a serving state's daily traffic within its SLO (on `candidates`, default
 * its own), aggregated or with separate prefill GPUs, as `llmecon serve` plans it.
 */
export function bestServingPlan(
  s: ServingState,
  candidates: readonly DeploymentCandidate[] = servingCandidates(s),
): DeploymentPlan {
  const perRequest = s.workload.inputTokens + s.workload.outputTokens;
  const rps = requestsPerSecondFor(s.tokensPerDay, perRequest);
  const best = planServingModes(s.spec, candidates, s.workload, rps, s.slo).plans[0];
  if (!best)
    throw unservedError(s.spec, candidates, s.workload, s.slo, `${s.gpuId} (${s.weights} weights)`, [
      'baseline',
    ]);
  return best;
}

/** The replicas a deployment state may use: every TP × EP of its GPU at its formats and price. */
export function servingCandidates(s: ServingState): DeploymentCandidate[] {
  const hw = resolveHardware(s.gpuId, undefined);
  const energy = energyAssumptions(hw.gpu, hw.cluster, {});
  // A draft model runs at the target's TP: only splits its heads take.
  const options = replicaOptions(s.spec, hw.cluster, [s.weights], s.kv, replicaFixed(s.engineChoice)).map(
    (r) => asReleased(r, s.release),
  );
  const candidates = options
    .filter((r) => drafterSplits(s.drafter, r.tensorParallel))
    .map((replica) => ({
      gpuId: hw.gpu.id,
      cluster: hw.cluster,
      usdPerGpuHour: s.usdPerGpuHour,
      replica: { ...replica, weightSparsity: s.sparsity, ...(s.drafter && { drafter: s.drafter }) },
      energy,
    }));
  return onEngine(candidates, s.engineChoice);
}

/**
 * $ per million output tokens of `s.spec` served at full use on `s.gpuId` (a distillation teacher),
 * with its P10–P90 from the serving band.
 */
export function generationUsdPerMillionTokens(s: LeverState): { usd: number; range: Range } {
  const teacher: ServingState = {
    kind: 'serve',
    modelId: s.modelId,
    spec: s.spec,
    gpuId: s.gpuId,
    usdPerGpuHour: s.usdPerGpuHour,
    priceFactor: s.priceFactor,
    extraUsd: 0,
    extraUsdRange: { p10: 0, p90: 0 },
    weights: s.kind === 'serve' ? s.weights : findGpu(s.gpuId).peakFlopsPerSecond.fp8 ? 'fp8' : 'bf16',
    release: s.kind === 'serve' ? s.release : null,
    kv: s.kind === 'serve' ? s.kv : 'bf16',
    sparsity: s.kind === 'serve' ? s.sparsity : 'none',
    workload: { inputTokens: 1024, outputTokens: 1024 },
    tokensPerDay: 1e9,
    slo: {},
    days: 1,
    engineChoice: {},
  };
  const o = evaluateState(teacher);
  const perMillion = (usd: number) => (usd / (teacher.tokensPerDay / 2)) * 1e6;
  return {
    usd: perMillion(o.costUsd),
    range: { p10: perMillion(o.range.costUsd.p10), p90: perMillion(o.range.costUsd.p90) },
  };
}
