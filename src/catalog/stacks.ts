/**
 * Software stacks (catalog/stacks/*.json) and their (GPU family × stack) calibrations
 * (catalog/validation/stack-calibration.json, written by scripts/calibrate.ts), as core StackProfiles.
 */
import calibrationFile from '../../catalog/validation/stack-calibration.json' with { type: 'json' };
import { InputError, InternalError, inputError } from '../core/errors.js';
import { wordList } from '../core/format.js';
import { keepsEagerCopies, type OwnModules } from '../core/memory/training-memory.js';
import type { TrainingPrecision } from '../core/memory/training-recipes.js';
import { fused } from '../core/model/families/fused-projections.js';
import type { ModelSpec } from '../core/model/spec.js';
import { withMtpModules } from '../core/model/trained-spec.js';
import {
  STACK_IDS,
  type StackCalibration,
  type StackId,
  type StackProfile,
  TRANSFER_REFERENCE_STACK,
  transferredCalibrations,
} from '../core/training/stack.js';
import { modelRecords } from '../core/uncertainty/model-record.js';
import { toSi } from '../core/units.js';
import { loadCatalog } from './catalog.js';
import { STACKS_FILES } from './data.js';
import {
  type CalibrationFile,
  calibrationFileSchema,
  type StackFile,
  stackFileSchema,
} from './stack-schema.js';

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
    ...(file.bf16GradientBuffers && { bf16GradientBuffers: file.bf16GradientBuffers.flag }),
    ...(file.kernels.fullIterationCudaGraphs && {
      fullIterationCudaGraphs: file.kernels.fullIterationCudaGraphs.flag,
    }),
    ...(file.gradientReduction && { gradReduceInFp32: file.gradientReduction.fp32 }),
    trainsMtp: file.multiTokenPrediction.trains,
    ...(file.fusedProjections && {
      fusedProjections: { qkv: file.fusedProjections.qkv, gateUp: file.fusedProjections.gateUp },
    }),
    parallelism: {
      ...file.parallelism,
      zeroStages: file.parallelism.zeroStages.map((z) => Number(z) as 0 | 1 | 2 | 3),
      expertTensorFolding: file.parallelism.expertTensorFolding.supported,
      pipelineDefersGradientReduction: file.parallelism.pipelineDefersGradientReduction?.defers ?? false,
      zero2LayerHooks: file.parallelism.zero2LayerHooks?.hooks ?? false,
      tensorParallelOverlap: file.parallelism.tensorParallelOverlap?.flag ?? null,
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
      ...(file.memory.compiledLoss && {
        compiledLossLogitsBytesPerElement: toSi(
          file.memory.compiledLoss.logitsBytesPerElement.value,
          file.memory.compiledLoss.logitsBytesPerElement.unit,
        ),
        compiledLossSince: file.memory.compiledLoss.since,
      }),
      ...(file.memory.headSavesGatheredInput && {
        headSavesGatheredInput: file.memory.headSavesGatheredInput.saves,
      }),
      ...(file.memory.pipelineKeepsOutputs && {
        pipelineKeepsOutputs: file.memory.pipelineKeepsOutputs.keeps,
      }),
      ...(file.memory.selectiveCheckpoint && { selectiveCheckpoint: file.memory.selectiveCheckpoint.policy }),
      ...(file.memory.eagerActivationCopies && {
        eagerActivationCopies: file.memory.eagerActivationCopies.saves,
      }),
      ...(file.memory.ownModules && { ownModules: ownModules(file.memory.ownModules) }),
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
    offloadsActivations: file.offload?.activations !== undefined,
    recomputesBlocks: file.blockRecompute !== undefined,
    recomputesEveryNth: file.layerRecompute !== undefined,
    // Its fitted families, and on the reference stack's other families its fits' medians.
    calibrations:
      borrowed ??
      (key === TRANSFER_REFERENCE_STACK
        ? fitted
        : [...fitted, ...transferredCalibrations(fitted, fittedCalibrations(TRANSFER_REFERENCE_STACK))]),
  };
  cache.set(key, profile);
  return profile;
}

