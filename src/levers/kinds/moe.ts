/** Lever `moe`: swap the dense model for a mixture of experts. */

import { loadCatalog } from '../../catalog/catalog.js';
import { paramCount } from '../../core/model/param-count.js';
import type { ModelSpec } from '../../core/model/spec.js';
import { billions, type LeverKind, notFor } from '../kind.js';
import { modelSpec, onModel } from '../state.js';

/** Replaces MLA with grouped-query attention: `numKvHeads` KV heads of `headDim`, keeping the head count. */
function withGqa(spec: ModelSpec, like: ModelSpec): ModelSpec {
  const a = like.attention;
  const numKvHeads = a.kind === 'gqa' ? a.numKvHeads : 8;
  const headDim = a.kind === 'gqa' ? a.headDim : 128;
  return {
    ...spec,
    attention: {
      kind: 'gqa',
      numHeads: spec.attention.numHeads,
      numKvHeads: Math.min(numKvHeads, spec.attention.numHeads),
      headDim,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    },
  };
}

export const moe: LeverKind<'moe'> = {
  label(l) {
    return `MoE (${l.model}${l.attention === 'gqa' ? ', GQA attention' : ''})`;
  },
  apply(s, lever, i) {
    if (s.spec.moe) notFor(i, 'moe', `${s.spec.name} is a mixture of experts already`);
    const target = modelSpec(lever.model, `levers[${i}].model`);
    if (!target.spec.moe) notFor(i, 'moe', `${target.spec.name} is not a mixture of experts`);
    if (lever.attention === 'gqa' && target.spec.attention.kind === 'compressed')
      notFor(
        i,
        'moe',
        `${target.spec.name}'s compressed attention (window + compressed entries) has no GQA form to swap in; leave out attention: gqa`,
      );
    const spec = lever.attention === 'gqa' ? withGqa(target.spec, s.spec) : target.spec;
    const q = loadCatalog().qualityResults;
    const before = paramCount(s.spec);
    const after = paramCount(spec);
    return {
      state: onModel(s, target.id, spec),
      caveat: `quality proxy: ${billions(after.activeParams)} active of ${billions(after.totalParams)} parameters vs ${billions(before.totalParams)} dense (${((100 * after.activeParams) / after.totalParams).toFixed(1)}% active); equal quality is not implied by either count — DeepSeek-V3 Base (37B active) scores MMLU ${q.deepseekV3BaseMmlu!.value} vs Llama 3.1 405B Base ${q.llama31_405bBaseMmlu!.value} (DeepSeek-V3 report, Table 3)${lever.attention === 'gqa' ? `; attention kept as GQA (${spec.attention.kind === 'gqa' ? spec.attention.numKvHeads : 0} KV heads) so MLA can be a lever of its own` : ''}`,
    };
  },
};
