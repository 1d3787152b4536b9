import { loadCatalog } from '../../catalog/catalog.js';
import { rlBand, rlRanges } from '../../catalog/rl-band.js';
import { planRlRun, RL_DEFAULTS, ROLLOUT_ENGINE_IDS } from '../../catalog/rl-run.js';
import { contextParallelStacks } from '../../catalog/stacks.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { longestSequenceText } from '../../core/adaptation/rl-policy-update.js';
import { RL_PLACEMENTS } from '../../core/adaptation/rl-weight-sync.js';
import { inputError } from '../../core/errors.js';
import { bandedFit, memoryRange } from '../../core/memory/memory-band.js';
import { KV_FORMATS, WEIGHT_FORMATS } from '../../core/precision.js';
import { LayoutDoesNotFitError } from '../../core/training/plan.js';
import { SECONDS_PER_HOUR } from '../../core/units.js';
import { stackMemoryBand } from '../../validation/memory-cases.js';
import { hintMemoryFit } from '../../validation/memory-fit.js';
import { adapterLabel, methodFlags } from '../adapter-flags.js';
import { energyText, wattsPerGpuFlag } from '../energy-flags.js';
import { formatCount, formatDuration, table, toJson } from '../format.js';
import { attentionOptions, type LayoutFlags, layoutConstraints, stackAndModel } from '../layout-flags.js';
import { layoutJson, layoutText } from '../layout-text.js';
import { loadModel } from '../load-model.js';
import { bytesWithRange, fitVerdict } from '../memory-breakdown.js';
import { finetuneMemoryFitFlag, memoryFitAtNote } from '../memory-fit-flag.js';
import { offloadFlag } from '../offload-flag.js';
import { nonNegativeInteger, oneOf, positiveInteger, positiveNumber, precisionFlag } from '../options.js';

export interface RlFlags extends LayoutFlags {
  model?: string;
  method?: string;
  precision?: string;
  rank?: string;
  targets?: string;
  prompts?: string;
  samplesPerPrompt?: string;
  promptTokens?: string;
  responseTokens?: string;
  responseP99?: string;
  maxResponseTokens?: string;
  rolloutEngine?: string;
  placement?: string;
  rolloutGpus?: string;
  rolloutTp?: string;
  asyncSteps?: string;
  offload?: string;
  memoryFit?: string;
  seed?: string;
  steps?: string;
  reference?: boolean;
  rewardModel?: string;
  rolloutWeights?: string;
  rolloutKv?: string;
  gpu?: string;
  gpus?: string;
  cluster?: string;
  pricePerGpuHour?: string;
  region?: string;
  wattsPerGpu?: string;
  json?: boolean;
}

