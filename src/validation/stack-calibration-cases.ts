/**
 * Calibration cases for the (GPU family × software stack) step-time parameters: each a published run
 * with its exact layout (NeMo 25.11, Narayanan et al. Table 1, Korthikanti et al. Table 5, Llama 3
 * 405B; the fine-tuning cases of finetune-calibration-cases.ts), run through the same engine as
 * `llmecon train` with the stack's memory and splits but no calibration. The fit is in
 * stack-calibration.ts.
 */

import korthikanti from '../../catalog/validation/korthikanti-2022-table5.json' with { type: 'json' };
import nemo from '../../catalog/validation/megatron-bridge-performance-25.11.json' with { type: 'json' };
import { findCluster, findGpu, findModel } from '../catalog/catalog.js';
import { STACKS_FILES } from '../catalog/data.js';
import { requireHost } from '../catalog/hosts.js';
import { stackFileSchema } from '../catalog/stack-schema.js';
import { inputError } from '../core/errors.js';
import { type ClusterSpec, defaultCluster } from '../core/hardware/cluster-spec.js';
import type { ActivationOffloadOptions } from '../core/memory/activation-offload.js';
import { OPTIMIZERS, type Optimizer } from '../core/memory/training-memory.js';
import { specFromInput } from '../core/model/model-spec-schema.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';
import type { RecomputeModule } from '../core/parallelism/layout.js';
import type { ErrorBand } from '../core/training/error-band.js';
import type { LayoutConstraints } from '../core/training/layout-search.js';
import { planTraining } from '../core/training/plan.js';
import type { StackId, StackProfile } from '../core/training/stack.js';
import { type CalibrationCase, caseTerms, eagerDispatch, uncalibrated } from './calibration-case.js';
import { finetuneCases } from './finetune-calibration-cases.js';
import { llmFoundryCase, llmFoundryRows } from './llm-foundry-cases.js';
import { hintMemoryFit } from './memory-fit.js';
import { runTrainingCase, type TrainingCase, trainingCases } from './training-cases.js';

/** NeMo's system names → catalog GPUs. */
export const NEMO_GPUS: Readonly<Record<string, string>> = {
  'DGX-H100': 'h100-sxm',
  'DGX-B200': 'b200',
  'DGX-GB200': 'gb200',
  'DGX-GB300': 'gb300',
  'DGX-B300': 'b300',
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
  // Earlier NeMo Framework releases' names (the held-out archive).
  'Llama2 7B': 'llama-2-7b',
  'Llama2 70B': 'llama-2-70b',
  'Mixtral 8x7B': 'mixtral-8x7b',
  'Llama4 Scout': 'llama-4-scout',
  // The 2026 releases' (the page's LLAMA3_70B … names, normalised in the archive file).
  'Kimi K2': 'kimi-k2',
  'Nemotron 3 Nano': 'nemotron-3-nano-30b-a3b',
  'Nemotron 3 Ultra': 'nemotron-3-ultra-550b-a55b',
  'DeepSeek-V4 Flash': 'deepseek-v4-flash',
};

