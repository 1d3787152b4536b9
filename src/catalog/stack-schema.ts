/**
 * The schemas of a stack's catalog file (catalog/stacks/<id>.json) and of the committed calibration
 * (catalog/validation/stack-calibration.json, written by scripts/calibrate.ts). Split out of stacks.ts
 * (one concept: what the files may hold; stacks.ts turns them into core StackProfiles).
 */
import { z } from 'zod';
import { CALIBRATION_SHARED_PARAMETERS, FP8_RECIPES, STACK_IDS } from '../core/training/stack.js';
import { sourcedValue } from './schema.js';

const cited = { source: z.string().min(1), note: z.string().min(1) };

/** The GPU vendors an engine or a training stack runs on (catalog gpus' `vendor`), with its source. */
export const gpuVendorsSchema = z
  .object({
    value: z.array(z.string().min(1)).min(1),
    unit: z.literal('list'),
    source: z.string().min(1),
    kind: z.enum(['vendor-spec', 'measured', 'estimate']),
    note: z.string().min(1),
  })
  .strict();

export const stackFileSchema = z
  .object({
    id: z.enum(STACK_IDS),
    name: z.string().min(1),
    description: z.string().min(1),
    /** The GPU vendors the stack runs on, its vendors' forks included; absent: any (Hugging Face). */
    gpuVendors: gpuVendorsSchema.optional(),
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
        /** ZeRO-2 (sharded gradients) with pipeline parallelism: FSDP2's SHARD_GRAD_OP does, DeepSpeed's and Megatron's do not. */
        zero2WithPipeline: z.boolean(),
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
        /** Its switch that pipelines TP collectives with the GEMMs beside them (absent: none); cited on its own. */
        tensorParallelOverlap: z
          .object({ flag: z.string().min(1), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
        /** Its ZeRO-2 is FSDP wrapping each layer, with ZeRO-3's per-layer hooks; cited on its own. */
        zero2LayerHooks: z
          .object({ hooks: z.boolean(), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
        ...cited,
      })
      .strict(),
    kernels: z
      .object({
        crossEntropy: z.enum(['fused-vocab-parallel', 'fp32-logits', 'chunked-fused', 'fused-bf16']),
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
        /** Its switch that captures the whole step as one CUDA graph (absent: none); cited on its own. */
        fullIterationCudaGraphs: z
          .object({ flag: z.string().min(1), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
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
        /** The loss compiled with the model, from the version that does (StackMemory.compiledLoss). */
        compiledLoss: z
          .object({
            logitsBytesPerElement: sourcedValue,
            /** The first release or merge date that compiles it (ISO date). */
            since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
            locator: z.string().min(1),
            ...cited,
          })
          .strict()
          .optional(),
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
        /** Whether its eager modules keep Hugging Face's extra copies (StackMemory.eagerActivationCopies). */
        eagerActivationCopies: z
          .object({ saves: z.boolean(), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
        /** The model types its own modules build; others run as the named stack's (StackMemory.ownModules). */
        ownModules: z
          .object({
            modelTypes: z.array(z.string().min(1)).min(1),
            otherwise: z.enum(STACK_IDS),
            locator: z.string().min(1),
            ...cited,
          })
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
        /** The first N layers' activations kept in host memory (core/memory/activation-offload.ts), with its flag. */
        activations: z
          .object({ flag: z.string().min(1), locator: z.string().min(1), ...cited })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /**
     * A stack without calibration cases of its own that runs another stack's modules takes that
     * stack's calibration (flagged in its summary), with the reason and its source.
     */
    /** Projections the stack builds as one matrix whatever the checkpoint's layout (StackProfile.fusedProjections). */
    fusedProjections: z
      .object({ qkv: z.boolean(), gateUp: z.boolean(), locator: z.string().min(1), ...cited })
      .strict()
      .optional(),
    /** Full recomputation of every K-th layer (StackProfile.recomputesEveryNth: torchtitan's layer-wise checkpointing), with its flag. */
    layerRecompute: z
      .object({ flag: z.string().min(1), locator: z.string().min(1), ...cited })
      .strict()
      .optional(),
    /** Full recomputation of only the first N layers of each pipeline chunk (StackProfile.recomputesBlocks), with its flag. */
    blockRecompute: z
      .object({ flag: z.string().min(1), locator: z.string().min(1), ...cited })
      .strict()
      .optional(),
    /** Whether the stack trains a model's MTP modules (StackProfile.trainsMtp); cited on its own. */
    multiTokenPrediction: z.object({ trains: z.boolean(), locator: z.string().min(1), ...cited }).strict(),
    calibrationFrom: z
      .object({ stack: z.enum(STACK_IDS), locator: z.string().min(1), ...cited })
      .strict()
      .optional(),
    /** The dtype of its default data-parallel gradient reduction (StackProfile.gradReduceInFp32). */
    gradientReduction: z
      .object({ fp32: z.boolean(), locator: z.string().min(1), ...cited })
      .strict()
      .optional(),
    /** Its switch that keeps the main-grad buffers in BF16 (absent: none); cited on its own. */
    bf16GradientBuffers: z
      .object({ flag: z.string().min(1), locator: z.string().min(1), ...cited })
      .strict()
      .optional(),
    /** Settings of the stack's published performance recipes that its calibration cases run with. */
    performanceRecipes: z
      .object({
        gradReduceInFp32: z.boolean(),
        /** The recipes pipeline TP collectives with the GEMMs wherever TP > 1 (`tp_comm_overlap`). */
        tpCommOverlap: z.boolean(),
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
