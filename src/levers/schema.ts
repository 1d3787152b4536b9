/**
 * A cost-lever study (YAML/JSON): a baseline — a pretraining run or a serving deployment — and the
 * levers to apply to it in order. Each lever changes the inputs of the training or serving engine
 * and the engine runs again; nothing is a fixed percentage. Field-by-field documentation: docs/levers.md.
 */
import { z } from 'zod';
import { servingEngineFields } from '../catalog/serving-engine-choice.js';
import { BASE_FORMATS, FINETUNE_METHODS } from '../core/adaptation/finetune.js';
import { DOMAINS, domainNumber } from '../core/domain.js';
import { OFFLOAD_MODES } from '../core/memory/offload.js';
import { OPTIMIZERS, TRAINING_PRECISIONS } from '../core/memory/training-memory.js';
import { DEFAULT_ADAPTER_RANK } from '../core/model/adapters.js';
import { DEFAULT_BATCH_TOKENS } from '../core/parallelism/global-batch.js';
import { PIPELINE_SCHEDULES, RECOMPUTE_MODES } from '../core/parallelism/layout.js';
import { KV_FORMATS, WEIGHT_FORMATS } from '../core/precision.js';
import { STACK_IDS } from '../core/training/stack.js';
import { MEMORY_FIT_LEVELS } from '../validation/memory-fit.js';

// Every number is checked against its domain (src/core/domain.ts: the CLI flags' bounds) and may be
// written in the CLI's count syntax (15T, 2.788M).
const D = DOMAINS;
const degree = domainNumber(D.parallelDegree);
const gpus = domainNumber(D.gpus);
const seqTokens = domainNumber(D.sequenceTokens);
const documentTokens = domainNumber(D.documentTokens);
const sequences = domainNumber(D.sequences);
const tokens = domainNumber(D.datasetTokens);
const price = domainNumber({ ...D.usdPerGpuHour, minExclusive: true });
const seconds = domainNumber(D.seconds);
const fraction = z.number().finite().gt(0).lt(1);

/** A fixed parallel layout (a "naive" baseline); omitted dimensions are searched. */
export const layoutSchema = z
  .object({
    tp: degree.optional(),
    pp: degree.optional(),
    dp: degree.optional(),
    ep: degree.optional(),
    /** Expert tensor parallelism: 1, or the tensor parallelism (default). */
    etp: degree.optional(),
    cp: degree.optional(),
    microBatch: sequences.optional(),
    recompute: z.enum(RECOMPUTE_MODES).optional(),
    schedule: z.enum(PIPELINE_SCHEDULES).optional(),
    zero: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
  })
  .strict();
export type LayoutInput = z.infer<typeof layoutSchema>;

export const trainingBaselineSchema = z
  .object({
    kind: z.literal('train'),
    /** Catalog model id (llmecon models). */
    model: z.string().min(1),
    tokens,
    gpu: z.string().min(1),
    gpus,
    precision: z.enum(TRAINING_PRECISIONS).default('bf16'),
    optimizer: z.enum(OPTIMIZERS).default('adamw'),
    /** Default 4,096 tokens, or the model's context where shorter (as `llmecon train`). */
    seqLen: seqTokens.optional(),
    /** Mean tokens per packed document, attention masked at their boundaries (as `llmecon train --document-tokens`). */
    documentTokens: documentTokens.optional(),
    /** P99 of the documents' lengths (as `llmecon train --document-tokens-p99`). */
    documentTokensP99: documentTokens.optional(),
    globalBatchTokens: domainNumber(D.batchTokens).default(DEFAULT_BATCH_TOKENS),
    /** $ per GPU-hour (default: the catalog's lowest on-demand price for the GPU). */
    usdPerGpuHour: price.optional(),
    layout: layoutSchema.default({}),
    /** Software stack (default megatron), as `llmecon train --stack`. */
    stack: z.enum(STACK_IDS).optional(),
    /** Model states kept in host memory (default none), as `llmecon train --offload`. */
    offload: z.enum(OFFLOAD_MODES).optional(),
    /** The memory a layout must fit at (default estimate), as `llmecon train --memory-fit`. */
    memoryFit: z.enum(MEMORY_FIT_LEVELS).optional(),
    /** MTP modules trained (default: the checkpoint's where the stack builds them), as `llmecon train --mtp-layers`. */
    mtpLayers: domainNumber(D.mtpModules).optional(),
    /** TP collectives pipelined with the GEMMs (the megatron stack), as `llmecon train --tp-comm-overlap`. */
    tpCommOverlap: z.boolean().optional(),
    /** Each step replayed as one CUDA graph (the megatron stack), as `llmecon train --full-iteration-cuda-graphs`. */
    fullIterationCudaGraphs: z.boolean().optional(),
    /** Main-grad buffers in BF16 (the megatron stack), as `llmecon train --bf16-grad-buffers`. */
    bf16GradBuffers: z.boolean().optional(),
  })
  .strict();
export type TrainingBaseline = z.infer<typeof trainingBaselineSchema>;

