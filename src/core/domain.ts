/**
 * Domain bounds of every input quantity: one table shared by the CLI flags, the scenario schema, the
 * levers study schema and the web app's URL state, so that the same value is accepted or refused
 * everywhere with the same message. Counts have stated maxima so that no input can make the engines
 * hang (a layout search over 2⁵³ GPUs) or overflow into Infinity/NaN (a batch of 1e300).
 * The maxima are generous physical limits, not defaults: documented in docs/scenarios.md ("Bounds").
 */
import { z } from 'zod';
import { InputError, inputError } from './errors.js';
import { parseCount } from './units.js';

// zod words a missing field "Invalid input: expected number, received undefined"; llmecon says it is
// missing, in every schema (scenarios, levers, traces, model specs, catalog files), as one rule.
z.config({
  customError: (issue) =>
    issue.code === 'invalid_type' && issue.input === undefined
      ? `missing (expected ${issue.expected})`
      : undefined,
});

export interface Domain {
  /** Smallest allowed value. */
  readonly min: number;
  /** When true the minimum itself is refused (a price may be 0, a duration may not). */
  readonly minExclusive?: boolean;
  readonly max: number;
  readonly integer: boolean;
  /** What the quantity is, for messages: "GPUs", "tokens per sequence". */
  readonly what: string;
}

const int = (min: number, max: number, what: string): Domain => ({ min, max, integer: true, what });
const real = (min: number, max: number, what: string, minExclusive = false): Domain => ({
  min,
  max,
  integer: false,
  what,
  minExclusive,
});

