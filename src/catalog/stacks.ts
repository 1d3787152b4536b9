/**
 * Software stacks (catalog/stacks/*.json) and their (GPU family × stack) calibrations
 * (catalog/validation/stack-calibration.json, written by scripts/calibrate.ts), as core StackProfiles.
 */
import { z } from 'zod';
import calibrationFile from '../../catalog/validation/stack-calibration.json' with { type: 'json' };
import { InputError, InternalError, inputError } from '../core/errors.js';
import type { ModelSpec } from '../core/model/spec.js';
import { withMtpModules } from '../core/model/trained-spec.js';
import {
  CALIBRATION_SHARED_PARAMETERS,
  FP8_RECIPES,
  STACK_IDS,
  type StackCalibration,
  type StackId,
  type StackProfile,
  TRANSFER_REFERENCE_STACK,
  transferredCalibrations,
} from '../core/training/stack.js';
import { toSi } from '../core/units.js';
import { STACKS_FILES } from './data.js';
import { sourcedValue } from './schema.js';

const cited = { source: z.string().min(1), note: z.string().min(1) };

export const stackFileSchema = z
  .object({
    id: z.enum(STACK_IDS),
    name: z.string().min(1),
    description: z.string().min(1),
    parallelism: z
      .object({
        tensor: z.boolean(),
        pipeline: z.boolean(),
        expert: z.boolean(),
        context: z.boolean(),
        sequence: z.boolean(),
        interleaved: z.boolean(),
        /** ZeRO stages as strings ("0"–"3"): the catalog holds no bare numbers. */
        zeroStages: z.array(z.enum(['0', '1', '2', '3'])).min(1),
        zero3WithPipeline: z.boolean(),
        /** Experts at ETP 1 with attention at TP > 1, EP over TP·DP·CP; cited on its own. */
        expertTensorFolding: z
          .object({ supported: z.boolean(), locator: z.string().min(1), ...cited })
          .strict(),
        /** DeepSpeed's pipeline engine reduces gradients after the last micro-batch; cited on its own. */
        pipelineDefersGradientReduction: z
          .object({ defers: z.boolean(), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
        ...cited,
      })
      .strict(),
    kernels: z
      .object({
        crossEntropy: z.enum(['fused-vocab-parallel', 'fp32-logits', 'chunked-fused']),
        attention: z.enum(['flash2', 'flash3', 'cudnn', 'unfused']),
        fusedElementwise: z.boolean(),
        fp8Recipe: z.enum(FP8_RECIPES),
        /** Where the FP8 recipe is stated, when that is not the kernels' own source. */
        fp8RecipeSource: z
          .object({ source: z.string().min(1), locator: z.string().min(1) })
          .strict()
          .optional(),
        fp8ActivationCache: z.boolean(),
        cudaGraphs: z.boolean(),
        compile: z.boolean(),
        ...cited,
      })
      .strict(),
    memory: z
      .object({
        logitsBytesPerElement: sourcedValue,
        allocatorReserveFraction: sourcedValue,
        frameworkOverhead: sourcedValue,
        /** Loss blocks freed but still reserved at the peak (StackMemory.logitsCachedBytesPerElement). */
        logitsCachedBytesPerElement: sourcedValue.optional(),
        /** The loss with the vocabulary split over TP (StackMemory.vocabParallelLogitsBytesPerElement). */
        vocabParallelLogitsBytesPerElement: sourcedValue.optional(),
        /** The head saves its all-gathered input under SP (StackMemory.headSavesGatheredInput). */
        headSavesGatheredInput: z
          .object({ saves: z.boolean(), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
        /** The last pipeline stage keeps every microbatch's output (StackMemory.pipelineKeepsOutputs). */
        pipelineKeepsOutputs: z
          .object({ keeps: z.boolean(), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
        /** Full recomputation keeps its checkpoints in host memory (StackMemory.offloadsCheckpoints). */
        offloadsCheckpoints: z
          .object({ offloads: z.boolean(), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
        /** The adapter library's dtypes (StackMemory.peft). */
        peft: z
          .object({
            fp32Adapters: z.boolean(),
            kbitUpcastsToFp32: z.boolean(),
            locator: z.string().min(1),
            ...cited,
          })
          .strict()
          .optional(),
        /** What `recompute: selective` keeps (StackMemory.selectiveCheckpoint). */
        selectiveCheckpoint: z
          .object({ policy: z.enum(['attention', 'ops']), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
        /** What the optimizer step allocates beside the states (StackMemory.optimizerStep). */
        optimizerStep: z
          .object({
            kind: z.enum(['in-place', 'foreach', 'flat-fp32-gradient']),
            /** DeepSpeed ZeRO-3's `sub_group_size`: the most elements one step flattens at once. */
            subGroupNumel: sourcedValue.optional(),
            locator: z.string().min(1),
            ...cited,
          })
          .strict()
          .refine((o) => (o.kind === 'flat-fp32-gradient') === (o.subGroupNumel !== undefined), {
            message: 'subGroupNumel is given with, and only with, kind flat-fp32-gradient',
          }),
        /** FSDP's mixed-precision sharding and its behaviour under pipeline parallelism (StackMemory.fsdp). */
        fsdp: z
          .object({
            keepsUnshardedWithPipeline: z.boolean(),
            float8AllGather: z.boolean(),
            locator: z.string().min(1),
            ...cited,
          })
          .strict()
          .optional(),
      })
      .strict(),
    /** How the stack runs a layer's routed experts (what its MoE host time grows with). */
    moe: z
      .object({ groupedGemm: z.enum(['per-local-expert']), locator: z.string().min(1), ...cited })
      .strict()
      .optional(),
    /** Which model states the stack can keep in host memory (core/memory/offload.ts), with its flag. */
    offload: z
      .object({
        modes: z.array(z.enum(['optimizer', 'optimizer+params'])),
        locator: z.string().min(1),
        ...cited,
      })
      .strict()
      .optional(),
    /**
     * A stack without calibration cases of its own that runs another stack's modules takes that
     * stack's calibration (flagged in its summary), with the reason and its source.
     */
    /** Whether the stack trains a model's MTP modules (StackProfile.trainsMtp); cited on its own. */
    multiTokenPrediction: z.object({ trains: z.boolean(), locator: z.string().min(1), ...cited }).strict(),
    calibrationFrom: z
      .object({ stack: z.enum(STACK_IDS), locator: z.string().min(1), ...cited })
      .strict()
      .optional(),
    /** Settings of the stack's published performance recipes that its calibration cases run with. */
    performanceRecipes: z
      .object({
        gradReduceInFp32: z.boolean(),
        /** Expert tensor parallelism of the recipes' MoE runs (1: EP spans the TP ranks). */
        moeExpertTensorParallel: sourcedValue.refine((v) => Number.isInteger(v.value) && v.value >= 1, {
          message: 'must be a whole number ≥ 1',
        }),
        locator: z.string().min(1),
        ...cited,
      })
      .strict()
      .optional(),
  })
  .strict();
export type StackFile = z.infer<typeof stackFileSchema>;

export const calibrationCaseSchema = z
  .object({
    id: z.string().min(1),
    source: z.string().min(1),
    locator: z.string().min(1),
    gpus: z.number().int().positive(),
    /** The GPU family the run ran on (a calibration pooled over families, '*', spans several). */
    gpuFamily: z.string().min(1),
    /** The model's total parameters. */
    totalParams: z.number().positive(),
    /** Published and engine (uncalibrated) step seconds or an equivalent time-like figure. */
    published: z.number().positive(),
    engine: z.number().positive(),
    attentionFraction: z.number().min(0).max(1),
    expertFraction: z.number().min(0).max(1),
    localExpertPassesPerSecond: z.number().nonnegative(),
    layerPassesPerSecond: z.number().nonnegative().default(0),
    zero3LayerPassesPerSecond: z.number().nonnegative().default(0),
    /** The token-mixer kinds of the run's model ('full', 'sliding', 'mamba', …). */
    mixers: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const calibrationFileSchema = z
  .object({
    meta: z.object({ what: z.string(), method: z.string(), generated: z.string() }).strict(),
    calibrations: z.array(
      z
        .object({
          stack: z.enum(STACK_IDS),
          family: z.string().min(1),
          stepTimeScale: z.number().positive(),
          attentionScale: z.number().positive(),
          expertScale: z.number().positive(),
          localExpertOverheadSeconds: z.number().nonnegative(),
          layerOverheadSeconds: z.number().nonnegative().default(0),
          zero3LayerOverheadSeconds: z.number().nonnegative().default(0),
          extrapolated: z.array(z.enum(CALIBRATION_SHARED_PARAMETERS)),
          leaveOneOutLogResiduals: z.array(z.number()),
          /** Held-out runs on this family and stack, predicted by the fit: ids and ln(published / predicted). */
          heldOut: z.array(z.object({ id: z.string().min(1), logResidual: z.number() }).strict()).default([]),
          cases: z.array(calibrationCaseSchema).min(1),
        })
        .strict(),
    ),
  })
  .strict();
export type CalibrationFile = z.infer<typeof calibrationFileSchema>;

const cache = new Map<StackId, StackProfile>();

/** A stack by id, with its calibrations. Unknown ids are an InputError naming the stacks. */
export function findStack(id: string, field = '--stack'): StackProfile {
  const key = id.trim().toLowerCase() as StackId;
  if (!(STACK_IDS as readonly string[]).includes(key)) {
    throw new InputError({
      code: 'unknown_id',
      path: [field],
      message: `unknown stack '${id}'; one of: ${STACK_IDS.join(', ')}`,
    });
  }
  const hit = cache.get(key);
  if (hit) return hit;
  const parsed = stackFileSchema.safeParse(STACKS_FILES[key]);
  if (!parsed.success)
    throw new InternalError(`catalog/stacks/${key}.json is invalid: ${parsed.error.message}`);
  const file = parsed.data;
  const fitted = fittedCalibrations(key);
  // No cases of its own: the calibration of the stack whose modules it runs, marked as such.
  const borrowed =
    fitted.length === 0 && file.calibrationFrom
      ? findStack(file.calibrationFrom.stack).calibrations.map((c) => ({
          ...c,
          fittedOn: c.fittedOn ?? file.calibrationFrom!.stack,
        }))
      : null;
  const profile: StackProfile = {
    id: file.id,
    name: file.name,
    fp8Recipe: file.kernels.fp8Recipe,
    trainsMtp: file.multiTokenPrediction.trains,
    parallelism: {
      ...file.parallelism,
      zeroStages: file.parallelism.zeroStages.map((z) => Number(z) as 0 | 1 | 2 | 3),
      expertTensorFolding: file.parallelism.expertTensorFolding.supported,
      pipelineDefersGradientReduction: file.parallelism.pipelineDefersGradientReduction?.defers ?? false,
    },
    memory: {
      logitsBytesPerElement: toSi(
        file.memory.logitsBytesPerElement.value,
        file.memory.logitsBytesPerElement.unit,
      ),
      unfusedElementwise: !file.kernels.fusedElementwise,
      fp8ActivationCache: file.kernels.fp8ActivationCache,
      allocatorReserveFraction: file.memory.allocatorReserveFraction.value,
      frameworkOverheadBytes: toSi(file.memory.frameworkOverhead.value, file.memory.frameworkOverhead.unit),
      ...(file.memory.logitsCachedBytesPerElement && {
        logitsCachedBytesPerElement: toSi(
          file.memory.logitsCachedBytesPerElement.value,
          file.memory.logitsCachedBytesPerElement.unit,
        ),
      }),
      ...(file.memory.vocabParallelLogitsBytesPerElement && {
        vocabParallelLogitsBytesPerElement: toSi(
          file.memory.vocabParallelLogitsBytesPerElement.value,
          file.memory.vocabParallelLogitsBytesPerElement.unit,
        ),
      }),
      ...(file.memory.headSavesGatheredInput && {
        headSavesGatheredInput: file.memory.headSavesGatheredInput.saves,
      }),
      ...(file.memory.pipelineKeepsOutputs && {
        pipelineKeepsOutputs: file.memory.pipelineKeepsOutputs.keeps,
      }),
      ...(file.memory.selectiveCheckpoint && { selectiveCheckpoint: file.memory.selectiveCheckpoint.policy }),
      ...(file.memory.offloadsCheckpoints && {
        offloadsCheckpoints: file.memory.offloadsCheckpoints.offloads,
      }),
      ...(file.memory.peft && {
        peft: {
          fp32Adapters: file.memory.peft.fp32Adapters,
          kbitUpcastsToFp32: file.memory.peft.kbitUpcastsToFp32,
        },
      }),
      optimizerStep:
        file.memory.optimizerStep.kind === 'flat-fp32-gradient'
          ? {
              kind: 'flat-fp32-gradient',
              subGroupNumel: toSi(
                file.memory.optimizerStep.subGroupNumel!.value,
                file.memory.optimizerStep.subGroupNumel!.unit,
              ),
            }
          : { kind: file.memory.optimizerStep.kind },
      ...(file.memory.fsdp && {
        fsdp: {
          keepsUnshardedWithPipeline: file.memory.fsdp.keepsUnshardedWithPipeline,
          float8AllGather: file.memory.fsdp.float8AllGather,
        },
      }),
    },
    lossKernel: file.kernels.crossEntropy === 'fp32-logits' ? 'fp32' : 'fused',
    ...(file.kernels.attention !== 'unfused' && { attentionKernel: file.kernels.attention }),
    offloadModes: file.offload?.modes ?? [],
    // Its fitted families, and on the reference stack's other families its compute scale transferred.
    calibrations:
      borrowed ??
      (key === TRANSFER_REFERENCE_STACK
        ? fitted
        : [
            ...fitted,
            ...transferredCalibrations(
              fitted,
              fittedCalibrations(TRANSFER_REFERENCE_STACK),
              TRANSFER_REFERENCE_STACK,
            ),
          ]),
  };
  cache.set(key, profile);
  return profile;
}

/** A stack's (GPU family × stack) fits as written by scripts/calibrate.ts. */
function fittedCalibrations(id: StackId): StackCalibration[] {
  return stackCalibrations()
    .calibrations.filter((c) => c.stack === id)
    .map((c) => ({
      family: c.family,
      stepTimeScale: c.stepTimeScale,
      attentionScale: c.attentionScale,
      expertScale: c.expertScale,
      localExpertOverheadSeconds: c.localExpertOverheadSeconds,
      layerOverheadSeconds: c.layerOverheadSeconds,
      zero3LayerOverheadSeconds: c.zero3LayerOverheadSeconds,
      extrapolated: c.extrapolated,
      leaveOneOutLogResiduals: c.leaveOneOutLogResiduals,
      heldOutLogResiduals: c.heldOut.map((h) => h.logResidual),
      cases: c.cases.map((k) => k.id),
      maxGpus: Math.max(...c.cases.map((k) => k.gpus)),
      maxParams: Math.max(...c.cases.map((k) => k.totalParams)),
      caseFamilies: [...new Set(c.cases.map((k) => k.gpuFamily))].sort(),
      caseMixers: [...new Set(c.cases.flatMap((k) => k.mixers))].sort(),
    }));
}

/** The calibration file, validated. */
export function stackCalibrations(): CalibrationFile {
  const parsed = calibrationFileSchema.safeParse(calibrationFile);
  if (!parsed.success)
    throw new InternalError(`catalog/validation/stack-calibration.json is invalid: ${parsed.error.message}`);
  return parsed.data;
}

/** The stack whose cases calibrate `id`: itself, or the one whose calibration it takes (calibrationFrom). */
export function calibrationStackOf(id: StackId): StackId {
  return stackFileSchema.parse(STACKS_FILES[id]).calibrationFrom?.stack ?? id;
}

/** Every calibration of every stack (the pooled band for uncalibrated cases). */
export function allStackCalibrations(): StackProfile['calibrations'] {
  // A borrowed calibration (fittedOn) is its own stack's, already in the pool.
  return STACK_IDS.flatMap((id) => findStack(id).calibrations.filter((c) => c.fittedOn === undefined));
}

/** The CLI's default stack for a kind of run: Megatron for pretraining, Hugging Face for fine-tuning and RL. */
export const DEFAULT_STACK: Readonly<Record<'pretrain' | 'finetune' | 'rl', StackId>> = {
  pretrain: 'megatron',
  finetune: 'hf',
  rl: 'hf',
};

/** Why `stack` takes no MTP modules (naming the stacks that do), or null when it builds them. */
export function noMtpReason(stack: StackProfile): string | null {
  if (stack.trainsMtp) return null;
  return `${stack.name} builds no MTP modules (catalog/stacks/ multiTokenPrediction); MTP is trained by the ${STACK_IDS.filter((id) => findStack(id).trainsMtp).join(' and ')} stacks, or give 0`;
}

/**
 * The model with `n` MTP modules trained (`--mtp-layers`, a phase's `mtpLayers`; trained-spec.ts
 * withMtpModules), unchanged when `n` is undefined; n > 0 on a stack that builds none is refused naming
 * `field` ({@link noMtpReason}).
 */
export function withTrainedMtp(
  spec: ModelSpec,
  n: number | undefined,
  stack: StackProfile,
  field: readonly (string | number)[],
): ModelSpec {
  if (n === undefined) return spec;
  const refused = n > 0 ? noMtpReason(stack) : null;
  if (refused !== null) inputError('invalid_value', field, refused);
  return withMtpModules(spec, n);
}

/** The stack options every engine entry point passes (CLI, levers, web app, scenarios), so they agree. */
export function stackOptions(
  kind: keyof typeof DEFAULT_STACK,
  id?: string,
): { readonly stack: StackProfile; readonly calibrationPool: StackProfile['calibrations'] } {
  return { stack: findStack(id ?? DEFAULT_STACK[kind]), calibrationPool: allStackCalibrations() };
}
