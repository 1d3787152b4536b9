/**
 * The app's state in the URL (JSON, deflate, base64url): a link reproduces the view. A shared link meets the
 * CLI's domain bounds (src/core/domain.ts): a value outside them is replaced by the default, and the app says so.
 */
import { ENGINE_IDS } from '../../src/catalog/engines.js';
import { FINETUNE_METHODS } from '../../src/core/adaptation/finetune.js';
import { DOMAINS, type Domain } from '../../src/core/domain.js';
import { DEFAULT_CHUNK_SMOOTH_FACTOR } from '../../src/core/inference/engine.js';
import { OFFLOAD_MODES, type OffloadMode } from '../../src/core/memory/offload.js';
import { QUANTIZED_BASES, type QuantizedBase } from '../../src/core/model/adapters.js';
import { RECOMPUTE_MODES } from '../../src/core/parallelism/layout.js';
import { STACK_IDS, type StackId } from '../../src/core/training/stack.js';
import { MEMORY_FIT_LEVELS, type MemoryFitLevel } from '../../src/validation/memory-fit.js';

export type View = 'train' | 'adapt' | 'serve' | 'project' | 'levers' | 'scaling' | 'validate';
export const VIEWS: readonly { id: View; label: string }[] = [
  { id: 'train', label: 'Train' },
  { id: 'adapt', label: 'Adapt' },
  { id: 'serve', label: 'Serve' },
  { id: 'project', label: 'Project' },
  { id: 'levers', label: 'Levers' },
  { id: 'scaling', label: 'Scaling laws' },
  { id: 'validate', label: 'Validate' },
];

export interface TrainInput {
  model: string;
  /** An uploaded Hugging Face config.json (its text), used instead of `model` when set. */
  config: string | null;
  configName: string | null;
  gpu: string;
  gpus: number;
  tokens: number;
  /** Training precision, as `--precision` (fp32 is CLI-only). */
  precision: WebPrecision;
  seqLen: number;
  /** Mean tokens per packed document, attention masked at their boundaries, as `--document-tokens` (0: none). */
  documentTokens: number;
  /** P99 of their lengths, as `--document-tokens-p99` (0: every document at the mean). */
  documentTokensP99: number;
  usdPerGpuHour: number | null;
  /** Fixed parallel degrees (0: searched). */
  tp: number;
  pp: number;
  /** The software stack predicted (catalog/stacks), as `llmecon train --stack`. */
  stack: StackId;
  /** Expert tensor parallelism of an MoE model, as `--etp` (ignored for a dense model). */
  etp: EtpChoice;
  /** Model states kept in host memory, as `--offload`. */
  offload: OffloadMode;
  /** The memory a layout must fit at, as `--memory-fit`. */
  memoryFit: MemoryFitLevel;
  /** Recomputation, as `--recompute` ('search': the search picks, partial recomputation included). */
  recompute: RecomputeChoice;
  /** MTP modules trained, as `--mtp-layers`: 'checkpoint' = the model's own where the stack builds them. */
  mtp: MtpChoice;
  /** TP all-gathers and reduce-scatters pipelined with the GEMMs, as `--tp-comm-overlap` (stacks that have it). */
  tpCommOverlap: boolean;
  /** Each step replayed as one CUDA graph, as `--full-iteration-cuda-graphs` (stacks that have it). */
  fullIterationCudaGraphs: boolean;
  /** Main-grad buffers in BF16, as `--bf16-grad-buffers` (stacks that have it). */
  bf16GradBuffers: boolean;
}

/** `--recompute` in the Train view: searched, or one mode fixed. */
export const RECOMPUTE_CHOICES = ['search', ...RECOMPUTE_MODES] as const;
export type RecomputeChoice = (typeof RECOMPUTE_CHOICES)[number];

/** `--mtp-layers` in the Train view: the checkpoint's modules, or a count from none to four. */
export const MTP_CHOICES = ['checkpoint', '0', '1', '2', '3', '4'] as const;
export type MtpChoice = (typeof MTP_CHOICES)[number];

/** Expert tensor parallelism: searched (the stack's rule: 1 where EP takes the TP ranks, as NeMo's MoE recipes run; else TP), TP, or 1. */
export const ETP_CHOICES = ['search', 'tp', '1'] as const;
export type EtpChoice = (typeof ETP_CHOICES)[number];

