/**
 * The operations of one multi-token-prediction module (DeepSeek-V3 Sec. 2.2): its decoder layer, the
 * 2h → h projection M_k and the shared output head. Conventions: operations.ts.
 */
import { OpBuilder } from './op-builder.js';
import { type Operation, type OperationRequest, tokensOnGpu } from './operation-types.js';
import { layerOperations } from './operations.js';
import { headOperations } from './operations-head.js';
import { mtpLayer } from './param-count.js';
import type { ModelSpec } from './spec.js';

/**
 * One MTP module: on the last pipeline stage in training, and as the drafter of speculative decoding
 * in serving, where the head scores only `sampled`'s tokens (one per sequence).
 */
export function mtpModuleOperations(
  spec: ModelSpec,
  request: OperationRequest,
  sampled: OperationRequest = request,
): Operation[] {
  const b = new OpBuilder(request, request.adapter === undefined);
  const t = request.layout.tensorParallel;
  b.gemm(
    'mtp.projection',
    'attentionProjections',
    tokensOnGpu(request),
    spec.hiddenSize / t,
    2 * spec.hiddenSize,
  );
  return [...layerOperations(spec, mtpLayer(spec), request), ...b.ops, ...headOperations(spec, sampled)];
}
