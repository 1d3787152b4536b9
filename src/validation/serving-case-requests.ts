/**
 * A serving case's benchmark requests, and a maximum-load run of them (all sent at t = 0) through the
 * request-level simulator with the engine's host time added step by step (serving-cases.ts).
 */

import { InternalError } from '../core/errors.js';
import type { ClusterSpec } from '../core/hardware/cluster-spec.js';
import { type EngineProfile, stepOverheads, stepWallSeconds } from '../core/inference/engine.js';
import type { ServingReplica } from '../core/inference/serving.js';
import { replicaGpus } from '../core/inference/serving-step.js';
import { simulateReplica } from '../core/inference/simulator/simulate.js';
import { type Arrival, type SimRequest, syntheticRequests } from '../core/inference/simulator/workload.js';
import { routedLayers } from '../core/model/layer-mix.js';
import type { ModelSpec } from '../core/model/spec.js';
import type { ServingCase } from './serving-cases.js';

interface BurstRun {
  readonly outputTokens: number;
  /** Each step's seconds without host time, and the sequences its host time grows with (engine.ts). */
  readonly stepSeconds: Float64Array;
  readonly stepSequences: Float64Array;
}
const burstRuns = new Map<string, BurstRun>();

/**
 * A burst of `c.requests` fixed-length requests simulated once without host time. With every request
 * there at t = 0 the schedule does not depend on time, so the duration under any host overheads is
 * the sum over its steps of each step's wall time (kernels plus host, or the longer of the two with an
 * overlap scheduler; engine.ts stepWallSeconds), exactly; the calibration's grid reuses one
 * simulation per row.
 */
function burstRun(
  c: ServingCase,
  spec: ModelSpec,
  cluster: ClusterSpec,
  replica: ServingReplica,
  profile: EngineProfile,
): BurstRun {
  // The row, its memory share, and the FP4 ceiling the calibration may sweep (its only hardware input that varies).
  const key = `${c.id}|${profile.memoryFraction}|${cluster.gpu.efficiency.fp4Ceiling ?? 1}`;
  const cached = burstRuns.get(key);
  if (cached) return cached;
  const engine = {
    ...profile,
    stepOverheadSeconds: 0,
    sequenceOverheadSeconds: 0,
    moeSequenceLayerSeconds: 0,
  };
  const requests = caseRequests(c, { kind: 'burst' });
  const n = requests.length;
  const seconds: number[] = [];
  const sequences: number[] = [];
  const sim = simulateReplica(spec, cluster, replica, requests, {
    engine,
    arrival: { kind: 'burst' },
    timelinePoints: 0,
    onStep: (dt, running) => {
      seconds.push(dt);
      sequences.push(running);
    },
  });
  if (sim.completed !== n) throw new InternalError(`case ${c.id}: ${n - sim.completed} requests not served`);
  const run = {
    outputTokens: requests.reduce((sum, q) => sum + q.outputTokens, 0),
    stepSeconds: Float64Array.from(seconds),
    stepSequences: Float64Array.from(sequences),
  };
  burstRuns.set(key, run);
  return run;
}

/** The case's benchmark requests: its count, its lengths (fixed, or drawn as the benchmark drew them), seed 1. */
export function caseRequests(c: ServingCase, arrival: Arrival): SimRequest[] {
  return syntheticRequests({
    requests: c.requests ?? 1,
    inputTokens: c.lengthDistribution?.input ?? c.workload.inputTokens,
    outputTokens: c.lengthDistribution?.output ?? c.workload.outputTokens,
    arrival,
    seed: 1,
  });
}

/** Output tokens/s per GPU of the case's burst: Σ over its steps of each step's wall time (kernels and host). */
export function burstOutputTokensPerSecondPerGpu(
  c: ServingCase,
  spec: ModelSpec,
  cluster: ClusterSpec,
  replica: ServingReplica,
  profile: EngineProfile,
): number {
  const run = burstRun(c, spec, cluster, replica, profile);
  const moeLayers = routedLayers(spec);
  let seconds = 0;
  for (let i = 0; i < run.stepSeconds.length; i += 1)
    seconds += caseStepWallSeconds(profile, replica, moeLayers, run.stepSeconds[i]!, run.stepSequences[i]!);
  return run.outputTokens / seconds / replicaGpus(replica);
}

/**
 * A step's wall time: its kernels' `gpuSeconds` and the engine's host time for `sequences` on a replica
 * of a model with `moeLayers` routed layers (engine.ts stepOverheads, stepWallSeconds).
 */
export const caseStepWallSeconds = (
  profile: EngineProfile,
  replica: ServingReplica,
  moeLayers: number,
  gpuSeconds: number,
  sequences: number,
): number =>
  stepWallSeconds(
    gpuSeconds,
    stepOverheads(profile, sequences, replica.expertParallel, moeLayers, replica.pipelineParallel),
  );
