/**
 * The Adapt view's GRPO post-training task (in the worker): the run `llmecon rl` plans for the same
 * inputs (catalog model, the CLI's defaults for what the view does not set), with the P10–P90 ranges
 * and the band's basis as `llmecon rl --json` gives them.
 */
import { findModel } from '../../src/catalog/catalog.js';
import { offloadOptions } from '../../src/catalog/hosts.js';
import { rlCalibrationBand, rlRanges } from '../../src/catalog/rl-band.js';
import { planRlRun, RL_DEFAULTS } from '../../src/catalog/rl-run.js';
import { asTrainedBy, contextParallelStacks, stackOnGpu } from '../../src/catalog/stacks.js';
import { resolveHardware } from '../../src/catalog/training-defaults.js';
import { longestSequenceText } from '../../src/core/adaptation/rl-policy-update.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { hintMemoryFit } from '../../src/validation/memory-fit.js';
import { webText } from './flag-labels.js';
import type { RlInput } from './state.js';

export function rlTask(input: RlInput) {
  const entry = findModel(input.model, 'model');
  const hw = resolveHardware(input.gpu, undefined);
  // The stack where it has a port to the GPU, as `llmecon rl --stack` takes it.
  const stack = stackOnGpu('rl', input.stack, hw.gpu.id, ['stack']);
  // The model as the stack trains it (its MTP modules where it builds them), as `llmecon rl --stack`.
  const spec = asTrainedBy(modelSpecFrom(entry.config, entry.name), undefined, stack, ['stack']);
  // The field's default suits most models; one whose context leaves less room cuts there, and says so.
  const room = spec.maxContextTokens - input.promptTokens;
  const maxResponseTokens = room >= 1 ? Math.min(input.maxResponseTokens, room) : input.maxResponseTokens;
  const capNote =
    maxResponseTokens < input.maxResponseTokens
      ? `“Max response tokens” ${input.maxResponseTokens.toLocaleString('en-US')} is beyond ${spec.name}'s room of ${room.toLocaleString('en-US')} tokens after the prompt (its context, ${spec.maxContextTokens.toLocaleString('en-US')}): responses are cut there`
      : null;
  const { summary } = planRlRun(spec, hw, {
    promptsPerStep: input.prompts,
    samplesPerPrompt: input.samplesPerPrompt,
    promptTokens: input.promptTokens,
    responseTokens: input.responseTokens,
    maxResponseTokens,
    steps: input.steps,
    method: input.method,
    precision: input.precision,
    ...RL_DEFAULTS,
    // `--offload`: the trainer's model states in host memory, on the GPU's host from the catalog.
    offload: offloadOptions(input.offload, hw.gpu, 'offload'),
    gpus: input.gpus,
    stack,
    // The policy update's partial recomputation fits as `llmecon rl`'s does.
    hintMemoryFit: hintMemoryFit(stack.id),
    usdPerGpuHour: input.usdPerGpuHour,
  });
  const band = rlCalibrationBand(hw.gpu.id, summary.gpusUsed, {
    rolloutEngine: summary.rolloutEngine,
    placement: summary.placement,
    asyncSteps: summary.asyncSteps,
    model: spec,
  });
  // A step that reaches its longest sequence runs out of memory where no layout holds it: said as `llmecon rl` says it.
  const longest = summary.longestSequence;
  const longestText = longest.fits
    ? null
    : webText(longestSequenceText(longest, hw.gpu, stack, contextParallelStacks()));
  return { ...summary, range: rlRanges(summary, band), band, longestText, capNote };
}
