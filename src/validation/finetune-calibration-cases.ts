/**
 * The Hugging Face fine-tuning calibration cases (catalog/validation/finetune-runs.json): published
 * runs and step-time profiles, each run through `planFinetune` as its launch script set it, on the
 * stack without calibration. The fit is in stack-calibration.ts.
 */
import finetuneRuns from '../../catalog/validation/finetune-runs.json' with { type: 'json' };
import { findCluster, findGpu, findModel } from '../catalog/catalog.js';
import { calibrationStackOf, findStack } from '../catalog/stacks.js';
import { energyAssumptions } from '../catalog/training-defaults.js';
import {
  type BaseFormat,
  type FinetuneMethod,
  methodAdapter,
  planFinetune,
} from '../core/adaptation/finetune.js';
import type { Dataset } from '../core/adaptation/finetune-dataset.js';
import { type ClusterSpec, defaultCluster } from '../core/hardware/cluster-spec.js';
import { trainingMemory } from '../core/memory/training-memory.js';
import type { TargetModule } from '../core/model/adapters.js';
import { specFromInput } from '../core/model/model-spec-schema.js';
import type { LossKernel } from '../core/model/operation-types.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../core/parallelism/layout.js';
import type { StackId } from '../core/training/stack.js';
import { GIB } from '../core/units.js';
import { type CalibrationCase, caseTerms, eagerDispatch, uncalibrated } from './calibration-case.js';

type FinetuneRun = (typeof finetuneRuns.runs)[number];
type FinetuneProfile = (typeof finetuneRuns.profiles)[number];

/** How a fine-tuning case ran (its launch script), whichever shape its source gave. */
interface FinetuneRan {
  readonly method: FinetuneMethod;
  readonly rank: number;
  readonly targets: readonly TargetModule[];
  /** The frozen base as the run loaded it, where it is not the method's default. */
  readonly baseFormat?: BaseFormat;
  readonly zeroStage: 0 | 1 | 2 | 3;
  readonly microBatchSize: number;
  readonly recompute: 'none' | 'full';
  readonly flashAttention: boolean;
  /** The loss as the run's modelling code computed it, where the source shows it (else the stack's). */
  readonly lossKernel?: LossKernel;
  /** The logits bytes per element that loss code holds at its peak, where derived from it (else the stack's). */
  readonly logitsBytesPerElement?: number;
  /** The adapters' optimizer pages its states off the GPU (else the method's default). */
  readonly pagedOptimizer?: boolean;
  /** The embedding and output head train in full beside the adapters (PEFT modules_to_save). */
  readonly trainEmbeddings?: boolean;
  /** Without packing: padded to the sequence length, or to the longest in flight (with a length P99). */
  readonly padding?: 'max-length' | 'longest';
  readonly lengthP99?: number;
}

