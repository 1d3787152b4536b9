/**
 * The project scenario file (YAML or JSON): a model, phases (pretraining, serving over months with a
 * traffic ramp), hardware per phase (rented or bought), staff, data, research compute and revenue.
 * Any numeric input marked "uncertain" may be a distribution (src/core/uncertainty/distributions.ts).
 * Field-by-field documentation: docs/scenarios.md.
 */
import { z } from 'zod';
import { servingEngineFields } from '../catalog/serving-engine-choice.js';
import { BASE_FORMATS, FINETUNE_METHODS } from '../core/adaptation/finetune.js';
import { DOMAINS, domainNumber, inDomain } from '../core/domain.js';
import { TRAINING_PRECISIONS } from '../core/memory/training-memory.js';
import { DEFAULT_BATCH_TOKENS } from '../core/parallelism/global-batch.js';
import { KV_FORMATS, WEIGHT_FORMATS } from '../core/precision.js';
import { STACK_IDS } from '../core/training/stack.js';
import { uncertainIn } from '../core/uncertainty/distributions.js';

// Every number is checked against its domain (src/core/domain.ts, the same bounds as the CLI's flags)
// and may be written in the CLI's count syntax (15T, 2.788M). "Uncertain" fields also take a
// distribution, truncated to the domain.
const D = DOMAINS;
const month = domainNumber(D.monthIndex);
const months = domainNumber(D.months);
const gpus = domainNumber(D.gpus);
const seqLen = domainNumber(D.sequenceTokens);
const name = z.string().trim().min(1).max(200);
const id = z.string().min(1).max(200);

const HARDWARE_CHOICES = ['rent', 'reserve', 'buy'] as const;
/** One of rent, reserve or buy: two at once is refused as such (not as the second's unknown field). */
const oneHardwareChoice = (value: unknown, ctx: z.core.$RefinementCtx) => {
  if (typeof value !== 'object' || value === null) return value;
  const given = HARDWARE_CHOICES.filter((k) => k in value);
  if (given.length > 1)
    ctx.addIssue({ code: 'custom', message: `give one of rent, reserve or buy, not ${given.join(' and ')}` });
  return value;
};

const hardwareSchema = z.preprocess(
  oneHardwareChoice,
  z.union([
    z.object({ rent: z.object({ usdPerGpuHour: uncertainIn(D.usdPerGpuHour) }).strict() }).strict(),
    /** Reserved capacity: every hour of the term is paid, busy or not (a discounted committed price). */
    z
      .object({
        reserve: z.object({ usdPerGpuHour: uncertainIn(D.usdPerGpuHour), termMonths: months }).strict(),
      })
      .strict(),
    z
      .object({
        buy: z
          .object({
            /** GPU purchase price; the server around it is added by Epoch AI's factor (catalog/assumptions.json). */
            usdPerGpu: uncertainIn(D.usdPerGpu),
            /** Straight-line depreciation life; the book value left at the horizon is recovered. */
            lifeYears: domainNumber(D.lifeYears).optional(),
            /** Electricity price, $/kWh (default catalog/assumptions.json). */
            electricityUsdPerKWh: uncertainIn(D.usdPerKWh).optional(),
            /** Power usage effectiveness of the site (default catalog/assumptions.json). */
            pue: domainNumber(D.pue).optional(),
            /** Data-centre space and power provisioning, $ per kW of node power per month (colocation). */
            dataCenterUsdPerKwMonth: uncertainIn(D.usdPerKwMonth).optional(),
          })
          .strict(),
      })
      .strict(),
  ]),
);
export type HardwareChoice = z.infer<typeof hardwareSchema>;

