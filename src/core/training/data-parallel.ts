/**
 * What a training step does besides the pipeline: FP32 gradient accumulation per micro-batch, the
 * data-parallel gradient synchronisation (and FSDP weight gathers), and the optimizer step.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { collectiveSeconds, type GroupPlacement, placement } from '../hardware/collectives.js';
import { memorySeconds } from '../hardware/roofline.js';
import { optimizerStateBytes, PRECISION_BYTES } from '../memory/training-memory.js';
import { gradientBytes } from '../memory/training-recipes.js';
import { layerWeights, nonExpertWeights, tpShard } from '../model/operations.js';
import { embeddingProjectionParams, encoderParamCount } from '../model/param-count.js';
import { embeddingWidth, type ModelSpec } from '../model/spec.js';
import { perSpecMemo } from '../model/spec-memo.js';
import { expertDataParallelOf, expertTensorParallelOf, type ParallelLayout } from '../parallelism/layout.js';
import type { TrainingOptions } from './step-time.js';

const firstStageMemo = perSpecMemo<number, StageWeights>();

/** A pipeline stage's matrices: dense (TP-split but for `replicated`) and every routed expert. */
interface StageWeights {
  readonly dense: number;
  readonly replicated: number;
  readonly expert: number;
}

/**
 * Matmul weights of the first `layers` layers plus the embedding (memoised), and the untied output
 * head when that stage is the only one (`pipelineParallel` 1).
 */
const firstStageWeights = (spec: ModelSpec, layers: number, onlyStage: boolean): StageWeights =>
  firstStageMemo(spec, onlyStage ? -layers : layers, () => computeFirstStageWeights(spec, layers, onlyStage));

function computeFirstStageWeights(spec: ModelSpec, layers: number, onlyStage: boolean): StageWeights {
  // The input embedding, and a multimodal model's encoders, which sit on the first stage (training-memory.ts).
  let dense =
    spec.vocabSize * embeddingWidth(spec) + embeddingProjectionParams(spec) + encoderParamCount(spec);
  if (onlyStage && !spec.tieWordEmbeddings) dense += spec.vocabSize * embeddingWidth(spec);
  let replicated = 0;
  let expert = 0;
  for (let i = 0; i < layers; i += 1) {
    const w = layerWeights(spec, spec.layers[i]!);
    dense += nonExpertWeights(w);
    replicated += w.replicated;
    expert += w.allRoutedExperts;
  }
  return { dense, replicated, expert };
}

/** Parameters one GPU of the first stage holds, split into dense (DP-replicated) and expert parts. */
export function paramsPerGpu(spec: ModelSpec, layout: ParallelLayout): { dense: number; expert: number } {
  const perStage = Math.min(spec.numLayers, Math.ceil(spec.numLayers / layout.pipelineParallel));
  const w = firstStageWeights(spec, perStage, layout.pipelineParallel === 1);
  return {
    dense: tpShard(w.dense, w.replicated, layout.tensorParallel),
    expert: w.expert / (layout.expertParallel * expertTensorParallelOf(layout)),
  };
}

export interface DataParallelInput {
  readonly spec: ModelSpec;
  readonly cluster: ClusterSpec;
  readonly layout: ParallelLayout;
  readonly options: TrainingOptions;
  readonly microbatches: number;
  /** One micro-batch's forward + backward on the slowest stage (FSDP gathers hide behind it). */
  readonly microbatchSeconds: number;
  /** The last micro-batch's backward: the window the gradient reduce-scatter overlaps. */
  readonly lastBackwardSeconds: number;
}

export interface DataParallelSeconds {
  /** Exposed gradient synchronisation per step. */
  readonly syncSeconds: number;
  /** The optimizer step: on the GPU, or on the host's CPUs when offloaded. */
  readonly optimizerSeconds: number;
  /** Exposed GPU ↔ host copies of offloaded gradients and weights (0 without offload). */
  readonly hostTransferSeconds: number;
}

/**
 * Trainable parameters on one GPU: the adapters (and the embedding and head they train beside, over
 * TP on the stages that hold them) alone when the base is frozen.
 */
function trainableOnGpu(input: Pick<DataParallelInput, 'spec' | 'layout' | 'options'>) {
  const { spec, layout, options } = input;
  const base = paramsPerGpu(spec, layout);
  const adapter = options.adapter;
  const t = layout.tensorParallel;
  return {
    base,
    dense: adapter
      ? adapter.trainableParams / (t * layout.pipelineParallel) +
        adapter.trainableEmbeddingParams / (t * Math.min(2, layout.pipelineParallel))
      : base.dense,
    expert: adapter ? 0 : base.expert,
  };
}

/** Bytes per gradient element accumulated and reduced (training-recipes.ts gradientBytes). */
const gradientBytesOf = (options: TrainingOptions) =>
  gradientBytes(options.precision, options.gradReduceInFp32);

/**
 * Gradient accumulation per micro-batch: its weight gradients are added into the main-grad
 * buffers (Megatron-LM `main_grad`; DeepSeek-V3 keeps FP32 gradients too), one read and one write
 * of the buffer's element per local trainable parameter, when more than one micro-batch
 * contributes to a step.
 */
export function accumulationSeconds(
  input: Pick<DataParallelInput, 'spec' | 'cluster' | 'layout' | 'options' | 'microbatches'>,
): number {
  if (input.microbatches <= 1) return 0;
  const { dense, expert } = trainableOnGpu(input);
  return memorySeconds(input.cluster.gpu, (dense + expert) * 2 * gradientBytesOf(input.options).accumulate);
}

