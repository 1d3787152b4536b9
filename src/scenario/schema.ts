/**
 * The project scenario file (YAML or JSON): a model, phases (pretraining, serving over months with a
 * traffic ramp), hardware per phase (rented or bought), staff, data, research compute and revenue.
 * Any numeric input marked "uncertain" may be a distribution (src/core/uncertainty/distributions.ts).
 * Field-by-field documentation: docs/scenarios.md.
 */
import { z } from 'zod';
import { FINETUNE_METHODS } from '../core/adaptation/finetune.js';
import { TRAINING_PRECISIONS } from '../core/memory/training-memory.js';
import { KV_FORMATS, WEIGHT_FORMATS } from '../core/precision.js';
import { distributionSchema } from '../core/uncertainty/distributions.js';

const finite = z.number().finite();
/** A non-negative uncertain number: a number ≥ 0, or a distribution whose support is ≥ 0. */
const nonNegative = z.union([
  finite.nonnegative(),
  distributionSchema.refine(
    (d) => {
      switch (d.dist) {
        case 'lognormal':
          return true;
        case 'normal':
          return d.mean - 3 * d.sd >= 0;
        default:
          return d.min >= 0;
      }
    },
    {
      message:
        'this value cannot be negative: the distribution must stay ≥ 0 (a normal needs mean − 3·sd ≥ 0; prefer lognormal)',
    },
  ),
]);
const month = z.number().int().nonnegative();
const count = z.number().int().positive();

const hardwareSchema = z.union([
  z.object({ rent: z.object({ usdPerGpuHour: nonNegative }).strict() }).strict(),
  /** Reserved capacity: every hour of the term is paid, busy or not (a discounted committed price). */
  z
    .object({
      reserve: z.object({ usdPerGpuHour: nonNegative, termMonths: z.number().int().positive() }).strict(),
    })
    .strict(),
  z
    .object({
      buy: z
        .object({
          /** GPU purchase price; the server around it is added by Epoch AI's factor (catalog/assumptions.json). */
          usdPerGpu: nonNegative,
          /** Straight-line depreciation life; the book value left at the horizon is recovered. */
          lifeYears: z.number().positive().optional(),
          /** Electricity price, $/kWh (default catalog/assumptions.json). */
          electricityUsdPerKWh: nonNegative.optional(),
          /** Power usage effectiveness of the site (default catalog/assumptions.json). */
          pue: z.number().min(1).max(3).optional(),
          /** Data-centre space and power provisioning, $ per kW of node power per month (colocation). */
          dataCenterUsdPerKwMonth: nonNegative.optional(),
        })
        .strict(),
    })
    .strict(),
]);
export type HardwareChoice = z.infer<typeof hardwareSchema>;

const pretrainSchema = z
  .object({
    kind: z.literal('pretrain'),
    name: z.string().min(1),
    startMonth: month.default(0),
    /** Training tokens (uncertain). */
    tokens: nonNegative,
    gpu: z.string().min(1),
    gpus: count,
    precision: z.enum(TRAINING_PRECISIONS).default('bf16'),
    seqLen: count.default(4096),
    globalBatchTokens: count.default(4_194_304),
    /** Multiplies the engine's GPU-hours (uncertain): 1.2 = the run is 20% slower than predicted. */
    efficiencyFactor: nonNegative.default(1),
    hardware: hardwareSchema,
  })
  .strict();

const finetuneSchema = z
  .object({
    kind: z.literal('finetune'),
    name: z.string().min(1),
    startMonth: month.default(0),
    method: z.enum(FINETUNE_METHODS).default('full'),
    rank: count.default(16),
    /** attn, mlp, all, or modules q,k,v,o,gate,up,down,shared,experts. */
    targets: z.string().default('attn,mlp'),
    /** Dataset tokens per epoch (uncertain), packed into full sequences. */
    tokens: nonNegative,
    epochs: count.default(1),
    gpu: z.string().min(1),
    gpus: count,
    precision: z.enum(TRAINING_PRECISIONS).default('bf16'),
    seqLen: count.default(4096),
    /** Sequences per optimizer step. */
    globalBatch: count.default(16),
    efficiencyFactor: nonNegative.default(1),
    hardware: hardwareSchema,
  })
  .strict();