export interface AdaptInput {
  model: string;
  gpu: string;
  gpus: number;
  tokens: number;
  epochs: number;
  seqLen: number;
  globalBatch: number;
  rank: number;
  /** Training precision of the full and LoRA runs, as `llmecon finetune --precision` (QLoRA computes in BF16). */
  precision: WebPrecision;
  usdPerGpuHour: number;
  /** The software stack predicted, as `llmecon finetune --stack`. */
  stack: StackId;
  /** Fixed tensor parallelism (0: searched), as `--tp`. */
  tp: number;
  /** Expert tensor parallelism of an MoE model, as `--etp` (ignored for a dense model). */
  etp: EtpChoice;
  /** Model states kept in host memory, as `--offload`. */
  offload: OffloadMode;
  /** The memory the layouts must fit at, as `--memory-fit`. */
  memoryFit: MemoryFitLevel;
  /** How examples fill sequences: packed (masked from each other: `--packing-mask`), or padded as `--no-packing --padding …` pads them. */
  padding: PaddingChoice;
  /** Dataset examples per epoch (0: not given; needed unless packed), as `--examples`. */
  examples: number;
  /** P99 of the example lengths in tokens (0: every example at the mean), as `--length-p99`. */
  lengthP99: number;
  /** The LoRA and QLoRA rows also train the embedding and head in full, as `--train-embeddings`. */
  trainEmbeddings: boolean;
  /** Main-grad buffers in BF16, as `--bf16-grad-buffers` (stacks that have it). */
  bf16GradBuffers: boolean;
  /** The QLoRA row's 4-bit base, as `--base-format`: bitsandbytes NF4 or a GPTQ INT4 checkpoint. */
  qloraBase: QuantizedBase;
}

/** How a fine-tuning dataset fills sequences: packed (default), padded to the sequence length, or per micro-batch to its longest (HF collators). */
export const PADDING_CHOICES = ['packed', 'packed-masked', 'max-length', 'longest'] as const;
export type PaddingChoice = (typeof PADDING_CHOICES)[number];

export interface RlInput {
  model: string;
  gpu: string;
  gpus: number;
  method: 'full' | 'lora' | 'dora' | 'qlora';
  /** The policy update's precision, as `llmecon rl --precision` (QLoRA: bf16 only). */
  precision: WebPrecision;
  prompts: number;
  samplesPerPrompt: number;
  promptTokens: number;
  responseTokens: number;
  /** Responses cut here, as `llmecon rl --max-response-tokens`: the policy update's memory holds the longest. */
  maxResponseTokens: number;
  steps: number;
  usdPerGpuHour: number;
  /** The trainer's model states in host memory, as `llmecon rl --offload` (Hugging Face stack). */
  offload: OffloadMode;
  /** The policy update's software stack, as `llmecon rl --stack` (default Hugging Face TRL). */
  stack: StackId;
}

export interface ServeInput {
  model: string;
  gpu: string;
  weights: string;
  kv: string;
  inputTokens: number;
  outputTokens: number;
  tokensPerDay: number;
  tpotSloSeconds: number;
  /** Time-to-first-token limit (0: none). */
  ttftSloSeconds: number;
  usdPerGpuHour: number;
  api: string;
  /** Inference engine profile (catalog/engines), or none: the hardware bound, as the CLI without --engine. */
  engine: ServeEngine;
  /** The engine's share of GPU memory as the deployment sets it, as `--mem-fraction` (0: the profile's). */
  memFraction: number;
  /** The engine's token budget per step, as `--chunk-tokens` (0: the profile's). */
  chunkTokens: number;
  /** SGLang's dynamic prompt-chunk sizes through a pipeline at `smoothFactor`, as `--dynamic-chunking`. */
  dynamicChunking: boolean;
  smoothFactor: number;
  /** The largest decode batch the deployment captures in a CUDA graph, as `--cuda-graph-batch` (0: the profile's). */
  cudaGraphBatch: number;
  /** SGLang: prompt chunks share the decode steps, as `--mixed-chunk` (its --enable-mixed-chunk). */
  mixedChunk: boolean;
  /** Fixed tensor, (MoE) expert and pipeline parallelism of a replica, as `--tp`, `--ep`, `--pp` (0: searched). */
  tp: number;
  ep: number;
  pp: number;
  /** MoE: expert parallelism inside the TP group, attention tensor-parallel, as `--ep-in-tp`. */
  epInTp: boolean;
  /** MoE: max / mean routed tokens over the EP ranks (1: balanced) and EPLB's slots, as `--expert-imbalance`, `--redundant-experts`. */
  expertImbalance: number;
  redundantExperts: number;
  /** Speculative decoding: none, the model's MTP modules, or a draft model (`llmecon serve --mtp / --draft-model`). */
  speculative: 'none' | 'mtp' | 'draft';
  /** The draft model's catalog id (with `draft`). */
  draftModel: string;
  /** Tokens drafted per step, and the probability each is accepted (with `mtp` or `draft`). */
  draftTokens: number;
  acceptanceRate: number;
  /** Request lengths in the simulation: fixed, or lognormal with the stated lengths as medians. */
  lengths: 'fixed' | 'lognormal';
  inputP90: number;
  outputP90: number;
  /** Simulated arrivals: Poisson at the day's traffic per replica, or a closed loop of `concurrency` clients. */
  arrival: 'traffic' | 'concurrency';
  /** Clients of the closed loop (0: the plan's running sequences per replica). */
  concurrency: number;
  /** Requests simulated (the worker may simulate fewer; it says so). */
  requests: number;
  seed: number;
}

