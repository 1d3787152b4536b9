/**
 * A serving deployment's engine choice as levers studies, scenarios and `serve` state it: the engine, how the
 * deployment sets it (memory share, token budget, dynamic prompt chunks), the replica layout and the expert
 * placement, each checked against the model and the engine by the field.
 */

import { z } from 'zod';
import { DOMAINS, domainNumber } from '../core/domain.js';
import { inputError } from '../core/errors.js';
import type { DeploymentCandidate } from '../core/inference/deployment.js';
import {
  checkReplicaLayout,
  type ExpertPlacement,
  tpTimesEpNote,
} from '../core/inference/expert-placement.js';
import type { ModelSpec } from '../core/model/spec.js';
import {
  type CatalogEngine,
  ENGINE_IDS,
  type EngineId,
  type EngineSettings,
  findEngine,
  withEngine,
} from './engines.js';

/**
 * The engine, fixed replica layout and expert placement of a serving baseline (levers study) or scenario
 * serve phase, as `llmecon serve --engine --mem-fraction --chunk-tokens --dynamic-chunking --cuda-graph-batch --mixed-chunk --tp --ep --pp
 * --ep-in-tp --expert-imbalance --redundant-experts` take them; absent: the hardware bound, TP, EP and PP searched,
 * balanced experts.
 */
export const servingEngineFields = {
  engine: z.enum(ENGINE_IDS).optional(),
  memFraction: domainNumber(DOMAINS.engineMemoryShare).optional(),
  chunkTokens: domainNumber(DOMAINS.engineStepTokens).optional(),
  dynamicChunking: domainNumber(DOMAINS.chunkSmoothFactor).optional(),
  cudaGraphBatch: domainNumber(DOMAINS.cudaGraphBatch).optional(),
  mixedChunk: z.boolean().optional(),
  tp: domainNumber(DOMAINS.parallelDegree).optional(),
  ep: domainNumber(DOMAINS.parallelDegree).optional(),
  pp: domainNumber(DOMAINS.parallelDegree).optional(),
  epInTp: z.boolean().optional(),
  expertImbalance: domainNumber(DOMAINS.expertImbalance).optional(),
  redundantExperts: domainNumber(DOMAINS.redundantExperts).optional(),
};

/** The engine and how the deployment sets it; the other fields are the replica's layout and expert placement. */
const ENGINE_SETTINGS = [
  'engine',
  'memFraction',
  'chunkTokens',
  'dynamicChunking',
  'cudaGraphBatch',
  'mixedChunk',
] as const satisfies readonly (keyof typeof servingEngineFields)[];

/** The fields of `keys` that `f` states (`f` may be a whole scenario phase or baseline). */
const stated = (f: ServingEngineChoice, keys: readonly string[]): ServingEngineChoice =>
  Object.fromEntries(
    keys.map((k) => [k, f[k as keyof ServingEngineChoice]]).filter(([, v]) => v !== undefined),
  ) as ServingEngineChoice;

/** The engine choice `f` states, every field of {@link servingEngineFields}, unchecked (a phase carried into a baseline). */
export const engineChoiceOf = (f: ServingEngineChoice): ServingEngineChoice =>
  stated(f, Object.keys(servingEngineFields));

/** The engine and its settings alone, without the layout and placement stated for one model (levers' `moe`, `distill`). */
export const engineSettingsOf = (f: ServingEngineChoice): ServingEngineChoice => stated(f, ENGINE_SETTINGS);

export interface ServingEngineChoice extends ExpertPlacement {
  readonly engine?: EngineId;
  readonly memFraction?: number;
  /** The engine's token budget per step, and dynamic prompt chunks' smooth factor (EngineSettings). */
  readonly chunkTokens?: number;
  readonly dynamicChunking?: number;
  /** The largest decode batch the deployment captures in a CUDA graph (EngineSettings.cudaGraphMaxBatch). */
  readonly cudaGraphBatch?: number;
  /** Prompt chunks share the decode steps (SGLang --enable-mixed-chunk; EngineSettings.mixedChunk). */
  readonly mixedChunk?: boolean;
  /** Fixed tensor, expert and pipeline parallelism of a replica (searched when absent). */
  readonly tp?: number;
  readonly ep?: number;
  readonly pp?: number;
  /** Expert parallelism inside the TP group (Replica.epInTp; searched when absent and EP is not fixed). */
  readonly epInTp?: boolean;
}

