/**
 * One serving step on one replica, from the operation list of each layer (model/operations.ts):
 * every weight matrix a GEMM with its real shape (roofline: FLOPs at the GEMM efficiency vs bytes
 * at the memory efficiency for that size), the KV cache read per layer, element-wise work, TP
 * all-reduces, and for MoE the experts the batch reaches: with EP, DeepSeek-style (attention
 * data-parallel over the EP group, whole experts spread over every GPU of the replica, the EP
 * all-to-all; DeepSeek-V3 Sec. 3.4); without it, every expert sliced over TP (no all-to-all).
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { Datatype, HardwareSpec } from '../hardware/hardware-spec.js';
import { layerKinds } from '../model/flops.js';
import { operationsSeconds } from '../model/operation-seconds.js';
import { headOperations, layerOperations, type OperationRequest, tokensOnGpu } from '../model/operations.js';
import { mtpModuleOperations } from '../model/operations-mtp.js';
import type { ModelSpec } from '../model/spec.js';
import { bytesPerElement, type KvFormat, type WeightFormat, type WeightSparsity } from '../precision.js';

export { expectedExpertsTouched } from '../model/operations.js';

export interface Replica {
  readonly tensorParallel: number;
  /** Expert parallelism: the replica spans tp × ep GPUs; attention runs data-parallel over ep. */
  readonly expertParallel: number;
  readonly weightFormat: WeightFormat;
  /** Sparsity of the decoder's weight matrices (default none); 2:4 needs sparse tensor cores. */
  readonly weightSparsity?: WeightSparsity;
  readonly kvFormat: KvFormat;
  /**
   * What the GEMMs multiply in when the engine's kernels say so: W4A8 (MXFP4 weights × MXFP8
   * activations) → fp8, NVFP4 W4A4 → fp4, weight-only W4A16 → bf16. Default: {@link computeType}.
   */
  readonly gemmDatatype?: Datatype;
  /**
   * Max / mean routed tokens over the EP ranks (the straggler sets the MoE layer's time); 1 =
   * perfectly balanced. Applies only when experts are spread over more than one GPU.
   */
  readonly expertImbalance?: number;
  /** Traits of the serving engine; absent: a current engine (see {@link EngineTraits}). */
  readonly engine?: EngineTraits;
  /**
   * The replica drafts speculative tokens with the model's MTP modules (`--mtp`): it holds their weights
   * and KV cache (inference-memory.ts) and each step runs them ({@link servingStepSeconds}). Absent = false.
   */
  readonly mtpDrafter?: boolean;
}

/**
 * What an inference engine adds to the hardware model. The defaults describe current engines
 * (vLLM, SGLang, TensorRT-LLM ≥ 0.8): GQA-aware decode kernels and CUDA-graph decode steps.
 */
export interface EngineTraits {
  /**
   * Decode attention loads each KV head once per query head rather than once per group
   * (TensorRT-LLM's masked MHA before the XQA kernel of v0.8, whose blog reports 2.4× Llama-70B
   * throughput from it). Default false.
   */
  readonly kvReadPerQueryHead?: boolean;
  /** Fixed host/launch time per transformer layer per step (kernels launched one by one). Default 0. */
  readonly layerOverheadSeconds?: number;
}

export const replicaGpus = (r: Replica): number => r.tensorParallel * r.expertParallel;

/**
 * The datatype a replica's GEMMs run in. On GPUs with FP4 tensor cores (Blackwell) 4-bit weights
 * (FP4, NVFP4, MXFP4) are costed at the FP8 ceiling: the catalog has only the datasheet FP4 peak, no
 * measured FP4 GEMM ceiling, and at that peak TensorRT-LLM's 23 Blackwell FP4 rows are over-predicted
 * (leave-one-out median 25.6% vs 14.0% at the FP8 ceiling; docs/serving.md). MXFP8 runs at the FP8
 * ceiling. Where the GPU has no FP4 tensor cores (Hopper) FP4 weights are dequantised and multiplied in
 * BF16 like other weight-only formats (gpt-oss's MXFP4 experts run through W4A16 Triton kernels there;
 * NVFP4/MXFP4 are refused there by formatSupportError). Without a GPU: FP8.
 */