/** The bounds, by quantity. */
export const DOMAINS = {
  /** 10 million accelerators: ~100× the largest cluster announced in 2025. */
  gpus: int(1, 10_000_000, 'GPUs'),
  /** A tensor/pipeline/data/expert/context parallel degree never exceeds the GPU count. */
  parallelDegree: int(1, 10_000_000, 'a parallel degree'),
  /** Tokens in one sequence (prompt, response, context): 100M, ~100× the longest context in 2025. */
  sequenceTokens: int(1, 100_000_000, 'tokens per sequence'),
  /** Tokens in one packed document (its mean or P99): a sequence's bounds. */
  documentTokens: int(1, 100_000_000, 'tokens per document'),
  /** Sequences processed together (a batch, a micro-batch, concurrency). */
  sequences: int(1, 100_000_000, 'sequences'),
  /** A dataset or training run: one token (a fraction of a token is no quantity a run has) to 10¹⁶, ~700× Llama 3's 15.6T. */
  datasetTokens: real(1, 1e16, 'tokens'),
  /**
   * Tokens served per day: from one (below it a price per token is not a figure anyone pays) to 10¹⁶
   * (~100× the largest API volumes reported in 2025).
   */
  tokensPerDay: real(1, 1e16, 'tokens per day'),
  /**
   * Requests per second: from 10⁻⁶ (one request in 11.6 days; a slower stream spaces arrivals so far
   * apart that a millisecond step is lost in the clock's last digit) to 10⁹.
   */
  requestsPerSecond: real(1e-6, 1e9, 'requests per second'),
  /** Examples in a dataset. */
  examples: int(1, 1e12, 'examples'),
  epochs: real(0, 10_000, 'epochs', true),
  steps: int(1, 100_000_000, 'steps'),
  /** Policy versions a rollout may lag: published asynchronous RL lags a few (verl's one-step-off 1, AReaL's max_head_offpolicyness); 64 bounds the input. */
  asyncSteps: int(0, 64, 'steps off-policy'),
  /** LoRA adapter rank. */
  rank: int(1, 65_536, 'adapter rank'),
  /**
   * Monte Carlo samples: 100,000 draws take seconds (a scenario may allow fewer: samples × months × entries
   * stay within 10⁷, src/scenario/bounds.ts); more buys no precision a decision needs.
   */
  monteCarloSamples: int(1, 100_000, 'samples'),
  /** A seed for the xoroshiro128+ generator (a 32-bit integer). */
  seed: int(0, 2 ** 31 - 1, 'a seed'),
  /** Rows to list. */
  top: int(1, 1000, 'rows'),
  /** Requests one simulation runs request by request: 2·10⁵ take seconds (10⁴ take 0.25 s); simulator/limits.ts. */
  simulatedRequests: int(1, 200_000, 'simulated requests'),
  /** One GEMM dimension (m, n or k): 2²⁴, ~16× a million-token micro-batch. */
  gemmDimension: int(1, 2 ** 24, 'a GEMM dimension'),
  /** Bytes one kernel or collective moves: one byte to 10¹⁴ (100 TB, ~500× a GPU's memory). */
  kernelBytes: real(1, 1e14, 'bytes'),
  /** Times one kernel runs back to back. */
  kernelCount: int(1, 1_000_000, 'kernel launches'),
  /** Requests the web app simulates in the browser's worker: the 10,000 of the ≤ 1 s benchmark. */
  browserSimulatedRequests: int(1, 10_000, 'simulated requests'),
  draftTokens: int(1, 64, 'drafted tokens'),
  /** MTP modules trained (`--mtp-layers`; Megatron-Core's mtp_num_layers, torchtitan's num_mtp_layers): DeepSeek-V3 trains 1. */
  mtpModules: int(0, 16, 'MTP modules'),
  /** $ per GPU-hour: 0 (owned, paid elsewhere) to $10,000. */
  usdPerGpuHour: real(0, 10_000, 'USD per GPU-hour'),
  /** A GPU purchase price: up to $100M. */
  usdPerGpu: real(0, 1e8, 'USD per GPU'),
  /** A project or budget amount: up to $10¹³ (ten trillion dollars). */
  usd: real(0, 1e13, 'USD'),
  /** An API or teacher price per million tokens. */
  usdPerMillionTokens: real(0, 1e6, 'USD per million tokens'),
  /** Hardware life: five weeks (servers are depreciated over 3–5 years; below, the hardware cost is noise) to 50 years. */
  lifeYears: real(0.1, 50, 'years'),
  /** A share of time or capacity in (0, 1]. */
  fraction: real(0, 1, 'a fraction', true),
  /**
   * A share of time or capacity something runs at: 1% to 100% (a run making progress under 1% of its time is
   * not a training run; Llama 3 kept > 90%, Sec. 3.3.4).
   */
  runningShare: real(0.01, 1, 'a fraction of the time'),
  /** Power usage effectiveness: 1 (no overhead) to 3. */
  pue: real(1, 3, 'a PUE'),
  /** Server watts per accelerator (node power / accelerators per node): 1 W to 5 kW (a GB300 NVL72 rack is ~1.9 kW per GPU). */
  wattsPerGpu: real(1, 5000, 'server watts per accelerator'),
  /** A latency limit in seconds (up to an hour). */
  seconds: real(0, 3600, 'seconds', true),
  /** A year on the calendar. */
  year: int(1950, 2100, 'a year'),
  /** Years to project. */
  years: int(1, 50, 'years'),
  /** A training compute budget in FLOPs: one to 10³⁵ (~10¹⁰× the largest 2025 run). */
  flops: real(1, 1e35, 'FLOPs'),
  /** Parameters of a model: one to 10¹⁶ (~10⁴× the largest published). */
  params: real(1, 1e16, 'parameters'),
  /** Model FLOPs utilisation: 1% to 100%. */
  mfu: real(0.01, 1, 'an MFU'),
  /** Months in a scenario. */
  months: int(1, 240, 'months'),
  /** A month index from the project start (0 = the first month). */
  monthIndex: int(0, 239, 'a month index'),
  /** Electricity price. */
  usdPerKWh: real(0, 10, 'USD per kWh'),
  /** Colocation: data-centre space and power per kW of node power per month. */
  usdPerKwMonth: real(0, 10_000, 'USD per kW-month'),
  /** Tokens in one global batch. */
  batchTokens: int(1, 10_000_000_000, 'tokens per batch'),
  /** A multiplier on predicted GPU-hours (1.2 = 20% slower than predicted). */
  efficiencyFactor: real(0, 100, 'a factor', true),
  /** A monthly growth rate: above −100% (a base cannot shrink below nothing), at most +1000%. */
  growthPerMonth: real(-1, 10, 'a monthly growth rate', true),
  /** An annual discount rate: above −100%, at most 1000%. */
  discountRate: real(-1, 10, 'an annual discount rate', true),
  /** Research compute over the final runs' compute: 1 (final runs only) to 1000. */
  computeRatio: real(1, 1000, 'a ratio'),
  headcount: real(0, 1_000_000, 'people'),
  usdPerYear: real(0, 1e8, 'USD per year'),
  terabytes: real(0, 1e9, 'terabytes'),
  usdPerGbMonth: real(0, 100, 'USD per GB-month'),
  users: real(0, 1e10, 'users'),
  /** Subscription base growth: new users as a share of the base, per month (0 to 1000%). */
  userGrowthPerMonth: real(0, 10, 'a monthly growth rate'),
  usdPerUserMonth: real(0, 1e6, 'USD per user-month'),
  /** Max / mean routed tokens over a serving replica's EP ranks (serving-step.ts Replica.expertImbalance). */
  expertImbalance: real(1, 16, 'max / mean routed tokens over the expert-parallel ranks'),
  /** EPLB's redundant expert slots; a model's expert count bounds it further (expert-placement.ts). */
  redundantExperts: int(0, 100_000, 'redundant expert slots'),
  /** An engine's memory share (vLLM --gpu-memory-utilization, SGLang --mem-fraction-static). */
  engineMemoryShare: real(0, 1, 'a share of GPU memory', true),
  /** An engine's token budget per step (max_num_batched_tokens, chunked_prefill_size, max_num_tokens). */
  engineStepTokens: int(256, 10_000_000, 'tokens per engine step'),
  /** SGLang's SGLANG_DYNAMIC_CHUNKING_SMOOTH_FACTOR: 0 keeps the first chunk's size, 1 follows its runtime model. */
  chunkSmoothFactor: real(0, 1, 'a smooth factor from 0 to 1'),
  /** The largest decode batch an engine captures in a CUDA graph (SGLang cuda_graph_max_bs, per attention-DP rank). */
  cudaGraphBatch: int(1, 100_000, 'sequences per captured decode step'),
  /** A positive quantity a report divides by or compares to. */
  positiveAmount: real(0, 1e15, 'a positive amount', true),
} as const satisfies Record<string, Domain>;
export type DomainName = keyof typeof DOMAINS;

