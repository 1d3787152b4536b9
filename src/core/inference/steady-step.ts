/**
 * The steady state of continuous batching at a concurrency: one step's work (every running sequence
 * decodes; the prompts of the requests that replace finished ones ride along, or run in steps of their
 * own on a prefill-first engine), its wall time with the engine's host terms, and the time one request
 * sees per output token — what serving.ts turns into TTFT, throughput and memory.
 */

import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { objectMemo } from '../memo.js';
import { routedLayers } from '../model/layer-mix.js';
import type { ModelSpec } from '../model/spec.js';
import { promptStreaming, stepOverheads, stepWallSeconds } from './engine.js';
import { computedPromptContext, promptChunksSeconds } from './prompt-chunks.js';
import type { ServingReplica, ServingWorkload } from './serving.js';
import { type StepWork, servingStepSeconds } from './serving-step.js';
import { tokensPerStep, verifiedTokens } from './speculative-plan.js';

/**
 * The step of continuous batching with `concurrency` running sequences (each decodes and the
 * prompts of the requests that replace finished ones ride along): what TPOT and throughput follow
 * from, before the TTFT and memory of {@link servingPoint}.
 */
export interface SteadyStep {
  readonly concurrency: number;
  readonly work: StepWork;
  readonly perStep: number;
  readonly stepsPerRequest: number;
  readonly promptTokens: number;
  /** Each prompt's tokens served from the prefix cache (its input less `promptTokens`). */
  readonly cachedTokens: number;
  readonly stepKernels: number;
  /** The step's kernels without its prefill chunks. */
  readonly decodeKernels: number;
  readonly step: number;
  /** Time per output token one request sees (see {@link steadyStep}). */
  readonly tpot: number;
  readonly wall: (kernelSeconds: number) => number;
  /** One prompt prefilled alone, where a prefill-first engine's step already needed it. */
  readonly prompt?: number;
}

/**
 * Chunked prefill: the prompt tokens the requests that replace finished ones bring to each step, per
 * running sequence (its uncached prompt over its steps; none where prefill runs on other replicas).
 */
export const promptTokensPerStep = (w: ServingWorkload): number =>
  w.disaggregated
    ? 0
    : (w.inputTokens * (1 - (w.cacheHitRate ?? 0))) / (w.outputTokens / tokensPerStep(w.speculative));

/** A TPOT as reported: one output token has no time between tokens (TPOT = (latency − TTFT)/(n − 1)), as the simulation counts it. */
export const reportedTpot = (w: Pick<ServingWorkload, 'outputTokens'>, seconds: number): number =>
  w.outputTokens > 1 ? seconds : 0;

