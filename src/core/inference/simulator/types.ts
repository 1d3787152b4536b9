/** The serving simulator's options, results and per-request state (simulate.ts runs them). */
import type { EngineProfile } from '../engine.js';
import type { ServingWorkload, Slo } from '../serving.js';
import type { LatencyStats } from './stats.js';
import type { Arrival, SimRequest } from './workload.js';

export interface SimOptions {
  readonly engine: EngineProfile;
  /** How requests arrive; `closed` sends each request when one of N clients is free. */
  readonly arrival: Arrival;
  /** Share of each prompt found in the prefix cache (requests without a prefixId), whole blocks. */
  readonly cacheHitRate?: number;
  readonly speculative?: ServingWorkload['speculative'];
  readonly slo?: Slo;
  readonly seed?: number;
  /** Points kept of the replica's timeline (evenly strided over steps). Default 400. */
  readonly timelinePoints?: number;
  /** The input the requests come from, named when the run is too large to simulate (default `--requests`). */
  readonly sizeField?: string;
  /** Called once per step with its seconds and the sequences it ran (decoding and prefilling). */
  readonly onStep?: (seconds: number, sequences: number) => void;
}

export interface TimelinePoint {
  readonly seconds: number;
  readonly runningSequences: number;
  readonly waitingRequests: number;
  readonly prefillTokens: number;
  readonly kvUsedFraction: number;
  /** Preemptions since the start (cumulative), to mark when the KV cache ran out. */
  readonly preemptions: number;
}

export interface SimResult {
  readonly requests: number;
  readonly completed: number;
  /** Requests whose prompt alone exceeds the whole KV cache (never admitted). */
  readonly rejected: number;
  readonly preemptions: number;
  readonly steps: number;
  /**
   * Σ over steps of the sequences each step scheduled (decoding and prefilling): with `steps`, what
   * the engine's host time grows with (engine.ts hostSecondsPerStep), so a run's duration under other
   * host overheads follows without re-simulating when the schedule does not depend on time (a burst).
   */
  readonly sequenceSteps: number;
  readonly durationSeconds: number;
  readonly kvCapacityTokens: number;
  /** First token, as every engine's benchmark defines it: arrival to first output token. */
  readonly ttftSeconds: LatencyStats;
  /** Per request, (end-to-end − TTFT) / (output − 1) (vLLM benchmark_serving's TPOT). */
  readonly tpotSeconds: LatencyStats;
  /** Every gap between successive token emissions of a request (vLLM's ITL; a step emitting several speculative tokens is one gap). */
  readonly itlSeconds: LatencyStats;
  readonly e2eSeconds: LatencyStats;
  readonly outputTokensPerSecond: number;
  readonly inputTokensPerSecond: number;
  readonly outputTokensPerSecondPerGpu: number;
  readonly requestsPerSecond: number;
  /** Completed requests per second that met the SLO (DistServe's goodput, Zhong et al. 2024). */
  readonly goodputRequestsPerSecond: number;
  readonly sloAttainment: number;
  readonly meanRunningSequences: number;
  /** Share of prompt tokens served from the prefix cache. */
  readonly prefixHitShare: number;
  readonly timeline: readonly TimelinePoint[];
}

/** One request inside the replica. */
export interface Live {
  readonly index: number;
  readonly req: SimRequest;
  readonly arrival: number;
  /** Tokens that must be in the KV cache before the next token can be decoded. */
  promptTarget: number;
  /** Tokens in the KV cache (cached prefix included). */
  computed: number;
  generated: number;
  /** KV blocks this request holds (kv-pool.ts). */
  blocks: number;
  firstTokenAt: number;
  lastTokenAt: number;
  hitTokens: number;
  admitted: boolean;
}
