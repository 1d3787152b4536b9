/**
 * `llmecon memory --mode infer`: weights, a static batch's KV cache, workspace and framework overhead per
 * GPU, with the P10–P90 band of what an engine holds beside its KV cache (validation/inference-memory-band.ts).
 */
import type { Accelerator } from '../../catalog/catalog.js';
import { InputError, inputError } from '../../core/errors.js';
import { checkReplicaLayout } from '../../core/inference/expert-placement.js';
import { REPLICA_LAYOUT_PATHS } from '../../core/inference/replica-layouts.js';
import { inferenceMemory } from '../../core/memory/inference-memory.js';
import {
  asReleased,
  type CheckpointFormat,
  formatsTaken,
  servedFormat,
} from '../../core/model/checkpoint-format.js';
import { DEFAULT_LAYOUT, layoutIssues } from '../../core/parallelism/layout.js';
import { formatSupportError, KV_FORMATS, WEIGHT_FORMATS } from '../../core/precision.js';
import { inferenceReserveBand } from '../../validation/inference-memory-band.js';
import { formatBytes, table, toJson } from '../format.js';
import type { loadModel } from '../load-model.js';
import { bytesWithRange, fitLine } from '../memory-breakdown.js';
import { oneOf, positiveInteger, sequenceLength } from '../options.js';
import type { MemoryOptions } from './memory.js';

const DOES_NOT_FIT = 3;

/** `llmecon memory --mode infer`: a static batch's memory per GPU, its P10–P90 band and its fit. */
export function inferMemory(
  spec: ReturnType<typeof loadModel>['spec'],
  checkpoint: CheckpointFormat | null,
  gpu: Accelerator | null,
  o: MemoryOptions,
) {
  const tensorParallel = positiveInteger(o.tp, '--tp', 1);
  const expertParallel = positiveInteger(o.ep, '--ep', 1);
  const pipelineParallel = positiveInteger(o.pp, '--pp', 1);
  const replica = { ...DEFAULT_LAYOUT, tensorParallel, expertParallel, dataParallel: expertParallel };
  const issues = layoutIssues(spec, replica, 2, true); // serving's TP rules (a lone Mamba-2 group replicated)
  if (issues.length > 0) throw new InputError(issues);
  // A serving pipeline: as `serve --pp` takes it (stages of TP GPUs, experts sliced over TP).
  checkReplicaLayout(spec, { pipelineParallel, expertParallel }, REPLICA_LAYOUT_PATHS);
  const { tokens: context, warnings } = sequenceLength(o.context, '--context', spec, 'served');
  // Without --weights or --kv: the checkpoint as released (checkpoint-format.ts), as `serve` takes it.
  const served = servedFormat(checkpoint, gpu);
  const weightFormat =
    o.weights === undefined ? served.weights : oneOf(o.weights, '--weights', WEIGHT_FORMATS, 'bf16');
  const kvFormat = o.kv === undefined ? served.kv : oneOf(o.kv, '--kv', KV_FORMATS, 'bf16');
  for (const [format, flag, role] of [
    [weightFormat, '--weights', 'weights'],
    [kvFormat, '--kv', 'kv'],
  ] as const) {
    const unsupported = gpu ? formatSupportError(format, gpu, role) : null;
    if (unsupported !== null) inputError('infeasible', [flag], unsupported);
  }
  const formats = formatsTaken(served, { weights: o.weights !== undefined, kv: o.kv !== undefined });
  const batchSize = positiveInteger(o.batch, '--batch', 1);
  // At the checkpoint's own format, stated or not, the modules it left unquantized keep theirs.
  const released = asReleased({ weightFormat }, served);
  const attention = released.attentionWeightFormat;
  const m = inferenceMemory(spec, {
    ...released,
    kvFormat,
    batchSize,
    contextTokens: context,
    tensorParallel,
    expertParallel,
    pipelineParallel,
  });
  // The KV cache and recurrent state are arithmetic; the band is on what an engine holds beside them.
  const band = inferenceReserveBand();
  const cache = m.kvCacheBytes + m.recurrentStateBytes;
  const range = {
    p10: cache + (m.totalBytes - cache) * band.low,
    p90: cache + (m.totalBytes - cache) * band.high,
  };
  const bandLine = `memory band: P10–P90 of ${band.of}, against this estimate's weights, workspace and overhead (median ${(100 * band.medianAbsError).toFixed(1)}% off, largest ${(100 * band.maxAbsError).toFixed(1)}%; an engine's own: \`llmecon serve --engine\`)`;
  const fit = fitLine(m.totalBytes, gpu, range);
  if (o.json) {
    return {
      output: toJson({
        model: spec.name,
        mode: 'infer',
        tensorParallel,
        expertParallel,
        pipelineParallel,
        weightFormat,
        /** The attention projections' own format where the release keeps them otherwise (gpt-oss: bf16); null: `weightFormat`. */
        attentionWeightFormat: attention ?? null,
        kvFormat,
        /** The checkpoint's formats taken where --weights or --kv is not given, in words; null otherwise. */
        formats: formats || null,
        batchSize,
        contextTokens: context,
        weightsBytes: m.weightsBytes,
        encoderWeightsBytes: m.encoderWeightsBytes,
        kvCacheBytes: m.kvCacheBytes,
        recurrentStateBytes: m.recurrentStateBytes,
        workspaceBytes: m.workspaceBytes,
        frameworkOverheadBytes: m.frameworkOverheadBytes,
        memoryPerGpuBytes: m.totalBytes,
        range: { memoryPerGpuBytes: range },
        memoryBand: { low: band.low, high: band.high, cases: band.cases, of: band.of },
        gpu: gpu?.id ?? null,
        fits: fit.fits,
        memoryFit: fit.memoryFit,
        headroomBytes: fit.headroomBytes,
        ...(warnings.length > 0 ? { warnings } : {}),
      }),
      exitCode: fit.fits === false ? DOES_NOT_FIT : 0,
    };
  }
  return {
    output: [
      ...warnings.map((w) => `warning: ${w}`),
      ...(formats ? [`formats: ${formats}`] : []),
      `${spec.name}: inference memory per GPU, weights ${weightFormat}${attention ? ` (attention ${attention}, as released)` : ''}, KV ${kvFormat}, tp ${tensorParallel} ep ${expertParallel}${pipelineParallel > 1 ? ` pp ${pipelineParallel} (the most loaded stage)` : ''}, batch ${batchSize} × ${context} tokens`,
      '',
      table(
        ['part', 'per GPU'],
        [
          ['weights', formatBytes(m.weightsBytes)],
          ...(m.encoderWeightsBytes > 0
            ? [
                [
                  `vision/audio encoders (${weightFormat === 'fp32' ? 'fp32' : 'bf16'})`,
                  formatBytes(m.encoderWeightsBytes),
                ],
              ]
            : []),
          ['KV cache', formatBytes(m.kvCacheBytes)],
          ...(m.recurrentStateBytes > 0 ? [['recurrent state', formatBytes(m.recurrentStateBytes)]] : []),
          ['activation workspace', formatBytes(m.workspaceBytes)],
          ['framework overhead', formatBytes(m.frameworkOverheadBytes)],
          ['total', bytesWithRange(m.totalBytes, range)],
        ],
      ),
      '',
      bandLine,
      fit.line,
      `KV held for all ${context} tokens of every sequence (a static batch); a paged engine holds the tokens each has so far, and \`llmecon serve\` counts the sequences it runs`,
    ].join('\n'),
    exitCode: fit.fits === false ? DOES_NOT_FIT : 0,
  };
}