/**
 * The engine fields of `f`, refusing what the deployment cannot take, named under `path` (`baseline`,
 * `phases.2`): a memory share without an engine, a TP the heads do not split over, EP on a dense model
 * or over expert slots it does not divide, and an expert placement the model cannot take.
 */
export function servingEngineChoice(
  spec: ModelSpec,
  f: ServingEngineChoice,
  path: readonly (string | number)[],
): ServingEngineChoice {
  const at = (field: keyof ServingEngineChoice) => [...path, field];
  if (f.memFraction !== undefined && f.engine === undefined)
    inputError(
      'invalid_value',
      at('memFraction'),
      "an engine's memory share applies with an engine (vLLM's gpu_memory_utilization, SGLang's mem_fraction_static, TensorRT-LLM's free_gpu_memory_fraction): name the engine, or leave the share out",
    );
  // The settings beyond the memory share (said above in the engines' words) need an engine too.
  for (const field of ENGINE_SETTINGS.filter((k) => k !== 'engine' && k !== 'memFraction'))
    if (f[field] !== undefined && f.engine === undefined)
      inputError(
        'invalid_value',
        at(field),
        `${field} applies with an engine: name the engine, or leave it out`,
      );
  if (f.engine !== undefined)
    checkEngineSettings(
      findEngine(f.engine, 'engine'),
      { dynamicChunking: f.dynamicChunking !== undefined, mixedChunk: f.mixedChunk === true },
      { dynamicChunking: at('dynamicChunking'), mixedChunk: at('mixedChunk') },
    );
  checkReplicaLayout(spec, replicaFixed(f), {
    tensorParallel: at('tp'),
    expertParallel: at('ep'),
    pipelineParallel: at('pp'),
    epInTp: at('epInTp'),
    expertImbalance: at('expertImbalance'),
    redundantExperts: at('redundantExperts'),
  });
  return engineChoiceOf(f);
}

/** What a choice's fixed layout means that its flags may not say (a TP × EP replica read as the engines' EP inside TP). */
export const engineChoiceWarnings = (f: ServingEngineChoice): string[] =>
  [tpTimesEpNote(f.tp, f.ep)].filter((t): t is string => t !== null);

/** The replica options' fixed dimensions and placement for a choice (replica-layouts.ts replicaOptions). */
export const replicaFixed = (f: ServingEngineChoice) => ({
  tensorParallel: f.tp,
  expertParallel: f.ep,
  pipelineParallel: f.pp,
  epInTp: f.epInTp,
  expertImbalance: f.expertImbalance,
  redundantExperts: f.redundantExperts,
});

/** `candidates` on the chosen engine as the deployment sets it ({@link withEngine}); unchanged without one. */
export const onEngine = (candidates: readonly DeploymentCandidate[], f: ServingEngineChoice) => {
  const engine = f.engine === undefined ? undefined : findEngine(f.engine, 'engine');
  const settings: EngineSettings = {
    memoryFraction: f.memFraction,
    maxBatchedTokens: f.chunkTokens,
    ...(f.dynamicChunking !== undefined && { dynamicChunking: { smoothFactor: f.dynamicChunking } }),
    cudaGraphMaxBatch: f.cudaGraphBatch,
    mixedChunk: f.mixedChunk,
  };
  return candidates.map((c) => withEngine(c, engine, settings));
};

/**
 * Refuses what the engine does not do: dynamic chunk sizes on an engine that passes a prompt's chunks through
 * a pipeline one after another, and mixed prompt chunks asked of an engine that mixes them already.
 */
export function checkEngineSettings(
  engine: CatalogEngine,
  asked: { readonly dynamicChunking: boolean; readonly mixedChunk: boolean },
  paths: {
    readonly dynamicChunking: readonly (string | number)[];
    readonly mixedChunk: readonly (string | number)[];
  },
): void {
  if (asked.dynamicChunking && !engine.pipelinesPromptChunks)
    inputError(
      'unsupported',
      paths.dynamicChunking,
      `${engine.name} passes a prompt's chunks through a pipeline one after another; dynamic chunk sizes are SGLang's (engine sglang)`,
    );
  if (asked.mixedChunk && !engine.prefillFirst)
    inputError(
      'unsupported',
      paths.mixedChunk,
      `${engine.name} already puts prompt chunks beside the decodes in every step; mixed chunks are SGLang's --enable-mixed-chunk (engine sglang), whose default runs prompts in steps of their own`,
    );
}