const pretrainSchema = z
  .object({
    kind: z.literal('pretrain'),
    name,
    startMonth: month.default(0),
    /** Training tokens (uncertain). */
    tokens: uncertainIn(D.datasetTokens),
    gpu: id,
    /** Server watts per accelerator, overriding the catalog (needed where it has no power figure). */
    wattsPerGpu: domainNumber(D.wattsPerGpu).optional(),
    gpus,
    precision: z.enum(TRAINING_PRECISIONS).default('bf16'),
    /** Default 4,096 tokens, or the model's context where shorter (as `llmecon train`); phaseSeqLen. */
    seqLen: seqLen.optional(),
    /** Mean tokens per packed document, attention masked at their boundaries (`--document-tokens`). */
    documentTokens: domainNumber(D.documentTokens).optional(),
    /** P99 of the documents' lengths, a lognormal of that mean (`--document-tokens-p99`). */
    documentTokensP99: domainNumber(D.documentTokens).optional(),
    globalBatchTokens: domainNumber(D.batchTokens).default(DEFAULT_BATCH_TOKENS),
    /** Multiplies the engine's GPU-hours (uncertain): 1.2 = the run is 20% slower than predicted. */
    efficiencyFactor: uncertainIn(D.efficiencyFactor).default(1),
    /** Software stack the run is predicted on (default megatron; catalog/stacks). */
    stack: z.enum(STACK_IDS).optional(),
    /** MTP modules trained (`--mtp-layers`): 0 leaves the checkpoint's out; needs a stack that builds them. */
    mtpLayers: domainNumber(D.mtpModules).optional(),
    /** TP collectives pipelined with the GEMMs (`--tp-comm-overlap`; the megatron stack). */
    tpCommOverlap: z.boolean().optional(),
    /** Each step replayed as one CUDA graph (`--full-iteration-cuda-graphs`; the megatron stack). */
    fullIterationCudaGraphs: z.boolean().optional(),
    /** Main-grad buffers in BF16 (`--bf16-grad-buffers`; the megatron stack). */
    bf16GradBuffers: z.boolean().optional(),
    hardware: hardwareSchema,
  })
  .strict();

const finetuneSchema = z
  .object({
    kind: z.literal('finetune'),
    name,
    startMonth: month.default(0),
    method: z.enum(FINETUNE_METHODS).default('full'),
    /** Adapter rank (default 16, DEFAULT_ADAPTER_RANK); refused with full fine-tuning. */
    rank: domainNumber(D.rank).optional(),
    /** attn, mlp, all, or modules q,k,v,o,gate,up,down,shared,experts (default: defaultAdapterTargets); refused with full. */
    targets: z.string().max(200).optional(),
    /** The frozen base: lora/dora bf16 (default) or fp8; qlora nf4 (default) or gptq (`--base-format`). */
    baseFormat: z.enum(BASE_FORMATS).optional(),
    /** The embedding and head train in full beside the adapters (`--train-embeddings`). */
    trainEmbeddings: z.boolean().optional(),
    /** Main-grad buffers in BF16 (`--bf16-grad-buffers`; the megatron stack). */
    bf16GradBuffers: z.boolean().optional(),
    /** Dataset tokens per epoch (uncertain), packed into full sequences unless `packing: false`. */
    tokens: uncertainIn(D.datasetTokens),
    epochs: domainNumber(D.epochs).default(1),
    /** Examples per epoch: needed without packing (their mean length is tokens / examples). */
    examples: domainNumber(D.examples).optional(),
    /** Concatenate examples into full sequences (default), or pad them as `padding` says. */
    packing: z.boolean().default(true),
    /** Without packing: every example to seqLen (max-length, default) or each micro-batch to its longest. */
    padding: z.enum(['max-length', 'longest']).optional(),
    /** With padding to the longest: P99 of the example lengths in tokens (their spread). */
    lengthP99: seqLen.optional(),
    /** Packed examples attend only within themselves (`--packing-mask`; needs `examples`). */
    packingMask: z.boolean().optional(),
    gpu: id,
    /** Server watts per accelerator, overriding the catalog (needed where it has no power figure). */
    wattsPerGpu: domainNumber(D.wattsPerGpu).optional(),
    gpus,
    precision: z.enum(TRAINING_PRECISIONS).default('bf16'),
    /** Default 4,096 tokens, or the model's context where shorter (as `llmecon train`); phaseSeqLen. */
    seqLen: seqLen.optional(),
    /** Sequences per optimizer step. */
    globalBatch: domainNumber(D.sequences).default(16),
    efficiencyFactor: uncertainIn(D.efficiencyFactor).default(1),
    /** Software stack (default hf). */
    stack: z.enum(STACK_IDS).optional(),
    /** MTP modules trained (`--mtp-layers`): 0 leaves the checkpoint's out; needs a stack that builds them. */
    mtpLayers: domainNumber(D.mtpModules).optional(),
    hardware: hardwareSchema,
  })
  .strict();

