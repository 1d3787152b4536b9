import { findModel } from '../src/catalog/catalog.js';
import { resolveHardware } from '../src/catalog/training-defaults.js';
import { servingRequest, servingStepSeconds } from '../src/core/inference/serving-step.js';
import { layerKinds } from '../src/core/model/flops.js';
import { operationSeconds } from '../src/core/model/operation-seconds.js';
import { layerOperations } from '../src/core/model/operations.js';
import { modelSpecFrom } from '../src/core/model/resolve-model.js';
const [model, gpu, tp, batch, ctx, fmt] = process.argv.slice(2);
const spec = modelSpecFrom(findModel(model!).config, model!);
const cluster = resolveHardware(gpu!, undefined).cluster;
const r = { tensorParallel: +tp!, expertParallel: 1, weightFormat: (fmt ?? 'fp8') as 'fp8', kvFormat: 'fp8' as const };
const w = { decodeSequences: +batch!, tokensPerSequence: 1, context: +ctx!, prefillTokens: 0, prefillContext: 0 };
const req = servingRequest(cluster, r, w);
const by = new Map<string, number>();
for (const { layer, count } of layerKinds(spec))
  for (const op of layerOperations(spec, layer, req)) by.set(op.name, (by.get(op.name) ?? 0) + count * operationSeconds(op, cluster));
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(k.padEnd(24), (v * 1e3).toFixed(3), 'ms');
console.log('step', (servingStepSeconds(spec, cluster, r, w) * 1e3).toFixed(2));