/** Another stack's loss and eager copies, which a stack runs models it does not build with. */
function ownModules(own: { modelTypes: string[]; otherwise: StackId }): OwnModules {
  const other = findStack(own.otherwise);
  return {
    modelTypes: own.modelTypes,
    otherwise: {
      logitsBytesPerElement: other.memory.logitsBytesPerElement,
      eagerActivationCopies: keepsEagerCopies(other.memory),
      lossKernel: other.lossKernel ?? 'fused',
    },
  };
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
      modelRecords: modelRecords(
        c.cases.map((k, i) => ({
          id: k.id,
          totalParams: k.totalParams,
          timeMultiplier: Math.exp(c.leaveOneOutLogResiduals[i]!),
        })),
      ),
      maxGpus: Math.max(...c.cases.map((k) => k.gpus)),
      maxParams: Math.max(...c.cases.map((k) => k.totalParams)),
      maxAttentionFraction: Math.max(...c.cases.map((k) => k.attentionFraction)),
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

/** The stacks that split a sequence over GPUs (context parallelism), as the catalog states their splits. */
export const contextParallelStacks = (): StackId[] =>
  STACK_IDS.filter((id) => findStack(id).parallelism.context);

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
 * The model as `stack` trains it: with `n` MTP modules trained (`--mtp-layers`, a phase's `mtpLayers`;
 * trained-spec.ts withMtpModules; unchanged when `n` is undefined; n > 0 on a stack that builds none is
 * refused naming `field`, {@link noMtpReason}), and with the projections the stack builds as one matrix
 * fused (catalog `fusedProjections`: Megatron-Core's linear_qkv and linear_fc1), which its adapters then
 * adapt whole (the GEMMs are unchanged: the operation list runs q/k/v and gate/up as one GEMM already).
 */
export function asTrainedBy(
  spec: ModelSpec,
  n: number | undefined,
  stack: StackProfile,
  field: readonly (string | number)[],
): ModelSpec {
  const built = stack.fusedProjections ? fused(spec, stack.fusedProjections) : spec;
  if (n === undefined) return built;
  const refused = n > 0 ? noMtpReason(stack) : null;
  if (refused !== null) inputError('invalid_value', field, refused);
  return withMtpModules(built, n);
}

/** Why `stack` lacks a run switch (null where it has it), naming the stacks that have it and their flags. */
function noSwitchReason(
  stack: StackProfile,
  flagOf: (s: StackProfile) => string | null | undefined,
  what: string,
): string | null {
  if (flagOf(stack)) return null;
  const having = STACK_IDS.map((id) => findStack(id)).filter((s) => flagOf(s));
  return `the ${stack.id} stack has no modelled ${what}; ${having.map((s) => `the ${s.id} stack has it (${flagOf(s)})`).join(', ')}`;
}

/**
 * Why `stack` cannot overlap its TP collectives with the GEMMs (null where it can): the stacks that
 * have a modelled overlap (StackParallelism.tensorParallelOverlap), each with its switch.
 */
export const noTensorParallelOverlapReason = (stack: StackProfile): string | null =>
  noSwitchReason(stack, (s) => s.parallelism.tensorParallelOverlap, 'tensor-parallel communication overlap');

/** Why `stack` cannot capture a whole step as one CUDA graph (null where it can). */
export const noFullIterationCudaGraphsReason = (stack: StackProfile): string | null =>
  noSwitchReason(stack, (s) => s.fullIterationCudaGraphs, 'full-iteration CUDA graph capture');

/** Why `stack` cannot keep its main-grad buffers in BF16 (null where it can). */
export const noBf16GradientBuffersReason = (stack: StackProfile): string | null =>
  noSwitchReason(stack, (s) => s.bf16GradientBuffers, 'BF16 main-grad buffers');

/** A run switch asked for (`on`): refused at `field` with `reason` where the stack lacks it. */
function runSwitch(on: boolean | undefined, reason: string | null, field: readonly (string | number)[]) {
  if (on !== true) return false;
  if (reason !== null) inputError('invalid_value', field, reason);
  return true;
}

/**
 * Whether a run pipelines its TP collectives with the GEMMs (`--tp-comm-overlap`, a scenario's
 * `tpCommOverlap`): refused, at `field`, on a stack without a modelled overlap
 * ({@link noTensorParallelOverlapReason}).
 */
export const tensorParallelOverlap = (
  on: boolean | undefined,
  stack: StackProfile,
  field: readonly (string | number)[],
): boolean => runSwitch(on, noTensorParallelOverlapReason(stack), field);

/**
 * The run's main-grad buffers (`--bf16-grad-buffers`): BF16 where asked (`grad_reduce_in_fp32` false, as
 * NeMo's performance recipes run), refused at `field` on a stack without the switch, and with FP32
 * training, whose gradients stay in the parameters' FP32 (Megatron-Core param_and_grad_buffer.py
 * grad_dtype); else unstated.
 */
export const bf16GradientBuffers = (
  on: boolean | undefined,
  stack: StackProfile,
  field: readonly (string | number)[],
  precision: TrainingPrecision,
): { readonly gradReduceInFp32?: false } =>
  runSwitch(
    on,
    noBf16GradientBuffersReason(stack) ??
      (precision === 'fp32'
        ? "FP32 training keeps its gradients in the parameters' FP32: BF16 main-grad buffers apply to bf16, fp8 or bf16-pure"
        : null),
    field,
  )
    ? { gradReduceInFp32: false }
    : {};

/** The run switches a pretraining run can ask a stack for, by the field a scenario or baseline names them. */
export type StackSwitch = 'tpCommOverlap' | 'fullIterationCudaGraphs' | 'bf16GradBuffers';

/**
 * The training options of the switches a run asks for, each refused at `field(switch)` (a CLI flag, a
 * scenario's or a baseline's path) on a stack without it.
 */
export function stackSwitches(
  asked: { readonly [K in StackSwitch]?: boolean },
  stack: StackProfile,
  field: (name: StackSwitch) => readonly (string | number)[],
  precision: TrainingPrecision,
) {
  return {
    overlapTensorParallel: tensorParallelOverlap(asked.tpCommOverlap, stack, field('tpCommOverlap')),
    fullIterationCudaGraphs: fullIterationCudaGraphs(
      asked.fullIterationCudaGraphs,
      stack,
      field('fullIterationCudaGraphs'),
    ),
    ...bf16GradientBuffers(asked.bf16GradBuffers, stack, field('bf16GradBuffers'), precision),
  };
}

/**
 * Whether a run replays each step as one CUDA graph (`--full-iteration-cuda-graphs`): refused, at
 * `field`, on a stack without it ({@link noFullIterationCudaGraphsReason}).
 */
export const fullIterationCudaGraphs = (
  on: boolean | undefined,
  stack: StackProfile,
  field: readonly (string | number)[],
): boolean => runSwitch(on, noFullIterationCudaGraphsReason(stack), field);

/** The GPU vendors a stack runs on (catalog/stacks/ gpuVendors, its vendors' forks included) and how; null: any. */
export function stackGpuVendors(id: StackId): StackFile['gpuVendors'] | null {
  // Parsed once per stack: every plan on a GPU asks.
  if (!vendorCache.has(id)) vendorCache.set(id, stackFileSchema.parse(STACKS_FILES[id]).gpuVendors ?? null);
  return vendorCache.get(id)!;
}
const vendorCache = new Map<StackId, StackFile['gpuVendors'] | null>();
const vendorsOf = (id: StackId): readonly string[] | null => stackGpuVendors(id)?.value ?? null;

/** Why `stack` does not run on `gpuId` (no port of it to that GPU's vendor), else null. */
export function stackVendorError(stack: StackProfile, gpuId: string): string | null {
  const vendors = vendorsOf(stack.id);
  const vendor = loadCatalog().gpus.get(gpuId)?.vendor;
  if (vendors === null || vendor === undefined || vendors.includes(vendor)) return null;
  const others = STACK_IDS.filter((id) => {
    const v = vendorsOf(id);
    return v === null || v.includes(vendor);
  });
  return `${stack.name} runs on ${wordList(vendors, 'and')} accelerators (catalog/stacks/${stack.id}.json gpuVendors, vendors' forks included), not ${vendor}'s ${gpuId}; stacks that run there: ${wordList(others)}`;
}

/**
 * The stack `id` names, refused (at `field`) where it has no port to `gpuId`'s vendor; without one the
 * default of `kind`, or, where that does not run there, Hugging Face's, which runs on every vendor.
 */
export function stackOnGpu(
  kind: keyof typeof DEFAULT_STACK,
  id: string | undefined,
  gpuId: string | undefined,
  field: readonly (string | number)[] = ['--stack'],
): StackProfile {
  const stack = findStack(id ?? DEFAULT_STACK[kind], String(field.at(-1)));
  const error = gpuId === undefined ? null : stackVendorError(stack, gpuId);
  if (error === null) return stack;
  if (id === undefined)
    return {
      ...findStack('hf'),
      takenBecause: `taken on ${gpuId}, where ${stack.name}, the ${kind} default, does not run; name another with --stack`,
    };
  return inputError('infeasible', field, error);
}

/** The stack options every engine entry point passes (CLI, levers, web app, scenarios), so they agree. */
export function stackOptions(
  kind: keyof typeof DEFAULT_STACK,
  id?: string,
  gpuId?: string,
  field?: readonly (string | number)[],
): { readonly stack: StackProfile; readonly calibrationPool: StackProfile['calibrations'] } {
  return { stack: stackOnGpu(kind, id, gpuId, field), calibrationPool: allStackCalibrations() };
}
