/**
 * One serving step on one replica, from the operation list of each layer (model/operations.ts):
 * every weight matrix a GEMM with its real shape (roofline: FLOPs at the GEMM efficiency vs bytes
 * at the memory efficiency for that size), the KV cache read per layer, element-wise work, TP
 * all-reduces, and for MoE the experts the batch reaches: with EP, DeepSeek-style (attention
 * data-parallel over the EP group, whole experts spread over every GPU of the replica, the EP
 * all-to-all; DeepSeek-V3 Sec. 3.4); without it, every expert sliced over TP (no all-to-all).
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { collectiveSeconds, placement } from '../hardware/collectives.js';
import { isFourBit } from '../hardware/efficiency.js';
import type { Datatype, HardwareSpec } from '../hardware/hardware-spec.js';
import { rankLayers } from '../memory/pipeline-placement.js';
import type { Drafter } from '../model/drafter.js';
import { eagleHeadOperations } from '../model/eagle-head.js';
import { layerKinds } from '../model/flops.js';
import { operationsSeconds } from '../model/operation-seconds.js';
import { type ExpertAlignment, servingExpertTensorParallel } from '../model/operation-types.js';
import { headOperations, layerOperations, type OperationRequest, tokensOnGpu } from '../model/operations.js';
import { mtpModuleOperations } from '../model/operations-mtp.js';
import type { ModelSpec } from '../model/spec.js';
import { bytesPerElement, type KvFormat, type WeightFormat, type WeightSparsity } from '../precision.js';

export { expectedExpertsTouched } from '../model/operations.js';

export interface Replica {
  readonly tensorParallel: number;
  /** Expert parallelism: the replica spans tp × ep GPUs; attention runs data-parallel over ep. */
  readonly expertParallel: number;
  /**
   * Pipeline parallelism (default 1): the layers split into this many stages of `tensorParallel` GPUs each,
   * in order (vLLM `--pipeline-parallel-size`, SGLang `--pp-size`, TensorRT-LLM `pp_size`); the running
   * sequences split into as many microbatches, one in each stage at a time. Only with `expertParallel` 1.
   */
  readonly pipelineParallel?: number;
  /**
   * Expert parallelism inside the TP group (with `expertParallel` 1): attention stays tensor-parallel, each
   * of the TP GPUs holds whole experts, a 1/TP share of them (vLLM `--enable-expert-parallel` at DP 1, SGLang
   * `--ep-size` = `--tp` without DP attention, TensorRT-LLM `moe_expert_parallel_size` = `tp_size` without
   * attention DP); every GPU holds every token, so no all-to-all: the TP all-reduce sums the experts'
   * outputs. Absent: each expert sliced over TP (`expertParallel` 1) or the DeepSeek layout (above 1).
   */
  readonly epInTp?: boolean;
  readonly weightFormat: WeightFormat;
  /**
   * The attention projections' format where the served checkpoint ships them otherwise than
   * `weightFormat` (gpt-oss: BF16 beside its MXFP4 experts; checkpoint-format.ts asReleased); absent:
   * `weightFormat`.
   */
  readonly attentionWeightFormat?: WeightFormat;
  /**
   * The routed experts' shapes as the engine's weight-only 4-bit MoE kernel pads them (engine.ts
   * expertAlignmentOn: vLLM's Marlin MoE); absent: as the model's.
   */
  readonly expertAlignment?: ExpertAlignment;
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
  /**
   * Redundant expert slots over the replica's GPUs (EPLB: copies of the busiest experts; SGLang
   * `--ep-num-redundant-experts`, TensorRT-LLM's EPLB `num_slots` − experts). Experts and copies spread
   * evenly, so EP need only divide their sum (DeepSeek-V3's 256 + 32 over EP72); each GPU holds its share
   * of the slots and the routed tokens spread over all of them. Default 0; only with EP > 1.
   */
  readonly redundantExperts?: number;
  /** Traits of the serving engine; absent: a current engine (see {@link EngineTraits}). */
  readonly engine?: EngineTraits;
  /**
   * What drafts the speculative tokens, held and run on the replica: it holds the drafter's weights and KV
   * cache (inference-memory.ts) and each step runs it ({@link servingStepSeconds}). Absent: drafts (if the
   * workload has any) cost no GPU time or memory, as an n-gram / prompt-lookup drafter.
   */
  readonly drafter?: Drafter;
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

/** What a replica holds on its GPUs, as inference memory takes it (its formats, padding and layout). */
export const replicaMemoryOptions = (r: Replica) => ({
  weightFormat: r.weightFormat,
  attentionWeightFormat: r.attentionWeightFormat,
  expertAlignment: r.expertAlignment,
  weightSparsity: r.weightSparsity,
  kvFormat: r.kvFormat,
  tensorParallel: r.tensorParallel,
  expertParallel: r.expertParallel,
  epInTp: r.epInTp,
  pipelineParallel: r.pipelineParallel,
  redundantExperts: r.redundantExperts,
  drafter: r.drafter,
});