export const SERVE_ENGINES = ['none', ...ENGINE_IDS] as const;
export type ServeEngine = (typeof SERVE_ENGINES)[number];

export interface AppState {
  view: View;
  train: TrainInput;
  adapt: AdaptInput;
  rl: RlInput;
  serve: ServeInput;
  project: { example: string; yaml: string; samples: number; seed: number };
  levers: { preset: string };
  scaling: { mode: 'flops' | 'usd'; flops: number; usd: number; gpu: string; inferenceTokens: number };
}

export function defaultState(exampleYaml: string): AppState {
  return {
    view: 'train',
    train: {
      model: 'llama-3-8b',
      config: null,
      configName: null,
      gpu: 'h100',
      gpus: 64,
      tokens: 1e12,
      precision: 'bf16',
      seqLen: 4096,
      documentTokens: 0,
      documentTokensP99: 0,
      usdPerGpuHour: 2,
      tp: 0,
      pp: 0,
      stack: 'megatron',
      etp: 'search',
      offload: 'none',
      memoryFit: 'estimate',
      recompute: 'search',
      mtp: 'checkpoint',
      tpCommOverlap: false,
      fullIterationCudaGraphs: false,
      bf16GradBuffers: false,
    },
    adapt: {
      model: 'llama-3-8b',
      gpu: 'h100-sxm',
      gpus: 8,
      tokens: 100e6,
      epochs: 3,
      seqLen: 4096,
      globalBatch: 64,
      rank: 16,
      precision: 'bf16',
      usdPerGpuHour: 2,
      stack: 'hf',
      tp: 0,
      etp: 'search',
      offload: 'none',
      memoryFit: 'estimate',
      padding: 'packed',
      examples: 0,
      lengthP99: 0,
      trainEmbeddings: false,
      bf16GradBuffers: false,
      qloraBase: 'nf4',
    },
    rl: {
      model: 'qwen2.5-7b',
      gpu: 'h100-sxm',
      gpus: 8,
      method: 'full',
      precision: 'bf16',
      prompts: 64,
      samplesPerPrompt: 16,
      promptTokens: 512,
      responseTokens: 4096,
      maxResponseTokens: 16_384,
      steps: 500,
      usdPerGpuHour: 2,
      offload: 'none',
      stack: 'hf',
    },
    serve: {
      model: 'llama-3.1-70b',
      gpu: 'h100-sxm',
      weights: 'fp8',
      kv: 'fp8',
      inputTokens: 1000,
      outputTokens: 300,
      tokensPerDay: 2e9,
      tpotSloSeconds: 0.05,
      ttftSloSeconds: 0,
      usdPerGpuHour: 2,
      api: 'gpt-5.4-mini',
      engine: 'none',
      memFraction: 0,
      chunkTokens: 0,
      dynamicChunking: false,
      smoothFactor: DEFAULT_CHUNK_SMOOTH_FACTOR,
      cudaGraphBatch: 0,
      mixedChunk: false,
      tp: 0,
      ep: 0,
      pp: 0,
      epInTp: false,
      expertImbalance: 1,
      redundantExperts: 0,
      speculative: 'none',
      draftModel: 'llama-3.2-1b',
      // One draft at DeepSeek-V3's MTP acceptance (85%, Sec. 5.4.3); a draft model's is yours to state.
      draftTokens: 1,
      acceptanceRate: 0.85,
      lengths: 'fixed',
      inputP90: 3000,
      outputP90: 900,
      arrival: 'traffic',
      concurrency: 0,
      requests: 1000,
      seed: 1,
    },
    project: { example: 'deepseek-v3.yaml', yaml: exampleYaml, samples: 2000, seed: 1 },
    levers: { preset: 'deepseek-v3-recipe' },
    scaling: { mode: 'flops', flops: 5.76e23, usd: 5e6, gpu: 'h100', inferenceTokens: 0 },
  };
}