export function dataParallelSeconds(input: DataParallelInput): DataParallelSeconds {
  const { cluster, layout, options } = input;
  const hw = cluster.gpu;
  const { base, dense, expert } = trainableOnGpu(input);
  const t = layout.tensorParallel;
  const dp = layout.dataParallel;
  const cp = layout.contextParallel;
  const m = input.microbatches;

  // Reduce-scatter the gradients and all-gather the updated weights (distributed optimizer / ZeRO ≥ 1),
  // or all-reduce (ZeRO-0), over DP×CP for dense and TP·DP·CP/(EP·ETP) for experts (Rajbhandari et al. 2020).
  const bytes = PRECISION_BYTES[options.precision];
  const gradientWireBytes = gradientBytesOf(options).reduce;
  const dpGroup = placement(dp * cp, t, cluster.gpusPerNode);
  const edp = expertDataParallelOf(layout);
  const edpGroup = placement(
    edp,
    expertTensorParallelOf(layout) * layout.expertParallel,
    cluster.gpusPerNode,
  );
  const collective = (
    kind: 'all-reduce' | 'reduce-scatter' | 'all-gather',
    b: number,
    group: GroupPlacement,
  ) => collectiveSeconds(kind, b, group, cluster.scaleUp, cluster.scaleOut);
  const sync = (params: number, group: GroupPlacement) =>
    layout.zeroStage === 0
      ? collective('all-reduce', params * gradientWireBytes, group)
      : collective('reduce-scatter', params * gradientWireBytes, group) +
        collective('all-gather', params * bytes.weight, group);
  let comm = sync(dense, dpGroup) + sync(expert, edpGroup);
  if (layout.zeroStage === 3) {
    // FSDP gathers the weights for every micro-batch's forward and backward (a frozen base too).
    const weightBytes = options.adapter ? options.adapter.baseBytesPerParam : bytes.weight;
    const perMicrobatch =
      2 *
      (collective('all-gather', base.dense * weightBytes, dpGroup) +
        collective('all-gather', base.expert * weightBytes, edpGroup));
    comm += m * Math.max(0, perMicrobatch - input.microbatchSeconds);
  }
  // Gradients are complete only after the last micro-batch: the overlap window is its backward;
  // none where the stack's pipeline engine reduces after it (DeepSpeed TrainSchedule's ReduceGrads).
  const overlap =
    options.overlapDataParallel ??
    !(options.pipelineDefersGradientReduction === true && layout.pipelineParallel > 1);
  const syncSeconds = overlap ? Math.max(0, comm - input.lastBackwardSeconds) : comm;

  // Optimizer: read and write master weights and states, read gradients, write weights (memory-bound).
  // Sharded (ZeRO ≥ 1) over the group that holds a copy: DP×CP for dense, DP×CP/EP for experts.
  const sharded = layout.zeroStage >= 1;
  const stateBytes =
    2 * (bytes.master + optimizerStateBytes(options.optimizer, options.precision)) +
    gradientWireBytes +
    bytes.weight;
  const updated = dense / (sharded ? dp * cp : 1) + expert / (sharded ? edp : 1);
  if (!options.offload)
    return { syncSeconds, optimizerSeconds: memorySeconds(hw, updated * stateBytes), hostTransferSeconds: 0 };
  return { syncSeconds, ...offloadSeconds(input, { updated, stateBytes, gradientWireBytes }) };
}

/**
 * The optimizer step on the host and the copies it needs (ZeRO-Offload, Ren et al. 2021, Sec. 4-5;
 * ZeRO-Infinity, Rajbhandari et al. 2021). The CPU step moves the same bytes per parameter as the
 * GPU's (reads and writes of the master and moments, the gradient read, the weight write) over the
 * host's DRAM bandwidth, shared by the GPUs of the host (CPU Adam is memory-bound, Sec. 5.1).
 * `optimizer`: each rank's gradient shard goes device→host during the backward (overlapped with the
 * last micro-batch's backward, as its reduce-scatter is: Sec. 4.2, the swap runs on its own stream)
 * and its updated weights come back host→device after the CPU step, on the critical path (the
 * one-step delayed update of Sec. 5.2, which would hide it, changes the optimisation and is not
 * modelled). `optimizer+params`: every micro-batch's forward and backward bring the weight shard
 * host→device and its backward sends the gradient shard back, prefetched behind that micro-batch's
 * compute as FSDP's gathers are; the updated weights stay on the host.
 */
export function offloadSeconds(
  input: DataParallelInput,
  per: { readonly updated: number; readonly stateBytes: number; readonly gradientWireBytes: number },
): { readonly optimizerSeconds: number; readonly hostTransferSeconds: number } {
  const { options } = input;
  const offload = options.offload!;
  const host = offload.host;
  const weightBytes = PRECISION_BYTES[options.precision].weight;
  const link = host.linkBytesPerSecondPerDirection;
  // CPU step: the host's DRAM bandwidth split over the GPUs whose shards it updates.
  const optimizerSeconds = (per.updated * per.stateBytes) / (host.memoryBytesPerSecond / host.gpusPerHost);
  const gradientCopy = (per.updated * per.gradientWireBytes) / link;
  const weightCopy = (per.updated * weightBytes) / link;
  if (offload.mode === 'optimizer') {
    const exposedGradients = Math.max(0, gradientCopy - input.lastBackwardSeconds);
    return { optimizerSeconds, hostTransferSeconds: exposedGradients + weightCopy };
  }
  // Each direction has its own lanes: two weight fetches in, one gradient copy out per micro-batch.
  const perMicrobatch = Math.max(2 * weightCopy, gradientCopy);
  return {
    optimizerSeconds,
    hostTransferSeconds: input.microbatches * Math.max(0, perMicrobatch - input.microbatchSeconds),
  };
}
