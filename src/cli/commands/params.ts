import { paramCount } from '../../core/model/param-count.js';
import { formatCount, table, toJson } from '../format.js';
import { loadModel } from '../load-model.js';

export function paramsCommand(ref: string, options: { json?: boolean }): string {
  const { spec } = loadModel(ref);
  const p = paramCount(spec);
  const h = spec.hiddenSize;
  // DeepSeek's HF checkpoint stores each MTP module with its own copy of the embedding and head.
  const mtpCheckpointParams = p.mtpParams > 0 ? p.mtpParams + spec.numMtpModules * 2 * spec.vocabSize * h : 0;
  if (options.json) {
    return toJson({
      model: spec.name,
      modelType: spec.modelType,
      totalParams: p.totalParams,
      activeParams: p.activeParams,
      embeddingParams: p.embeddingParams,
      mtpParams: p.mtpParams,
      mtpCheckpointParams,
      layers: spec.numLayers,
      breakdown: p.breakdown,
    });
  }
  const rows = Object.entries(p.breakdown)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => [
      k,
      formatCount(v),
      v.toLocaleString('en-US'),
      `${((100 * v) / p.totalParams).toFixed(2)}%`,
    ]);
  const lines = [
    `${spec.name} (${spec.modelType}), ${spec.numLayers} layers, hidden ${h}, ${spec.attention.kind === 'mla' ? 'MLA' : 'GQA'} attention${spec.moe ? `, ${spec.moe.numExperts} experts top-${spec.moe.topK}` : ''}`,
    `total params    ${formatCount(p.totalParams)} (${p.totalParams.toLocaleString('en-US')})`,
    `active params   ${formatCount(p.activeParams)} (${p.activeParams.toLocaleString('en-US')}) per token, embedding and head included`,
    `embedding+head  ${formatCount(p.embeddingParams)}`,
  ];
  if (p.mtpParams > 0) {
    lines.push(
      `MTP modules     ${formatCount(p.mtpParams)} not in the total (${formatCount(mtpCheckpointParams)} as stored in the checkpoint with its own embedding/head copies)`,
    );
  }
  return `${lines.join('\n')}\n\n${table(['component', 'params', 'exact', 'share'], rows)}`;
}