export const finetuneBaselineSchema = z
  .object({
    kind: z.literal('finetune'),
    model: z.string().min(1),
    /** Dataset tokens per epoch (packed unless `packing: false`). */
    tokens,
    epochs: domainNumber(D.epochs).default(1),
    /** Examples per epoch: needed without packing (their mean length is tokens / examples). */
    examples: domainNumber(D.examples).optional(),
    /** Concatenate examples into full sequences (default), or pad them as `padding` says. */
    packing: z.boolean().default(true),
    /** Without packing: every example to seqLen (max-length, default) or each micro-batch to its longest. */
    padding: z.enum(['max-length', 'longest']).optional(),
    /** With padding to the longest: P99 of the example lengths in tokens, as `llmecon finetune --length-p99`. */
    lengthP99: seqTokens.optional(),
    /** Packed examples attend only within themselves, as `llmecon finetune --packing-mask` (needs `examples`). */
    packingMask: z.boolean().optional(),
    method: z.enum(FINETUNE_METHODS).default('full'),
    /** Adapter rank (default DEFAULT_ADAPTER_RANK); refused with full fine-tuning. */
    rank: domainNumber(D.rank).optional(),
    /** Modules to adapt (default defaultAdapterTargets, as `llmecon finetune`); refused with full fine-tuning. */
    targets: z.string().min(1).optional(),
    /** The embedding and head train in full beside the adapters, as `llmecon finetune --train-embeddings`. */
    trainEmbeddings: z.boolean().optional(),
    /** Main-grad buffers in BF16 (the megatron stack), as `llmecon finetune --bf16-grad-buffers`. */
    bf16GradBuffers: z.boolean().optional(),
    /** The frozen base (lora/dora bf16 or fp8, qlora nf4 or gptq), as `llmecon finetune --base-format`. */
    baseFormat: z.enum(BASE_FORMATS).optional(),
    gpu: z.string().min(1),
    gpus,
    precision: z.enum(TRAINING_PRECISIONS).default('bf16'),
    optimizer: z.enum(OPTIMIZERS).default('adamw'),
    /** Default 4,096 tokens, or the model's context where shorter (as `llmecon train`). */
    seqLen: seqTokens.optional(),
    /** Global batch in sequences. */
    globalBatch: sequences.default(64),
    usdPerGpuHour: price.optional(),
    layout: layoutSchema.default({}),
    /** Software stack (default hf), as `llmecon finetune --stack`. */
    stack: z.enum(STACK_IDS).optional(),
    /** Model states kept in host memory (default none), as `llmecon finetune --offload`. */
    offload: z.enum(OFFLOAD_MODES).optional(),
    /** The memory a layout must fit at (default estimate), as `llmecon finetune --memory-fit`. */
    memoryFit: z.enum(MEMORY_FIT_LEVELS).optional(),
    /** MTP modules trained (default: the checkpoint's where the stack builds them), as `llmecon finetune --mtp-layers`. */
    mtpLayers: domainNumber(D.mtpModules).optional(),
  })
  .strict();
export type FinetuneBaseline = z.infer<typeof finetuneBaselineSchema>;

export const servingBaselineSchema = z
  .object({
    kind: z.literal('serve'),
    model: z.string().min(1),
    gpu: z.string().min(1),
    /** Default: the checkpoint's own format (its config.json quantization_config), else bf16, as `llmecon serve`. */
    weights: z.enum(WEIGHT_FORMATS).optional(),
    kv: z.enum(KV_FORMATS).optional(),
    inputTokens: seqTokens,
    outputTokens: seqTokens,
    tokensPerDay: domainNumber(D.tokensPerDay),
    tpotSloSeconds: seconds.optional(),
    ttftSloSeconds: seconds.optional(),
    /** Days the deployment runs: cost and energy are for this period (default 365). */
    days: domainNumber({ ...D.lifeYears, max: 36_500, what: 'days' }).default(365),
    usdPerGpuHour: price.optional(),
    /** Engine (default: the hardware bound), its memory share, a fixed TP/EP and the MoE expert placement, as `llmecon serve`. */
    ...servingEngineFields,
  })
  .strict();
export type ServingBaseline = z.infer<typeof servingBaselineSchema>;

const note = z.string().min(1).optional();

