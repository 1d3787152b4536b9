/**
 * Cost levers: a baseline (a pretraining run or a serving deployment) and levers applied in order.
 * Each lever changes the inputs of the training or serving engine and the engine runs again — cost,
 * time, memory per GPU and energy after every step — so levers interact (FP8 after MoE saves less
 * than FP8 on the dense model). Pure: the catalog is static data, so this runs in the browser too.
 */
import { findGpu, findModel, loadCatalog } from '../catalog/catalog.js';
import {
  defaultPrice,
  energyAssumptions,
  resolveHardware,
  runCostAssumptions,
} from '../catalog/training-defaults.js';
import { type FinetuneMethod, planFinetune } from '../core/adaptation/finetune.js';
import { InputError, inputError } from '../core/errors.js';
import { type DeploymentCandidate, planDeployments, replicaOptions } from '../core/inference/deployment.js';
import type { ServingWorkload, Slo } from '../core/inference/serving.js';
import { computeType } from '../core/inference/serving-step.js';
import type { Optimizer, TrainingPrecision } from '../core/memory/training-memory.js';
import { parseTargets } from '../core/model/adapters.js';
import { kvElementsPerTokenPerLayer } from '../core/model/kv-cache.js';
import { paramCount } from '../core/model/param-count.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';
import type { KvFormat, WeightFormat, WeightSparsity } from '../core/precision.js';
import type { LayoutConstraints } from '../core/training/layout-search.js';
import { LayoutDoesNotFitError, planTraining } from '../core/training/plan.js';
import { requestsPerSecondFor, SECONDS_PER_DAY } from '../core/units.js';
import type {
  FinetuneBaseline,
  LayoutInput,
  Lever,
  LeverStudy,
  ServingBaseline,
  TrainingBaseline,
} from './schema.js';

interface CommonState {
  readonly modelId: string;
  readonly spec: ModelSpec;
  readonly gpuId: string;
  readonly usdPerGpuHour: number;
  /** One-off costs a lever adds (a teacher's generation for distillation), $. */
  readonly extraUsd: number;
}

export interface TrainingState extends CommonState {
  readonly kind: 'train';
  readonly tokens: number;
  readonly gpus: number;
  readonly precision: TrainingPrecision;
  readonly optimizer: Optimizer;
  readonly seqLen: number;
  readonly globalBatchTokens: number;
  readonly goodput: number;
  readonly constraints: LayoutConstraints;
  readonly overlapExpertParallel?: boolean;
}

/** A fine-tuning run: the training fields plus the method and its dataset. */
export interface FinetuneState extends Omit<TrainingState, 'kind'> {
  readonly kind: 'finetune';
  readonly method: FinetuneMethod;
  readonly rank: number;
  readonly targets: string;
  readonly epochs: number;
  readonly globalBatchSize: number;
}

export interface ServingState extends CommonState {
  readonly kind: 'serve';
  readonly weights: WeightFormat;
  readonly kv: KvFormat;
  readonly sparsity: WeightSparsity;
  readonly workload: ServingWorkload;
  readonly tokensPerDay: number;
  readonly slo: Slo;
  readonly days: number;
}

export type LeverState = TrainingState | FinetuneState | ServingState;

/** What the engine says about a state. */
export interface Outcome {
  readonly costUsd: number;
  /** Training: wall-clock seconds of the run; serving: one request's latency (TTFT + output × TPOT). */
  readonly timeSeconds: number;
  readonly memoryPerGpuBytes: number;
  readonly energyKWh: number;
  /** Operational CO2 at the GPU's default grid (location-based), kg. */
  readonly co2Kg: number;
  readonly gpus: number;
  /** The layout or deployment the engine chose, in words. */
  readonly detail: string;
  /** Training runs asked for details: where the step time goes and the time-vs-GPUs Pareto set. */
  readonly training?: {
    readonly stepSeconds: number;
    readonly stepBreakdownSeconds: Readonly<Record<string, number>>;
    /** The chosen pipeline: stages, microbatches per step and schedule. */
    readonly pipeline: { readonly stages: number; readonly microbatches: number; readonly schedule: string };
    readonly gpuMemoryBytes: number;
    /** Fastest layout per GPU count not beaten by a smaller count: GPUs, step seconds, GPU-hours per token. */
    readonly pareto: readonly {
      readonly gpus: number;
      readonly stepSeconds: number;
      readonly gpuSecondsPerToken: number;
    }[];
  };
}

