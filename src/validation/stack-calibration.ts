/**
 * Calibration cases for the (GPU family × software stack) step-time scales, and the fit with its
 * leave-one-out residuals (scripts/calibrate.ts writes the result to
 * catalog/validation/stack-calibration.json). Each case is a published run with its exact layout,
 * run through the same engine as `llmecon train` with the stack's memory and splits but no calibration.
 */

import finetuneRuns from '../../catalog/validation/finetune-runs.json' with { type: 'json' };
import korthikanti from '../../catalog/validation/korthikanti-2022-table5.json' with { type: 'json' };
import nemo from '../../catalog/validation/megatron-bridge-performance-25.11.json' with { type: 'json' };
import { findCluster, findGpu, findModel } from '../catalog/catalog.js';
import type { CalibrationFile } from '../catalog/stacks.js';
import { findStack } from '../catalog/stacks.js';
import { energyAssumptions } from '../catalog/training-defaults.js';
import { planFinetune } from '../core/adaptation/finetune.js';
import { type ClusterSpec, defaultCluster } from '../core/hardware/cluster-spec.js';
import { specFromInput } from '../core/model/model-spec-schema.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';
import { errorBand } from '../core/training/error-band.js';
import type { LayoutConstraints } from '../core/training/layout-search.js';
import { planTraining } from '../core/training/plan.js';
import type { StackId } from '../core/training/stack.js';
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
}

/** NeMo's system names → catalog GPUs; GB300 is not in the catalog yet. */
const NEMO_GPUS: Readonly<Record<string, string>> = {
  'DGX-H100': 'h100-sxm',
  'DGX-B200': 'b200',
  'DGX-GB200': 'gb200',
};
/** NeMo's model names → catalog models (Llama 3 70B shares Llama 3.1 70B's architecture). */
const NEMO_MODELS: Readonly<Record<string, string>> = {
  'Llama3 8B': 'llama-3-8b',
  'Llama3 70B': 'llama-3.1-70b',
  'Llama3.1 405B': 'llama-3.1-405b',
  'GPT-OSS 120B': 'gpt-oss-120b',
  'Qwen3 30B-A3B': 'qwen3-30b-a3b',
  'DeepSeek-V3': 'deepseek-v3',
};

/** A stack without calibrations: the engine's own time with the stack's memory and splits. */
const uncalibrated = (id: StackId) => ({ ...findStack(id), calibrations: [] });

function engineStepSeconds(
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
    constraints: LayoutConstraints;
  },
): number {
  return planTraining(spec, cluster, {
    seqLen: run.seqLen,
    globalBatchSize: run.globalBatchSize,
    precision: run.precision,
    optimizer: 'adamw',
    flashAttention: run.flashAttention,
    dropout: run.dropout,
    gpus: run.gpus,
    constraints: run.constraints,
    stack: uncalibrated(stack),
    top: 1,
  }).chosen.step.stepSeconds;
}

/** A NeMo DGX system: nodes of the GPU's whole NVLink domain (8 for DGX H100/B200, 72 for GB200 NVL72). */
function nemoCluster(gpuId: string): ClusterSpec {
  const gpu = findGpu(gpuId);
  return { ...defaultCluster(gpu), gpusPerNode: gpu.scaleUp.domainSize };
}

