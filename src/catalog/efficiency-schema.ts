/**
 * Efficiency profiles (catalog/efficiency/: size curves, attention efficiencies, the fitted kernel
 * model) and the kernel measurements they are fitted on (catalog/kernels/), as zod schemas.
 */
import { z } from 'zod';
import { ATTENTION_IMPLEMENTATIONS, type AttentionImplementation } from '../core/hardware/efficiency.js';
import { DATATYPES } from '../core/hardware/hardware-spec.js';
import { isoDate, positive, sourcedValue } from './schema.js';

const ratio = sourcedValue.refine((v) => v.unit === 'ratio' && v.value > 0 && v.value <= 1, {
  message: 'efficiencies are ratios in (0, 1]',
});
const curve = z
  .object({
    points: z
      .array(z.object({ size: sourcedValue, efficiency: ratio }).strict())
      .min(2)
      .refine((ps) => ps.every((p, i) => i === 0 || p.size.value !== ps[i - 1]!.size.value), {
        message: 'curve points need distinct sizes',
      }),
    note: z.string().min(1),
  })
  .strict();
const tileSize = positive.refine((v) => v.unit === 'count' && Number.isInteger(v.value), {
  message: 'tile sizes are whole element counts (unit count)',
});
const gemmKernel = z
  .object({
    /** The kernel library's thread-block tiles (output rows × columns). */
    tiles: z.array(z.object({ m: tileSize, n: tileSize }).strict()).min(1),
    /** Serving engines' own dispatch by rows: the tile at m ≤ maxM, rungs by rising maxM, the last without one (every m above). */
    servingTiles: z
      .array(z.object({ maxM: tileSize.optional(), m: tileSize, n: tileSize }).strict())
      .min(1)
      .refine((rungs) => rungs.every((r, i) => r.maxM !== undefined || i === rungs.length - 1), {
        message: 'only the last serving tile may omit maxM',
      })
      .optional(),
    splitK: z.boolean(),
    ceiling: ratio,
    kOverhead: sourcedValue.refine((v) => v.unit === 'count' && v.value >= 0, {
      message: 'kOverhead is a count of K elements ≥ 0',
    }),
  })
  .strict();
/** The shape-aware kernel model's parameters (src/core/hardware/kernel-model.ts). */
export const kernelModelSchema = z
  .object({
    /** The measurement file (catalog/kernels/) the parameters were fitted on, or absent for estimates. */
    fittedOn: z.string().optional(),
    launchLatency: positive.refine((v) => ['s', 'ms', 'us'].includes(v.unit), {
      message: 'a time (s, ms or us)',
    }),
    bandwidthFraction: ratio,
    gemm: z
      .object({ bf16: gemmKernel })
      .catchall(gemmKernel)
      .refine((g) => Object.keys(g).every((d) => (DATATYPES as readonly string[]).includes(d)), {
        message: `datatypes are ${DATATYPES.join(', ')}`,
      }),
    /**
     * ln(measured / predicted) of the fit's own kernels by class (core/uncertainty/kernel-band.ts): the
     * `kernel` command's band. `value` holds the residuals per class, sourced as a whole like a value.
     */
    residuals: z
      .object({
        value: z.record(
          z
            .string()
            .regex(
              new RegExp(
                `^(gemm-(${DATATYPES.join('|')})|memory-bound|attention-(forward|backward)|curve-gemm|curve-memory-bound)$`,
              ),
              'a kernel class: gemm-<datatype>, memory-bound, attention-forward, attention-backward, curve-gemm or curve-memory-bound',
            ),
          z.array(z.number().finite()).min(1),
        ),
        unit: z.literal('log-ratio'),
        source: z.string().min(1),
        kind: z.literal('measured'),
        method: z.enum(['leave-one-out', 'in-sample']),
        note: z.string().min(1),
      })
      .strict()
      .optional(),
    note: z.string().min(1),
  })
  .strict();
export const efficiencyFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    name: z.string().min(1),
    /** The architecture family a GPU-specific profile belongs to (calibrations are per family); default: the id. */
    family: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*$/)
      .optional(),
    gemm: z.object({ bf16: curve }).catchall(curve),
    attention: z
      .object({
        forward: ratio,
        backward: ratio,
        /** BF16 tensor peak / FP32 vector peak of the GPU the efficiencies were measured on (unit ratio). */
        tensorToVectorRatio: sourcedValue
          .refine((v) => v.unit === 'ratio' && v.value > 0, { message: 'must be a positive ratio' })
          .optional(),
        /** Head dimension the efficiencies were measured at (unit count). */
        headDim: sourcedValue
          .refine((v) => v.unit === 'count' && Number.isInteger(v.value) && v.value > 0, {
            message: 'must be a positive whole count',
          })
          .optional(),
      })
      .strict(),
    /** Published forward efficiency by attention implementation over sequence length (tokens, unit count). */
    attentionImplementations: z
      .object(
        Object.fromEntries(
          ATTENTION_IMPLEMENTATIONS.map((i) => [i, z.object({ forward: curve }).strict().optional()]),
        ) as Record<AttentionImplementation, z.ZodOptional<z.ZodObject<{ forward: typeof curve }>>>,
      )
      .strict()
      .optional(),
    memory: curve,
    scaleUpEfficiency: ratio,
    scaleOutEfficiency: ratio,
    sustainedComputeFraction: ratio,
    /** Share of the datasheet FP4 peak 4-bit GEMMs reach (EfficiencyProfile.fp4Ceiling); absent: 1. */
    fp4Ceiling: ratio.optional(),
    kernels: kernelModelSchema.optional(),
  })
  .strict();

const count = z.number().int().positive();
const seconds = z.number().finite().positive();
/**
 * Kernel measurements of one GPU (catalog/kernels/, written by bench/gpu/kernels.py): one source,
 * date and method for the whole file; each row a kernel and its mean seconds.
 */
export const kernelMeasurementFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    gpu: z.string().min(1),
    measured: isoDate,
    source: z.string().min(1),
    kind: z.literal('measured'),
    method: z.string().min(1),
    software: z.string().min(1),
    caveats: z.string(),
    gemm: z
      .array(
        z
          .object({
            m: count,
            n: count,
            k: count,
            datatype: z.enum(DATATYPES),
            inputBytes: z.number().positive().max(4),
            seconds,
          })
          .strict(),
      )
      .min(1),
    memory: z.array(z.object({ bytes: count, seconds }).strict()),
    attention: z.array(
      z
        .object({
          batch: count,
          heads: count,
          seqLen: count,
          headDim: count,
          causal: z.boolean(),
          implementation: z.string().min(1),
          pass: z.enum(['forward', 'backward']),
          seconds,
        })
        .strict(),
    ),
    decodeAttention: z.array(
      z
        .object({ batch: count, kvHeads: count, queryHeads: count, context: count, headDim: count, seconds })
        .strict(),
    ),
  })
  .strict();
export type KernelMeasurementFile = z.infer<typeof kernelMeasurementFileSchema>;
export type EfficiencyFile = z.infer<typeof efficiencyFileSchema>;