export const computeType = (format: WeightFormat, hw?: HardwareSpec): Datatype => {
  const fourBit = format === 'fp4' || format === 'nvfp4' || format === 'mxfp4';
  if (fourBit && hw !== undefined) return hw.peakFlopsPerSecond.fp4 !== undefined ? 'fp8' : 'bf16';
  return fourBit || format === 'fp8' || format === 'mxfp8' ? 'fp8' : 'bf16';
};

export interface StepWork {
  /** Sequences decoding this step, each adding `tokensPerSequence` tokens (1, or 1 + drafts to verify). */
  readonly decodeSequences: number;
  readonly tokensPerSequence: number;
  /** Mean context of the decoding sequences. */
  readonly context: number;
  /** Prompt tokens prefilled in this step (chunked prefill) and their mean context. */
  readonly prefillTokens: number;
  readonly prefillContext: number;
  /** Speculative tokens drafted per sequence this step (an MTP drafter runs them); absent = none. */
  readonly draftTokens?: number;
}

/** The operation request of one serving step on one GPU of a replica (see model/operations.ts). */
export function servingRequest(cluster: ClusterSpec, r: Replica, w: StepWork): OperationRequest {
  const ep = r.expertParallel;
  return {
    phase: w.decodeSequences > 0 ? 'decode' : 'prefill',
    shape: {
      // Attention runs data-parallel over the EP group: this GPU's share of the sequences.
      sequences: w.decodeSequences / ep,
      tokensPerSequence: w.tokensPerSequence,
      contextTokens: w.context,
      prefill: { tokens: w.prefillTokens / ep, meanContextTokens: w.prefillContext },
    },
    layout: {
      tensorParallel: r.tensorParallel,
      contextParallel: 1,
      // With expert parallelism, experts spread whole over every GPU of the replica (DeepSeek-V3
      // Sec. 3.4); without it, every expert is sliced over the TP group like a dense MLP (vLLM's and
      // SGLang's FusedMoE without --enable-expert-parallel / --ep-size; no all-to-all).
      expertParallel: r.expertParallel > 1 ? replicaGpus(r) : 1,
      expertTensorParallel: r.expertParallel > 1 ? 1 : r.tensorParallel,
      expertRanksApart: 1,
      sequenceParallel: false,
      gpusPerNode: cluster.gpusPerNode,
    },
    datatype: r.gemmDatatype ?? computeType(r.weightFormat, cluster.gpu),
    gemmInputBytes: bytesPerElement(r.weightFormat),
    kvBytesPerElement: bytesPerElement(r.kvFormat),
    absorbedMla: true,
    ...(r.weightSparsity === '2:4' ? { sparse24: true } : {}),
    ...(r.expertImbalance !== undefined && replicaGpus(r) > 1 ? { expertImbalance: r.expertImbalance } : {}),
    ...(r.engine?.kvReadPerQueryHead ? { kvReadPerQueryHead: true } : {}),
  };
}

/**
 * Seconds for one step of a replica: every layer's operation list, the output head, launch overheads,
 * and an MTP drafter's passes.
 */
export function servingStepSeconds(spec: ModelSpec, cluster: ClusterSpec, r: Replica, w: StepWork): number {
  const request = servingRequest(cluster, r, w);
  if (tokensOnGpu(request) <= 0) return 0;
  const overhead = r.engine?.layerOverheadSeconds ?? 0;
  let seconds = 0;
  for (const { layer, count } of layerKinds(spec)) {
    seconds += count * (operationsSeconds(layerOperations(spec, layer, request), cluster) + overhead);
  }
  seconds += operationsSeconds(headOperations(spec, request), cluster);
  const drafts = w.draftTokens ?? 0;
  if (!r.mtpDrafter || spec.numMtpModules === 0 || drafts < 1) return seconds;
  // The MTP drafter (vLLM v1 EagleProposer.propose): one pass of the module over every token the step ran,
  // scoring one token per sequence, then a pass over one token per decoding sequence for each further draft.
  const one = servingRequest(cluster, r, { ...w, tokensPerSequence: 1 });
  seconds += operationsSeconds(mtpModuleOperations(spec, request, one), cluster) + overhead;
  if (drafts > 1 && w.decodeSequences > 0) {
    const next = servingRequest(cluster, r, { ...w, tokensPerSequence: 1, prefillTokens: 0 });
    seconds += (drafts - 1) * (operationsSeconds(mtpModuleOperations(spec, next), cluster) + overhead);
  }
  return seconds;
}