const rlSchema = z
  .object({
    kind: z.literal('rl'),
    name,
    startMonth: month.default(0),
    method: z.enum(FINETUNE_METHODS).default('full'),
    /** Adapter rank of the policy update (`llmecon rl --rank`; default 16); refused with full. */
    rank: domainNumber(D.rank).optional(),
    /** Adapted modules (`llmecon rl --targets`; default: defaultAdapterTargets); refused with full. */
    targets: z.string().max(200).optional(),
    /** The policy update's precision (`llmecon rl --precision`). */
    precision: z.enum(TRAINING_PRECISIONS).default('bf16'),
    promptsPerStep: domainNumber(D.sequences).default(64),
    samplesPerPrompt: domainNumber(D.sequences).default(16),
    promptTokens: seqLen.default(512),
    responseTokens: seqLen.default(4096),
    /** Responses cut here (`llmecon rl --max-response-tokens`; default the context's room after the prompt). */
    maxResponseTokens: seqLen.optional(),
    /** RL steps (uncertain). */
    steps: uncertainIn({ ...D.steps, integer: false, min: 0, minExclusive: true }),
    gpu: id,
    /** Server watts per accelerator, overriding the catalog (needed where it has no power figure). */
    wattsPerGpu: domainNumber(D.wattsPerGpu).optional(),
    gpus,
    efficiencyFactor: uncertainIn(D.efficiencyFactor).default(1),
    /** Software stack of the trainer (default hf). */
    stack: z.enum(STACK_IDS).optional(),
    /** MTP modules trained (`--mtp-layers`): 0 leaves the checkpoint's out; needs a stack that builds them. */
    mtpLayers: domainNumber(D.mtpModules).optional(),
    hardware: hardwareSchema,
  })
  .strict();

const serveSchema = z
  .object({
    kind: z.literal('serve'),
    name,
    startMonth: month.default(0),
    months,
    gpu: id,
    /** Server watts per accelerator, overriding the catalog (needed where it has no power figure). */
    wattsPerGpu: domainNumber(D.wattsPerGpu).optional(),
    /** Default: the checkpoint's own format (its config.json quantization_config), else bf16, as `llmecon serve`. */
    weights: z.enum(WEIGHT_FORMATS).optional(),
    kv: z.enum(KV_FORMATS).optional(),
    inputTokens: seqLen,
    outputTokens: seqLen,
    /** Traffic in the first month (input + output tokens per day) and its monthly growth (uncertain). */
    tokensPerDay: uncertainIn(D.tokensPerDay),
    growthPerMonth: uncertainIn(D.growthPerMonth).default(0),
    tpotSloSeconds: domainNumber(D.seconds).optional(),
    ttftSloSeconds: domainNumber(D.seconds).optional(),
    /** Engine (default: the hardware bound), its memory share, a fixed TP/EP/PP and the MoE expert placement, as `llmecon serve`. */
    ...servingEngineFields,
    hardware: hardwareSchema,
    /** A catalog API to price the same tokens on (llmecon compare-api), for the report. */
    compareWithApi: id.optional(),
    /** What users pay per million tokens (uncertain); omit for an internal deployment. */
    revenue: z
      .object({
        inputUsdPerMillion: uncertainIn(D.usdPerMillionTokens),
        outputUsdPerMillion: uncertainIn(D.usdPerMillionTokens),
      })
      .strict()
      .optional(),
  })
  .strict();

export const phaseSchema = z.discriminatedUnion('kind', [
  pretrainSchema,
  finetuneSchema,
  rlSchema,
  serveSchema,
]);
export type Phase = z.infer<typeof phaseSchema>;