const rlSchema = z
  .object({
    kind: z.literal('rl'),
    name: z.string().min(1),
    startMonth: month.default(0),
    method: z.enum(FINETUNE_METHODS).default('full'),
    promptsPerStep: count.default(64),
    samplesPerPrompt: count.default(16),
    promptTokens: count.default(512),
    responseTokens: count.default(4096),
    /** RL steps (uncertain). */
    steps: nonNegative,
    gpu: z.string().min(1),
    gpus: count,
    efficiencyFactor: nonNegative.default(1),
    hardware: hardwareSchema,
  })
  .strict();

const serveSchema = z
  .object({
    kind: z.literal('serve'),
    name: z.string().min(1),
    startMonth: month.default(0),
    months: count,
    gpu: z.string().min(1),
    weights: z.enum(WEIGHT_FORMATS).default('bf16'),
    kv: z.enum(KV_FORMATS).default('bf16'),
    inputTokens: count,
    outputTokens: count,
    /** Traffic in the first month (input + output tokens per day) and its monthly growth (uncertain). */
    tokensPerDay: nonNegative,
    growthPerMonth: z.union([finite.gt(-1), distributionSchema]).default(0),
    tpotSloSeconds: z.number().positive().optional(),
    ttftSloSeconds: z.number().positive().optional(),
    hardware: hardwareSchema,
    /** A catalog API to price the same tokens on (llmecon compare-api), for the report. */
    compareWithApi: z.string().optional(),
    /** What users pay per million tokens (uncertain); omit for an internal deployment. */
    revenue: z
      .object({ inputUsdPerMillion: nonNegative, outputUsdPerMillion: nonNegative })
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
    name: z.string().min(1),
    description: z.string().optional(),
    /** Catalog model id (llmecon models). */
    model: z.string().min(1),
    horizonMonths: z.number().int().min(1).max(240),
    /** Annual discount rate for NPV (uncertain). */
    discountRate: z.union([finite.gt(-1), distributionSchema]).default(0.1),
    /** Grid for CO2 (catalog/grids). */
    region: z.string().default('world'),
    phases: z.array(phaseSchema).min(1),
    /**
     * Total experiment + training compute over the final runs' compute (uncertain, ≥ 1; 1 = final runs
     * only). Omitted: Epoch AI's lognormal, 90% interval 1.2×–4× (catalog/assumptions.json).
     */
    researchComputeRatio: z
      .union([
        finite.min(1),
        distributionSchema.refine(
          (d) => d.dist === 'lognormal' || (d.dist === 'normal' ? d.mean - 3 * d.sd >= 1 : d.min >= 1),
          { message: 'the ratio cannot fall below 1 (the final runs themselves): keep the distribution ≥ 1' },
        ),
      ])
      .optional(),
    staff: z
      .array(
        z
          .object({
            role: z.string().min(1),
            headcount: nonNegative,
            usdPerYear: nonNegative,
            startMonth: month.default(0),
            months: count,
          })
          .strict(),
      )
      .default([]),
    data: z
      .array(z.object({ item: z.string().min(1), usd: nonNegative, month: month.default(0) }).strict())
      .default([]),
    /** Datasets and checkpoints kept: terabytes × price per GB-month (default: the catalog's object-storage price). */
    storage: z
      .array(
        z
          .object({
            item: z.string().min(1),
            terabytes: nonNegative,
            usdPerGbMonth: nonNegative.optional(),
            startMonth: month.default(0),
            months: count,
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
            plan: z.string().min(1),
            startMonth: month.default(0),
            months: count,
            users: nonNegative,
            growthPerMonth: nonNegative.default(0),
            churnPerMonth: z.union([finite.min(0).max(1), distributionSchema]).default(0),
            usdPerUserMonth: nonNegative,
          })
          .strict(),
      )
      .default([]),
    /** A unit of capability the project buys (e.g. benchmark points gained), to price per unit. */
    capability: z
      .object({ name: z.string().min(1), units: z.number().positive() })
      .strict()
      .optional(),
    /** Published figures to show beside the scenario's own (the report compares them). */
    published: z
      .array(
        z
          .object({
            what: z.string().min(1),
            metric: z.enum(['totalCostUsd', 'computeUsd', 'pretrainGpuHours', 'trainingGpuHours']),
            value: z.number().positive(),
            source: z.string().min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const [i, p] of s.phases.entries()) {
      const end = p.startMonth + (p.kind === 'serve' ? p.months : 1);
      if (end > s.horizonMonths)
        ctx.addIssue({
          code: 'custom',
          path: ['phases', i, 'startMonth'],
          message: `the phase runs past the horizon (${s.horizonMonths} months)`,
        });
    }
  });
export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
