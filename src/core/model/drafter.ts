/**
 * What drafts the tokens of speculative decoding (Leviathan et al. 2023) on a serving replica: the model's
 * own multi-token-prediction modules (DeepSeek-V3 Sec. 2.2 and 5.4.3), a separate, smaller draft model
 * that shares the target's tokenizer (vLLM's and SGLang's draft-model proposers, TensorRT-LLM's
 * draft-target), or an EAGLE head trained on the target's hidden states. Each is held in memory
 * (inference-memory.ts) and run each step (serving-step.ts).
 */

import { formatCount } from '../format.js';
import type { WeightFormat } from '../precision.js';
import type { EagleHead } from './eagle-head.js';
import { tensorParallelSplits } from './kv-cache.js';
import { paramCount } from './param-count.js';
import type { ModelSpec } from './spec.js';

export type Drafter =
  | { readonly kind: 'mtp' }
  | {
      readonly kind: 'model';
      readonly spec: ModelSpec;
      /** The draft checkpoint's weights (BF16 unless quantized); its KV cache takes the replica's format. */
      readonly weightFormat: WeightFormat;
    }
  | {
      /** An EAGLE or EAGLE-3 head fed the target's hidden states (eagle-head.ts). */
      readonly kind: 'eagle';
      readonly head: EagleHead;
      readonly weightFormat: WeightFormat;
    };

/**
 * The model a drafter runs as its own — a draft model, an EAGLE head's layers — which engines run at the
 * target's tensor parallelism (vLLM v1 requires it); null for MTP modules (layers of the target).
 */
export function drafterModel(d: Drafter): ModelSpec | null {
  if (d.kind === 'model') return d.spec;
  return d.kind === 'eagle' ? d.head.spec : null;
}

/** Whether a replica at tensor parallelism `tp` can run the drafter: its own model's heads split there. */
export function drafterSplits(d: Drafter | undefined, tp: number): boolean {
  const model = d ? drafterModel(d) : null;
  return model === null || tensorParallelSplits(model, tp);
}

/**
 * Why `draft` cannot speed up `target` (null where it can): speculative decoding gains only when a draft
 * pass costs less than the target's (Leviathan et al. 2023, Thm. 3.8: speed-up (1 − α^(γ+1)) / ((1 − α)(γc + 1))
 * is at most 1 for a cost ratio c ≥ 1), so a draft with as many parameters active per token is refused.
 */
export function draftSizeIssue(target: ModelSpec, draft: ModelSpec): string | null {
  const targetActive = paramCount(target).activeParams;
  const draftActive = paramCount(draft).activeParams;
  if (draftActive < targetActive) return null;
  return `${draft.name} (${formatCount(draftActive)} parameters active per token) is not smaller than ${target.name} (${formatCount(targetActive)}): each draft would cost a target pass, so speculative decoding cannot be faster; name a smaller model of the target's tokenizer`;
}