/** The steady step at `concurrency` running sequences of `w` on replica `r` (its engine's scheduling and host time). */
export function steadyStep(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  concurrency: number,
): SteadyStep {
  const perStep = tokensPerStep(w.speculative);
  const drafts = w.speculative?.draftTokens ?? 0;
  const stepsPerRequest = w.outputTokens / perStep;
  const promptTokens = w.inputTokens * (1 - (w.cacheHitRate ?? 0));
  const cachedTokens = w.inputTokens - promptTokens;
  const prefillPerStep = concurrency * promptTokensPerStep(w);
  const work = {
    decodeSequences: concurrency,
    tokensPerSequence: verifiedTokens(w.speculative),
    draftTokens: drafts,
    draftWidth: w.speculative?.tree?.width,
    context: w.inputTokens + w.outputTokens / 2,
    prefillTokens: prefillPerStep,
    prefillContext: computedPromptContext(w.inputTokens, w.cacheHitRate),
  };
  // The engine's host time per step (scheduling, sampling, launch) adds to every step, or hides
  // behind it where the scheduler overlaps the GPU; its MoE term adds GPU time.
  const overheads = stepOverheads(
    r.profile,
    concurrency,
    r.expertParallel,
    routedLayers(spec),
    r.pipelineParallel,
  );
  const wall = (kernelSeconds: number) => stepWallSeconds(kernelSeconds, overheads);
  let decodeKernels: number;
  let stepKernels: number;
  let step: number;
  let tpot: number;
  let prompt: number | undefined;
  if (r.profile?.prefillFirst === true && prefillPerStep > 0) {
    // A prefill-first engine (SGLang without mixed chunks) decodes in steps of their own and prefills
    // each successor's prompt alone in between, its steps with its own sequence's host time: a decode
    // step comes, on average, with the prompts of c / (steps per request) successors (their time counted
    // with the kernels, for the prefill share). A request decoding sees those of the other c − 1
    // sequences' successors (none at c = 1), as with mixed steps.
    const one = stepOverheads(r.profile, 1, r.expertParallel, routedLayers(spec), r.pipelineParallel);
    const alone = promptAloneSeconds(
      spec,
      cluster,
      r,
      work,
      promptTokens,
      (k) => stepWallSeconds(k, one),
      cachedTokens,
    );
    decodeKernels = servingStepSeconds(spec, cluster, r, { ...work, prefillTokens: 0 });
    stepKernels = decodeKernels + (concurrency / stepsPerRequest) * alone;
    step = wall(decodeKernels) + (concurrency / stepsPerRequest) * alone;
    tpot = (wall(decodeKernels) + ((concurrency - 1) / stepsPerRequest) * alone) / perStep;
    prompt = alone;
  } else {
    // A prompt is admitted whole, or in chunks of the engine's token budget (Sarathi-Serve's chunked
    // prefill, Agrawal et al. 2024, piggybacks them on running decodes), each on one attention rank
    // (attention DP places whole requests). Where the prompts a step needs, p = c·P/steps, fill fewer
    // than one chunk, a share f = p / chunk of the steps carries one chunk and the rest only decode (at
    // c = 1, one prefill and n − 1 decodes: Little's law with TTFT and TPOT); up to one chunk per
    // attention rank, every step carries p / chunk of them, each on its own rank (the busiest holding one
    // whole, attentionRankLoad); beyond, every step carries an even share of p on every rank.
    const chunk = Math.min(promptTokens, r.profile?.maxBatchedTokens ?? promptTokens);
    const lumped = prefillPerStep > 0 && prefillPerStep < Math.max(1, r.expertParallel) * chunk;
    const mixedTokens = Math.max(prefillPerStep, chunk);
    const mixedKernels = servingStepSeconds(
      spec,
      cluster,
      r,
      lumped ? { ...work, prefillTokens: mixedTokens, prefillSequences: mixedTokens / chunk } : work,
    );
    decodeKernels =
      prefillPerStep > 0 ? servingStepSeconds(spec, cluster, r, { ...work, prefillTokens: 0 }) : mixedKernels;
    const share = lumped ? prefillPerStep / mixedTokens : 1;
    const mean = (f: number, wallOf: (k: number) => number) =>
      f * wallOf(mixedKernels) + (1 - f) * wallOf(decodeKernels);
    stepKernels = mean(share, (k) => k);
    step = mean(share, wall);
    // A request's own prompt is prefilled before it decodes: while it decodes, the steps carry the
    // prompts of the other c − 1 sequences' successors, (c − 1)/c of the prefill work (none at c = 1).
    const riding = ((concurrency - 1) / concurrency) * share;
    tpot =
      (lumped ? mean(riding, wall) : wall(decodeKernels + riding * (mixedKernels - decodeKernels))) / perStep;
  }
  return {
    concurrency,
    work,
    perStep,
    stepsPerRequest,
    promptTokens,
    cachedTokens,
    stepKernels,
    decodeKernels,
    step,
    tpot: reportedTpot(w, tpot),
    wall,
    ...(prompt !== undefined && { prompt }),
  };
}

/**
 * Seconds of one prompt prefilled alone in chunks of the engine's token budget (streamed through a
 * pipeline where the engine does), `wall` turning each chunk's kernels into its step's time, after
 * `cachedTokens` of it served from the prefix cache.
 */
export function promptAloneSeconds(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  work: StepWork,
  promptTokens: number,
  wall: (kernelSeconds: number) => number,
  cachedTokens = 0,
): number {
  return promptChunksSeconds(
    work,
    promptTokens,
    r.profile?.maxBatchedTokens ?? promptTokens,
    promptStreaming(r.profile, r.pipelineParallel),
    (chunk) => wall(prefillStepSeconds(spec, cluster, r, chunk)),
    r.profile,
    cachedTokens,
  );
}

/**
 * A step that only prefills (no sequence decoding) is the same for every concurrency of a replica
 * and workload: computed once per (model, cluster, replica, step work).
 */
function prefillStepSeconds(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  work: StepWork,
): number {
  const key = `${work.tokensPerSequence}|${work.draftTokens ?? 0}|${work.draftWidth ?? 1}|${work.context}|${work.prefillTokens}|${work.prefillContext}|${work.prefillStreams === true}|${work.prefillAbsorbed === true}`;
  return prefillSteps(spec, cluster, r, key, () => servingStepSeconds(spec, cluster, r, work));
}
const prefillSteps = objectMemo<ModelSpec, ClusterSpec, ServingReplica, number>();
