/**
 * An inference engine's scheduler and memory policy (vLLM, SGLang, TensorRT-LLM): how much GPU
 * memory it takes for the KV cache, its block size, its per-step token budget and running-sequence
 * cap, its per-step host overhead, and which serving features it has. The values are catalog data
 * (catalog/engines/*.json, each with its source); this is the shape the core computes with.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { isFourBit } from '../hardware/efficiency.js';
import type { HardwareSpec } from '../hardware/hardware-spec.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import type { ExpertAlignment } from '../model/operation-types.js';
import type { ModelSpec } from '../model/spec.js';
import type { WeightFormat } from '../precision.js';
import { MIB } from '../units.js';
import { type HeldMemory, heldMemoryOptions } from './held-memory.js';
import type { ChunkStreaming } from './prompt-chunks.js';
import { computeType, microbatchesOf, type Replica, replicaMemoryOptions } from './serving-step.js';

export interface EngineProfile {
  readonly id: string;
  readonly name: string;
  /**
   * Share of GPU memory the engine may use. `total`: weights, activations and KV together stay
   * within fraction × memory (vLLM gpu_memory_utilization, SGLang mem_fraction_static);
   * `free-after-weights`: the KV cache takes fraction × the memory left after weights and
   * workspace (TensorRT-LLM free_gpu_memory_fraction / KvCacheConfig).
   */
  readonly memoryFraction: number;
  readonly memoryFractionOf: 'total' | 'free-after-weights';
  /**
   * Where the engine derives its share from the GPU and the layout instead (SGLang's
   * `mem_fraction_static` heuristic): `memoryFraction` then holds only its value on the profile's
   * reference GPU, and {@link engineMemoryFraction} computes the share per replica.
   */
  readonly memoryReserve?: MemoryReserve;
  /**
   * What the engine holds beside weights and KV, as its startup profile measures it (vLLM: the torch
   * activation peak of a token-budget forward and a sampler run over `maxRunningSequences` rows, plus
   * non-torch allocations); absent: one FP32 copy of the logits split over TP and the default
   * framework overhead (inference-memory.ts).
   */
  readonly heldMemory?: HeldMemory;
  /**
   * The largest decode batch the engine captures in a CUDA graph on this GPU: below `tpThreshold` GPUs
   * per replica, and from it on (SGLang `cuda_graph_max_bs` by GPU memory); absent where the profile
   * does not say. Kept where the deployment states the memory share: the capture does not depend on it.
   */
  readonly cudaGraphBatch?: { readonly small: number; readonly large: number; readonly tpThreshold: number };
  /**
   * When a request is admitted: `on-demand` allocates KV blocks as tokens arrive and preempts when
   * full (vLLM, SGLang); `reserve-final` admits only if its prompt + maximum output fit
   * (TensorRT-LLM's GUARANTEED_NO_EVICT capacity scheduler, the default).
   */
  readonly kvAdmission: 'on-demand' | 'reserve-final';
  /**
   * A running request's next prompt chunk that finds no free KV block preempts the newest running
   * request, as a decode does (vLLM V1's scheduler allocates for every running request in turn, prefill
   * or decode, and preempts the lowest-priority one on failure); false: the chunk waits for blocks.
   */
  readonly chunkPreempts: boolean;
  /**
   * A step that can prefill prompt chunks runs them alone, decoding nobody, and the running sequences
   * decode only in steps that admit no prompt (SGLang without --enable-mixed-chunk: the scheduler runs a
   * new prefill batch first whenever one forms); false: decodes and prompt chunks share every step
   * within the token budget (vLLM V1, TensorRT-LLM in-flight batching; Sarathi-Serve).
   */
  readonly prefillFirst: boolean;
  /**
   * A step's MLA prompt chunks run absorbed (every head attending over the latent, as decode does) when
   * their cached prefixes total more than 0 and fewer than this many tokens; with none, or at least this
   * many, the step runs multi-head attention over up-projected keys and values (SGLang's DeepSeek
   * attention dispatch, SGLANG_CHUNKED_PREFIX_CACHE_THRESHOLD). Absent: prompt chunks never run absorbed
   * (vLLM's MLA prefill expands the cached context in chunks).
   */
  readonly mlaPrefixAbsorbedBelowTokens?: number;
  /**
   * On a pipeline-parallel replica, a prompt's next chunk enters the first stage while the previous one
   * is still in later stages (SGLang's chunked pipeline parallelism, LMSYS blog 2026-01-15): a long
   * prompt alone keeps every stage busy. False: a prompt's chunks pass the pipeline one after another.
   */
  readonly pipelinesPromptChunks: boolean;
  /**
   * The deployment sizes a streamed prompt's chunks to keep their time (SGLang --enable-dynamic-chunking,
   * off by default; `smoothFactor` its SGLANG_DYNAMIC_CHUNKING_SMOOTH_FACTOR, 0.75 by default).
   */
  readonly dynamicChunking?: { readonly smoothFactor: number };
  /** Tokens per KV block (PagedAttention block size; SGLang's radix cache pages by 1 token). */
  readonly kvBlockTokens: number;
  /**
   * The shape multiples of the engine's weight-only 4-bit MoE kernel (vLLM's Marlin MoE: n % 256, k % 128):
   * a 4-bit expert served weight-only (no FP4 tensor cores) holds its intermediate size per partition
   * rounded up to `intermediate` and its hidden size to `hidden`, the padding loaded and streamed with
   * it (ExpertAlignment). Absent: experts as the model's shapes.
   */
  readonly weightOnlyMoeAlignment?: ExpertAlignment;
  /** Token budget of one scheduler step, decode and prefill chunks together (max_num_batched_tokens). */
  readonly maxBatchedTokens: number;
  /** Most sequences running at once (max_num_seqs, max_running_requests, max_batch_size). */
  readonly maxRunningSequences: number;
  /** Host time per step outside the GPU kernels: scheduling, launch (calibrated). */
  readonly stepOverheadSeconds: number;
  /** Host time per running sequence per step: sampling, bookkeeping, detokenizing (calibrated). */
  readonly sequenceOverheadSeconds: number;
  /**
   * GPU time per running sequence per mixture-of-experts layer per step beyond the operation list's
   * expert GEMMs and all-to-all (calibrated): routing, token permutation and grouped GEMMs at a few
   * tokens per expert run slower than the kernel model's shapes say. On the GPU, so it never hides
   * behind host work; 0 for a dense model.
   */
  readonly moeSequenceLayerSeconds: number;
  /**
   * The calibrated host time hides behind the GPU step: the scheduler prepares step n + 1 on the CPU
   * while step n runs (SGLang ≥ 0.4's zero-overhead batch scheduler), so a step takes the longer of
   * its kernels and its host time instead of their sum.
   */
  readonly hostOverlapsGpu: boolean;
  readonly features: {
    readonly chunkedPrefill: boolean;
    readonly prefixCaching: boolean;
    readonly speculative: readonly ('draft' | 'mtp' | 'eagle' | 'ngram')[];
    readonly disaggregatedPrefill: boolean;
    readonly attentionDataParallel: boolean;
  };
}

