/** Lever `adapter`: a LoRA-family adapter (or another rank of one) instead of the run's method. */
import { defaultAdapterTargets, parseTargets } from '../../core/model/adapters.js';
import { type LeverKind, notFor } from '../kind.js';
import type { FinetuneState } from '../state.js';

export const adapter: LeverKind<'adapter'> = {
  label(l) {
    return `${l.method.toUpperCase()} r${l.rank} adapter`;
  },
  apply(s, lever, i) {
    if (s.kind !== 'finetune')
      notFor(i, 'adapter', 'it replaces full fine-tuning; the baseline is not a fine-tuning run');
    const x = s as FinetuneState;
    // An adapter run keeps its targets unless the lever names others (docs/levers.md).
    const targets = lever.targets ?? (x.method !== 'full' ? x.targets : defaultAdapterTargets(x.spec));
    if (x.method === lever.method && x.rank === lever.rank && x.targets === targets)
      notFor(i, 'adapter', `the run uses ${lever.method} at rank ${lever.rank} on ${targets} already`);
    parseTargets(targets, `levers[${i}].targets`);
    // The baseline's frozen base belongs to its method: another method takes its own default.
    const { baseFormat, ...rest } = x;
    return {
      state: {
        ...rest,
        ...(baseFormat !== undefined && lever.method === x.method && { baseFormat }),
        method: lever.method,
        rank: lever.rank,
        targets,
      },
      caveat: `${lever.method} rank ${lever.rank} on ${targets}: frozen base, adapter-only gradients and optimizer states; quality: LoRA matched full fine-tuning of GPT-3 175B on its benchmarks (Hu et al. 2021, Table 4)${lever.method === 'qlora' ? ' and QLoRA matched 16-bit full fine-tuning on its benchmarks (Dettmers et al. 2023, Sec. 4)' : ''}; task-dependent for yours`,
    };
  },
};
