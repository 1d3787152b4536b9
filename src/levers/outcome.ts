/**
 * The engines behind a lever state: a training or fine-tuning plan, or a deployment plan, as an outcome
 * (cost, time, memory, energy and what was chosen). The web app's plan/outcome facade.
 */
import { findGpu } from '../catalog/catalog.js';
import { stackOptions } from '../catalog/stacks.js';
import { energyAssumptions, resolveHardware, runCostAssumptions } from '../catalog/training-defaults.js';
import { planFinetune } from '../core/adaptation/finetune.js';
import { inputError } from '../core/errors.js';
import { mfuLabel } from '../core/format.js';
import {
  type DeploymentCandidate,
  type DeploymentPlan,
  planDeployments,
  replicaOptions,
} from '../core/inference/deployment.js';
import { parseTargets } from '../core/model/adapters.js';
import { planTraining } from '../core/training/plan.js';
import { requestsPerSecondFor, SECONDS_PER_DAY } from '../core/units.js';
import { billions } from './kind.js';
import {
  type FinetuneState,
  type LeverState,
  layoutWords,
  type Outcome,
  type ServingState,
  type TrainingState,
} from './state.js';

const formatTrainable = (n: number) => (n >= 1e9 ? billions(n) : `${(n / 1e6).toFixed(1)}M`);

/** A training or fine-tuning plan as an outcome: run cost, wall-clock, memory, energy and the layout. */
function trainingOutcome(
  s: TrainingState | FinetuneState,
  plan: ReturnType<typeof planTraining>,
  what: string,
  details: boolean,
): Outcome {
  const run = plan.run!;
  const l = plan.chosen.layout;
  const step = plan.chosen.step;
  return {
    costUsd: run.costUsd + s.extraUsd,
    timeSeconds: run.wallClockDays * SECONDS_PER_DAY,
    memoryPerGpuBytes: plan.chosen.memoryPerGpuBytes,
    energyKWh: run.energyKWh,
    co2Kg: run.co2Kg,
    energyNote: run.energyNote,
    gpus: s.gpus,
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
      recompute: l.recompute,
      schedule: s.kind === 'train' ? l.schedule : undefined,
    })}, ${mfuLabel(plan.chosen.step.mfu, s.precision)}`,
  };
}

/** Runs the engine for a state; `details` adds the step breakdown and the Pareto set of a pretraining run. */
export function evaluateState(s: LeverState, details = false): Outcome {
  if (s.kind !== 'serve') {
    const hw = resolveHardware(s.gpuId, undefined);
    const seqLen = Math.min(s.seqLen, s.spec.maxContextTokens);
    const cost = runCostAssumptions(hw, { goodput: s.goodput, usdPerGpuHour: s.usdPerGpuHour });
    if (s.kind === 'train') {
      const plan = planTraining(s.spec, hw.cluster, {
        ...stackOptions('pretrain'),
        seqLen,
        globalBatchSize: Math.max(1, Math.round(s.globalBatchTokens / seqLen)),
        precision: s.precision,
        optimizer: s.optimizer,
        overlapExpertParallel: s.overlapExpertParallel,
        gpus: s.gpus,
        constraints: s.constraints,
        top: 1,
        pareto: details,
        cost: { ...cost, tokens: s.tokens },
      });
      return trainingOutcome(s, plan, `${s.gpus} × ${s.gpuId}`, details);
    }
    const plan = planFinetune(s.spec, hw.cluster, {
      ...stackOptions('finetune'),
      method: s.method,
      rank: s.rank,
      targets: parseTargets(s.targets),
      baseFormat: 'bf16',
      dataset: { tokens: s.tokens, epochs: s.epochs, packing: true },
      globalBatchSize: s.globalBatchSize,
      seqLen,
      precision: s.precision,
      optimizer: s.optimizer,
      gpus: s.gpus,
      constraints: s.constraints,
      cost,
    });
    return trainingOutcome(
      s,
      plan,
      `${s.method} on ${s.gpus} × ${s.gpuId}, ${formatTrainable(plan.trainableParams)} trainable`,
      details,
    );
  }
  const best = bestServingPlan(s);
  const r = best.candidate.replica;
  return {
    costUsd: best.usdPerDay * s.days + s.extraUsd,
    timeSeconds: best.point.ttftSeconds + s.workload.outputTokens * best.point.tpotSeconds,
    memoryPerGpuBytes: best.point.memoryPerGpuBytes,
    energyKWh: best.energyKWhPerDay === null ? null : best.energyKWhPerDay * s.days,
    co2Kg: best.co2KgPerDay === null ? null : best.co2KgPerDay * s.days,
    energyNote: best.energyNote,
    gpus: best.gpus,
    detail: `${best.gpus} × ${s.gpuId} (TP${r.tensorParallel}${r.expertParallel > 1 ? ` EP${r.expertParallel}` : ''} ${s.weights}${s.sparsity === 'none' ? '' : ` ${s.sparsity}`}/${s.kv}), ${best.point.concurrency} sequences per replica`,
  };
}

/** The cheapest deployment of a serving state's daily traffic within its SLO (on `candidates`, default its own). */
export function bestServingPlan(
  s: ServingState,
  candidates: readonly DeploymentCandidate[] = servingCandidates(s),
): DeploymentPlan {
  const perRequest = s.workload.inputTokens + s.workload.outputTokens;
  const best = planDeployments(
    s.spec,
    candidates,
    s.workload,
    requestsPerSecondFor(s.tokensPerDay, perRequest),
    s.slo,
  )[0];
  if (!best)
    inputError(
      'infeasible',
      ['baseline'],
      `${s.spec.name} cannot be served on ${s.gpuId} (${s.weights}) within the SLO`,
    );
  return best;
}

/** The replicas a deployment state may use: every TP × EP of its GPU at its formats and price. */
export function servingCandidates(s: ServingState): DeploymentCandidate[] {
  const hw = resolveHardware(s.gpuId, undefined);
  const energy = energyAssumptions(hw.gpu, hw.cluster, {});
  return replicaOptions(s.spec, hw.cluster.gpusPerNode, [s.weights], s.kv, {}).map((replica) => ({
    gpuId: hw.gpu.id,
    cluster: hw.cluster,
    usdPerGpuHour: s.usdPerGpuHour,
    replica: { ...replica, weightSparsity: s.sparsity },
    energy,
  }));
}

/** $ per million output tokens of `s.spec` served at full use on `s.gpuId` (a distillation teacher). */
export function generationUsdPerMillionTokens(s: LeverState): number {
  const teacher: ServingState = {
    kind: 'serve',
    modelId: s.modelId,
    spec: s.spec,
    gpuId: s.gpuId,
    usdPerGpuHour: s.usdPerGpuHour,
    extraUsd: 0,
    weights: s.kind === 'serve' ? s.weights : findGpu(s.gpuId).peakFlopsPerSecond.fp8 ? 'fp8' : 'bf16',
    kv: s.kind === 'serve' ? s.kv : 'bf16',
    sparsity: s.kind === 'serve' ? s.sparsity : 'none',
    workload: { inputTokens: 1024, outputTokens: 1024 },
    tokensPerDay: 1e9,
    slo: {},
    days: 1,
  };
  const o = evaluateState(teacher);
  return (o.costUsd / (teacher.tokensPerDay / 2)) * 1e6;
}