/**
 * Memory an engine holds back from the weights and KV pool, in MiB (SGLang
 * `ServerArgs._handle_gpu_memory_settings`): constant metadata, activations of a prefill chunk,
 * CUDA-graph buffers, a term per GPU of the model-parallel group, and with attention data
 * parallelism padding per DP rank; at least `floorMiB` on GPUs above `floorAboveMiB`.
 */
export interface MemoryReserve {
  readonly baseMiB: number;
  /** Per token of the prefill chunk (the step's token budget, at least `minChunkTokens`). */
  readonly perChunkTokenMiB: number;
  readonly minChunkTokens: number;
  /** Per sequence of the largest CUDA-graph batch (EngineProfile.cudaGraphBatch). */
  readonly perGraphBatchMiB: number;
  /** Per GPU of the replica's model-parallel group (tensor × pipeline). */
  readonly perParallelGpuMiB: number;
  /** With attention data parallelism: per graph-batch sequence per DP rank, and more above `largeGraphBatch`. */
  readonly perGraphBatchPerDpRankMiB: number;
  readonly largeGraphBatch: number;
  readonly perLargeGraphBatchPerDpRankMiB: number;
  readonly floorMiB: number;
  readonly floorAboveMiB: number;
}

/** SGLang's default SGLANG_DYNAMIC_CHUNKING_SMOOTH_FACTOR (LMSYS blog 2026-01-15, 'Advanced Option: Dynamic chunking'). */
export const DEFAULT_CHUNK_SMOOTH_FACTOR = 0.75;

/**
 * The largest decode batch the engine captures in a CUDA graph on this replica (SGLang
 * `cuda_graph_max_bs` by GPU memory, its larger value from `tpThreshold` GPUs on, or the deployment's
 * `--cuda-graph-batch`), per attention-DP rank; null where neither says. A larger batch runs eagerly, every kernel launched from
 * the host (sgl-project/sglang issue #33483 and PR #33900: about 4× the per-token latency of a small
 * model's captured step), which the step model does not time.
 */