/** A run through the engine on a stack (uncalibrated for an id, as given for a profile): the case's terms. */
export function engineStep(
  spec: ModelSpec,
  cluster: ClusterSpec,
  stack: StackId | StackProfile,
  run: {
    gpus: number;
    seqLen: number;
    globalBatchSize: number;
    precision: 'bf16' | 'fp8';
    flashAttention?: boolean;
    dropout?: boolean;
    gradReduceInFp32?: boolean;
    overlapTensorParallel?: boolean;
    fullIterationCudaGraphs?: boolean;
    /** The recipe's layers whose activations live in host memory (`--offload-activations`). */
    activationOffload?: ActivationOffloadOptions;
    /** The recipe's Megatron-Core recompute modules under selective recomputation. */
    recomputeModules?: readonly RecomputeModule[];
    /** Default AdamW (the NeMo recipes'). */
    optimizer?: Optimizer;
    constraints: LayoutConstraints;
  },
) {
  const plan = planTraining(spec, cluster, {
    seqLen: run.seqLen,
    globalBatchSize: run.globalBatchSize,
    precision: run.precision,
    optimizer: run.optimizer ?? 'adamw',
    flashAttention: run.flashAttention,
    dropout: run.dropout,
    ...(run.gradReduceInFp32 !== undefined ? { gradReduceInFp32: run.gradReduceInFp32 } : {}),
    ...(run.overlapTensorParallel === true && { overlapTensorParallel: true }),
    ...(run.fullIterationCudaGraphs === true && { fullIterationCudaGraphs: true }),
    ...(run.activationOffload && { activationOffload: run.activationOffload }),
    ...(run.recomputeModules && { recomputeModules: run.recomputeModules }),
    gpus: run.gpus,
    constraints: run.constraints,
    // A stack id: without calibration (the fit's cases); a profile: as given (held-out predictions).
    stack: typeof stack === 'string' ? uncalibrated(stack) : stack,
    // A searched partial recomputation fits as `llmecon train`'s does.
    hintMemoryFit: hintMemoryFit(typeof stack === 'string' ? stack : stack.id),
    top: 1,
  });
  const chosen = plan.chosen;
  return {
    engine: chosen.step.stepSeconds,
    /** The P10–P90 band `llmecon train` reports with this stack (null for a bare stack id). */
    band: plan.band,
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

/** The fields of a Megatron-Bridge performance-summary row the cases read (25.11 and the archive). */
export type NemoRow = Pick<
  (typeof nemo.rows)[number],
  | 'system'
  | 'model'
  | 'gpus'
  | 'precision'
  | 'globalBatch'
  | 'microBatch'
  | 'seqLen'
  | 'tp'
  | 'pp'
  | 'cp'
  | 'vp'
  | 'ep'
  | 'fsdp'
  | 'tokensPerSecondPerGpu'
> & {
  /** The optimizer where the page names one other than the recipes' AdamW (Kimi K2's Muon). */
  readonly optimizer?: string;
  /** 'full-iteration' where the row's recipe replays each step as one CUDA graph (the archive's meta.cudaGraphs). */
  readonly cudaGraphs?: string;
  /** Layers whose activations the row's recipe keeps in host memory (the files' meta.activationOffload). */
  readonly activationOffloadLayers?: number;
  /** The recipe's recompute modules ([]: none), where read (the files' meta.recompute); else the search picks. */
  readonly recomputeModules?: readonly string[];
};

/** A row's precision cell as the engine's training precision: FP8 recipes (per-tensor, MXFP8, blockwise) run as fp8. */
function nemoPrecision(r: NemoRow): 'bf16' | 'fp8' {
  if (r.precision === 'BF16') return 'bf16';
  if (['FP8', 'FP8-CS', 'FP8-MX', 'MXFP8'].includes(r.precision)) return 'fp8';
  return inputError(
    'invalid_value',
    ['precision'],
    `precision ${r.precision} is not a training precision the engine models (bf16, fp8)`,
  );
}

/** The row's optimizer: the page's, else the recipes' AdamW. */
function nemoOptimizer(r: NemoRow): Optimizer {
  const o = r.optimizer ?? 'adamw';
  return (OPTIMIZERS as readonly string[]).includes(o)
    ? (o as Optimizer)
    : inputError('invalid_value', ['optimizer'], `optimizer ${o} is not one of ${OPTIMIZERS.join(', ')}`);
}

/**
 * A NeMo 25.11 row's published splits (recomputation and schedule are not published: the search
 * picks them). Megatron's distributed optimizer shards optimizer states (ZeRO-1); fsdp rows shard
 * weights too; MoE rows run their experts at the recipes' expert tensor parallelism.
 */
export function nemoSplits(r: NemoRow) {
  return {
    tensorParallel: r.tp,
    pipelineParallel: r.pp,
    contextParallel: r.cp,
    dataParallel: r.gpus / (r.tp * r.pp * r.cp),
    expertParallel: r.ep,
    ...(r.ep > 1 && r.tp > 1 && { expertTensorParallel: megatronRecipes.moeExpertTensorParallel.value }),
    virtualStages: r.pp > 1 ? (r.vp ?? 1) : 1,
    microBatchSize: r.microBatch,
    sequenceParallel: r.tp > 1,
    zeroStage: r.fsdp ? 3 : 1,
    ...(r.recomputeModules && {
      recompute: r.recomputeModules.length > 0 ? ('selective' as const) : ('none' as const),
    }),
  } as const;
}

/**
 * A NeMo row's model, DGX system and run settings: its precision, its published splits, and the
 * performance recipes' BF16 main-grad buffers and TP overlap wherever TP > 1 (catalog/stacks/megatron.json).
 * The model and system must be in NEMO_MODELS and NEMO_GPUS.
 */
export function nemoRun(r: NemoRow) {
  const modelId = NEMO_MODELS[r.model]!;
  const gpu = NEMO_GPUS[r.system]!;
  return {
    spec: modelSpecFrom(findModel(modelId).config, modelId),
    cluster: nemoCluster(gpu),
    run: {
      precision: nemoPrecision(r),
      gradReduceInFp32: megatronRecipes.gradReduceInFp32,
      overlapTensorParallel: megatronRecipes.tpCommOverlap && r.tp > 1,
      fullIterationCudaGraphs: r.cudaGraphs === 'full-iteration',
      ...(r.activationOffloadLayers !== undefined && {
        activationOffload: {
          layers: r.activationOffloadLayers,
          host: requireHost({ id: gpu }, 'activationOffloadLayers'),
        },
      }),
      ...(r.recomputeModules &&
        r.recomputeModules.length > 0 && { recomputeModules: r.recomputeModules as RecomputeModule[] }),
      constraints: nemoSplits(r),
    },
  };
}

/**
 * A Megatron-Bridge performance-summary row as a case: the run with its published splits on a NeMo
 * DGX system, on the megatron stack without calibration (a stack id, as the fit takes it) or with a
 * given profile (the committed calibration: what `llmecon train` predicts). The model and system must
 * be in NEMO_MODELS and NEMO_GPUS.
 */
export function nemoRunCase(
  r: NemoRow,
  stack: 'megatron' | StackProfile,
  c: { id: string; source: string; locator: string },
): CalibrationCase & { readonly band: ErrorBand | null } {
  const { spec, cluster, run: recipe } = nemoRun(r);
  const run = engineStep(spec, cluster, stack, {
    gpus: r.gpus,
    seqLen: r.seqLen,
    globalBatchSize: r.globalBatch,
    optimizer: nemoOptimizer(r),
    ...recipe,
  });
  return {
    ...c,
    stack: 'megatron',
    eagerDispatch: eagerDispatch('megatron'),
    family: cluster.gpu.efficiency.family,
    gpuFamily: cluster.gpu.efficiency.family,
    gpus: r.gpus,
    published: (r.globalBatch * r.seqLen) / (r.tokensPerSecondPerGpu * r.gpus),
    ...run,
  };
}

export function calibrationCases(): CalibrationCase[] {
  const out: CalibrationCase[] = [];
  // NeMo 25.11 Megatron-Bridge: published tokens/s per GPU → step seconds.
  for (const r of nemo.rows) {
    if (!NEMO_MODELS[r.model] || !NEMO_GPUS[r.system]) continue;
    const c = nemoRunCase(r, 'megatron', {
      id: `nemo-${r.system}-${r.model}-${r.precision}-${r.gpus}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-'),
      source: 'megatron-bridge-perf-25.11',
      locator: `performance summary, ${r.system} ${r.model} ${r.precision} ${r.gpus} GPUs`,
    });
    out.push(c);
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
        gpuFamily: selene.gpu.efficiency.family,
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
    if (c.calibrationStack) out.push(trainingCalibrationCase(c, c.calibrationStack));
  }
  out.push(...finetuneCases({ heldOut: false }));
  // LLM Foundry's MPT benchmark tables of its calibration role (Composer FSDP on H100 and A100).
  for (const r of llmFoundryRows('calibration')) out.push(llmFoundryCase(r, 'llm-foundry'));
  return out;
}

/**
 * A training.json case as a calibration case: the engine on its stack without calibration, on the case's layout (the
 * fit applies the stack's parameters). Throughput metrics: published / engine time = engine /
 * published throughput.
 */
export function trainingCalibrationCase(c: TrainingCase, stack: StackId): CalibrationCase {
  const r = runTrainingCase(c, uncalibrated(stack));
  const timeLike = ['stepSeconds', 'gpuHours', 'gpuHoursIdeal'].includes(c.metric);
  return {
    id: c.id,
    stack,
    eagerDispatch: eagerDispatch(stack),
    family: findGpu(r.gpu).efficiency.family,
    gpuFamily: findGpu(r.gpu).efficiency.family,
    source: c.source,
    locator: c.locator,
    gpus: c.gpus,
    published: timeLike ? c.published : 1 / c.published,
    engine: timeLike ? r.predicted : 1 / r.predicted,
    ...caseTerms(r.spec, r.step, r.layout, c.training.precision, c.training.seqLen),
  };
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