/** The levers; `applies` in levers.ts says which baseline each one fits and why not. */
export const leverSchema = z.discriminatedUnion('lever', [
  z
    .object({
      lever: z.literal('moe'),
      /** The mixture-of-experts model to switch to (catalog id). */
      model: z.string().min(1),
      /** Keep grouped-query attention (so MLA can be a lever of its own). */
      attention: z.enum(['model', 'gqa']).default('model'),
      note,
    })
    .strict(),
  z.object({ lever: z.literal('mla'), from: z.string().min(1).default('deepseek-v3'), note }).strict(),
  z.object({ lever: z.literal('fp8'), note }).strict(),
  z
    .object({
      lever: z.literal('quantize'),
      weights: z.enum(['int8', 'int4', 'fp4', 'nf4']),
      kv: z.enum(KV_FORMATS).optional(),
      note,
    })
    .strict(),
  z.object({ lever: z.literal('sparsity'), pattern: z.enum(['2:4', 'unstructured']), note }).strict(),
  z
    .object({
      lever: z.literal('speculative'),
      /** `mtp`: the model's own MTP modules; else a catalog id of a draft model sharing the tokenizer. */
      drafter: z.string().min(1).default('mtp'),
      /** Drafts per step (default: one per MTP module; needed with a draft model). */
      draftTokens: domainNumber(D.draftTokens).optional(),
      /** Probability each draft is accepted (default for MTP: DeepSeek-V3's 85%; needed with a draft model). */
      // [0, 1], as `--acceptance-rate`: 0 is the worst case (every draft rejected), a bound worth pricing.
      acceptanceRate: domainNumber({ ...D.fraction, minExclusive: false }).optional(),
      note,
    })
    .strict(),
  z
    .object({
      lever: z.literal('distill'),
      /** The smaller student (catalog id). */
      student: z.string().min(1),
      /** Teacher tokens generated to train the student (serving: a one-off cost added to the period). */
      teacherTokens: tokens,
      note,
    })
    .strict(),
  z.object({ lever: z.literal('recompute'), mode: z.enum(RECOMPUTE_MODES), note }).strict(),
  z
    .object({
      lever: z.literal('adapter'),
      method: z.enum(['lora', 'dora', 'qlora']),
      rank: domainNumber(D.rank).default(DEFAULT_ADAPTER_RANK),
      /** Modules to adapt: attn, mlp, experts, shared, all, or q,k,v,o,gate,up,down (default as `llmecon finetune`). */
      targets: z.string().min(1).optional(),
      note,
    })
    .strict(),
  z.object({ lever: z.literal('optimizer'), optimizer: z.enum(OPTIMIZERS), note }).strict(),
  z
    .object({
      lever: z.literal('gpu'),
      gpu: z.string().min(1),
      gpus: gpus.optional(),
      usdPerGpuHour: price.optional(),
      /** A new fixed layout for the new cluster (training); omitted: the current one. */
      layout: layoutSchema.optional(),
      note,
    })
    .strict(),
  z
    .object({
      lever: z.literal('spot'),
      /** Discount off the current price (prices vary by provider and hour: state yours). */
      discount: fraction,
      /** Share of GPU time lost to preemptions (restarts from the last checkpoint). */
      restartOverhead: z.number().finite().min(0).lt(1),
      note,
    })
    .strict(),
  z
    .object({
      lever: z.literal('data'),
      /** Train on this many tokens instead. */
      tokens: tokens.optional(),
      /** Curated data worth this many raw tokens per token: the same loss from tokens ÷ multiplier. */
      effectiveTokenMultiplier: z.number().finite().gt(1).max(1000).optional(),
      /** Where the assumption comes from (shown as the caveat). */
      assumption: z.string().min(1),
      note,
    })
    .strict()
    .refine((l) => (l.tokens === undefined) !== (l.effectiveTokenMultiplier === undefined), {
      message: 'give either tokens or effectiveTokenMultiplier',
    }),
  /** The fastest layout that fits (searched), or the fixed `layout` given. */
  z.object({ lever: z.literal('layout'), layout: layoutSchema.optional(), note }).strict(),
  z
    .object({
      lever: z.literal('batch'),
      seqLen: seqTokens.optional(),
      globalBatchTokens: domainNumber(D.batchTokens).optional(),
      /** Packed documents with attention masked at their boundaries, as `llmecon train --document-tokens`. */
      documentTokens: documentTokens.optional(),
      /** P99 of their lengths, as `--document-tokens-p99`; with documentTokens, none means every document at the mean. */
      documentTokensP99: documentTokens.optional(),
      note,
    })
    .strict()
    .refine(
      (l) =>
        l.seqLen !== undefined ||
        l.globalBatchTokens !== undefined ||
        l.documentTokens !== undefined ||
        l.documentTokensP99 !== undefined,
      {
        message: 'give seqLen, globalBatchTokens, documentTokens, documentTokensP99 or a combination',
      },
    ),
  z
    .object({
      lever: z.literal('schedule'),
      schedule: z.enum(PIPELINE_SCHEDULES),
      overlapExperts: z.boolean().default(true),
      note,
    })
    .strict(),
]);
export type Lever = z.infer<typeof leverSchema>;

/** A pretraining run, a fine-tuning run or a serving deployment. */
export const baselineSchema = z.discriminatedUnion('kind', [
  trainingBaselineSchema,
  finetuneBaselineSchema,
  servingBaselineSchema,
]);

/** Levers in one study: each re-plans the baseline (~10–200 ms), so 100 stay within seconds. */
export const MAX_LEVERS = 100;
/** A study's list of levers, bounded. */
export const leverListSchema = z
  .array(leverSchema)
  .min(1)
  .max(MAX_LEVERS, {
    message: `at most ${MAX_LEVERS} levers in one study (each re-plans the baseline); split it into several`,
  });

export const leverStudySchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    baseline: baselineSchema,
    levers: leverListSchema,
  })
  .strict();
export type LeverStudy = z.infer<typeof leverStudySchema>;