export function cudaGraphMaxBatch(
  e: Pick<EngineProfile, 'cudaGraphBatch'>,
  r: Pick<Replica, 'tensorParallel' | 'expertParallel'>,
): number | null {
  const g = e.cudaGraphBatch;
  if (!g) return null;
  return r.tensorParallel * r.expertParallel < g.tpThreshold ? g.small : g.large;
}

/**
 * The share of GPU memory the engine gives weights and KV on this replica: `memoryFraction`, or
 * (memory − reserve) / memory where the engine derives it (SGLang: the replica's GPUs form its
 * `tp_size`; attention data parallelism over `ep` ranks adds its padding), rounded as SGLang does.
 */
export function engineMemoryFraction(
  e: Pick<EngineProfile, 'memoryFraction' | 'memoryReserve' | 'maxBatchedTokens' | 'cudaGraphBatch'>,
  memoryBytes: number,
  r: Pick<Replica, 'tensorParallel' | 'expertParallel'>,
): number {
  const m = e.memoryReserve;
  if (!m) return e.memoryFraction;
  const mib = memoryBytes / MIB;
  const gpus = r.tensorParallel * r.expertParallel;
  const graphBatch = cudaGraphMaxBatch(e, r) ?? 0;
  let reserved =
    m.baseMiB +
    Math.max(e.maxBatchedTokens, m.minChunkTokens) * m.perChunkTokenMiB +
    graphBatch * m.perGraphBatchMiB +
    gpus * m.perParallelGpuMiB;
  if (r.expertParallel > 1) {
    reserved += graphBatch * r.expertParallel * m.perGraphBatchPerDpRankMiB;
    if (graphBatch > m.largeGraphBatch)
      reserved += graphBatch * r.expertParallel * m.perLargeGraphBatchPerDpRankMiB;
  }
  if (mib > m.floorAboveMiB) reserved = Math.max(reserved, m.floorMiB);
  return Math.max(0, Math.round(((mib - reserved) / mib) * 1000) / 1000);
}

/**
 * The engine assumed when none is named, by the planner and the simulator alike (so a planned layout
 * can always be simulated): the hardware bound — all GPU memory for weights, workspace and KV, no
 * host overhead — with vLLM's block size (16), token budget (8,192) and running-sequence default
 * (256; the planner's hardware bound applies no sequence cap, see maxConcurrency).
 */
export const GENERIC_ENGINE: EngineProfile = {
  id: 'generic',
  name: 'continuous batching at the hardware bound (all GPU memory, vLLM block size and token budget, no host overhead)',
  memoryFraction: 1,
  memoryFractionOf: 'total',
  kvAdmission: 'on-demand',
  chunkPreempts: false,
  prefillFirst: false,
  pipelinesPromptChunks: false,
  kvBlockTokens: 16,
  maxBatchedTokens: 8192,
  maxRunningSequences: 256,
  stepOverheadSeconds: 0,
  sequenceOverheadSeconds: 0,
  moeSequenceLayerSeconds: 0,
  hostOverlapsGpu: false,
  features: {
    chunkedPrefill: true,
    prefixCaching: true,
    speculative: ['draft', 'mtp', 'eagle', 'ngram'],
    disaggregatedPrefill: true,
    attentionDataParallel: true,
  },
};

/** Whether a step's MLA prompt chunks, their cached prefixes totalling `prefixTokens`, run absorbed on `e` (SGLang PR #5113's dispatch). */
export const absorbsPromptChunks = (
  e: Pick<EngineProfile, 'mlaPrefixAbsorbedBelowTokens'> | undefined,
  prefixTokens: number,
): boolean =>
  e?.mlaPrefixAbsorbedBelowTokens !== undefined &&
  prefixTokens > 0 &&
  prefixTokens < e.mlaPrefixAbsorbedBelowTokens;

/**
 * How a prompt's chunks pass the replica's pipeline: streamed on PP > 1 where the engine pipelines them
 * (at dynamic sizes where the deployment enables it), otherwise one after another.
 */
export function promptStreaming(e: EngineProfile | undefined, pipelineParallel = 1): ChunkStreaming {
  if (pipelineParallel <= 1 || e?.pipelinesPromptChunks !== true) return 'serial';
  return e.dynamicChunking ? { smoothFactor: e.dynamicChunking.smoothFactor } : 'fixed';
}

