/**
 * Steps outside continuous batching: a static batch (prefill all prompts, then decode them together),
 * a lone request's prefill, and a pool that only prefills (disaggregated serving). Each is one or two
 * serving steps of the operation list (serving-step.ts).
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { ModelSpec } from '../model/spec.js';
import { promptStreaming } from './engine.js';
import { computedPromptContext, promptChunksSeconds } from './prompt-chunks.js';
import { checkWorkload, type ServingReplica, type ServingWorkload } from './serving.js';
import { replicaGpus, servingStepSeconds } from './serving-step.js';

/**
 * A static batch (TensorRT-LLM's benchmark, RL rollouts): prefill all `batch` prompts in one step,
 * then decode every output token at the mean context (the KV grows from prompt to prompt + output).
 */
export function staticBatchSeconds(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  inputTokens: number,
  outputTokens: number,
  batch: number,
): { readonly prefillSeconds: number; readonly decodeStepSeconds: number } {
  return {
    prefillSeconds: servingStepSeconds(spec, cluster, r, {
      decodeSequences: 0,
      tokensPerSequence: 1,
      context: 0,
      prefillTokens: batch * inputTokens,
      prefillContext: inputTokens / 2,
      prefillSequences: batch,
    }),
    decodeStepSeconds: servingStepSeconds(spec, cluster, r, {
      decodeSequences: batch,
      tokensPerSequence: 1,
      context: inputTokens + outputTokens / 2,
      prefillTokens: 0,
      prefillContext: 0,
    }),
  };
}

/** Output tokens per second per GPU of a static batch. */
export function staticBatchThroughput(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  batch: number,
): number {
  checkWorkload(w);
  const t = staticBatchSeconds(spec, cluster, r, w.inputTokens, w.outputTokens, batch);
  return (
    (batch * w.outputTokens) / (t.prefillSeconds + w.outputTokens * t.decodeStepSeconds) / replicaGpus(r)
  );
}

/** Time to first token of a lone request (batch 1): its prefill. */
export function loneTtftSeconds(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  inputTokens: number,
): number {
  // One pass, or where the engine streams a prompt's chunks through the pipeline, its chunks in flight.
  const streaming = promptStreaming(r.profile, r.pipelineParallel);
  const chunkTokens = streaming !== 'serial' && r.profile ? r.profile.maxBatchedTokens : inputTokens;
  const base = {
    decodeSequences: 0,
    tokensPerSequence: 1,
    context: 0,
    prefillTokens: inputTokens,
    prefillContext: inputTokens / 2,
  };
  return promptChunksSeconds(
    base,
    inputTokens,
    chunkTokens,
    streaming,
    (w) => servingStepSeconds(spec, cluster, r, w),
    r.profile,
  );
}

/**
 * Prefill throughput of a replica dedicated to prefill: prompt tokens per second per GPU at a
 * batch of `batchTokens` (cache hits are served without compute and count as input tokens).
 */
export function prefillTokensPerSecondPerGpu(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  batchTokens: number,
): number {
  checkWorkload(w);
  const computed = batchTokens * (1 - (w.cacheHitRate ?? 0));
  const seconds = servingStepSeconds(spec, cluster, r, {
    decodeSequences: 0,
    tokensPerSequence: 1,
    context: 0,
    prefillTokens: computed,
    prefillContext: computedPromptContext(w.inputTokens, w.cacheHitRate),
    prefillSequences: batchTokens / w.inputTokens,
    // An MTP drafter runs over the prompts too, to draft after them.
    draftTokens: w.speculative?.draftTokens ?? 0,
  });
  return batchTokens / seconds / replicaGpus(r);
}
