/** Lever `speculative`: draft tokens with the model's MTP modules or a draft model, verified by the target. */
import { loadCatalog } from '../../catalog/catalog.js';
import { inputError } from '../../core/errors.js';
import { tokensPerStep } from '../../core/inference/speculative-plan.js';
import { type Drafter, draftSizeIssue } from '../../core/model/drafter.js';
import { type LeverKind, notFor, serving } from '../kind.js';
import { modelSpec } from '../state.js';

export const speculative: LeverKind<'speculative'> = {
  label(l) {
    return `speculative decoding (${l.drafter === 'mtp' ? 'MTP' : l.drafter})`;
  },
  apply(s, lever, i) {
    const x = serving(s, i, lever.lever);
    if (x.workload.speculative) notFor(i, 'speculative', 'the deployment drafts already');
    let drafter: Drafter;
    let draftTokens: number;
    let acceptanceRate: number;
    if (lever.drafter === 'mtp') {
      if (x.spec.numMtpModules < 1)
        notFor(i, 'speculative', `${x.spec.name} has no MTP modules; name a draft model as drafter`);
      drafter = { kind: 'mtp' };
      draftTokens = lever.draftTokens ?? x.spec.numMtpModules;
      acceptanceRate = lever.acceptanceRate ?? loadCatalog().assumptions.mtpAcceptanceRate.value;
    } else {
      const draft = modelSpec(lever.drafter, `levers[${i}].drafter`).spec;
      const tooLarge = draftSizeIssue(x.spec, draft);
      if (tooLarge !== null) inputError('infeasible', ['levers', i, 'drafter'], tooLarge);
      for (const [field, value] of [
        ['draftTokens', lever.draftTokens],
        ['acceptanceRate', lever.acceptanceRate],
      ] as const)
        if (value === undefined)
          inputError(
            'missing_field',
            ['levers', i, field],
            `a draft model's ${field} depends on the pair and the traffic and has no default; give it (an engine logs it: vLLM's "Mean acceptance length")`,
          );
      drafter = { kind: 'model', spec: draft, weightFormat: 'bf16' };
      draftTokens = lever.draftTokens!;
      acceptanceRate = lever.acceptanceRate!;
    }
    const plan = { draftTokens, acceptanceRate };
    return {
      state: { ...x, drafter, workload: { ...x.workload, speculative: plan } },
      caveat: `lossless (the target verifies every token): ${draftTokens} draft${draftTokens > 1 ? 's' : ''} a step at ${(100 * acceptanceRate).toFixed(0)}% acceptance, ${tokensPerStep(plan).toFixed(2)} tokens a step, an assumption to measure on your traffic (DeepSeek-V3's MTP: 85–90% for the second token, Sec. 5.4.3); the drafter's passes, weights and KV cache are costed, so at full load it can cost more per token while it cuts the time per output token`,
    };
  },
};