const modelSpec = (id: string, field: string) => {
  const entry = findModel(id, field);
  return { id: entry.id, spec: modelSpecFrom(entry.config, entry.name) };
};

function constraintsFrom(l: LayoutInput): LayoutConstraints {
  return {
    tensorParallel: l.tp,
    pipelineParallel: l.pp,
    dataParallel: l.dp,
    expertParallel: l.ep,
    contextParallel: l.cp,
    microBatchSize: l.microBatch,
    recompute: l.recompute,
    schedule: l.schedule,
    zeroStage: l.zero,
  };
}

export function baselineState(b: TrainingBaseline | FinetuneBaseline | ServingBaseline): LeverState {
  const { id, spec } = modelSpec(b.model, 'baseline.model');
  return stateFor(id, spec, b);
}

/** A baseline's state for a model given as a spec (an uploaded config.json) under the name `modelId`. */
export function stateFor(
  id: string,
  spec: ModelSpec,
  b: TrainingBaseline | FinetuneBaseline | ServingBaseline,
): LeverState {
  const gpu = findGpu(b.gpu, 'baseline.gpu');
  const usdPerGpuHour = defaultPrice(gpu, b.usdPerGpuHour).usdPerGpuHour;
  const common = { modelId: id, spec, gpuId: gpu.id, usdPerGpuHour, extraUsd: 0 };
  if (b.kind === 'train')
    return {
      ...common,
      kind: 'train',
      tokens: b.tokens,
      gpus: b.gpus,
      precision: b.precision,
      optimizer: b.optimizer,
      seqLen: b.seqLen,
      globalBatchTokens: b.globalBatchTokens,
      goodput: loadCatalog().assumptions.goodput.value,
      constraints: constraintsFrom(b.layout),
    };
  if (b.kind === 'finetune')
    return {
      ...common,
      kind: 'finetune',
      tokens: b.tokens,
      epochs: b.epochs,
      method: b.method,
      rank: b.rank,
      targets: b.targets,
      gpus: b.gpus,
      precision: b.precision,
      optimizer: b.optimizer,
      seqLen: b.seqLen,
      globalBatchTokens: b.globalBatch * b.seqLen,
      globalBatchSize: b.globalBatch,
      goodput: loadCatalog().assumptions.goodput.value,
      constraints: constraintsFrom(b.layout),
    };
  return {
    ...common,
    kind: 'serve',
    weights: b.weights,
    kv: b.kv,
    sparsity: 'none',
    workload: { inputTokens: b.inputTokens, outputTokens: b.outputTokens },
    tokensPerDay: b.tokensPerDay,
    slo: { tpotSeconds: b.tpotSloSeconds, ttftSeconds: b.ttftSloSeconds },
    days: b.days,
  };
}

