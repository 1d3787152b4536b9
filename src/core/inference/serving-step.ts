/**
 * One serving step on one replica, from the operation list of each layer (model/operations.ts):
 * every weight matrix a GEMM with its real shape (roofline: FLOPs at the GEMM efficiency vs bytes
 * at the memory efficiency for that size), the KV cache read per layer, element-wise work, TP
 * all-reduces, and for MoE the experts the batch reaches and the EP all-to-all (DeepSeek-style:
 * attention data-parallel over the EP group, experts spread over every GPU of the replica;
 * DeepSeek-V3 Sec. 3.4).
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { Datatype } from '../hardware/hardware-spec.js';
import { layerKinds } from '../model/flops.js';
import { operationsSeconds } from '../model/operation-seconds.js';
import { headOperations, layerOperations, type OperationRequest, tokensOnGpu } from '../model/operations.js';
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
  /** Traits of the serving engine; absent: a current engine (see {@link EngineTraits}). */
  readonly engine?: EngineTraits;
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
 * The tensor-core datatype a weight format's GEMMs run in: NVFP4/MXFP4/MXFP8 natively (W4A4, W8A8
 * block-scaled; GPUs without them are refused by formatSupportError), FP8 and FP4 (MXFP4 storage with
 * FP8 activations, W4A8 as gpt-oss runs) in FP8, the rest in BF16 after dequantising.
 */
export const computeType = (format: WeightFormat): Datatype =>
  format === 'nvfp4' || format === 'mxfp4' || format === 'mxfp8'
    ? format
    : format === 'fp8' || format === 'fp4'
      ? 'fp8'
      : 'bf16';

export interface StepWork {
  /** Sequences decoding this step, each adding `tokensPerSequence` tokens (1, or 1 + drafts to verify). */
  readonly decodeSequences: number;
  readonly tokensPerSequence: number;
  /** Mean context of the decoding sequences. */
  readonly context: number;
  /** Prompt tokens prefilled in this step (chunked prefill) and their mean context. */
  readonly prefillTokens: number;
  readonly prefillContext: number;
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
      // Experts spread whole over every GPU of the replica (DeepSeek-V3 Sec. 3.4).
      expertParallel: replicaGpus(r),
      expertTensorParallel: 1,
      expertRanksApart: 1,
      sequenceParallel: false,
      gpusPerNode: cluster.gpusPerNode,
    },
    datatype: computeType(r.weightFormat),
    gemmInputBytes: bytesPerElement(r.weightFormat),
    kvBytesPerElement: bytesPerElement(r.kvFormat),
    ...(r.weightSparsity === '2:4' ? { sparse24: true } : {}),
    ...(r.engine?.kvReadPerQueryHead ? { kvReadPerQueryHead: true } : {}),
  };
}

/** Seconds for one step of a replica: every layer's operation list, the output head, launch overheads. */
export function servingStepSeconds(spec: ModelSpec, cluster: ClusterSpec, r: Replica, w: StepWork): number {
  const request = servingRequest(cluster, r, w);
  if (tokensOnGpu(request) <= 0) return 0;
  const overhead = r.engine?.layerOverheadSeconds ?? 0;
  let seconds = 0;
  for (const { layer, count } of layerKinds(spec)) {
    seconds += count * (operationsSeconds(layerOperations(spec, layer, request), cluster) + overhead);
  }
  return seconds + operationsSeconds(headOperations(spec, request), cluster);
}
