/**
 * Request streams for the serving simulator: fixed lengths, length distributions (e.g. lognormal
 * input and output), or a trace (JSONL, one request a line). Arrivals: all at once (an offline
 * benchmark at maximum load, as trtllm-bench runs), Poisson at a rate (vLLM's benchmark_serving
 * --request-rate), or a closed loop of N clients (--max-concurrency), each sending its next request
 * when the previous one completes. Pure and seeded.
 */
import { z } from 'zod';
import { DOMAINS } from '../../domain.js';
import { inputError } from '../../errors.js';
import { type Distribution, type Rng, sample, seededRng } from '../../uncertainty/distributions.js';
import { checkRequestCount, SIMULATION_LIMITS, simulationTooLarge } from './limits.js';

export interface SimRequest {
  /** Seconds after the start; ignored under a closed loop (the loop sends it). */
  readonly arrivalSeconds: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Requests of one session/agent share a prefix: the previous turn's prompt and answer. */
  readonly prefixId?: string;
}

export type Arrival =
  | { readonly kind: 'burst' }
  /** As each request's arrivalSeconds says (a trace). */
  | { readonly kind: 'trace' }
  | {
      readonly kind: 'poisson';
      readonly requestsPerSecond: number;
      /** The input the rate came from, for errors (default '--requests-per-second'). */
      readonly rateField?: string;
    }
  | { readonly kind: 'closed'; readonly concurrency: number };

export type Length = number | Distribution;

export interface SyntheticWorkload {
  readonly requests: number;
  readonly inputTokens: Length;
  readonly outputTokens: Length;
  readonly arrival: Arrival;
  readonly seed: number;
}

const draw = (l: Length, rng: Rng, field: string): number => {
  const v = typeof l === 'number' ? l : sample(l, rng);
  if (!Number.isFinite(v))
    inputError('invalid_value', [field], `drew a non-finite length from ${JSON.stringify(l)}`);
  // A drawn request is bounded as a trace line is (at most 10⁸ tokens, domain.ts): a lognormal's tail
  // beyond it (a P90 of 10⁸) is cut there rather than simulated as a 10¹⁶-token prompt.
  return Math.min(DOMAINS.sequenceTokens.max, Math.max(1, Math.round(v)));
};

/**
 * The latest arrival a trace may state or a Poisson stream may draw: 10⁹ s (31.7 years). Beyond ~10¹⁰ s
 * a double cannot tell a sub-millisecond step from nothing, and every latency would read 0.
 */
const MAX_ARRIVAL_SECONDS = 1e9;

/** `n` requests with lengths drawn from the given distributions and arrivals as stated. */
export function syntheticRequests(w: SyntheticWorkload): SimRequest[] {
  if (!Number.isInteger(w.requests) || w.requests < 1)
    inputError('invalid_value', ['--requests'], `must be a whole number ≥ 1, got ${w.requests}`);
  checkRequestCount(w.requests, '--requests');
  const rng = seededRng(w.seed);
  const out: SimRequest[] = [];
  let t = 0;
  for (let i = 0; i < w.requests; i += 1) {
    if (w.arrival.kind === 'poisson') {
      const field = w.arrival.rateField ?? '--requests-per-second';
      if (!(w.arrival.requestsPerSecond > 0))
        inputError('invalid_value', [field], `must be > 0, got ${w.arrival.requestsPerSecond}`);
      // Exponential inter-arrival gaps (a Poisson process), by inversion; 1 − u avoids log(0).
      t += -Math.log(1 - rng.uniform()) / w.arrival.requestsPerSecond;
      // A slow stream spaces its arrivals beyond the clock's resolution (as a trace may not).
      if (!(t <= MAX_ARRIVAL_SECONDS))
        inputError(
          'invalid_value',
          [field],
          `${w.arrival.requestsPerSecond.toPrecision(3)} requests/s spreads ${w.requests} arrivals over more than 1e9 s (31.7 years), beyond what the simulator's clock resolves; simulate fewer requests, more traffic or a closed loop of clients`,
        );
    }
    out.push({
      arrivalSeconds: t,
      inputTokens: draw(w.inputTokens, rng, '--input-tokens'),
      outputTokens: draw(w.outputTokens, rng, '--output-tokens'),
    });
  }
  return out;
}

const traceLineSchema = z
  .object({
    arrivalSeconds: z.number().nonnegative().max(MAX_ARRIVAL_SECONDS),
    inputTokens: z.number().int().positive().max(DOMAINS.sequenceTokens.max),
    outputTokens: z.number().int().positive().max(DOMAINS.sequenceTokens.max),
    prefixId: z.string().min(1).optional(),
  })
  // Other fields (request ids, timestamps, texts that real traces carry) are ignored.
  .strip();

const TRACE_FIELDS = Object.keys(traceLineSchema.shape);
/** A key without case, underscores or hyphens: prefix_id and prefixID are prefixId. */
const fold = (key: string) => key.toLowerCase().replace(/[_-]/g, '');

/**
 * A JSONL trace: one `{"arrivalSeconds", "inputTokens", "outputTokens", "prefixId"?}` a line (blank
 * lines skipped, other fields ignored), sorted by arrival. Errors name the line and the field.
 */
export function parseTrace(text: string, source = '--trace'): SimRequest[] {
  const out: SimRequest[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    // Refused at the first line past the limit, before the rest is parsed.
    if (out.length === SIMULATION_LIMITS.requests)
      simulationTooLarge(
        source,
        `line ${i + 1} is request ${(out.length + 1).toLocaleString('en-US')}, more than the ${SIMULATION_LIMITS.requests.toLocaleString('en-US')} one simulation takes`,
      );
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      inputError('malformed', [source], `line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
    const parsed = traceLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      inputError(
        'invalid_value',
        [source],
        `line ${i + 1}${issue.path.length > 0 ? `, field '${issue.path.join('.')}'` : ''}: ${issue.message} (allowed: arrivalSeconds from 0 to 1e9 (31.7 years), inputTokens and outputTokens whole numbers from 1 to 1e8, optional prefixId string)`,
      );
    }
    // Other fields are ignored, but one that spells a trace field another way (prefix_id) is refused.
    for (const key of Object.keys(json as object)) {
      const meant = TRACE_FIELDS.find((f) => f !== key && fold(f) === fold(key));
      if (meant)
        inputError('invalid_value', [source], `line ${i + 1}, field '${key}': did you mean '${meant}'?`);
    }
    out.push(parsed.data);
  }
  if (out.length === 0) inputError('invalid_value', [source], 'the trace has no requests');
  return out.sort((a, b) => a.arrivalSeconds - b.arrivalSeconds);
}
