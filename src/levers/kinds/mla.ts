/** Lever `mla`: take another model's multi-head latent attention. */

import { kvElementsPerTokenPerLayer } from '../../core/model/kv-cache.js';
import type { ModelSpec } from '../../core/model/spec.js';
import { type LeverKind, notFor } from '../kind.js';
import { modelSpec } from '../state.js';

export const mla: LeverKind<'mla'> = {
  label(_l) {
    return 'MLA attention';
  },
  apply(s, lever, i) {
    if (s.spec.attention.kind === 'mla') notFor(i, 'mla', `${s.spec.name} uses MLA already`);
    if (s.spec.attention.kind === 'compressed')
      notFor(
        i,
        'mla',
        `${s.spec.name}'s compressed attention caches one shared head per window token, less than MLA`,
      );
    const from = modelSpec(lever.from, `levers[${i}].from`).spec;
    if (from.attention.kind !== 'mla') notFor(i, 'mla', `${from.name} has no MLA to take`);
    if (s.spec.layers.some((l) => l.kvShared))
      notFor(i, 'mla', `${s.spec.name} reuses keys and values across layers, which MLA layers do not`);
    // MLA on every attention layer, Gemma 4's global layers included.
    const { fullAttention: _global, ...target } = s.spec;
    const spec: ModelSpec = {
      ...target,
      attention: { ...from.attention, numHeads: s.spec.attention.numHeads },
    };
    const kvBefore = kvElementsPerTokenPerLayer(s.spec);
    const kvAfter = kvElementsPerTokenPerLayer(spec);
    return {
      state: { ...s, spec },
      caveat: `KV cache per token per layer ${kvBefore} → ${kvAfter} elements (${((100 * kvAfter) / kvBefore).toFixed(1)}%); DeepSeek-V2 (Sec. 2.1, App. D) reports MLA stronger than MHA at a fraction of the cache`,
    };
  },
};