export const replicaGpus = (r: Replica): number =>
  r.tensorParallel * r.expertParallel * (r.pipelineParallel ?? 1);

/**
 * Microbatches a pipeline-parallel replica splits a step's sequences into: one per stage when there are
 * as many sequences (each stage then works on one while the others work on theirs), fewer otherwise (a
 * lone prompt passes the stages one after another); 1 without pipeline parallelism.
 */
export const pipelineMicrobatches = (r: Pick<Replica, 'pipelineParallel'>, w: StepWork): number =>
  microbatchesOf(
    r.pipelineParallel ?? 1,
    w.decodeSequences + (w.prefillSequences ?? (w.prefillTokens > 0 ? 1 : 0)),
  );

/** {@link pipelineMicrobatches} of `sequences` running (decoding and prefilling) on `pipelineParallel` stages. */
export const microbatchesOf = (pipelineParallel: number, sequences: number): number =>
  Math.min(pipelineParallel, Math.max(1, sequences));

/**
 * The datatype a replica's GEMMs run in. On GPUs with FP4 tensor cores (Blackwell) 4-bit weights
 * (FP4, NVFP4, MXFP4) run as 4-bit GEMMs (TensorRT-LLM's NVFP4 checkpoints quantise the activations
 * too: W4A4), at the FP4 peak times the efficiency profile's calibrated FP4 ceiling (roofline.ts
 * sustainedPeak; docs/serving.md). MXFP8 runs at the FP8 ceiling. Where the GPU has no FP4 tensor
 * cores (Hopper) FP4 weights are dequantised and multiplied in BF16 like other weight-only formats
 * (gpt-oss's MXFP4 experts run through W4A16 Triton kernels there; NVFP4/MXFP4 are refused there by
 * formatSupportError). Without a GPU: FP8.
 */
export const computeType = (format: WeightFormat, hw?: HardwareSpec): Datatype => {
  const fourBit = isFourBit(format);
  if (fourBit && hw !== undefined) return hw.peakFlopsPerSecond.fp4 !== undefined ? 'fp4' : 'bf16';
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
  /** Tokens per decoding sequence in each draft pass after the first: a tree's top-k branches; absent = 1 (a chain). */
  readonly draftWidth?: number;
  /**
   * Requests (or whole chunks, possibly fractional on average) whose prompts the step prefills: a pipeline
   * splits them over its microbatches ({@link pipelineMicrobatches}; absent: one when it prefills any
   * tokens), attention-DP ranks hold one each ({@link attentionRankLoad}; absent in a step that decodes: an
   * even spread over every rank).
   */
  readonly prefillSequences?: number;
  /**
   * Every prompt the step prefills continues in the next step, whose chunk the engine sends into the
   * pipeline right behind this one (engine.ts `pipelinesPromptChunks`): a step that decodes
   * nothing then holds the pipeline for its slowest stage, not the whole chain. Absent: false.
   */
  readonly prefillStreams?: boolean;
  /** The step's MLA prompt chunks run absorbed (engine.ts absorbsPromptChunks on their cached prefixes). Absent: false. */
  readonly prefillAbsorbed?: boolean;
}

/**
 * The busiest attention rank's work where attention runs data-parallel over `ranks` (EP > 1): engines
 * place whole requests on ranks (SGLang --enable-dp-attention, TensorRT-LLM attention DP, DeepSeek's
 * prefill and decode instances), so a rank holds at least one of fewer requests than ranks — a lone
 * prompt's every token on one GPU — and an even share of more. A step's prompts are `prefillSequences`;
 * absent, a prefill-only step's one prompt, a mixed step's chunks spread evenly (each rank's scheduler
 * admitting its own: the steady state of many prompts). Null without attention data parallelism.
 */
function attentionRankLoad(
  ranks: number,
  w: StepWork,
): { readonly decodeSequences: number; readonly prefillTokens: number } | null {
  if (ranks <= 1) return null;
  const busiest = (requests: number) => Math.max(requests / ranks, Math.min(requests, 1));
  const prompts = w.prefillSequences ?? (w.decodeSequences > 0 ? ranks : 1);
  return {
    decodeSequences: busiest(w.decodeSequences),
    prefillTokens: prompts > 0 ? (w.prefillTokens * busiest(prompts)) / prompts : 0,
  };
}