/** "must be a whole number ≥ 1 and ≤ 10,000,000", "must be greater than 0 and at most 1e16". */
export function describeDomain(d: Domain): string {
  const n = (x: number) =>
    (Math.abs(x) > 1e7 || (x !== 0 && Math.abs(x) < 1e-3)) && Number.isInteger(Math.log10(Math.abs(x)))
      ? x.toExponential().replace('e+', 'e')
      : x.toLocaleString('en-US');
  return d.integer
    ? `must be a whole number ${d.minExclusive ? '>' : '≥'} ${n(d.min)} and ≤ ${n(d.max)}`
    : `must be ${d.minExclusive ? 'greater than' : 'at least'} ${n(d.min)} and at most ${n(d.max)}`;
}

/** Whether `value` lies in the domain. */
export function inDomain(value: number, d: Domain): boolean {
  return (
    Number.isFinite(value) &&
    (!d.integer || Number.isInteger(value)) &&
    (d.minExclusive ? value > d.min : value >= d.min) &&
    value <= d.max
  );
}

/** `value` if it lies in the domain; otherwise an input error at `path` that states the domain. */
export function checkDomain(
  value: number,
  d: Domain,
  path: readonly (string | number)[],
  shown: string = String(value),
): number {
  if (!inDomain(value, d))
    inputError('invalid_value', path, `${describeDomain(d)} (${d.what}), got '${shown}'`);
  return value;
}