const D = DOMAINS;
const orZero = (d: Domain): Domain => ({ ...d, min: 0, minExclusive: false });
/** The domain of every numeric field of the state (the typed fields use the same). */
export const STATE_DOMAINS = {
  train: {
    gpus: D.gpus,
    tokens: D.datasetTokens,
    seqLen: D.sequenceTokens,
    documentTokens: orZero(D.documentTokens),
    documentTokensP99: orZero(D.documentTokens),
    usdPerGpuHour: D.usdPerGpuHour,
    tp: orZero(D.parallelDegree),
    pp: orZero(D.parallelDegree),
  },
  adapt: {
    gpus: D.gpus,
    tokens: D.datasetTokens,
    epochs: D.epochs,
    seqLen: D.sequenceTokens,
    globalBatch: D.sequences,
    rank: D.rank,
    usdPerGpuHour: D.usdPerGpuHour,
    tp: orZero(D.parallelDegree),
    examples: orZero(D.examples),
    lengthP99: orZero(D.sequenceTokens),
  },
  rl: {
    gpus: D.gpus,
    prompts: D.sequences,
    samplesPerPrompt: D.sequences,
    promptTokens: D.sequenceTokens,
    responseTokens: D.sequenceTokens,
    maxResponseTokens: D.sequenceTokens,
    steps: D.steps,
    usdPerGpuHour: D.usdPerGpuHour,
  },
  serve: {
    inputTokens: D.sequenceTokens,
    outputTokens: D.sequenceTokens,
    tokensPerDay: D.tokensPerDay,
    tpotSloSeconds: D.seconds,
    ttftSloSeconds: orZero(D.seconds),
    usdPerGpuHour: D.usdPerGpuHour,
    inputP90: D.sequenceTokens,
    outputP90: D.sequenceTokens,
    draftTokens: D.draftTokens,
    acceptanceRate: D.fraction,
    memFraction: orZero(D.engineMemoryShare),
    chunkTokens: orZero(D.engineStepTokens),
    smoothFactor: D.chunkSmoothFactor,
    cudaGraphBatch: orZero(D.cudaGraphBatch),
    tp: orZero(D.parallelDegree),
    ep: orZero(D.parallelDegree),
    pp: orZero(D.parallelDegree),
    expertImbalance: D.expertImbalance,
    redundantExperts: D.redundantExperts,
    concurrency: orZero(D.sequences),
    requests: D.browserSimulatedRequests,
    seed: D.seed,
  },
  project: { samples: orZero(D.monteCarloSamples), seed: D.seed },
  scaling: {
    flops: D.flops,
    usd: { ...D.usd, minExclusive: true },
    inferenceTokens: orZero(D.datasetTokens),
  },
} as const satisfies Partial<Record<keyof AppState, Record<string, Domain>>>;

/** The training precisions the web app offers (`--precision`; bf16-pure: no FP32 master). */
export const WEB_PRECISIONS = ['bf16', 'bf16-pure', 'fp8'] as const;
export type WebPrecision = (typeof WEB_PRECISIONS)[number];

/** The allowed values of the state's choice fields. */
export const STATE_CHOICES: Partial<Record<keyof AppState, Record<string, readonly string[]>>> = {
  train: {
    precision: WEB_PRECISIONS,
    stack: STACK_IDS,
    etp: ETP_CHOICES,
    offload: OFFLOAD_MODES,
    memoryFit: MEMORY_FIT_LEVELS,
    recompute: RECOMPUTE_CHOICES,
    mtp: MTP_CHOICES,
  },
  adapt: {
    precision: WEB_PRECISIONS,
    stack: STACK_IDS,
    etp: ETP_CHOICES,
    offload: OFFLOAD_MODES,
    memoryFit: MEMORY_FIT_LEVELS,
    padding: PADDING_CHOICES,
    qloraBase: QUANTIZED_BASES,
  },
  rl: { method: FINETUNE_METHODS, precision: WEB_PRECISIONS, offload: OFFLOAD_MODES, stack: STACK_IDS },
  scaling: { mode: ['flops', 'usd'] },
  serve: {
    engine: SERVE_ENGINES,
    speculative: ['none', 'mtp', 'draft'],
    lengths: ['fixed', 'lognormal'],
    arrival: ['traffic', 'concurrency'],
  },
};