/** The operation request of one serving step on one GPU of a replica (see model/operations.ts). */
export function servingRequest(cluster: ClusterSpec, r: Replica, w: StepWork): OperationRequest {
  // Attention runs data-parallel over the EP group; a pipeline runs one microbatch at a time in each
  // stage: this GPU's share of the sequences in one pass.
  const share = r.expertParallel * pipelineMicrobatches(r, w);
  const inTp = r.epInTp === true && r.expertParallel === 1;
  const ranks = attentionRankLoad(r.expertParallel, w);
  return {
    phase: w.decodeSequences > 0 ? 'decode' : 'prefill',
    shape: {
      sequences: ranks?.decodeSequences ?? w.decodeSequences / share,
      tokensPerSequence: w.tokensPerSequence,
      contextTokens: w.context,
      prefill: {
        tokens: ranks?.prefillTokens ?? w.prefillTokens / share,
        meanContextTokens: w.prefillContext,
      },
      ...(ranks && { groupTokens: w.decodeSequences * w.tokensPerSequence + w.prefillTokens }),
    },
    layout: {
      tensorParallel: r.tensorParallel,
      contextParallel: 1,
      // With expert parallelism, experts spread whole over every GPU of the replica (DeepSeek-V3
      // Sec. 3.4), or over the TP group's GPUs that hold every token (epInTp); without it, every expert
      // is sliced over the TP group like a dense MLP (vLLM's and SGLang's FusedMoE without
      // --enable-expert-parallel / --ep-size; no all-to-all).
      expertParallel: r.expertParallel > 1 ? replicaGpus(r) : inTp ? r.tensorParallel : 1,
      expertTensorParallel: servingExpertTensorParallel(r.tensorParallel, r.expertParallel, r.epInTp),
      expertRanksApart: 1,
      ...(inTp ? { expertTokensReplicated: true } : {}),
      sequenceParallel: false,
      gpusPerNode: cluster.gpusPerNode,
    },
    // A W8A8 release moved to a GPU without INT8 tensor cores (a levers GPU swap) runs weight-only there.
    datatype:
      r.gemmDatatype !== undefined && cluster.gpu.peakFlopsPerSecond[r.gemmDatatype] !== undefined
        ? r.gemmDatatype
        : computeType(r.weightFormat, cluster.gpu),
    gemmInputBytes: bytesPerElement(r.weightFormat),
    ...(r.attentionWeightFormat !== undefined && {
      attentionGemm: {
        datatype: computeType(r.attentionWeightFormat, cluster.gpu),
        inputBytes: bytesPerElement(r.attentionWeightFormat),
      },
    }),
    kvBytesPerElement: bytesPerElement(r.kvFormat),
    ...(r.expertAlignment && { expertAlignment: r.expertAlignment }),
    absorbedMla: true,
    ...(r.weightSparsity === '2:4' ? { sparse24: true } : {}),
    ...(r.expertImbalance !== undefined && replicaGpus(r) > 1 ? { expertImbalance: r.expertImbalance } : {}),
    ...(r.redundantExperts && (r.expertParallel > 1 || inTp) ? { redundantExperts: r.redundantExperts } : {}),
    ...(r.engine?.kvReadPerQueryHead ? { kvReadPerQueryHead: true } : {}),
    ...(w.prefillAbsorbed ? { mlaPrefixAbsorbed: true } : {}),
  };
}

/**
 * One step of a pipeline-parallel replica (every sequence one token further), `request` being one of its
 * `microbatches`: each stage runs its own layers (contiguous, the remainder spread: vLLM's get_pp_indices,
 * pipeline-placement.ts), the last also the output head, and each microbatch crosses the p − 1 stage
 * boundaries with its hidden states (split over the TP ranks and gathered after, vLLM's send_tensor_dict
 * with all_gather_group) and returns its sampled token ids (4 bytes each) to the first stage. The
 * microbatches circulate, so the step lasts the longer of one microbatch's chain through every stage and its
 * sends, and the slowest stage's passes over all the microbatches: a pipeline runs at its bottleneck stage
 * (Narayanan et al. 2021, Sec. 2.2, without a backward). `streamed`: a prompt chunk the next chunk follows
 * without waiting (nothing decodes): the step holds the pipeline for its slowest stage, or the link while
 * a boundary's send is longer, the sends overlapping the next chunk's compute (SGLang's async P2P).
 */