export function rlCommand(o: RlFlags): { output: string; exitCode: number } {
  if (!o.model) inputError('missing_field', ['--model'], 'give --model <catalog id | config.json | spec>');
  const hw = resolveHardware(o.gpu, o.cluster);
  const { stack, spec } = stackAndModel(o, loadModel(o.model).spec, 'rl', hw.gpu.id);
  const assumptions = loadCatalog().assumptions;
  const gpus = positiveInteger(o.gpus, '--gpus', 8);
  const optionalInt = (text: string | undefined, flag: string) =>
    text === undefined ? undefined : positiveInteger(text, flag, 1);
  const engineId = oneOf(o.rolloutEngine, '--rollout-engine', ROLLOUT_ENGINE_IDS, RL_DEFAULTS.rolloutEngine);
  const placement = oneOf(o.placement, '--placement', RL_PLACEMENTS, RL_DEFAULTS.placement);
  // The method and its adapter as `finetune` reads them (a full update refuses --rank and --targets).
  const choice = methodFlags(o, spec, 'full');
  const { method } = choice;
  const adapter = adapterLabel(spec, choice);
  const precision = precisionFlag(o.precision, hw.gpu, method);
  // --memory-fit: the policy update's layouts fit at the stack's band for its kind of run, as `finetune`'s.
  const { level: memoryFitLevel, ...memoryFit } = finetuneMemoryFitFlag(o.memoryFit, stack.id);
  const promptsPerStep = positiveInteger(o.prompts, '--prompts', 64);
  const samplesPerPrompt = positiveInteger(o.samplesPerPrompt, '--samples-per-prompt', 16);
  let run: ReturnType<typeof planRlRun>;
  try {
    run = planRlRun(spec, hw, {
      promptsPerStep,
      samplesPerPrompt,
      promptTokens: positiveInteger(o.promptTokens, '--prompt-tokens', 512),
      responseTokens: positiveInteger(o.responseTokens, '--response-tokens', 4096),
      responseTokensP99: optionalInt(o.responseP99, '--response-p99'),
      responseP99OverMean: RL_DEFAULTS.responseP99OverMean,
      maxResponseTokens: optionalInt(o.maxResponseTokens, '--max-response-tokens'),
      rolloutEngine: engineId,
      placement,
      rolloutGpus: optionalInt(o.rolloutGpus, '--rollout-gpus'),
      rolloutTensorParallel: optionalInt(o.rolloutTp, '--rollout-tp'),
      asyncSteps: nonNegativeInteger(o.asyncSteps, '--async-steps', RL_DEFAULTS.asyncSteps),
      seed: o.seed === undefined ? undefined : nonNegativeInteger(o.seed, '--seed', 1),
      offload: offloadFlag(o.offload, hw.gpu),
      steps: positiveInteger(o.steps, '--steps', 1),
      method,
      precision,
      rank: choice.rank,
      targets: choice.targets.join(','),
      gpus,
      reference: o.reference ?? RL_DEFAULTS.reference,
      rewardModel: o.rewardModel ? loadModel(o.rewardModel).spec : RL_DEFAULTS.rewardModel,
      rolloutWeights: oneOf(
        o.rolloutWeights,
        '--rollout-weights',
        WEIGHT_FORMATS,
        RL_DEFAULTS.rolloutWeights,
      ),
      rolloutKv: oneOf(o.rolloutKv, '--rollout-kv', KV_FORMATS, RL_DEFAULTS.rolloutKv),
      constraints: layoutConstraints(o),
      attention: attentionOptions(o),
      stack,
      ...memoryFit,
      hintMemoryFit: hintMemoryFit(stack.id),
      usdPerGpuHour:
        o.pricePerGpuHour === undefined
          ? undefined
          : positiveNumber(o.pricePerGpuHour, '--price-per-gpu-hour', 1),
      region: o.region,
      wattsPerGpu: wattsPerGpuFlag(o),
    });
  } catch (error) {
    if (error instanceof LayoutDoesNotFitError) {
      return {
        output: `the policy update does not fit on ${gpus} × ${hw.gpu.id}: ${error.issues[0]!.message}`,
        exitCode: 3,
      };
    }
    throw error;
  }
  const { plan, price, summary } = run;
  const s = plan.step;
  const g = s.generation;
  const band = rlBand(hw.gpu.id, plan.totalGpus, {
    rolloutEngine: engineId,
    placement: plan.placement,
    asyncSteps: summary.asyncSteps,
    rolloutTensorParallel: o.rolloutTp === undefined ? undefined : summary.generation.tensorParallel,
    model: spec,
  });
  const range = rlRanges(summary, band);
  // How the policy's config was read (a lookalike family, a structure approximated), and what the stack leaves out.
  const warnings = [...(spec.warnings ?? []), ...plan.training.warnings];
  // The policy update's layout: the fine-tuning search's choice for the step's sequences.
  const trainer = plan.training.chosen;
  // Its memory against the GPU with the stack's measured-peak band, as `finetune` bands it.
  const memoryBand = stackMemoryBand(stack.id, trainer.layout.pipelineParallel > 1, method !== 'full');
  const memoryPerGpuBytes = memoryRange(trainer.memoryPerGpuBytes, memoryBand);
  // No layout holds the micro-batch with the longest sequence: a step that reaches it runs out of memory (exit 3).
  const longest = plan.longestSequence;
  const exitCode = longest.fits ? 0 : 3;
  if (o.json)
    return {
      output: toJson({
        ...summary,
        /** The adapter trained, as `finetune` names it ("LORA r=16 on q,k,v,o,gate,up,down"); null for a full update. */
        adapter,
        policyUpdate: {
          layout: layoutJson(trainer.layout),
          memoryPerGpuBytes: trainer.memoryPerGpuBytes,
          // The memory reported is the mean's micro-batches' where the longest's fits no layout: over.
          memoryFit: longest.fits
            ? bandedFit(trainer.memoryPerGpuBytes, memoryPerGpuBytes, hw.gpu.memoryBytes)
            : 'over',
          memoryFitAt: memoryFitLevel,
          range: { memoryPerGpuBytes },
        },
        range,
        calibrationCases: band.cases,
        outsideCalibration: band.outside,
        warnings,
      }),
      exitCode,
    };
  const share = (x: number) => `${((100 * x) / s.stepSeconds).toFixed(1)}%`;
  const seconds = (x: number) => x.toFixed(1);
  // Off-policy, the rollout side overlaps the trainer's step (and may span more than one step).
  const rolloutShare = (x: number) => (s.streamedRolloutSeconds === null ? share(x) : 'overlapped');
  const pools =
    plan.placement === 'colocated'
      ? `colocated on ${gpus} × ${hw.gpu.id} (rollout and training take turns; the engine sleeps during training, the trainer's state is offloaded during the rollout)`
      : `separate: ${gpus} training + ${plan.rolloutGpus} rollout × ${hw.gpu.id}, ${summary.asyncSteps === 0 ? 'synchronous (each pool idles while the other works)' : `${summary.asyncSteps} step${summary.asyncSteps > 1 ? 's' : ''} off-policy (the pools overlap)`}`;
  const tail =
    g.truncatedResponses > 0 || g.longestResponseTokens > g.meanResponseTokens
      ? `responses: mean ${formatCount(g.meanResponseTokens)}, longest ${formatCount(g.longestResponseTokens)} tokens${g.truncatedResponses > 0 ? `, ${g.truncatedResponses} cut at the maximum` : ''}; 90% of the slowest replica's responses are done at ${seconds(g.p90CompletionSeconds)} s of ${seconds(g.seconds)} s — ${summary.asyncSteps > 0 ? 'the next batch is queued behind the tail while the trainer works' : 'the synchronous step waits for the tail'}`
      : `responses: every one ${g.meanResponseTokens === 1 ? '1 token' : `${formatCount(g.meanResponseTokens)} tokens`} (no tail given)`;
  const p = (r: { p10: number; p90: number }, f: (x: number) => string) =>
    `(P10 ${f(r.p10)} – P90 ${f(r.p90)})`;
  return {
    output: [
      `GRPO on ${spec.name}: ${formatCount(s.tokensPerStep)} tokens per step (policy update${adapter ? ` of ${adapter}` : ''} on ${stack.name}, ${precision}; rollouts on ${summary.rolloutEngine})`,
      `placement: ${pools}`,
      `policy update: ${layoutText(trainer.layout)} · ${bytesWithRange(trainer.memoryPerGpuBytes, memoryPerGpuBytes)}/GPU: ${longest.fits ? fitVerdict(trainer.memoryPerGpuBytes, memoryPerGpuBytes, hw.gpu) : longestSequenceText(longest, hw.gpu, stack, contextParallelStacks())}${memoryFitAtNote(memoryFitLevel)}`,
      ...memoryBand.outside.map((line) => `memory band: ${line}`),
      tail,
      '',
      table(
        ['phase', 'seconds', 'share'],
        [
          [
            `rollout (${g.replicas} × TP${g.tensorParallel}${g.expertParallel > 1 ? `·EP${g.expertParallel}` : ''}, ${g.sequencesPerReplica * g.replicas > promptsPerStep * samplesPerPrompt ? 'up to ' : ''}${g.sequencesPerReplica} sequence${g.sequencesPerReplica === 1 ? '' : 's'} each, KV ${formatCount(g.kvCapacityTokens)} tokens${g.preemptions > 0 ? `, ${g.preemptions} preemptions` : ''}${g.simulatedReplicas < g.replicas ? `; slowest of ${g.simulatedReplicas} simulated` : ''})`,
            seconds(g.seconds),
            rolloutShare(g.seconds),
          ],
          [
            `weight sync (${formatCount(s.weightSync.bytes / 1e9)} GB: transfer ${seconds(s.weightSync.transferSeconds)} s + reload ${seconds(s.weightSync.reloadSeconds)} s)`,
            seconds(s.weightSync.seconds),
            share(s.weightSync.seconds),
          ],
          ['old-policy log-probs', seconds(s.oldLogprobSeconds), share(s.oldLogprobSeconds)],
          ['policy update', seconds(s.trainingSeconds), share(s.trainingSeconds)],
          ['reference forward', seconds(s.referenceSeconds), share(s.referenceSeconds)],
          ['reward model forward', seconds(s.rewardSeconds), share(s.rewardSeconds)],
          [
            'RL loop, fixed per step (calibrated)',
            seconds(s.loopOverheadSeconds),
            rolloutShare(s.loopOverheadSeconds),
          ],
          [
            summary.asyncSteps > 0 ? 'step (pools overlap: see below)' : 'step',
            `${seconds(s.stepSeconds)} ${p(range.stepSeconds, seconds)}`,
            '100%',
          ],
        ],
      ),
      ...(s.streamedRolloutSeconds !== null
        ? [
            `${summary.asyncSteps} step${summary.asyncSteps > 1 ? 's' : ''} off-policy: each batch starts generating when the weights ${summary.asyncSteps} version${summary.asyncSteps > 1 ? 's' : ''} older land (in-flight weight updates); step = the largest of trainer + sync ${seconds(s.trainerSeconds + s.weightSync.seconds)} s, (rollout + loop + trainer + sync) / ${summary.asyncSteps + 1} ${seconds((g.seconds + s.loopOverheadSeconds + s.trainerSeconds + s.weightSync.seconds) / (summary.asyncSteps + 1))} s, and the engine's rate with the next batch queued ${seconds(s.streamedRolloutSeconds)} s per batch`,
          ]
        : []),
      ...(plan.placement === 'separate'
        ? [
            `idle: rollout pool ${(100 * s.idleFraction.rollout).toFixed(0)}%, training pool ${(100 * s.idleFraction.training).toFixed(0)}% of each step (all GPUs are paid for the whole run)`,
          ]
        : []),
      `calibrated on ${band.cases} published RL runs: rollout ×${plan.rolloutTimeScale.toFixed(2)} over the simulated engine, ${seconds(s.loopOverheadSeconds)} s per step for the loop; weight reload from measured updates`,
      ...band.outside.map((line) => `outside calibration: ${line}`),
      '',
      `${formatCount(plan.gpuHours)} GPU-hours ${p(range.gpuHours, formatCount)} on ${plan.totalGpus} GPUs (goodput ${assumptions.goodput.value}) · ${formatDuration(plan.wallClockHours * SECONDS_PER_HOUR)} ${p(range.wallClockHours, (h) => formatDuration(h * SECONDS_PER_HOUR))} · $${formatCount(plan.costUsd)} ${p(range.costUsd, (x) => `$${formatCount(x)}`)} at $${price.usdPerGpuHour.toFixed(2)}/GPU-hour (${price.basis}) · ${energyText(plan.energyKWh, plan.energyNote, (kWh) => `${formatCount(kWh)} kWh ${p(range.energyKWh!, formatCount)} · ${formatCount(plan.co2Kg!)} kg CO2 ${p(range.co2Kg!, formatCount)}`)}`,
      ...warnings.map((w) => `warning: ${w}`),
    ].join('\n'),
    exitCode,
  };
}
