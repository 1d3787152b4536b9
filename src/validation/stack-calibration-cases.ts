/**
 * Calibration cases for the (GPU family × software stack) step-time parameters: each a published run
 * with its exact layout (NeMo 25.11, Narayanan et al. Table 1, Korthikanti et al. Table 5, Llama 3
 * 405B, s1, Alpaca), run through the same engine as `llmecon train` with the stack's memory and splits
 * but no calibration. The fit is in stack-calibration.ts.
 */

import finetuneRuns from '../../catalog/validation/finetune-runs.json' with { type: 'json' };
import korthikanti from '../../catalog/validation/korthikanti-2022-table5.json' with { type: 'json' };
import nemo from '../../catalog/validation/megatron-bridge-performance-25.11.json' with { type: 'json' };
import { findCluster, findGpu, findModel } from '../catalog/catalog.js';
import { STACKS_FILES } from '../catalog/data.js';
import { findStack, stackFileSchema } from '../catalog/stacks.js';
import { energyAssumptions } from '../catalog/training-defaults.js';
import { type Dataset, type FinetuneMethod, planFinetune } from '../core/adaptation/finetune.js';
import { type ClusterSpec, defaultCluster } from '../core/hardware/cluster-spec.js';
import type { TargetModule } from '../core/model/adapters.js';
import { specFromInput } from '../core/model/model-spec-schema.js';
import { paramCount } from '../core/model/param-count.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';
import type { ParallelLayout } from '../core/parallelism/layout.js';
import type { LayoutConstraints } from '../core/training/layout-search.js';
import { planTraining } from '../core/training/plan.js';
import type { StackId } from '../core/training/stack.js';
import type { StepTime } from '../core/training/step-time.js';
import { runTrainingCase, trainingCases } from './training-cases.js';

export interface CalibrationCase {
  readonly id: string;
  readonly stack: StackId;
  readonly family: string;
  readonly source: string;
  readonly locator: string;
  readonly gpus: number;
  /** Published and engine step seconds (or another time-like figure in the same unit). */
  readonly published: number;
  readonly engine: number;
  /** Share of the engine's step in attention kernels. */
  readonly attentionFraction: number;
  /** Share of the engine's step in routed-expert GEMMs and exposed expert all-to-all. */
  readonly expertFraction: number;
  /** MoE-layer passes (one micro-batch, forward and backward) on the critical path per engine second. */
  readonly localExpertPassesPerSecond: number;
  /** Layer passes (any layer) on the critical path per engine second. */
  readonly layerPassesPerSecond: number;
  /** Layer passes of a ZeRO-3/FSDP layout per engine second (0 otherwise). */
  readonly zero3LayerPassesPerSecond: number;
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
function caseTerms(
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
    attentionFraction: terms.attentionSeconds / T,
    expertFraction: (terms.expertGemmSeconds + terms.expertCommSeconds) / T,
    localExpertPassesPerSecond: terms.localExpertPasses / T,
    layerPassesPerSecond: terms.layerPasses / T,
    zero3LayerPassesPerSecond: terms.zero3LayerPasses / T,
    detail,
  };
}

const layoutText = (l: ParallelLayout) =>
  `tp${l.tensorParallel} pp${l.pipelineParallel} dp${l.dataParallel}${l.expertParallel > 1 ? ` ep${l.expertParallel}` : ''}${l.contextParallel > 1 ? ` cp${l.contextParallel}` : ''}${l.virtualStages > 1 ? ` v${l.virtualStages}` : ''} mb${l.microBatchSize}${l.zeroStage === 3 ? ' fsdp' : ''}${l.recompute !== 'none' ? ` ${l.recompute}` : ''}`;

/** NeMo's system names → catalog GPUs. */
export const NEMO_GPUS: Readonly<Record<string, string>> = {
  'DGX-H100': 'h100-sxm',
  'DGX-B200': 'b200',
  'DGX-GB200': 'gb200',
  'DGX-GB300': 'gb300',
};
/** NeMo's model names → catalog models (Llama 3 70B shares Llama 3.1 70B's architecture). */
export const NEMO_MODELS: Readonly<Record<string, string>> = {
  'Llama3 8B': 'llama-3-8b',
  'Llama3 70B': 'llama-3.1-70b',
  'Llama3.1 405B': 'llama-3.1-405b',
  'GPT-OSS 120B': 'gpt-oss-120b',
  'Qwen3 30B-A3B': 'qwen3-30b-a3b',
  'Qwen3 235B-A22B': 'qwen3-235b-a22b',
  'DeepSeek-V3': 'deepseek-v3',
};

