/**
 * The model as a training stack runs it. A checkpoint's multi-token-prediction modules (DeepSeek-V3
 * Sec. 2.2) are trained only by stacks that build them (Megatron-Core's `mtp_num_layers`, torchtitan's
 * `num_mtp_layers`); transformers drops them on load, so a Trainer, DeepSpeed or Unsloth run holds and
 * runs none (catalog/stacks/ `multiTokenPrediction`).
 */
import type { ModelSpec } from './spec.js';

const withoutMtp = new WeakMap<ModelSpec, ModelSpec>();

/**
 * `spec` with `n` MTP modules, as a run that sets Megatron-Core's `mtp_num_layers` or torchtitan's
 * `num_mtp_layers` builds them: 0 drops the checkpoint's; a model without any gets DeepSeek-V3's module
 * (a projection, one decoder layer like the model's own, the shared head; param-count.ts mtpLayer).
 */
export function withMtpModules(spec: ModelSpec, n: number): ModelSpec {
  return n === spec.numMtpModules ? spec : { ...spec, numMtpModules: n };
}

/** `spec` without its MTP modules when the stack does not train them (the same object for the same spec). */
export function trainedSpec(spec: ModelSpec, stack?: { readonly trainsMtp?: boolean }): ModelSpec {
  if (stack?.trainsMtp !== false || spec.numMtpModules === 0) return spec;
  let stripped = withoutMtp.get(spec);
  if (!stripped) {
    stripped = { ...spec, numMtpModules: 0 };
    withoutMtp.set(spec, stripped);
  }
  return stripped;
}

/** What a plan says when the stack leaves the model's MTP modules out; null when nothing is left out. */
export function untrainedMtpWarning(
  spec: ModelSpec,
  stack: { readonly name: string; readonly trainsMtp?: boolean } | undefined,
): string | null {
  if (trainedSpec(spec, stack) === spec) return null;
  const n = spec.numMtpModules;
  return `${spec.name}'s ${n} MTP module${n === 1 ? ' is' : 's are'} not trained: ${stack!.name} does not build ${n === 1 ? 'it' : 'them'} (catalog/stacks/ multiTokenPrediction), so step time and memory leave ${n === 1 ? 'it' : 'them'} out`;
}