/** The domain of each CLI flag that takes a number; a flag not listed here falls back to {@link DEFAULT_COUNT}. */
export const FLAG_DOMAINS: Readonly<Record<string, Domain>> = {
  '--gpus': DOMAINS.gpus,
  '--tp': DOMAINS.parallelDegree,
  '--pp': DOMAINS.parallelDegree,
  '--dp': DOMAINS.parallelDegree,
  '--ep': DOMAINS.parallelDegree,
  '--cp': DOMAINS.parallelDegree,
  '--vpp': DOMAINS.parallelDegree,
  '--prefill-tp': DOMAINS.parallelDegree,
  '--prefill-ep': DOMAINS.parallelDegree,
  '--expert-imbalance': DOMAINS.expertImbalance,
  '--redundant-experts': DOMAINS.redundantExperts,
  '--mem-fraction': DOMAINS.engineMemoryShare,
  '--chunk-tokens': DOMAINS.engineStepTokens,
  '--cuda-graph-batch': DOMAINS.cudaGraphBatch,
  '--micro-batch': DOMAINS.sequences,
  '--global-batch': DOMAINS.sequences,
  '--batch': DOMAINS.sequences,
  '--concurrency': DOMAINS.sequences,
  '--prompts': DOMAINS.sequences,
  '--samples-per-prompt': DOMAINS.sequences,
  '--seq-len': DOMAINS.sequenceTokens,
  '--document-tokens': DOMAINS.documentTokens,
  '--document-tokens-p99': DOMAINS.documentTokens,
  '--context': DOMAINS.sequenceTokens,
  '--input-tokens': DOMAINS.sequenceTokens,
  '--output-tokens': DOMAINS.sequenceTokens,
  '--prompt-tokens': DOMAINS.sequenceTokens,
  '--response-tokens': DOMAINS.sequenceTokens,
  '--avg-tokens': { ...DOMAINS.sequenceTokens, integer: false, minExclusive: false },
  '--length-p99': { ...DOMAINS.sequenceTokens, integer: false, minExclusive: false },
  '--global-batch-tokens': { ...DOMAINS.datasetTokens, max: 1e10 },
  '--tokens': DOMAINS.datasetTokens,
  '--inference-tokens': { ...DOMAINS.datasetTokens, max: 1e20 },
  '--tokens-per-day': DOMAINS.tokensPerDay,
  '--requests-per-second': DOMAINS.requestsPerSecond,
  '--examples': DOMAINS.examples,
  '--epochs': DOMAINS.epochs,
  '--steps': DOMAINS.steps,
  '--async-steps': DOMAINS.asyncSteps,
  '--rank': DOMAINS.rank,
  '--samples': DOMAINS.monteCarloSamples,
  '--seed': DOMAINS.seed,
  '--top': DOMAINS.top,
  '--requests': DOMAINS.simulatedRequests,
  '--m': DOMAINS.gemmDimension,
  '--n': DOMAINS.gemmDimension,
  '--k': DOMAINS.gemmDimension,
  '--bytes': DOMAINS.kernelBytes,
  '--count': DOMAINS.kernelCount,
  '--draft-tokens': DOMAINS.draftTokens,
  '--mtp-layers': DOMAINS.mtpModules,
  // A rental is at least a cent an hour (the catalog's cheapest is about $0.50): a price of 5e-324 turns a budget into Infinity FLOPs.
  '--price-per-gpu-hour': { ...DOMAINS.usdPerGpuHour, min: 0.01 },
  '--purchase-price-per-gpu': DOMAINS.usdPerGpu,
  '--teacher-usd-per-million-tokens': DOMAINS.usdPerMillionTokens,
  '--life-years': DOMAINS.lifeYears,
  '--utilization': DOMAINS.runningShare,
  '--goodput': DOMAINS.runningShare,
  '--mfu': DOMAINS.mfu,
  '--pue': DOMAINS.pue,
  '--watts-per-gpu': DOMAINS.wattsPerGpu,
  '--ttft-slo': DOMAINS.seconds,
  '--tpot-slo': DOMAINS.seconds,
  // A budget of at least a cent: below it the dollars print as $0.000 and convert to no FLOPs.
  '--base-usd': { ...DOMAINS.usd, min: 0.01 },
  '--usd': { ...DOMAINS.usd, min: 0.01 },
  '--base-year': DOMAINS.year,
  '--years': DOMAINS.years,
  '--flops': DOMAINS.flops,
  '--params': DOMAINS.params,
  '--phase': int(0, 1000, 'a phase index'),
};

/** Any other count: below 2⁵³ so that it is exact, and the engines bound their own work. */
export const DEFAULT_COUNT: Domain = real(0, 1e15, 'a count', true);

/** Text in the CLI's count syntax (`15T`, `2.788M`, `4,096`) as a number; anything else unchanged. */
export function countFromText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return parseCount(value, 'value');
  } catch (error) {
    if (error instanceof InputError) return value;
    throw error;
  }
}

/** The message for a value outside `d` (the same words as the CLI's). */
export const domainMessage = (d: Domain, shown: string) => `${describeDomain(d)} (${d.what}), got ${shown}`;

/**
 * A zod number in the domain, written as a number or in the CLI's count syntax (`15T`), so that a file
 * accepts exactly what the flag accepts.
 */
export function domainNumber(d: Domain) {
  return z.preprocess(
    countFromText,
    z.number().superRefine((value, ctx) => {
      if (!inDomain(value, d)) ctx.addIssue({ code: 'custom', message: domainMessage(d, String(value)) });
    }),
  );
}