function pipelineStepSeconds(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: Replica,
  request: OperationRequest,
  microbatches: number,
  streamed: boolean,
): number {
  const pp = r.pipelineParallel ?? 1;
  const perKind = layerKindSeconds(spec, cluster, request, r.engine?.layerOverheadSeconds ?? 0);
  const head = operationsSeconds(headOperations(spec, request), cluster);
  let chain = 0;
  let slowest = 0;
  rankLayers(spec, pp, 1).kindCountsOf.forEach((counts, stage) => {
    let seconds = stage === pp - 1 ? head : 0;
    counts.forEach((layers, k) => {
      seconds += layers * perKind[k]!;
    });
    chain += seconds;
    slowest = Math.max(slowest, seconds);
  });
  const tokens = tokensOnGpu(request);
  const tp = r.tensorParallel;
  const send = (bytes: number) =>
    collectiveSeconds('p2p', bytes, placement(2, tp, cluster.gpusPerNode), cluster.scaleUp, cluster.scaleOut);
  const hidden = send((tokens * spec.hiddenSize * 2) / tp);
  if (streamed) return microbatches * Math.max(slowest, hidden);
  return Math.max(chain + (pp - 1) * hidden + send(tokens * 4), microbatches * slowest);
}

/** Seconds of one layer of each kind of `layerKinds(spec)` over a request, with its launch overhead. */
const layerKindSeconds = (
  spec: ModelSpec,
  cluster: ClusterSpec,
  request: OperationRequest,
  overheadSeconds: number,
): number[] =>
  layerKinds(spec).map(
    ({ layer }) => operationsSeconds(layerOperations(spec, layer, request), cluster) + overheadSeconds,
  );

/** Seconds of one forward pass of a model over a request: its layers, launch overheads and output head. */
function forwardSeconds(
  spec: ModelSpec,
  cluster: ClusterSpec,
  request: OperationRequest,
  overheadSeconds: number,
  sampled: OperationRequest = request,
): number {
  const perKind = layerKindSeconds(spec, cluster, request, overheadSeconds);
  const layers = layerKinds(spec).reduce((sum, { count }, k) => sum + count * perKind[k]!, 0);
  return layers + operationsSeconds(headOperations(spec, sampled), cluster);
}

/**
 * Seconds of one drafter pass over `work`, its head scoring `sampled`'s tokens: an MTP module of the model
 * (operations-mtp.ts), an EAGLE head (eagle-head.ts; `first`: the pass fed the target's hidden states), or
 * the whole draft model, the last two at their own weight format on the replica's GPUs and layout.
 */
function draftPassSeconds(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: Replica,
  drafter: Drafter,
  work: StepWork,
  sampled: StepWork,
  first: boolean,
): number {
  const overhead = r.engine?.layerOverheadSeconds ?? 0;
  if (drafter.kind === 'mtp') {
    const ops = mtpModuleOperations(
      spec,
      servingRequest(cluster, r, work),
      servingRequest(cluster, r, sampled),
    );
    return operationsSeconds(ops, cluster) + overhead;
  }
  const own: Replica = {
    ...r,
    weightFormat: drafter.weightFormat,
    attentionWeightFormat: undefined,
    expertAlignment: undefined,
    weightSparsity: undefined,
    gemmDatatype: undefined,
    drafter: undefined,
  };
  const request = servingRequest(cluster, own, work);
  const scored = servingRequest(cluster, own, sampled);
  if (drafter.kind === 'model') return forwardSeconds(drafter.spec, cluster, request, overhead, scored);
  const ops = eagleHeadOperations(drafter.head, request, scored, first);
  return operationsSeconds(ops, cluster) + drafter.head.spec.numLayers * overhead;
}

/**
 * Seconds for one step of a replica: every layer's operation list, the output head, launch overheads,
 * and the drafter's passes.
 */
export function servingStepSeconds(spec: ModelSpec, cluster: ClusterSpec, r: Replica, w: StepWork): number {
  const request = servingRequest(cluster, r, w);
  if (tokensOnGpu(request) <= 0) return 0;
  let seconds =
    (r.pipelineParallel ?? 1) > 1
      ? pipelineStepSeconds(
          spec,
          cluster,
          r,
          request,
          pipelineMicrobatches(r, w),
          w.prefillStreams === true && w.decodeSequences === 0,
        )
      : forwardSeconds(spec, cluster, request, r.engine?.layerOverheadSeconds ?? 0);
  const drafts = w.draftTokens ?? 0;
  const drafter = r.drafter;
  if (drafter === undefined || drafts < 1 || (drafter.kind === 'mtp' && spec.numMtpModules === 0))
    return seconds;
  // The drafter (vLLM v1 EagleProposer.propose; DraftModelProposer, the same SpecDecodeBaseProposer): one
  // pass over every token the step ran, scoring one token per sequence, then a pass over one token per
  // decoding sequence (a tree: its top-k branches) for each further draft.
  seconds += draftPassSeconds(spec, cluster, r, drafter, w, { ...w, tokensPerSequence: 1 }, true);
  if (drafts > 1 && w.decodeSequences > 0) {
    const next = { ...w, tokensPerSequence: w.draftWidth ?? 1, prefillTokens: 0 };
    seconds += (drafts - 1) * draftPassSeconds(spec, cluster, r, drafter, next, next, false);
  }
  return seconds;
}
