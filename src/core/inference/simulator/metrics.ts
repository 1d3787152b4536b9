/**
 * What the simulator measures, as the engines' benchmarks define it: TTFT (arrival to first token),
 * TPOT per request ((end-to-end − TTFT) / (output − 1), vLLM benchmark_serving), ITL (every gap
 * between a request's token emissions), end-to-end latency, goodput under an SLO (DistServe,
 * Zhong et al. 2024), and a bounded timeline of the replica.
 */
import type { Slo } from '../serving.js';
import { latencyStats, weightedLatencyStats } from './stats.js';
import type { Live, SimResult, TimelinePoint } from './types.js';

export class SimMetrics {
  private readonly ttft: number[] = [];
  private readonly tpot: number[] = [];
  private readonly e2e: number[] = [];
  // Inter-token gaps, counted by value: most decoding sequences share a step's gap.
  private readonly itlCounts = new Map<number, number>();
  private good = 0;
  completed = 0;
  rejected = 0;
  preemptions = 0;
  private outputTokens = 0;
  private inputTokens = 0;
  promptTokens = 0;
  hitTokens = 0;
  private runningIntegral = 0;
  private firstArrival = Number.POSITIVE_INFINITY;
  private lastCompletion = 0;
  private readonly timeline: TimelinePoint[] = [];
  private readonly timelinePoints: number;
  private timelineStride = 1;
  // Gaps of sequences that also emitted at the previous step end are all this step's length.
  private stepStart = 0;
  private gapsOfOneStep = 0;

  constructor(
    private readonly slo: Slo,
    timelinePoints: number,
  ) {
    this.timelinePoints = Math.max(1, timelinePoints);
  }

  arrived(seconds: number): void {
    this.firstArrival = Math.min(this.firstArrival, seconds);
  }

  beginStep(now: number, runningSequences: number, dt: number): void {
    this.runningIntegral += runningSequences * dt;
    this.stepStart = now;
    this.gapsOfOneStep = 0;
  }

  /** `tokens` output tokens of `s` emitted at `now`. */
  emit(s: Live, tokens: number, now: number): void {
    if (s.generated === 0) s.firstTokenAt = now;
    else if (s.lastTokenAt === this.stepStart) this.gapsOfOneStep += 1;
    else {
      const gap = now - s.lastTokenAt;
      this.itlCounts.set(gap, (this.itlCounts.get(gap) ?? 0) + 1);
    }
    s.lastTokenAt = now;
    s.generated += tokens;
  }

  /** A decode step of `sequences` that all emitted at the previous step's end too: one one-step gap each. */
  decodeStep(now: number, sequences: number, dt: number): void {
    this.beginStep(now, sequences, dt);
    this.gapsOfOneStep = sequences;
    this.endStep(dt);
  }

  endStep(dt: number): void {
    if (this.gapsOfOneStep > 0) this.itlCounts.set(dt, (this.itlCounts.get(dt) ?? 0) + this.gapsOfOneStep);
  }

  finished(s: Live, now: number): void {
    this.completed += 1;
    this.lastCompletion = now;
    const t = s.firstTokenAt - s.arrival;
    const total = now - s.arrival;
    const perToken = s.req.outputTokens > 1 ? (total - t) / (s.req.outputTokens - 1) : 0;
    this.ttft.push(t);
    this.e2e.push(total);
    if (s.req.outputTokens > 1) this.tpot.push(perToken);
    const slo = this.slo;
    if (
      (slo.ttftSeconds === undefined || t <= slo.ttftSeconds) &&
      (slo.tpotSeconds === undefined || s.req.outputTokens <= 1 || perToken <= slo.tpotSeconds)
    )
      this.good += 1;
    this.outputTokens += s.req.outputTokens;
    this.inputTokens += s.req.inputTokens;
  }

  /** Keeps step `step`'s point when it falls on the stride; the point is built only then. */
  sample(step: number, point: () => TimelinePoint): void {
    if (step % this.timelineStride !== 0) return;
    const all = this.timeline;
    if (all.length >= 2 * this.timelinePoints) {
      // Keep the timeline bounded: drop every other point and halve the sampling rate.
      let j = 0;
      for (let k = 0; k < all.length; k += 2) all[j++] = all[k]!;
      all.length = j;
      this.timelineStride *= 2;
    }
    all.push(point());
  }

  result(o: {
    requests: number;
    steps: number;
    sequenceSteps: number;
    now: number;
    kvCapacityTokens: number;
    gpus: number;
  }): SimResult {
    const start = Number.isFinite(this.firstArrival) ? this.firstArrival : 0;
    const duration = Math.max(0, this.lastCompletion - start);
    const perSecond = (x: number) => (duration > 0 ? x / duration : 0);
    return {
      requests: o.requests,
      completed: this.completed,
      rejected: this.rejected,
      preemptions: this.preemptions,
      steps: o.steps,
      sequenceSteps: o.sequenceSteps,
      durationSeconds: duration,
      kvCapacityTokens: o.kvCapacityTokens,
      ttftSeconds: latencyStats(this.ttft),
      tpotSeconds: latencyStats(this.tpot),
      itlSeconds: weightedLatencyStats([...this.itlCounts.keys()], [...this.itlCounts.values()]),
      e2eSeconds: latencyStats(this.e2e),
      outputTokensPerSecond: perSecond(this.outputTokens),
      inputTokensPerSecond: perSecond(this.inputTokens),
      outputTokensPerSecondPerGpu: perSecond(this.outputTokens) / o.gpus,
      requestsPerSecond: perSecond(this.completed),
      goodputRequestsPerSecond: perSecond(this.good),
      sloAttainment: this.completed > 0 ? this.good / this.completed : 0,
      meanRunningSequences: o.now > 0 ? this.runningIntegral / o.now : 0,
      prefixHitShare: this.promptTokens > 0 ? this.hitTokens / this.promptTokens : 0,
      timeline: this.timeline,
    };
  }
}