const layoutWords = (c: Record<string, unknown>) =>
  Object.entries(c)
    .filter(([, v]) => v !== undefined && v !== 1 && v !== false)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');

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
    gpus: s.gpus,
    ...(details
      ? {
          training: {
            stepSeconds: step.stepSeconds,
            stepBreakdownSeconds: { ...step.breakdown },
            pipeline: {
              stages: l.pipelineParallel,
              microbatches: Math.round(
                step.tokensPerStep /
                  (Math.min(s.seqLen, s.spec.maxContextTokens) * l.dataParallel * l.microBatchSize),
              ),
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
    })}, MFU ${(100 * plan.chosen.step.mfu).toFixed(1)}%`,
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
  const candidates = servingCandidates(s);
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
  const r = best.candidate.replica;
  return {
    costUsd: best.usdPerDay * s.days + s.extraUsd,
    timeSeconds: best.point.ttftSeconds + s.workload.outputTokens * best.point.tpotSeconds,
    memoryPerGpuBytes: best.point.memoryPerGpuBytes,
    energyKWh: best.energyKWhPerDay * s.days,
    co2Kg: best.co2KgPerDay * s.days,
    gpus: best.gpus,
    detail: `${best.gpus} × ${s.gpuId} (TP${r.tensorParallel}${r.expertParallel > 1 ? ` EP${r.expertParallel}` : ''} ${s.weights}${s.sparsity === 'none' ? '' : ` ${s.sparsity}`}/${s.kv}), ${best.point.concurrency} sequences per replica`,
  };
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
function generationUsdPerMillionTokens(s: LeverState): number {
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

const billions = (n: number) => `${(n / 1e9).toFixed(1)}B`;
const formatTrainable = (n: number) => (n >= 1e9 ? billions(n) : `${(n / 1e6).toFixed(1)}M`);

/** Replaces MLA with grouped-query attention: `numKvHeads` KV heads of `headDim`, keeping the head count. */
function withGqa(spec: ModelSpec, like: ModelSpec): ModelSpec {
  const a = like.attention;
  const numKvHeads = a.kind === 'gqa' ? a.numKvHeads : 8;
  const headDim = a.kind === 'gqa' ? a.headDim : 128;
  return {
    ...spec,
    attention: {
      kind: 'gqa',
      numHeads: spec.attention.numHeads,
      numKvHeads: Math.min(numKvHeads, spec.attention.numHeads),
      headDim,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    },
  };
}

const notFor = (i: number, lever: string, why: string): never =>
  inputError('infeasible', ['levers', i, 'lever'], `'${lever}' does not apply: ${why}`);

/** Applies lever `i` to a state: the new state and what to keep in mind about it. */
export function applyLever(s: LeverState, lever: Lever, i: number): { state: LeverState; caveat: string } {
  const training = (): TrainingState | FinetuneState => {
    if (s.kind === 'serve') notFor(i, lever.lever, 'it changes a training run; the baseline is a deployment');
    return s as TrainingState | FinetuneState;
  };
  const serving = (): ServingState => {
    if (s.kind !== 'serve') notFor(i, lever.lever, 'it changes a deployment; the baseline is a training run');
    return s as ServingState;
  };
  switch (lever.lever) {
    case 'moe': {
      if (s.spec.moe) notFor(i, 'moe', `${s.spec.name} is a mixture of experts already`);
      const target = modelSpec(lever.model, `levers[${i}].model`);
      if (!target.spec.moe) notFor(i, 'moe', `${target.spec.name} is not a mixture of experts`);
      const spec = lever.attention === 'gqa' ? withGqa(target.spec, s.spec) : target.spec;
      const before = paramCount(s.spec);
      const after = paramCount(spec);
      return {
        state: { ...s, modelId: target.id, spec },
        caveat: `quality proxy: ${billions(after.activeParams)} active of ${billions(after.totalParams)} parameters vs ${billions(before.totalParams)} dense (${((100 * after.activeParams) / after.totalParams).toFixed(1)}% active); equal quality is not implied by either count — DeepSeek-V3 Base (37B active) scores MMLU 87.1 vs Llama 3.1 405B Base 84.4 (DeepSeek-V3 report, Table 3)${lever.attention === 'gqa' ? `; attention kept as GQA (${spec.attention.kind === 'gqa' ? spec.attention.numKvHeads : 0} KV heads) so MLA can be a lever of its own` : ''}`,
      };
    }
    case 'mla': {
      if (s.spec.attention.kind === 'mla') notFor(i, 'mla', `${s.spec.name} uses MLA already`);
      const from = modelSpec(lever.from, `levers[${i}].from`).spec;
      if (from.attention.kind !== 'mla') notFor(i, 'mla', `${from.name} has no MLA to take`);
      const spec: ModelSpec = {
        ...s.spec,
        attention: { ...from.attention, numHeads: s.spec.attention.numHeads },
      };
      const kvBefore = kvElementsPerTokenPerLayer(s.spec);
      const kvAfter = kvElementsPerTokenPerLayer(spec);
      return {
        state: { ...s, spec },
        caveat: `KV cache per token per layer ${kvBefore} → ${kvAfter} elements (${((100 * kvAfter) / kvBefore).toFixed(1)}%); DeepSeek-V2 (Sec. 2.1, App. D) reports MLA stronger than MHA at a fraction of the cache`,
      };
    }
    case 'fp8': {
      if (!findGpu(s.gpuId).peakFlopsPerSecond.fp8) notFor(i, 'fp8', `${s.gpuId} has no FP8 tensor cores`);
      if (s.kind !== 'serve') {
        if (s.precision === 'fp8') notFor(i, 'fp8', 'the run is FP8 already');
        return {
          state: { ...s, precision: 'fp8' },
          caveat:
            'FP8 GEMMs with BF16/FP32 master weights and fine-grained scaling; DeepSeek-V3 reports a relative loss error below 0.25% against BF16 (report Sec. 3.3); the speed-up is what the engine predicts for these GEMMs, not a blanket 2×',
        };
      }
      if (s.weights === 'fp8' && s.kv === 'fp8') notFor(i, 'fp8', 'weights and KV are FP8 already');
      return {
        state: { ...s, weights: 'fp8', kv: 'fp8' },
        caveat:
          'FP8 weights and KV cache; quality delta model-dependent (small for FP8 E4M3 with per-channel scales in published evaluations), unknown for this model until measured',
      };
    }
    case 'quantize': {
      const x = serving();
      if (x.weights === lever.weights) notFor(i, 'quantize', `weights are ${lever.weights} already`);
      return {
        state: { ...x, weights: lever.weights, kv: lever.kv ?? x.kv },
        caveat: `${lever.weights} weights (${lever.weights === 'int4' ? 'AWQ/GPTQ, group 128' : lever.weights === 'fp4' ? 'MXFP4' : lever.weights === 'nf4' ? 'NF4' : 'per-channel scales'}): quality risk — the loss is model- and task-dependent and unknown until measured on your evaluations${computeType(lever.weights) === 'bf16' ? '; weight-only: GEMMs run in BF16 after dequantising, so memory traffic falls but prefill math does not (slower than FP8 compute where the GPU has it)' : ''}`,
      };
    }
    case 'sparsity': {
      const x = serving();
      if (lever.pattern === '2:4') {
        const gpu = findGpu(x.gpuId);
        if (!gpu.structuredSparsitySpeedup)
          notFor(i, 'sparsity', `${gpu.id} has no sparse tensor cores (its datasheet lists no 2:4 peak)`);
        return {
          state: { ...x, sparsity: '2:4' },
          caveat:
            'quality risk: SparseGPT (Frantar & Alistarh 2023) prunes OPT-175B to 2:4 with ARC-Challenge 43.94 → 38.99 and ARC-Easy 71.04 → 67.08; smaller models lose more',
        };
      }
      return {
        state: { ...x, sparsity: 'unstructured' },
        caveat:
          'no speed-up or memory saving: dense GPU kernels do not skip scattered zeros (SparseGPT reaches 50–60% unstructured sparsity with a small perplexity increase, but its speed-ups need 2:4 hardware or sparse CPU kernels)',
      };
    }
    case 'distill': {
      const student = modelSpec(lever.student, `levers[${i}].student`);
      if (paramCount(student.spec).totalParams >= paramCount(s.spec).totalParams)
        notFor(i, 'distill', `${student.spec.name} is not smaller than ${s.spec.name}`);
      const teacherUsd = (lever.teacherTokens / 1e6) * generationUsdPerMillionTokens(s);
      return {
        state: { ...s, modelId: student.id, spec: student.spec, extraUsd: s.extraUsd + teacherUsd },
        caveat: `adds $${Math.round(teacherUsd).toLocaleString('en-US')} for the teacher (${s.spec.name}) to generate ${(lever.teacherTokens / 1e9).toFixed(1)}B tokens; quality risk — DeepSeek-R1-Distill-Qwen-32B scores 72.6 on AIME 2024 vs DeepSeek-R1's 79.8 (DeepSeek-R1 report, Table 5)`,
      };
    }
    case 'adapter': {
      if (s.kind !== 'finetune')
        notFor(i, 'adapter', 'it replaces full fine-tuning; the baseline is not a fine-tuning run');
      const x = s as FinetuneState;
      if (x.method === lever.method) notFor(i, 'adapter', `the run uses ${lever.method} already`);
      parseTargets(lever.targets, `levers[${i}].targets`);
      return {
        state: { ...x, method: lever.method, rank: lever.rank, targets: lever.targets },
        caveat: `${lever.method} rank ${lever.rank} on ${lever.targets}: frozen base, adapter-only gradients and optimizer states; quality: LoRA matched full fine-tuning of GPT-3 175B on its benchmarks (Hu et al. 2021, Table 4)${lever.method === 'qlora' ? ' and QLoRA matched 16-bit full fine-tuning on its benchmarks (Dettmers et al. 2023, Sec. 4)' : ''}; task-dependent for yours`,
      };
    }
    case 'recompute': {
      const x = training();
      return {
        state: { ...x, constraints: { ...x.constraints, recompute: lever.mode } },
        caveat:
          lever.mode === 'none'
            ? 'no recomputation: fastest when the activations fit, else the search needs more model parallelism'
            : `${lever.mode} recomputation trades time (extra forward work) for activation memory (Korthikanti et al. 2022); no quality effect`,
      };
    }
    case 'optimizer': {
      const x = training();
      if (x.optimizer === lever.optimizer) notFor(i, 'optimizer', `the run uses ${lever.optimizer} already`);
      return {
        state: { ...x, optimizer: lever.optimizer },
        caveat: `optimizer states shrink or grow per parameter; quality: ${lever.optimizer === 'adam-8bit' ? '8-bit Adam matches 32-bit Adam in Dettmers et al. 2022 (8-bit Optimizers, Table 1)' : lever.optimizer === 'adafactor' ? 'Adafactor trained T5 and PaLM (Shazeer & Stern 2018); convergence may differ at your scale' : 'unknown at your scale'}`,
      };
    }
    case 'gpu': {
      const gpu = findGpu(lever.gpu, `levers[${i}].gpu`);
      const usdPerGpuHour = defaultPrice(gpu, lever.usdPerGpuHour).usdPerGpuHour;
      const state: LeverState =
        s.kind !== 'serve'
          ? {
              ...s,
              gpuId: gpu.id,
              usdPerGpuHour,
              gpus: lever.gpus ?? s.gpus,
              constraints: lever.layout ? constraintsFrom(lever.layout) : s.constraints,
              precision: s.precision === 'fp8' && !gpu.peakFlopsPerSecond.fp8 ? 'bf16' : s.precision,
            }
          : { ...s, gpuId: gpu.id, usdPerGpuHour };
      return {
        state,
        caveat: `${gpu.name} at $${usdPerGpuHour.toFixed(2)}/GPU-hour${lever.usdPerGpuHour === undefined ? ' (catalog, lowest on-demand)' : ''}; no quality effect`,
      };
    }
    case 'spot': {
      const state: LeverState =
        s.kind !== 'serve'
          ? {
              ...s,
              usdPerGpuHour: s.usdPerGpuHour * (1 - lever.discount),
              goodput: s.goodput * (1 - lever.restartOverhead),
            }
          : { ...s, usdPerGpuHour: (s.usdPerGpuHour * (1 - lever.discount)) / (1 - lever.restartOverhead) };
      return {
        state,
        caveat: `${Math.round(100 * lever.discount)}% off the price (your figure: spot prices vary by provider and hour) and ${(100 * lever.restartOverhead).toFixed(1)}% of GPU time lost to preemptions and restarts from checkpoints; no quality effect, but a deadline risk`,
      };
    }
    case 'data': {
      const x = training();
      const tokens = lever.tokens ?? x.tokens / lever.effectiveTokenMultiplier!;
      return { state: { ...x, tokens }, caveat: `assumption: ${lever.assumption}` };
    }
    case 'layout': {
      const x = training();
      if (lever.layout)
        return {
          state: { ...x, constraints: constraintsFrom(lever.layout) },
          caveat: 'a fixed layout (dimensions not given are searched); no quality effect',
        };
      if (Object.values(x.constraints).every((v) => v === undefined))
        notFor(
          i,
          'layout',
          'the layout is searched already; fix a naive layout in the baseline to see what the search buys',
        );
      return {
        state: { ...x, constraints: {} },
        caveat:
          'the fastest layout that fits (TP/PP/DP/EP/CP, micro-batch, recomputation, ZeRO) instead of the fixed one; no quality effect',
      };
    }
    case 'batch': {
      const x = training();
      return {
        state: {
          ...x,
          seqLen: lever.seqLen ?? x.seqLen,
          globalBatchTokens: lever.globalBatchTokens ?? x.globalBatchTokens,
        },
        caveat:
          'sequence length and global batch change the step, not the tokens; a larger batch can need more tokens to reach the same loss past the critical batch size (McCandlish et al. 2018)',
      };
    }
    case 'schedule': {
      const x = training();
      if (lever.schedule === 'dualpipe' && !x.spec.moe)
        notFor(i, 'schedule', 'DualPipe overlaps expert all-to-all; the model has no experts');
      return {
        state: {
          ...x,
          constraints: { ...x.constraints, schedule: lever.schedule },
          overlapExpertParallel: lever.overlapExperts,
        },
        caveat: `${lever.schedule} pipeline schedule${lever.overlapExperts ? ' with expert all-to-all overlapped (20 of 132 SMs reserved for communication, DeepSeek-V3 Sec. 3.2)' : ''}; no quality effect`,
      };
    }
  }
}

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
  readonly energyKWh: number;
  readonly gpus: number;
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
  readonly steps: readonly WaterfallStep[];
}