/** A stack without calibrations: the engine's own time with the stack's memory and splits. */
const uncalibrated = (id: StackId) => ({ ...findStack(id), calibrations: [] });
/** Whether a stack runs eager modules (each element-wise op its own kernel launched from Python). */
const eagerDispatch = (id: StackId) => findStack(id).memory.unfusedElementwise;

function engineStep(
  spec: ModelSpec,
  cluster: ClusterSpec,
  stack: StackId,
  run: {
    gpus: number;
    seqLen: number;
    globalBatchSize: number;
    precision: 'bf16' | 'fp8';
    flashAttention?: boolean;
    dropout?: boolean;
    gradReduceInFp32?: boolean;
    constraints: LayoutConstraints;
  },
) {
  const chosen = planTraining(spec, cluster, {
    seqLen: run.seqLen,
    globalBatchSize: run.globalBatchSize,
    precision: run.precision,
    optimizer: 'adamw',
    flashAttention: run.flashAttention,
    dropout: run.dropout,
    ...(run.gradReduceInFp32 !== undefined ? { gradReduceInFp32: run.gradReduceInFp32 } : {}),
    gpus: run.gpus,
    constraints: run.constraints,
    stack: uncalibrated(stack),
    top: 1,
  }).chosen;
  return {
    engine: chosen.step.stepSeconds,
    ...caseTerms(spec, chosen.step, chosen.layout, run.precision, run.seqLen),
  };
}

/** Settings of the NeMo 25.11 performance recipes (catalog/stacks/megatron.json, with their source). */
const megatronRecipes = stackFileSchema.parse(STACKS_FILES.megatron).performanceRecipes!;

/** A NeMo DGX system: nodes of the GPU's whole NVLink domain (8 for DGX H100/B200, 72 for GB200 NVL72). */
function nemoCluster(gpuId: string): ClusterSpec {
  const gpu = findGpu(gpuId);
  return { ...defaultCluster(gpu), gpusPerNode: gpu.scaleUp.domainSize };
}

type NemoRow = (typeof nemo.rows)[number];

/**
 * A NeMo 25.11 row's published splits (recomputation and schedule are not published: the search
 * picks them). Megatron's distributed optimizer shards optimizer states (ZeRO-1); fsdp rows shard
 * weights too.
 */
export function nemoSplits(r: NemoRow) {
  return {
    tensorParallel: r.tp,
    pipelineParallel: r.pp,
    contextParallel: r.cp,
    dataParallel: r.gpus / (r.tp * r.pp * r.cp),
    expertParallel: r.ep,
    virtualStages: r.pp > 1 ? (r.vp ?? 1) : 1,
    microBatchSize: r.microBatch,
    sequenceParallel: r.tp > 1,
    zeroStage: r.fsdp ? 3 : 1,
  } as const;
}