/**
 * How a prompt's chunks pass a pipeline of `pipelineParallel` stages, in words; null without an engine, and
 * without a pipeline unless the deployment asks for dynamic chunk sizes (then: that they do not apply).
 */
export function promptChunksStatement(e: EngineProfile | undefined, pipelineParallel = 1): string | null {
  if (e === undefined) return null;
  // Dynamic chunk sizes act through a pipeline only: said where the deployment asks for them and the plan has none.
  if (pipelineParallel <= 1)
    return e.dynamicChunking
      ? `dynamic chunking is not applied: it sizes a prompt's chunks through a pipeline and this replica has none (prompts are cut at the token budget, ${e.maxBatchedTokens} tokens a step); fix the pipeline parallelism (--pp) to plan one`
      : null;
  const streaming = promptStreaming(e, pipelineParallel);
  const chunks = `a prompt's chunks of ${e.maxBatchedTokens} tokens`;
  if (streaming === 'serial')
    return `${chunks} pass the ${pipelineParallel} stages one after another (${e.name} does not pipeline them): a long prompt alone keeps one stage busy at a time`;
  const sized =
    streaming === 'fixed'
      ? chunks
      : `a prompt's chunks, ${e.maxBatchedTokens} tokens first and then sized to take as long (dynamic chunking, smooth factor ${streaming.smoothFactor}),`;
  return `${sized} stream through the ${pipelineParallel} stages, each entering the first as the one before leaves it (${e.name}'s chunked pipeline parallelism): a long prompt alone keeps every stage busy`;
}

/**
 * How a prefill-first engine's prompts share the replica with its decodes, in words; null where prompts ride
 * along the decode steps (vLLM, TensorRT-LLM, a deployment's mixed chunks) or run on prefill replicas.
 */
export function promptStepsStatement(e: EngineProfile | undefined, disaggregated: boolean): string | null {
  if (e?.prefillFirst !== true || disaggregated) return null;
  return `${e.name} runs a step of prompts alone whenever one forms (its default): every running sequence waits through it, in the TPOT; --mixed-chunk states a deployment's --enable-mixed-chunk, prompts sharing the decode steps`;
}

/** A step's time beside its kernels: the engine's host time, and GPU time the kernel model does not see. */
export interface StepOverheads {
  readonly hostSeconds: number;
  readonly gpuSeconds: number;
  /**
   * The host time hides behind the kernels: the engine overlaps them (EngineProfile.hostOverlapsGpu) and the
   * replica has no pipeline, whose stages the engines keep their batches in flight for instead (SGLang
   * disables its overlap schedule at pp_size > 1, server_args.py; TensorRT-LLM runs `_executor_loop_pp`,
   * not `_executor_loop_overlap`; vLLM's async scheduling holds 2 batches, all of a 2-stage pipeline's).
   */
  readonly hostOverlapsGpu: boolean;
}

/**
 * The engine's per-step terms for `sequences` running sequences of a model with `moeLayers`
 * mixture-of-experts layers. Host: a fixed part plus a part per sequence. GPU: a part per sequence per
 * MoE layer. Attention data-parallel ranks (`ranks` = EP) each schedule and route their own share of
 * the sequences, in parallel. A pipeline of `pipelineParallel` stages runs its fixed part once per
 * microbatch (each stage's executor loop schedules and launches every microbatch it passes on; serving-step.ts
 * pipelineMicrobatches), so a step of all sequences pays it once per microbatch.
 */
export function stepOverheads(
  e: EngineProfile | undefined,
  sequences: number,
  ranks: number,
  moeLayers: number,
  pipelineParallel = 1,
): StepOverheads {
  if (!e) return { hostSeconds: 0, gpuSeconds: 0, hostOverlapsGpu: false };
  const perRank = sequences / Math.max(1, ranks);
  const microbatches = microbatchesOf(pipelineParallel, sequences);
  return {
    hostSeconds: e.stepOverheadSeconds * microbatches + e.sequenceOverheadSeconds * perRank,
    gpuSeconds: e.moeSequenceLayerSeconds * moeLayers * perRank,
    hostOverlapsGpu: e.hostOverlapsGpu && pipelineParallel <= 1,
  };
}

/**
 * A step's wall time from its kernels and the engine's terms: GPU work (kernels and the MoE term) plus
 * host time, or the longer of the two where the host work overlaps the GPU (SGLang v0.4's zero-overhead
 * batch scheduler; a pipeline of CPU and GPU stages runs at its slowest stage): {@link StepOverheads}.
 */