const leverLabel = (l: Lever): string => {
  switch (l.lever) {
    case 'moe':
      return `MoE (${l.model}${l.attention === 'gqa' ? ', GQA attention' : ''})`;
    case 'mla':
      return 'MLA attention';
    case 'fp8':
      return 'FP8';
    case 'quantize':
      return `${l.weights.toUpperCase()} weights${l.kv ? `, ${l.kv.toUpperCase()} KV` : ''}`;
    case 'sparsity':
      return `${l.pattern} sparsity`;
    case 'distill':
      return `distil to ${l.student}`;
    case 'recompute':
      return `recompute ${l.mode}`;
    case 'adapter':
      return `${l.method.toUpperCase()} r${l.rank} instead of full fine-tuning`;
    case 'optimizer':
      return `optimizer ${l.optimizer}`;
    case 'gpu':
      return `GPU ${l.gpu}${l.gpus ? ` × ${l.gpus}` : ''}`;
    case 'spot':
      return 'spot instances';
    case 'data':
      return l.tokens
        ? `train on ${(l.tokens / 1e12).toFixed(1)}T tokens`
        : `curated data (×${l.effectiveTokenMultiplier})`;
    case 'layout':
      return l.layout ? `layout ${layoutWords(l.layout)}` : 'searched layout';
    case 'batch':
      return `batch ${l.globalBatchTokens ? `${(l.globalBatchTokens / 2 ** 20).toFixed(0)}M tokens` : ''}${l.seqLen ? ` at ${l.seqLen} context` : ''}`.trim();
    case 'schedule':
      return `${l.schedule} schedule`;
  }
};

