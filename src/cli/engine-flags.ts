/**
 * The serving commands' engine flags: which engine runs the replicas and how the deployment sets it where it
 * differs from the catalog profile (memory share, token budget per step, dynamic prompt chunks, CUDA-graph capture,
 * mixed prompt chunks).
 */
import type { Command } from 'commander';
import { type CatalogEngine, ENGINE_IDS, type EngineSettings } from '../catalog/engines.js';
import { checkEngineSettings } from '../catalog/serving-engine-choice.js';
import { inputError } from '../core/errors.js';
import { DEFAULT_CHUNK_SMOOTH_FACTOR } from '../core/inference/engine.js';
import { fraction, positiveInteger, positiveNumber, refuseFlags } from './options.js';

export interface EngineFlags {
  engine?: string;
  memFraction?: string;
  chunkTokens?: string;
  dynamicChunking?: string | true;
  cudaGraphBatch?: string;
  mixedChunk?: boolean;
}

export function addEngineFlags(command: Command): Command {
  return command
    .option(
      '--mem-fraction <f>',
      "with --engine: the engine's share of GPU memory as the deployment sets it (vLLM --gpu-memory-utilization, SGLang --mem-fraction-static, TensorRT-LLM free_gpu_memory_fraction), in place of the profile's",
    )
    .option(
      '--chunk-tokens <n>',
      "with --engine: the engine's token budget per step as the deployment sets it, the most prompt tokens a step prefills (vLLM --max-num-batched-tokens, SGLang --chunked-prefill-size, TensorRT-LLM max_num_tokens), in place of the profile's",
    )
    .option(
      '--dynamic-chunking [f]',
      "with --engine sglang and a pipeline (--pp): prompt chunks sized to take the first chunk's time (SGLang --enable-dynamic-chunking; f its SGLANG_DYNAMIC_CHUNKING_SMOOTH_FACTOR, default 0.75)",
    )
    .option(
      '--cuda-graph-batch <n>',
      "with --engine: the largest decode batch the deployment captures in a CUDA graph (SGLang --cuda-graph-max-bs, vLLM --max-cudagraph-capture-size, TensorRT-LLM cuda_graph_config.max_batch_size), in place of the profile's (SGLang's by GPU memory; none stated for vLLM and TensorRT-LLM): larger decode steps run eagerly, which serve says",
    )
    .option(
      '--mixed-chunk',
      'with --engine sglang: prompt chunks share the decode steps (SGLang --enable-mixed-chunk); without it SGLang runs a step of prompts alone whenever one forms and the running sequences wait',
    )
    .option(
      '--engine <id>',
      `inference engine profile: ${ENGINE_IDS.join(' | ')} (memory share, KV block, token budget, step overhead; default: the hardware bound)`,
    );
}

/** The deployment's engine settings from --mem-fraction, --chunk-tokens, --dynamic-chunking, --cuda-graph-batch and --mixed-chunk (each with --engine). */
export function engineSettings(o: EngineFlags, engine: CatalogEngine | undefined): EngineSettings {
  if (engine === undefined)
    refuseFlags(
      o,
      {
        memFraction: '--mem-fraction',
        chunkTokens: '--chunk-tokens',
        dynamicChunking: '--dynamic-chunking',
        cudaGraphBatch: '--cuda-graph-batch',
        mixedChunk: '--mixed-chunk',
      },
      'with --engine',
    );
  const dynamic = o.dynamicChunking;
  if (engine)
    checkEngineSettings(
      engine,
      { dynamicChunking: dynamic !== undefined, mixedChunk: o.mixedChunk === true },
      { dynamicChunking: ['--dynamic-chunking'], mixedChunk: ['--mixed-chunk'] },
    );
  return {
    ...(o.memFraction !== undefined && {
      memoryFraction: positiveNumber(o.memFraction, '--mem-fraction', 1),
    }),
    ...(o.chunkTokens !== undefined && {
      maxBatchedTokens: positiveInteger(o.chunkTokens, '--chunk-tokens', 1),
    }),
    ...(o.cudaGraphBatch !== undefined && {
      cudaGraphMaxBatch: positiveInteger(o.cudaGraphBatch, '--cuda-graph-batch', 1),
    }),
    ...(o.mixedChunk === true && { mixedChunk: true }),
    ...(dynamic !== undefined && {
      dynamicChunking: {
        smoothFactor:
          dynamic === true
            ? DEFAULT_CHUNK_SMOOTH_FACTOR
            : (fraction(dynamic, '--dynamic-chunking', true) ?? DEFAULT_CHUNK_SMOOTH_FACTOR),
      },
    }),
  };
}

/** What a deployment asks of an engine that it lacks (speculative drafters, disaggregated prefill): refused at its flag. */
export function refuseMissingFeatures(
  engine: CatalogEngine,
  asked: { readonly mtp: boolean; readonly drafter: string | undefined; readonly disaggregated: boolean },
): void {
  const speculative = engine.features.speculative;
  if (asked.mtp && !speculative.includes('mtp'))
    inputError('unsupported', ['--mtp'], `${engine.name} has no MTP speculative decoding`);
  if (asked.drafter === 'model' && !speculative.includes('draft'))
    inputError('unsupported', ['--draft-model'], `${engine.name} has no draft-model speculative decoding`);
  if (asked.drafter === 'eagle' && !speculative.includes('eagle'))
    inputError('unsupported', ['--draft-model'], `${engine.name} has no EAGLE speculative decoding`);
  if (asked.disaggregated && !engine.features.disaggregatedPrefill)
    inputError('unsupported', ['--disaggregated'], `${engine.name} has no disaggregated prefill`);
}