export const scenarioSchema = z
  .object({
    name,
    description: z.string().max(10_000).optional(),
    /** Catalog model id (llmecon models). */
    model: id,
    horizonMonths: months,
    /** Annual discount rate for NPV (uncertain). */
    discountRate: uncertainIn(D.discountRate).default(0.1),
    /** Grid for CO2 (catalog/grids). */
    region: id.default('world'),
    phases: z.array(phaseSchema).min(1),
    /**
     * Total experiment + training compute over the final runs' compute (uncertain, ≥ 1; 1 = final runs
     * only). Omitted: Epoch AI's lognormal, 90% interval 1.2×–4× (catalog/assumptions.json).
     */
    researchComputeRatio: uncertainIn(D.computeRatio).optional(),
    staff: z
      .array(
        z
          .object({
            role: name,
            headcount: uncertainIn(D.headcount),
            usdPerYear: uncertainIn(D.usdPerYear),
            startMonth: month.default(0),
            months,
          })
          .strict(),
      )
      .default([]),
    data: z
      .array(z.object({ item: name, usd: uncertainIn(D.usd), month: month.default(0) }).strict())
      .default([]),
    /** Datasets and checkpoints kept: terabytes × price per GB-month (default: the catalog's object-storage price). */
    storage: z
      .array(
        z
          .object({
            item: name,
            terabytes: uncertainIn(D.terabytes),
            usdPerGbMonth: uncertainIn(D.usdPerGbMonth).optional(),
            startMonth: month.default(0),
            months,
          })
          .strict(),
      )
      .default([]),
    /**
     * Subscription revenue: users in the first month, monthly growth (new users as a share of the
     * current base) and churn (users lost), price per user-month — all uncertain.
     */
    subscriptions: z
      .array(
        z
          .object({
            plan: name,
            startMonth: month.default(0),
            months,
            users: uncertainIn(D.users),
            growthPerMonth: uncertainIn(D.userGrowthPerMonth).default(0),
            churnPerMonth: uncertainIn({ ...D.fraction, minExclusive: false }).default(0),
            usdPerUserMonth: uncertainIn(D.usdPerUserMonth),
          })
          .strict(),
      )
      .default([]),
    /** A unit of capability the project buys (e.g. benchmark points gained), to price per unit. */
    capability: z
      .object({ name, units: domainNumber(D.positiveAmount) })
      .strict()
      .optional(),
    /** Published figures to show beside the scenario's own (the report compares them). */
    published: z
      .array(
        z
          .object({
            what: name,
            metric: z.enum(['totalCostUsd', 'computeUsd', 'pretrainGpuHours', 'trainingGpuHours']),
            value: domainNumber(D.positiveAmount),
            source: name,
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    // Costs, bands and charts are kept by phase name: two phases of one name would be summed as one.
    for (const [i, p] of s.phases.entries()) {
      const first = s.phases.findIndex((q) => q.name === p.name);
      if (first < i)
        ctx.addIssue({
          code: 'custom',
          path: ['phases', i, 'name'],
          message: `'${p.name}' is already the name of phases[${first}]: the report keeps each phase's cost by its name, so give every phase its own`,
        });
    }
    // A horizon outside its domain is refused already: nothing is measured against it.
    if (!(s.horizonMonths >= 1)) return;
    for (const [i, p] of s.phases.entries()) {
      // A start or a length outside its domain is refused already, at its own field.
      if (!inDomain(p.startMonth, D.monthIndex) || (p.kind === 'serve' && !inDomain(p.months, D.months)))
        continue;
      const end = p.startMonth + (p.kind === 'serve' ? p.months : 1);
      if (end > s.horizonMonths)
        ctx.addIssue({
          code: 'custom',
          path: ['phases', i, 'startMonth'],
          message: `the phase runs past the horizon (${s.horizonMonths} months)`,
        });
    }
    // An entry that starts after the horizon's last month would book nothing (or, for data, be moved): refused.
    const after = (path: (string | number)[], month: number, what: string) => {
      if (month > s.horizonMonths)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${what} in month ${month}, after the horizon (months 0–${s.horizonMonths}); raise horizonMonths or drop it`,
        });
    };
    for (const [i, d] of s.data.entries()) after(['data', i, 'month'], d.month, 'the purchase falls');
    for (const list of ['staff', 'storage', 'subscriptions'] as const)
      for (const [i, e] of s[list].entries()) after([list, i, 'startMonth'], e.startMonth, 'it starts');
  });
export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
