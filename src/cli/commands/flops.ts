import { forwardFlopsPerToken, trainingFlopsPerToken } from '../../core/model/flops.js';
import { formatFlops, table, toJson } from '../format.js';
import { loadModel } from '../load-model.js';
import { contextTokens } from '../options.js';

export function flopsCommand(ref: string, options: { seqLen?: string; json?: boolean }): string {
  const { spec } = loadModel(ref);
  const seqLen = contextTokens(options.seqLen, '--seq-len', spec);
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
    });
  }
  const rows = Object.keys(training.causal.breakdown)
    .filter((k) => training.causal.breakdown[k as keyof typeof training.causal.breakdown] > 0)
    .map((k) => {
      const key = k as keyof typeof training.causal.breakdown;
      return [
        k,
        formatFlops(training.causal.breakdown[key]),
        formatFlops(prefill.breakdown[key]),
        formatFlops(decode.breakdown[key]),
      ];
    });
  return [
    `${spec.name}: FLOPs per token at sequence length ${seqLen}`,
    `training (fwd+bwd), causal attention      ${formatFlops(training.causal.flopsPerToken)}`,
    `training (fwd+bwd), full attention matrix ${formatFlops(training.nonCausal.flopsPerToken)}`,
    `6·N (active, no attention)                ${formatFlops(training.sixN)}`,
    `prefill (forward, causal)                 ${formatFlops(prefill.flopsPerToken)}`,
    `${`decode at context ${seqLen}`.padEnd(42)}${formatFlops(decode.flopsPerToken)}`,
    '',
    table(['component', 'training (causal)', 'prefill', 'decode'], rows),
  ].join('\n');
}
