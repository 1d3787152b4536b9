/**
 * What scripts/calibrate-serving.ts writes into an engine profile (catalog/engines/*.json): the host
 * overheads fitted per GPU family, pooled over families, and what each fit achieved.
 */
import { z } from 'zod';
import { nonNegative, positive } from './schema.js';

/** What a calibration achieved, written by scripts/calibrate-serving.ts. */
const fitSchema = z
  .object({
    rows: positive,
    medianError: nonNegative,
    maxError: nonNegative,
    leaveOneOutMedianError: nonNegative,
    leaveOneOutMaxError: nonNegative,
    /** The engine's rows held out of the fit (role `validation`), predicted with the fitted values. */
    heldOutRows: positive.optional(),
    heldOutMedianError: nonNegative.optional(),
    heldOutMaxError: nonNegative.optional(),
    /** Each row's published / predicted throughput (a time inverted), leave-one-out or held out, by case id. */
    residuals: z.record(z.string(), positive).optional(),
    /** P10 and P90 of published / predicted throughput over the leave-one-out and held-out predictions (the bands). */
    ratioP10: positive,
    ratioP90: positive,
    /** The largest model (total parameters) and context (input + output tokens) among the rows: beyond twice either the band says it extrapolates. */
    maxTotalParams: positive.optional(),
    /** The smallest model among the rows: below half of it the band says it extrapolates (host time dominates). */
    minTotalParams: positive.optional(),
    maxContextTokens: positive.optional(),
    /** The token-mixer kinds of the rows' models ('full', 'sliding', 'chunked', …): another kind is an extrapolation. */
    mixers: z.array(z.string().min(1)).min(1).optional(),
    /** Mixture-of-experts rows among the calibration rows: below engines.ts MIN_MOE_ROWS the MoE term is not identified. */
    moeRows: nonNegative.optional(),
    /**
     * Each model's calibration rows per GPU, leave-one-out: the median, smallest and largest published /
     * predicted time (throughput inverted); a deployment of that model there reaches the median
     * (core/uncertainty/model-record.ts).
     */
    modelRecords: z
      .object({
        value: z.array(
          z
            .object({
              totalParams: z.number().positive(),
              gpu: z.string().min(1),
              median: z.number().positive(),
              low: z.number().positive(),
              high: z.number().positive(),
              rows: z.array(z.string().min(1)).min(1),
            })
            .strict(),
        ),
        unit: z.literal('ratio'),
        source: z.string().min(1),
        kind: z.literal('estimate'),
        note: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();
export const calibrationSchema = z
  .object({
    stepOverhead: nonNegative,
    sequenceOverhead: nonNegative,
    moeSequenceLayerOverhead: nonNegative,
    fit: fitSchema,
    pooledOver: z.array(z.string()).min(1).optional(),
  })
  .strict();
