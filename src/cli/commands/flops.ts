import { inputError } from '../../core/errors.js';
import { forwardFlopsPerToken, trainingFlopsPerToken } from '../../core/model/flops.js';
import { tensorParallelRequirement, tensorParallelSplits } from '../../core/model/kv-cache.js';
import {
  headOperations,
  layerOperations,
  type Operation,
  type OperationRequest,
  operationFlops,
  type Phase,
} from '../../core/model/operations.js';
import type { ModelSpec } from '../../core/model/spec.js';
import { formatBytes, formatFlops, table, toJson } from '../format.js';
import { loadModel } from '../load-model.js';
import { oneOf, positiveInteger, refuseFlags, sequenceLength } from '../options.js';

export interface FlopsOptions {
  seqLen?: string;
  json?: boolean;
  ops?: boolean;
  layer?: string;
  phase?: string;
  batch?: string;
  tp?: string;
  cp?: string;
  ep?: string;
  dtype?: string;
}

export function flopsCommand(ref: string, options: FlopsOptions): string {
  const { spec } = loadModel(ref);
  const { tokens: seqLen, warnings } = sequenceLength(options.seqLen, '--seq-len', spec);
  if (options.ops) return operationsCommand(spec, seqLen, warnings, options);
  // The per-layer flags shape the operation list only; without --ops they would be ignored.
  refuseFlags(
    options,
    {
      layer: '--layer',
      phase: '--phase',
      batch: '--batch',
      tp: '--tp',
      cp: '--cp',
      ep: '--ep',
      dtype: '--dtype',
    },
    'with --ops (the per-token totals are for the whole model on one GPU)',
  );
  const training = trainingFlopsPerToken(spec, seqLen);
  const prefill = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: seqLen });
  const decode = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: seqLen });
  if (options.json) {
    return toJson({
      model: spec.name,
      seqLen,
      training: {
        causalFlopsPerToken: training.causal.flopsPerToken,
        nonCausalFlopsPerToken: training.nonCausal.flopsPerToken,
        sixNFlopsPerToken: training.sixN,
        breakdown: training.causal.breakdown,
      },
      inference: {
        prefillFlopsPerToken: prefill.flopsPerToken,
        decodeFlopsPerToken: decode.flopsPerToken,
        prefillBreakdown: prefill.breakdown,
        decodeBreakdown: decode.breakdown,
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    });
  }
  const rows = Object.keys(training.causal.breakdown)
    .filter((k) => (training.causal.breakdown[k as keyof typeof training.causal.breakdown] ?? 0) > 0)
    .map((k) => {
      const key = k as keyof typeof training.causal.breakdown;
      return [
        k,
        formatFlops(training.causal.breakdown[key] ?? 0),
        formatFlops(prefill.breakdown[key] ?? 0),
        formatFlops(decode.breakdown[key] ?? 0),
      ];
    });
  return [
    ...warnings.map((w) => `warning: ${w}`),
    `${spec.name}: FLOPs per token at sequence length ${seqLen}`,
    `training (fwd+bwd), causal attention      ${formatFlops(training.causal.flopsPerToken)}`,
    `training (fwd+bwd), full attention matrix ${formatFlops(training.nonCausal.flopsPerToken)}`,
    `6·N (active, no attention)                ${formatFlops(training.sixN)}${
      spec.layers.some((l) => l.reusesWeights !== undefined)
        ? ' (N counts shared weights once; the layers that rerun them are in the training FLOPs above)'
        : ''
    }`,
    `prefill (forward, causal)                 ${formatFlops(prefill.flopsPerToken)}`,
    `${`decode at context ${seqLen}`.padEnd(42)}${formatFlops(decode.flopsPerToken)}`,
    '',
    table(['component', 'training (causal)', 'prefill', 'decode'], rows),
  ].join('\n');
}

const PHASES: readonly Phase[] = ['forward', 'backward', 'recompute', 'prefill', 'decode'];

/** `--layer`: a decoder layer index (0-based) or `head` (output head and loss). */
function layerChoice(text: string | undefined, spec: ModelSpec): number | 'head' {
  if (text === undefined) return 0;
  if (text === 'head') return 'head';
  const index = Number(text);
  if (!Number.isInteger(index) || index < 0 || index >= spec.numLayers) {
    inputError(
      'invalid_value',
      ['--layer'],
      `must be a layer index 0–${spec.numLayers - 1} or 'head', got '${text}'`,
    );
  }
  return index;
}

