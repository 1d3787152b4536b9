import { checkpointFormat } from '../../core/model/checkpoint-format.js';
import { hasAttentionLayers, layerMix } from '../../core/model/kv-cache.js';
import { ATTENTION_KINDS, describeLayerMix, hasNewLayerKinds } from '../../core/model/layer-mix.js';
import { paramCount } from '../../core/model/param-count.js';
import { formatCount, table, toJson } from '../format.js';
import { loadModel } from '../load-model.js';

export function paramsCommand(ref: string, options: { json?: boolean }): string {
  const { spec, config } = loadModel(ref);
  const p = paramCount(spec);
  // The checkpoint's own format (config.json quantization_config): what `serve` loads without --weights.
  const checkpoint = checkpointFormat(config);
  const h = spec.hiddenSize;
  // DeepSeek's HF checkpoint stores each MTP module with its own copy of the embedding and head
  // (model.layers.61.embed_tokens, shared_head.head), and so does GLM-4.7-Flash's (glm4_moe_lite:
  // model.layers.47.*, 31,221,488,576 in its safetensors); others store theirs their own way (Qwen3.5's
  // mtp.* shares the model's, GLM-5's none), not known here: null.
  const deepseekStored =
    spec.mtpModule == null && (spec.modelType.startsWith('deepseek') || spec.modelType === 'glm4_moe_lite');
  const mtpCheckpointParams =
    p.mtpParams === 0 ? 0 : deepseekStored ? p.mtpParams + spec.numMtpModules * 2 * spec.vocabSize * h : null;
  const warnings = spec.warnings ?? [];
  if (options.json) {
    return toJson({
      model: spec.name,
      modelType: spec.modelType,
      totalParams: p.totalParams,
      activeParams: p.activeParams,
      embeddingParams: p.embeddingParams,
      mtpParams: p.mtpParams,
      mtpCheckpointParams,
      visionParams: p.visionParams,
      ...(p.audioParams === undefined ? {} : { audioParams: p.audioParams }),
      layers: spec.numLayers,
      layerMix: layerMix(spec),
      layerMixDescription: describeLayerMix(spec),
      breakdown: p.breakdown,
      /** The checkpoint's weight and KV formats (null: a BF16/FP16 release), as `serve` takes them by default. */
      checkpointFormat: checkpoint,
      ...(warnings.length > 0 ? { warnings } : {}),
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
    ...warnings.map((w) => `warning: ${w}`),
    `${spec.name} (${spec.modelType}), ${spec.numLayers} layers, hidden ${h}, ${hasAttentionLayers(spec) ? `${ATTENTION_KINDS[spec.attention.kind].name} attention` : 'no attention'}${spec.moe ? `, ${spec.moe.numExperts} experts top-${spec.moe.topK}` : ''}`,
    // The mix wherever layers differ: windowed attention (Mistral's, Gemma 2's) or dense and MoE MLPs too.
    ...(hasNewLayerKinds(spec) ||
    spec.layers.some((l) => l.attention !== 'full') ||
    new Set(spec.layers.map((l) => l.mlp)).size > 1
      ? [describeLayerMix(spec)]
      : []),
    `total params    ${formatCount(p.totalParams)} (${p.totalParams.toLocaleString('en-US')})`,
    `active params   ${formatCount(p.activeParams)} (${p.activeParams.toLocaleString('en-US')}) per token, embedding and head included`,
    `embedding+head  ${formatCount(p.embeddingParams)}`,
    ...(checkpoint
      ? [
          checkpoint.weights === null
            ? `checkpoint      ${checkpoint.scheme}, a scheme llmecon has no format for: serve costs it as bf16 without --weights`
            : `checkpoint      ${checkpoint.weights}${checkpoint.kv ? `, KV ${checkpoint.kv}` : ''} (${checkpoint.scheme}; what serve loads without --weights)`,
        ]
      : []),
  ];
  if (p.mtpParams > 0) {
    const stored =
      mtpCheckpointParams !== null
        ? ` (${formatCount(mtpCheckpointParams)} as stored in the checkpoint with its own embedding/head copies)`
        : spec.mtpModule?.ownHead
          ? ' (each with its own output head)'
          : '';
    lines.push(`MTP modules     ${formatCount(p.mtpParams)} not in the total${stored}`);
  }
  if (spec.vision) {
    const perImage =
      spec.vision.flopsPerImage === null
        ? 'FLOPs per image depend on the image size (dynamic resolution)'
        : `${formatCount(spec.vision.flopsPerImage)} FLOPs per ${spec.vision.imageSize === null ? 'image at the default patch budget' : `${spec.vision.imageSize}px image`}`;
    lines.push(
      `vision tower    ${formatCount(p.visionParams)} (${p.visionParams.toLocaleString('en-US')}) not in the total: ${spec.vision.description}; ${perImage}`,
    );
  }
  if (spec.audio) {
    lines.push(
      `audio tower     ${formatCount(spec.audio.params)} (${spec.audio.params.toLocaleString('en-US')}) not in the total: ${spec.audio.description}; FLOPs depend on the clip length`,
    );
  }
  // What the layerExtras row holds (LayerSpec.extras), named as the model's modules.
  const extras = spec.layers.flatMap((l) => (l.extras ? [l.extras] : []));
  if (extras.length > 0) {
    lines.push(
      `layer extras    ${formatCount(p.breakdown.layerExtras ?? 0)} on ${extras.length} layers: ${[...new Set(extras.map((e) => e.modules))].join('; ')}`,
    );
  }
  return `${lines.join('\n')}\n\n${table(['component', 'params', 'exact', 'share'], rows)}`;
}