export function calibrationCases(): CalibrationCase[] {
  const out: CalibrationCase[] = [];
  // NeMo 25.11 Megatron-Bridge: published tokens/s per GPU → step seconds.
  for (const r of nemo.rows) {
    const modelId = NEMO_MODELS[r.model];
    const gpuId = NEMO_GPUS[r.system];
    if (!modelId || !gpuId) continue;
    const cluster = nemoCluster(gpuId);
    const vp = r.vp ?? 1;
    const engine = engineStepSeconds(modelSpecFrom(findModel(modelId).config, modelId), cluster, 'megatron', {
      gpus: r.gpus,
      seqLen: r.seqLen,
      globalBatchSize: r.globalBatch,
      precision: r.precision === 'BF16' ? 'bf16' : 'fp8',
      constraints: {
        tensorParallel: r.tp,
        pipelineParallel: r.pp,
        contextParallel: r.cp,
        dataParallel: r.gpus / (r.tp * r.pp * r.cp),
        expertParallel: r.ep,
        virtualStages: r.pp > 1 ? vp : 1,
        microBatchSize: r.microBatch,
        sequenceParallel: r.tp > 1,
        zeroStage: r.fsdp ? 3 : 1,
      },
    });
    out.push({
      id: `nemo-${r.system}-${r.model}-${r.precision}-${r.gpus}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-'),
      stack: 'megatron',
      family: cluster.gpu.efficiency.family,
      source: 'megatron-bridge-perf-25.11',
      locator: `performance summary, ${r.system} ${r.model} ${r.precision} ${r.gpus} GPUs`,
      gpus: r.gpus,
      published: (r.globalBatch * r.seqLen) / (r.tokensPerSecondPerGpu * r.gpus),
      engine,
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
        family: selene.gpu.efficiency.family,
        source: korthikanti.meta.source,
        locator: `Table 5, ${row.name}, ${recompute === 'full' ? 'full recompute' : 'present work'}`,
        gpus: row.gpus,
        published: recompute === 'full' ? row.fullSeconds : row.selectiveSeconds,
        engine: engineStepSeconds(spec, selene, 'megatron', korthikantiRun(row, recompute)),
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
      family,
      source: c.source,
      locator: c.locator,
      gpus: c.gpus,
      published: timeLike ? c.published : 1 / c.published,
      engine: timeLike ? r.predicted : 1 / r.predicted,
    });
  }
  // Published fine-tuning runs (Hugging Face Trainer with FSDP): wall-clock minutes.
  for (const r of finetuneRuns.runs) {
    const spec = r.model ? modelSpecFrom(findModel(r.model).config, r.model) : specFromInput(r.spec);
    const cluster = findCluster(r.cluster);
    const plan = planFinetune(spec, cluster, {
      method: 'full',
      rank: 16,
      targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
      baseFormat: 'bf16',
      seqLen: r.seqLen,
      globalBatchSize: r.globalBatchSize,
      precision: 'bf16',
      optimizer: 'adamw',
      gpus: r.gpus,
      constraints: {},
      stack: uncalibrated(r.stack as StackId),
      dataset: { tokens: r.tokens, examples: r.examples, epochs: r.epochs, packing: r.packing },
      cost: {
        goodput: 1,
        usdPerGpuHour: 1,
        energy: energyAssumptions(cluster.gpu, cluster, {}),
        networkingShareOfHardware: 0,
      },
    });
    out.push({
      id: r.id,
      stack: r.stack as StackId,
      family: cluster.gpu.efficiency.family,
      source: r.source,
      locator: r.locator,
      gpus: r.gpus,
      published: r.publishedMinutes,
      engine: plan.run!.wallClockDays * 1440,
    });
  }
  return out;
}

const logRatio = (c: CalibrationCase) => Math.log(c.published / c.engine);

/** Fits one scale per (family × stack); pairs with one case on a family pool over families ('*'). */
export function fitCalibrations(cases: readonly CalibrationCase[], date: string): CalibrationFile {
  const groups = new Map<string, CalibrationCase[]>();
  for (const c of cases) {
    const key = `${c.stack}|${c.family}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const pooled = new Map<StackId, CalibrationCase[]>();
  for (const [key, group] of [...groups]) {
    if (group.length >= 2) continue;
    groups.delete(key);
    const stack = group[0]!.stack;
    pooled.set(stack, [...(pooled.get(stack) ?? []), ...group]);
  }
  for (const [stack, group] of pooled) if (group.length >= 2) groups.set(`${stack}|*`, group);
  const calibrations = [...groups].map(([key, group]) => {
    const [stack, family] = key.split('|') as [StackId, string];
    const logs = group.map(logRatio);
    return {
      stack,
      family,
      // The median, not the mean: one case the kernel model misses (fine-grained MoE GEMMs) must
      // not move the whole family; its error still shows in the leave-one-out residuals.
      stepTimeScale: Math.exp(median(logs)),
      // Leave one out: the case's error when the scale is fitted on the others only.
      leaveOneOutLogResiduals: logs.map((l, i) => l - median(logs.filter((_, j) => j !== i))),
      cases: group.map((c) => ({
        id: c.id,
        source: c.source,
        locator: c.locator,
        gpus: c.gpus,
        published: c.published,
        engine: c.engine,
      })),
    };
  });
  return {
    meta: {
      what: 'Step-time scale of each (GPU family × software stack), fitted on published runs with exact layouts, and the leave-one-out residuals that set the P10–P90 bands',
      method:
        'npx tsx scripts/calibrate.ts --write: scale = exp(median ln(published / engine step time)) over the cases; residual of a case = ln(published / (engine × scale fitted without it)); a stack with one case on a family is pooled over families (*)',
      generated: date,
    },
    calibrations,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Before (engine alone) → after (leave-one-out, calibrated) error per pair, and band coverage. */
export function calibrationReportMarkdown(file: CalibrationFile): string {
  const rows = file.calibrations.map((c) => {
    const before = c.cases.map((k) => Math.abs(k.published / k.engine - 1));
    const after = c.leaveOneOutLogResiduals.map((r) => Math.abs(Math.exp(r) - 1));
    // The band each case's own calibration gives (the one `train` prints), and whether the case is in it.
    const band = errorBand(
      {
        family: c.family,
        stepTimeScale: c.stepTimeScale,
        leaveOneOutLogResiduals: c.leaveOneOutLogResiduals,
        cases: [],
        maxGpus: Number.POSITIVE_INFINITY,
      },
      [],
      { family: c.family, stack: c.stack, gpus: 1 },
    );
    const inside = c.leaveOneOutLogResiduals.filter(
      (r) => Math.exp(r) >= band.low && Math.exp(r) <= band.high,
    ).length;
    return `| ${c.stack} | ${c.family} | ${c.cases.length} | ${c.stepTimeScale.toFixed(3)} | ${pct(median(before))} / ${pct(Math.max(...before))} | ${pct(median(after))} / ${pct(Math.max(...after))} | ${inside}/${c.cases.length} |`;
  });
  const cases = file.calibrations.flatMap((c) =>
    c.cases.map(
      (k, i) =>
        `| ${k.id} | ${c.stack} × ${c.family} | ${k.gpus} | ${k.published.toPrecision(4)} | ${k.engine.toPrecision(4)} | ${pct(k.published / k.engine - 1)} | ${pct(Math.exp(c.leaveOneOutLogResiduals[i]!) - 1)} |`,
    ),
  );
  return [
    `Generated by \`npx tsx scripts/calibrate.ts --write\` on ${file.meta.generated}; do not edit by hand.`,
    '',
    'One free parameter per (GPU family × stack): the step-time scale, the median of published / engine',
    'step time over its cases (log scale). Errors are published / predicted − 1 as |median| / |max|: *before* with the engine',
    'alone, *after* leave-one-out (each case predicted with the scale fitted on the others). The P10–P90 band of a',
    'prediction is exp(median ± 1.2816 σ) of the leave-one-out log residuals, σ = 1.4826 × their median absolute',
    'deviation; *in band* counts the cases inside it.',
    '',
    '| stack | GPU family | cases | scale | before: median / max | after (LOO): median / max | in band |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    '| case | pair | GPUs | published | engine | engine error | LOO error |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...cases,
  ].join('\n');
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