/** The `planFinetune` options of a case as its launch script ran it (method, layout, loss, optimizer). */
function ranOptions(ran: FinetuneRan, run: { gpus: number; seqLen: number; globalBatchSize: number }) {
  return {
    method: ran.method,
    rank: ran.rank > 0 ? ran.rank : 16,
    targets: ran.targets.length > 0 ? ran.targets : (['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const),
    ...(ran.baseFormat !== undefined && { baseFormat: ran.baseFormat }),
    seqLen: run.seqLen,
    globalBatchSize: run.globalBatchSize,
    precision: 'bf16' as const,
    optimizer: 'adamw' as const,
    flashAttention: ran.flashAttention,
    ...(ran.lossKernel !== undefined && { lossKernel: ran.lossKernel }),
    ...(ran.logitsBytesPerElement !== undefined && { logitsBytesPerElement: ran.logitsBytesPerElement }),
    ...(ran.pagedOptimizer !== undefined && { pagedOptimizer: ran.pagedOptimizer }),
    ...(ran.trainEmbeddings && { trainEmbeddings: true }),
    gpus: run.gpus,
    constraints: {
      dataParallel: run.gpus,
      zeroStage: ran.zeroStage,
      microBatchSize: ran.microBatchSize,
      recompute: ran.recompute,
    },
  };
}

/**
 * One fine-tuning case through `planFinetune` with the layout, method and attention its launch
 * script set (not what the search would pick), on the stack without calibration.
 */
function finetuneEngine(
  spec: ModelSpec,
  cluster: ClusterSpec & { readonly gpu: ReturnType<typeof findGpu> },
  stack: StackId,
  run: {
    gpus: number;
    seqLen: number;
    globalBatchSize: number;
    dataset: Dataset;
    ran: FinetuneRan;
  },
) {
  return planFinetune(spec, cluster, {
    ...ranOptions(run.ran, run),
    stack: uncalibrated(stack),
    dataset: run.dataset,
    cost: {
      goodput: 1,
      usdPerGpuHour: 1,
      energy: energyAssumptions(cluster.gpu, cluster, {}),
      networkingShareOfHardware: 0,
    },
  });
}

const fullRan = (r: FinetuneRun['ran']): FinetuneRan => ({
  method: 'full',
  rank: 0,
  targets: [],
  zeroStage: r.zeroStage as FinetuneRan['zeroStage'],
  microBatchSize: r.microBatchSize,
  recompute: r.recompute as FinetuneRan['recompute'],
  flashAttention: r.flashAttention,
  lossKernel: r.lossKernel as FinetuneRan['lossKernel'],
  padding: r.padding as FinetuneRan['padding'],
  lengthP99: r.lengthP99,
});

const profileRan = (r: FinetuneProfile['ran']): FinetuneRan => ({
  method: r.method as FinetuneMethod,
  rank: r.rank,
  targets: r.targets as TargetModule[],
  ...('baseFormat' in r && { baseFormat: r.baseFormat as BaseFormat }),
  zeroStage: r.zeroStage as FinetuneRan['zeroStage'],
  microBatchSize: r.microBatchSize,
  recompute: r.recompute as FinetuneRan['recompute'],
  flashAttention: r.flashAttention,
  ...('lossKernel' in r && { lossKernel: r.lossKernel as FinetuneRan['lossKernel'] }),
  ...('logitsBytesPerElement' in r && { logitsBytesPerElement: r.logitsBytesPerElement as number }),
  ...('pagedOptimizer' in r && { pagedOptimizer: r.pagedOptimizer as boolean }),
  ...('trainEmbeddings' in r && { trainEmbeddings: r.trainEmbeddings as boolean }),
});

/**
 * The Hugging Face fine-tuning cases (catalog/validation/finetune-runs.json): published runs in
 * wall-clock minutes and step-time profiles in seconds per optimizer step, one case per point, each
 * as its launch script set it. The fit takes `heldOut: false`; the held-out profiles measure it.
 * Pooled over GPU families ('*'): the runs span A100 and H100 and their misses are host and
 * framework time rather than a GPU architecture's kernels.
 */
export function finetuneCases(which: { heldOut: boolean }): CalibrationCase[] {
  const out: CalibrationCase[] = [];
  const push = (
    c: {
      id: string;
      stack: StackId;
      source: string;
      locator: string;
      gpus: number;
      gpuFamily: string;
      published: number;
    },
    spec: ModelSpec,
    plan: ReturnType<typeof finetuneEngine>,
    engine: number,
    seqLen: number,
  ) =>
    out.push({
      ...c,
      // A run on a stack that takes another's calibration (deepspeed: hf's) is one of that stack's cases.
      stack: calibrationStackOf(c.stack),
      family: '*',
      eagerDispatch: eagerDispatch(c.stack),
      engine,
      ...caseTerms(spec, plan.chosen.step, plan.chosen.layout, 'bf16', seqLen),
    });
  if (!which.heldOut)
    for (const r of finetuneRuns.runs) {
      const spec = r.model ? modelSpecFrom(findModel(r.model).config, r.model) : specFromInput(r.spec);
      const stack = r.stack as StackId;
      const cluster = findCluster(r.cluster);
      const plan = finetuneEngine(spec, cluster, stack, {
        ...r,
        dataset: {
          tokens: r.tokens,
          examples: r.examples,
          epochs: r.epochs,
          packing: r.packing,
          padding: r.ran.padding as FinetuneRan['padding'],
          lengthP99: r.ran.lengthP99,
        },
        ran: fullRan(r.ran),
      });
      const c = {
        id: r.id,
        stack,
        source: r.source,
        locator: r.locator,
        gpus: r.gpus,
        gpuFamily: cluster.gpu.efficiency.family,
      };
      push(
        { ...c, published: r.publishedMinutes },
        spec,
        plan,
        plan.run!.wallClockDays * 1440,
        plan.stepSequenceTokens,
      );
    }
  for (const { profile: p, point, spec, gpu, stack, plan } of profilePlans(
    (profile) => profile.heldOut === which.heldOut,
  ))
    push(
      {
        id: `${p.id}-${point.seqLen}`,
        stack,
        source: p.source,
        locator: `${p.locator}; ${point.seqLen} tokens: ${point.secondsPerStep} s/iter`,
        gpus: p.gpus,
        gpuFamily: gpu.efficiency.family,
        published: point.secondsPerStep,
      },
      spec,
      plan,
      plan.chosen.step.stepSeconds,
      point.seqLen,
    );
  return out;
}

/**
 * Every point of the step-time profiles `which` keeps, with its model and its run: one optimizer
 * step of accumulation × micro-batch sequences per GPU, each padded to the point's length.
 */
function* profilePoints(which: (p: FinetuneProfile) => boolean) {
  for (const profile of finetuneRuns.profiles) {
    if (!which(profile)) continue;
    const spec = specFromInput(profile.spec);
    const ran = profileRan(profile.ran);
    const globalBatchSize = profile.accumulationSteps * ran.microBatchSize * profile.gpus;
    for (const point of profile.points)
      yield { profile, point, spec, ran, run: { gpus: profile.gpus, seqLen: point.seqLen, globalBatchSize } };
  }
}

/** Every point of the step-time profiles `which` keeps, planned as its launch script ran it (uncalibrated). */
export function* profilePlans(which: (p: FinetuneProfile) => boolean = () => true) {
  for (const { profile, point, spec, ran, run } of profilePoints(which)) {
    const gpu = findGpu(profile.gpu);
    const cluster = { ...defaultCluster(gpu), gpu, gpusPerNode: Math.max(profile.gpus, 1) };
    const stack = profile.stack as StackId;
    const dataset = {
      tokens: run.globalBatchSize * run.seqLen,
      examples: run.globalBatchSize,
      epochs: 1,
      packing: false,
    };
    const plan = finetuneEngine(spec, cluster, stack, { ...run, dataset, ran });
    yield { profile, point, spec, gpu, stack, plan };
  }
}

/**
 * The memory the profiles publish beside their step times (Qwen's README: GB per GPU, read as GiB, the
 * whole device) against the engine's peak per GPU at the layout the script ran: `trainingMemory` with
 * the options `planFinetune` sizes that layout with (its search has nothing left to choose on the hf
 * stack: no TP, PP or CP; `profilePlans` gives the same peak, checked by a test). Published over all
 * GPUs of a multi-GPU profile (7B full-parameter on 2 GPUs: 139.2 GB > one A100), so per GPU here.
 */
export function profileMemory() {
  return [...profilePoints(() => true)].map(({ profile, point, spec, ran, run }) => {
    const o = ranOptions(ran, run);
    const adapter = methodAdapter(spec, o);
    const layout: ParallelLayout = { ...DEFAULT_LAYOUT, ...o.constraints };
    const { peak } = trainingMemory(spec, layout, {
      ...o,
      ...(adapter && { adapter }),
      stack: findStack(profile.stack),
    });
    return {
      id: `${profile.id}-${point.seqLen}`,
      stack: profile.stack,
      method: ran.method,
      heldOut: profile.heldOut,
      source: profile.source,
      locator: `${profile.locator}; ${point.seqLen} tokens: ${point.memoryGB} GB`,
      measuredBytes: (point.memoryGB / profile.gpus) * GIB,
      predictedBytes: peak.totalBytes,
    };
  });
}