/** The operation list of one layer on one GPU, as a table or JSON (to compare with a profiler). */
function operationsCommand(
  spec: ModelSpec,
  seqLen: number,
  warnings: readonly string[],
  options: FlopsOptions,
): string {
  const layer = layerChoice(options.layer, spec);
  const phase = oneOf(options.phase, '--phase', PHASES, 'forward');
  const batch = positiveInteger(options.batch, '--batch', 1);
  const tp = positiveInteger(options.tp, '--tp', 1);
  const cp = positiveInteger(options.cp, '--cp', 1);
  const ep = positiveInteger(options.ep, '--ep', 1);
  const dtype = oneOf(options.dtype, '--dtype', ['bf16', 'fp8'] as const, 'bf16');
  // The rule of the run the phase belongs to: serving replicates a hybrid's lone Mamba-2 group, training does not.
  const serving = phase === 'prefill' || phase === 'decode';
  if (!tensorParallelSplits(spec, tp, serving))
    inputError('invalid_value', ['--tp'], tensorParallelRequirement(spec, tp, serving));
  if (spec.moe === null && ep > 1) {
    inputError('invalid_value', ['--ep'], `must be 1: ${spec.name} has no routed experts, got ${ep}`);
  }
  if (spec.moe !== null && spec.moe.numExperts % ep !== 0) {
    inputError('invalid_value', ['--ep'], `must divide the ${spec.moe.numExperts} routed experts, got ${ep}`);
  }
  const decode = phase === 'decode';
  if (seqLen % cp !== 0 || (decode && cp > 1)) {
    inputError('invalid_value', ['--cp'], `must divide --seq-len ${seqLen} (and be 1 at decode), got ${cp}`);
  }
  const request: OperationRequest = {
    phase,
    shape: { sequences: batch, tokensPerSequence: decode ? 1 : seqLen, contextTokens: seqLen },
    layout: {
      tensorParallel: tp,
      contextParallel: cp,
      expertParallel: ep,
      // Training shards norms over TP (Korthikanti et al. 2022); serving engines all-reduce.
      sequenceParallel: tp > 1 && phase !== 'decode' && phase !== 'prefill',
    },
    datatype: dtype,
    gemmInputBytes: dtype === 'fp8' ? 1 : 2,
    kvBytesPerElement: 2,
  };
  const layerSpec = layer === 'head' ? null : spec.layers[layer]!;
  const ops = layerSpec ? layerOperations(spec, layerSpec, request) : headOperations(spec, request);
  const flops = ops.reduce((sum, op) => sum + operationFlops(op), 0);
  const label = layerSpec
    ? `layer ${layer} (${layerSpec.attention} attention, ${layerSpec.mlp} MLP)`
    : 'output head';
  if (options.json) {
    return toJson({
      model: spec.name,
      layer,
      ...(layerSpec ? { layerKind: layerSpec } : {}),
      phase,
      shape: request.shape,
      layout: request.layout,
      datatype: dtype,
      flops,
      operations: ops,
      ...(warnings.length > 0 ? { warnings } : {}),
    });
  }
  return [
    ...warnings.map((w) => `warning: ${w}`),
    `${spec.name}: ${label}, ${phase}, ${batch} × ${seqLen} tokens, one GPU of tp ${tp} · cp ${cp} · ep ${ep}, ${dtype}`,
    '',
    table(['operation', 'kind', 'shape', 'FLOPs', 'bytes'], ops.map(row)),
    '',
    `total ${formatFlops(flops)}`,
  ].join('\n');
}

const round = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));

function row(op: Operation): string[] {
  switch (op.type) {
    case 'gemm':
      return [
        op.name,
        `gemm ${op.datatype}${op.replicated ? ' (replicated)' : ''}`,
        `m ${round(op.m)} n ${round(op.n)} k ${round(op.k)}${op.count !== 1 ? ` ×${round(op.count)}` : ''}`,
        formatFlops(operationFlops(op)),
        '',
      ];
    case 'attention':
      return [
        op.name,
        `attention ${op.implementation}${op.causal ? ' causal' : ''}${op.window !== null ? ` window ${op.window}` : ''}`,
        `b ${round(op.batch)} q ${round(op.queryLength)} kv ${round(op.kvLength)} heads ${round(op.queryHeads)}/${round(op.kvHeads)} d ${op.qkHeadDim}/${op.vHeadDim}`,
        formatFlops(op.flops),
        op.kvBytes > 0 ? formatBytes(op.kvBytes) : '',
      ];
    case 'mixer':
      return [
        op.name,
        `${op.kernel}${op.recurrent ? ' recurrent' : ''}${op.replicated ? ' (replicated)' : ''}`,
        `tokens ${round(op.tokens)}`,
        formatFlops(op.flops),
        formatBytes(op.bytesRead + op.bytesWritten),
      ];
    case 'memory':
      return [
        op.name,
        'memory',
        `read ${formatBytes(op.bytesRead)} write ${formatBytes(op.bytesWritten)}${op.count !== 1 ? ` ×${op.count}` : ''}`,
        '',
        formatBytes(op.count * (op.bytesRead + op.bytesWritten)),
      ];
    case 'collective':
      return [
        op.name,
        op.collective,
        `group ${op.groupSize}, ranks ${op.ranksApart} apart${op.tier ? `, ${op.tier}` : ''}`,
        '',
        formatBytes(op.bytes),
      ];
  }
}