export function calibrationCases(): CalibrationCase[] {
  const out: CalibrationCase[] = [];
  // NeMo 25.11 Megatron-Bridge: published tokens/s per GPU → step seconds.
  for (const r of nemo.rows) {
    const modelId = NEMO_MODELS[r.model];
    const gpuId = NEMO_GPUS[r.system];
    if (!modelId || !gpuId) continue;
    const cluster = nemoCluster(gpuId);
    const run = engineStep(modelSpecFrom(findModel(modelId).config, modelId), cluster, 'megatron', {
      gpus: r.gpus,
      seqLen: r.seqLen,
      globalBatchSize: r.globalBatch,
      precision: r.precision === 'BF16' ? 'bf16' : 'fp8',
      // As the NeMo 25.11 performance recipes set it (catalog/stacks/megatron.json).
      gradReduceInFp32: megatronRecipes.gradReduceInFp32,
      constraints: nemoSplits(r),
    });
    out.push({
      id: `nemo-${r.system}-${r.model}-${r.precision}-${r.gpus}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-'),
      stack: 'megatron',
      eagerDispatch: eagerDispatch('megatron'),
      family: cluster.gpu.efficiency.family,
      source: 'megatron-bridge-perf-25.11',
      locator: `performance summary, ${r.system} ${r.model} ${r.precision} ${r.gpus} GPUs`,
      gpus: r.gpus,
      published: (r.globalBatch * r.seqLen) / (r.tokensPerSecondPerGpu * r.gpus),
      ...run,
    });
  }
  // Korthikanti et al. 2022, Table 5: Megatron-LM on A100, both recomputation modes.
  const selene = findCluster('selene-a100');
  for (const row of korthikanti.rows) {
    const spec = korthikantiModel(row);
    for (const recompute of ['full', 'selective'] as const) {
      out.push({
        id: `korthikanti-${row.name.toLowerCase()}-${recompute}`,
        stack: 'megatron',
        eagerDispatch: eagerDispatch('megatron'),
        family: selene.gpu.efficiency.family,
        source: korthikanti.meta.source,
        locator: `Table 5, ${row.name}, ${recompute === 'full' ? 'full recompute' : 'present work'}`,
        gpus: row.gpus,
        published: recompute === 'full' ? row.fullSeconds : row.selectiveSeconds,
        ...engineStep(spec, selene, 'megatron', korthikantiRun(row, recompute)),
      });
    }
  }
  // Published runs of catalog/validation/training.json on a named stack: Narayanan et al. Table 1
  // (Megatron-LM) and Llama 3 405B (Meta's PyTorch-native FSDP + TP + PP + CP, the design torchtitan
  // open-sourced). Throughput metrics: published / engine time = engine / published throughput.
  for (const c of trainingCases()) {
    const stack: StackId | null = /^megatron-\d/.test(c.id)
      ? 'megatron'
      : /^llama3-405b/.test(c.id)
        ? 'torchtitan'
        : null;
    if (!stack) continue;
    const r = runTrainingCase(c);
    const family = findGpu(r.gpu).efficiency.family;
    const timeLike = ['stepSeconds', 'gpuHours', 'gpuHoursIdeal'].includes(c.metric);
    out.push({
      id: c.id,
      stack,
      eagerDispatch: eagerDispatch(stack),
      family,
      source: c.source,
      locator: c.locator,
      gpus: c.gpus,
      published: timeLike ? c.published : 1 / c.published,
      engine: timeLike ? r.predicted : 1 / r.predicted,
      ...caseTerms(r.spec, r.step, r.layout, c.training.precision, c.training.seqLen),
    });
  }
  out.push(...finetuneCases({ heldOut: false }));
  return out;
}

type FinetuneRun = (typeof finetuneRuns.runs)[number];
type FinetuneProfile = (typeof finetuneRuns.profiles)[number];

/** How a fine-tuning case ran (its launch script), whichever shape its source gave. */
interface FinetuneRan {
  readonly method: FinetuneMethod;
  readonly rank: number;
  readonly targets: readonly TargetModule[];
  readonly zeroStage: 0 | 1 | 2 | 3;
  readonly microBatchSize: number;
  readonly recompute: 'none' | 'full';
  readonly flashAttention: boolean;
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
  const { ran } = run;
  return planFinetune(spec, cluster, {
    method: ran.method,
    rank: ran.rank > 0 ? ran.rank : 16,
    targets: ran.targets.length > 0 ? ran.targets : ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
    baseFormat: 'bf16',
    seqLen: run.seqLen,
    globalBatchSize: run.globalBatchSize,
    precision: 'bf16',
    optimizer: 'adamw',
    flashAttention: ran.flashAttention,
    gpus: run.gpus,
    constraints: {
      dataParallel: run.gpus,
      zeroStage: ran.zeroStage,
      microBatchSize: ran.microBatchSize,
      recompute: ran.recompute,
    },
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
});

const profileRan = (r: FinetuneProfile['ran']): FinetuneRan => ({
  method: r.method as FinetuneMethod,
  rank: r.rank,
  targets: r.targets as TargetModule[],
  zeroStage: r.zeroStage as FinetuneRan['zeroStage'],
  microBatchSize: r.microBatchSize,
  recompute: r.recompute as FinetuneRan['recompute'],
  flashAttention: r.flashAttention,
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
    c: { id: string; stack: StackId; source: string; locator: string; gpus: number; published: number },
    spec: ModelSpec,
    plan: ReturnType<typeof finetuneEngine>,
    engine: number,
    seqLen: number,
  ) =>
    out.push({
      ...c,
      family: '*',
      eagerDispatch: eagerDispatch(c.stack),
      engine,
      ...caseTerms(spec, plan.chosen.step, plan.chosen.layout, 'bf16', seqLen),
    });
  if (!which.heldOut)
    for (const r of finetuneRuns.runs) {
      const spec = r.model ? modelSpecFrom(findModel(r.model).config, r.model) : specFromInput(r.spec);
      const stack = r.stack as StackId;
      const plan = finetuneEngine(spec, findCluster(r.cluster), stack, {
        ...r,
        dataset: { tokens: r.tokens, examples: r.examples, epochs: r.epochs, packing: r.packing },
        ran: fullRan(r.ran),
      });
      const c = { id: r.id, stack, source: r.source, locator: r.locator, gpus: r.gpus };
      push({ ...c, published: r.publishedMinutes }, spec, plan, plan.run!.wallClockDays * 1440, r.seqLen);
    }
  for (const p of finetuneRuns.profiles) {
    if (p.heldOut !== which.heldOut) continue;
    const spec = specFromInput(p.spec);
    const gpu = findGpu(p.gpu);
    const cluster = { ...defaultCluster(gpu), gpu, gpusPerNode: Math.max(p.gpus, 1) };
    const stack = p.stack as StackId;
    const ran = profileRan(p.ran);
    for (const point of p.points) {
      // One optimizer step: accumulation × micro-batch sequences per GPU, each padded to seqLen.
      const globalBatchSize = p.accumulationSteps * ran.microBatchSize * p.gpus;
      const plan = finetuneEngine(spec, cluster, stack, {
        gpus: p.gpus,
        seqLen: point.seqLen,
        globalBatchSize,
        dataset: {
          tokens: globalBatchSize * point.seqLen,
          examples: globalBatchSize,
          epochs: 1,
          packing: false,
        },
        ran,
      });
      push(
        {
          id: `${p.id}-${point.seqLen}`,
          stack,
          source: p.source,
          locator: `${p.locator}; ${point.seqLen} tokens: ${point.secondsPerStep} s/iter`,
          gpus: p.gpus,
          published: point.secondsPerStep,
        },
        spec,
        plan,
        plan.chosen.step.stepSeconds,
        point.seqLen,
      );
    }
  }
  return out;
}

type KorthikantiRow = (typeof korthikanti.rows)[number];

/** A GPT model of Korthikanti et al. 2022 Table 3 (GPT-2 style: LayerNorm, biases, tied embeddings). */
export function korthikantiModel(row: KorthikantiRow): ModelSpec {
  return specFromInput({
    name: `GPT ${row.name}`,
    vocabSize: 51200,
    hiddenSize: row.hidden,
    numLayers: row.layers,
    maxContextTokens: 2048,
    learnedPositionEmbeddings: 2048,
    tieWordEmbeddings: true,
    norm: 'layernorm',
    attention: { kind: 'gqa', numHeads: row.heads, qkvBias: true, outputBias: true },
    mlp: { intermediateSize: 4 * row.hidden, gated: false, bias: true },
  });
}

/**
 * A Table 5 run as it ran: TP 8, sequence 2048, micro-batch 1, no FlashAttention (2022), dropout on;
 * full recomputation (baseline) or selective recomputation with sequence parallelism.
 */
export function korthikantiRun(row: KorthikantiRow, recompute: 'full' | 'selective') {
  return {
    gpus: row.gpus,
    seqLen: 2048,
    globalBatchSize: row.batch,
    precision: 'bf16',
    optimizer: 'adamw',
    flashAttention: false,
    dropout: true,
    constraints: {
      tensorParallel: 8,
      pipelineParallel: row.pp,
      dataParallel: row.gpus / (8 * row.pp),
      contextParallel: 1,
      virtualStages: 1,
      microBatchSize: 1,
      recompute,
      sequenceParallel: recompute === 'selective',
      zeroStage: 1,
    },
  } as const;
}