/** Runs the baseline, then each lever in order through the engines. */
/** A lever's delta on the baseline by itself; null where it does not apply or fit there. */
function aloneDelta(baseline: LeverState, baseCostUsd: number, lever: Lever, i: number): number | null {
  try {
    return evaluateState(applyLever(baseline, lever, i).state).costUsd - baseCostUsd;
  } catch (error) {
    if (error instanceof InputError) return null;
    throw error;
  }
}

export function runWaterfall(study: LeverStudy): Waterfall {
  const baseline = baselineState(study.baseline);
  let state = baseline;
  const base = evaluateState(state);
  let previous = base.costUsd;
  const steps: WaterfallStep[] = [];
  for (const [i, lever] of study.levers.entries()) {
    const applied = applyLever(state, lever, i);
    state = applied.state;
    let o: Outcome;
    try {
      o = evaluateState(state);
    } catch (error) {
      if (error instanceof LayoutDoesNotFitError)
        throw new LeverDoesNotFitError(
          `after lever ${i + 1} (${leverLabel(lever)}): ${error.issues[0]!.message}`,
          error,
          findGpu(state.gpuId).memoryBytes,
        );
      throw error;
    }
    steps.push({
      lever: leverLabel(lever),
      costUsd: o.costUsd,
      deltaUsd: o.costUsd - previous,
      timeSeconds: o.timeSeconds,
      memoryPerGpuBytes: o.memoryPerGpuBytes,
      energyKWh: o.energyKWh,
      gpus: o.gpus,
      detail: o.detail,
      caveat: lever.note ? `${applied.caveat}; ${lever.note}` : applied.caveat,
      aloneDeltaUsd: i === 0 ? o.costUsd - base.costUsd : aloneDelta(baseline, base.costUsd, lever, i),
    });
    previous = o.costUsd;
  }
  return {
    name: study.name,
    kind: study.baseline.kind,
    baseline: { ...base, model: study.baseline.model },
    baselineCostUsd: base.costUsd,
    finalCostUsd: previous,
    steps,
  };
}
