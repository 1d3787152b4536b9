/**
 * LLM Foundry's published MPT benchmarks (catalog/validation/llm-foundry-benchmarks.json) as cases of
 * the llm-foundry stack: each row's model (its MPT shape through the MPT config reader), GPU count,
 * FSDP sharding, micro-batch, gradient accumulation and activation checkpointing, fixed as published.
 * The tables of the file's `roles.calibration` calibrate the (family × llm-foundry) parameters
 * (stack-calibration.ts); those of `roles.heldOut` are held out of the fit and join the band.
 */
import bench from '../../catalog/validation/llm-foundry-benchmarks.json' with { type: 'json' };
import { findGpu } from '../catalog/catalog.js';
import { findStack } from '../catalog/stacks.js';
import { InputError } from '../core/errors.js';
import { defaultCluster } from '../core/hardware/cluster-spec.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';
import { planTraining } from '../core/training/plan.js';
import type { StackProfile } from '../core/training/stack.js';
import { type CalibrationCase, eagerDispatch } from './calibration-case.js';
import { engineStep } from './stack-calibration-cases.js';
import type { BenchmarkHeldOut } from './training-cases.js';

export type LlmFoundryRow = (typeof bench.rows)[number];

const shapes: Readonly<Record<string, readonly number[]>> = bench.meta.models.shapes;

/** MPT-<size> as llm-foundry's yaml builds it, with learned positions of the run's sequence length. */
export function mptModel(size: string, seqLen: number): ModelSpec {
  const shape = shapes[size];
  if (shape?.length !== 3)
    throw new Error(`catalog/validation/llm-foundry-benchmarks.json: no shape for MPT ${size}`);
  const [dModel, nHeads, nLayers] = shape;
  return modelSpecFrom(
    {
      architectures: ['MPTForCausalLM'],
      model_type: 'mpt',
      d_model: dModel,
      n_heads: nHeads,
      n_layers: nLayers,
      expansion_ratio: bench.meta.models.expansionRatio,
      max_seq_len: seqLen,
      vocab_size: bench.meta.models.vocabSize,
      no_bias: true,
      learned_pos_emb: true,
      attn_config: { alibi: false, attn_impl: 'flash' },
    },
    `MPT-${size}`,
  );
}

/** A row's case id: table, model, sequence length, GPUs, micro-batch and accumulation. */
export const llmFoundryCaseId = (r: LlmFoundryRow) =>
  `llmf-${r.table}-${r.model}-s${r.seqLen}-g${r.gpus}-mb${r.microBatch}-ga${r.gradAccum}${r.activationCheckpointing ? '-ac' : ''}${r.sharding === 'SHARD_GRAD_OP' ? '-zero2' : ''}`;

/**
 * A row as a case on the llm-foundry stack: uncalibrated (the id, as the fit takes it) or with a
 * profile (the committed calibration, as `llmecon train --stack llm-foundry` predicts).
 */
export function llmFoundryCase(r: LlmFoundryRow, stack: 'llm-foundry' | StackProfile): CalibrationCase {
  const gpu = findGpu(r.gpu);
  const run = engineStep(mptModel(r.model, r.seqLen), defaultCluster(gpu), stack, runOptions(r));
  return {
    id: llmFoundryCaseId(r),
    stack: 'llm-foundry',
    eagerDispatch: eagerDispatch('llm-foundry'),
    family: gpu.efficiency.family,
    gpuFamily: gpu.efficiency.family,
    source: bench.meta.source,
    locator: `table ${r.table}: MPT-${r.model}, ${r.seqLen} tokens, ${r.gpus} GPUs, micro-batch ${r.microBatch} × ${r.gradAccum}, ${r.sharding}${r.activationCheckpointing ? ', activation checkpointing' : ''}`,
    gpus: r.gpus,
    published: (r.globalBatch * r.seqLen) / (r.tokensPerSecondPerGpu * r.gpus),
    ...run,
  };
}

/** A row's run as published: FSDP over every GPU, its micro-batch, sharding and checkpointing. */
function runOptions(r: LlmFoundryRow) {
  return {
    gpus: r.gpus,
    seqLen: r.seqLen,
    globalBatchSize: r.globalBatch,
    precision: r.precision === 'amp_fp8' ? ('fp8' as const) : ('bf16' as const),
    constraints: {
      tensorParallel: 1,
      pipelineParallel: 1,
      contextParallel: 1,
      dataParallel: r.gpus,
      microBatchSize: r.microBatch,
      zeroStage: r.sharding === 'SHARD_GRAD_OP' ? (2 as const) : (3 as const),
      recompute: r.activationCheckpointing ? ('full' as const) : ('none' as const),
    },
  };
}

/** The rows of the calibration tables, or of the held-out ones. */
export function llmFoundryRows(role: 'calibration' | 'heldOut'): LlmFoundryRow[] {
  const tables = new Set<string>(bench.meta.roles[role]);
  return bench.rows.filter((r) => tables.has(r.table));
}

/** A held-out row predicted with the committed calibration, or the engine's reason it cannot run it. */
export interface LlmFoundryHeldOut {
  readonly row: LlmFoundryRow;
  readonly id: string;
  readonly family: string;
  /** Published step seconds (global batch tokens / (tokens/s per GPU × GPUs)). */
  readonly published: number;
  /**
   * The step `llmecon train --stack llm-foundry` predicts (committed calibration), and its P10–P90
   * (whose held-out residuals include this row's own).
   */
  readonly predicted: number;
  readonly p10: number;
  readonly p90: number;
  /** published / predicted − 1. */
  readonly error: number;
}

/**
 * The held-out tables' rows as `llmecon train --stack llm-foundry` predicts them (planTraining with the
 * committed calibration and its band); a row whose layout the engine refuses (memory) is listed in
 * `refused` with the engine's message.
 */
export function llmFoundryHeldOut(): {
  cases: LlmFoundryHeldOut[];
  refused: { id: string; reason: string }[];
} {
  const stack = findStack('llm-foundry');
  const cases: LlmFoundryHeldOut[] = [];
  const refused: { id: string; reason: string }[] = [];
  for (const row of llmFoundryRows('heldOut')) {
    const id = llmFoundryCaseId(row);
    let plan: ReturnType<typeof planTraining>;
    try {
      plan = planTraining(mptModel(row.model, row.seqLen), defaultCluster(findGpu(row.gpu)), {
        ...runOptions(row),
        optimizer: 'adamw',
        stack,
        top: 1,
      });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      refused.push({ id, reason: e.message });
      continue;
    }
    const step = plan.chosen.step.stepSeconds;
    const published = (row.globalBatch * row.seqLen) / (row.tokensPerSecondPerGpu * row.gpus);
    cases.push({
      row,
      id,
      family: findGpu(row.gpu).efficiency.family,
      published,
      predicted: step,
      p10: step * (plan.band?.low ?? 1),
      p90: step * (plan.band?.high ?? 1),
      error: published / step - 1,
    });
  }
  return { cases, refused };
}

/** The held-out rows as the validation report summarises them (docs/validation.md). */
export function llmFoundryBenchmarkHeldOut(): BenchmarkHeldOut {
  const { cases, refused } = llmFoundryHeldOut();
  return {
    what: "Held-out runs of LLM Foundry's own benchmark on the llm-foundry stack (its H100 runs at 128–512 GPUs and its FP8 runs, not in the fit; error = published / predicted − 1 in step time, each listed in docs/training-engine.md, the band including its own residual)",
    errors: cases.map((c) => Math.abs(c.error)),
    inBand: cases.filter((c) => c.published >= c.p10 && c.published <= c.p90).length,
    refused: refused.length,
  };
}