export const stepWallSeconds = (kernelSeconds: number, o: StepOverheads): number => {
  const gpu = kernelSeconds + o.gpuSeconds;
  return o.hostOverlapsGpu ? Math.max(gpu, o.hostSeconds) : gpu + o.hostSeconds;
};

export interface KvCapacity {
  /** KV tokens the whole replica holds (every attention-DP rank's cache together). */
  readonly tokens: number;
  /** Per GPU: KV bytes per cached token, and bytes left for the cache. */
  readonly bytesPerTokenPerGpu: number;
  readonly kvBudgetBytesPerGpu: number;
  /** Per GPU: what the engine holds outside the cache (weights, activation workspace, runtime buffers). */
  readonly reserveBytesPerGpu: number;
}

/**
 * KV tokens a replica can hold under an engine's memory policy. Bytes per token are taken at the
 * workload's typical context (so a sliding-window layer's capped cache is counted as it is), with
 * each sequence's recurrent state (linear-attention and Mamba layers) spread over those tokens.
 */
export function kvCapacity(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: Replica,
  engine: EngineProfile,
  typicalContextTokens: number,
): KvCapacity {
  // A pipeline's stages each cache their own layers for every sequence: the stage with the least room
  // decides (each stage's engine worker sizes its own pool; vLLM takes the smallest).
  const pp = r.pipelineParallel ?? 1;
  let least: KvCapacity | null = null;
  for (let stage = 0; stage < pp; stage += 1) {
    const c = stageKvCapacity(spec, cluster, r, engine, typicalContextTokens, pp > 1 ? stage : undefined);
    if (least === null || c.tokens < least.tokens) least = c;
  }
  return least!;
}

function stageKvCapacity(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: Replica,
  engine: EngineProfile,
  typicalContextTokens: number,
  pipelineStage: number | undefined,
): KvCapacity {
  const context = Math.max(1, typicalContextTokens);
  const held = {
    ...replicaMemoryOptions(r),
    ...heldMemoryOptions(engine, r.tensorParallel),
    pipelineStage,
    contextTokens: context,
  };
  const m = inferenceMemory(spec, {
    ...held,
    batchSize: engine.maxRunningSequences,
    prefillChunkTokens: engine.maxBatchedTokens,
  });
  const one = inferenceMemory(spec, { ...held, batchSize: 1 });
  // A running sequence also holds the constant recurrent state of its linear-attention and Mamba
  // layers (vLLM's hybrid cache keeps one state slot per sequence), spread here over its tokens.
  const perSequence = one.kvCacheBytes + one.recurrentStateBytes;
  const bytesPerTokenPerGpu = perSequence / context;
  const fixed = m.weightsBytes + m.encoderWeightsBytes + m.workspaceBytes + m.frameworkOverheadBytes;
  const memory = cluster.gpu.memoryBytes;
  const share = engineMemoryFraction(engine, memory, r);
  const kvBudgetBytesPerGpu = Math.max(
    0,
    engine.memoryFractionOf === 'total' ? memory * share - fixed : (memory - fixed) * share,
  );
  const tokens =
    bytesPerTokenPerGpu > 0
      ? Math.floor(kvBudgetBytesPerGpu / bytesPerTokenPerGpu) * r.expertParallel
      : Number.MAX_SAFE_INTEGER;
  return { tokens, bytesPerTokenPerGpu, kvBudgetBytesPerGpu, reserveBytesPerGpu: fixed };
}

/**
 * The engine's padding of a replica's routed experts (its `weightOnlyMoeAlignment`) where its 4-bit experts
 * run weight-only on `gpu` (no FP4 tensor cores: vLLM's Marlin MoE); else none.
 */
export function expertAlignmentOn(
  profile: Pick<EngineProfile, 'weightOnlyMoeAlignment'>,
  weightFormat: WeightFormat,
  gpu: HardwareSpec,
): ExpertAlignment | undefined {
  const a = profile.weightOnlyMoeAlignment;
  return a && isFourBit(weightFormat) && computeType(weightFormat, gpu) !== 'fp4' ? a : undefined;
}

/** A replica with its routed experts padded as `profile` runs them on `gpu` (expertAlignmentOn); else as it is. */
export function withExpertAlignment<R extends { readonly weightFormat: WeightFormat }>(
  replica: R,
  profile: Pick<EngineProfile, 'weightOnlyMoeAlignment'> | undefined,
  gpu: HardwareSpec,
): R & { readonly expertAlignment?: ExpertAlignment } {
  const expertAlignment = profile && expertAlignmentOn(profile, replica.weightFormat, gpu);
  return expertAlignment ? { ...replica, expertAlignment } : replica;
}
