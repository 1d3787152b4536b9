/**
 * Prepares a project scenario: the engines run once per phase at the scenario's structural settings
 * (training GPU-hours per token, an RL step, a serving replica's capacity), so that the monthly
 * cash-flow model (evaluate.ts) costs microseconds per Monte Carlo draw.
 */
import { type CalibrationBand, trainingBand } from '../catalog/bands.js';
import { findModel, loadCatalog } from '../catalog/catalog.js';
import { asTrainedBy, bf16GradientBuffers, stackOptions, stackSwitches } from '../catalog/stacks.js';
import {
  defaultPrice,
  energyAssumptions,
  type ResolvedHardware,
  resolveHardware,
  runCostAssumptions,
} from '../catalog/training-defaults.js';
import { frozenBaseFor, planFinetune, refuseAdapterFieldsOnFull } from '../core/adaptation/finetune.js';
import { type EnergyAssumptions, embodiedKgCo2PerGpuHour, powerKnown } from '../core/energy/energy.js';
import { InputError, inputError } from '../core/errors.js';
import { DEFAULT_ADAPTER_RANK, defaultAdapterTargets, parseTargets } from '../core/model/adapters.js';
import { checkpointFormat } from '../core/model/checkpoint-format.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import { globalBatchForTokens, globalBatchNote } from '../core/parallelism/global-batch.js';
import { degreesText } from '../core/parallelism/layout.js';
import { documentSpanTokens, wholeSequenceDocuments } from '../core/training/document-span.js';
import { LayoutDoesNotFitError, planTraining } from '../core/training/plan.js';
import { shortOfOneBatch } from '../core/training/run-cost.js';
import {
  centralValue,
  type Distribution,
  lognormalFromInterval,
  type Uncertain,
} from '../core/uncertainty/distributions.js';
import { unitResidual } from '../core/uncertainty/range.js';
import { HOURS_PER_MONTH } from '../core/units.js';
import { hintMemoryFit } from '../validation/memory-fit.js';
import { checkFleet } from './bounds.js';
import { phaseField, scenarioText } from './flag-fields.js';
import { phaseSeqLen, phaseWarnings } from './phase-warnings.js';
import { prepareRlPhase } from './prepare-rl.js';
import { prepareServePhase } from './prepare-serve.js';
import type { Phase, Scenario } from './schema.js';

const REFERENCE_TOKENS = 1e12;

/** Energy assumptions of a phase's GPUs plus their manufacturing emissions per GPU-hour. */
export interface PhaseEnergy extends EnergyAssumptions {
  readonly nodeWattsPerGpu: number;
  readonly embodiedKgCo2PerGpuHour: number;
}

/**
 * A phase's calibration band (P10 and P90 multipliers on its GPU-hours) and the residual draw its
 * multiplier is built from (core/uncertainty/range.ts bandMultiplier): one draw per calibration key,
 * shared by the phases on that calibration (as the levers share it).
 */
export interface PhaseBand extends CalibrationBand {
  readonly draw: Distribution;
}

/**
 * A phase's energy assumptions (its `wattsPerGpu` over the catalog's). A scenario books energy, CO2 and
 * electricity every month, so a GPU without a power figure needs `wattsPerGpu` on the phase.
 */
function knownEnergy(hw: ResolvedHardware, phase: Phase, index: number, region: string) {
  const e = energyAssumptions(hw.gpu, hw.cluster, { region, wattsPerGpu: phase.wattsPerGpu });
  if (!powerKnown(e)) {
    return inputError(
      'missing_field',
      ['phases', index, 'wattsPerGpu'],
      `the catalog has no power figure for ${hw.gpu.id}; give the phase wattsPerGpu (server watts per accelerator, 1–5000)`,
    );
  }
  return e;
}

/** What the engines computed for a phase, at the scenario's structural (non-uncertain) settings. */
export type PreparedPhase = {
  readonly band: PhaseBand;
  /** How the model's config was read and lengths beyond its context: computed, but worth saying. */
  readonly warnings: readonly string[];
} & (
  | {
      readonly kind: 'pretrain';
      readonly phase: Extract<Phase, { kind: 'pretrain' }>;
      readonly index: number;
      readonly gpuHoursPerToken: number;
      readonly energy: PhaseEnergy;
      readonly layout: string;
      /** Packed documents' attention span (document-span.ts); null: one causal span per sequence. */
      readonly attentionSpanTokens: number | null;
      readonly mfu: number;
      /** The catalog's lowest on-demand price for the GPU, to compare buying with (null if none). */
      readonly rentUsdPerGpuHour: number | null;
    }
  | {
      readonly kind: 'finetune';
      readonly phase: Extract<Phase, { kind: 'finetune' }>;
      readonly index: number;
      /** GPU-hours per dataset token per epoch. */
      readonly gpuHoursPerToken: number;
      readonly energy: PhaseEnergy;
      readonly layout: string;
      readonly mfu: number;
      readonly trainableParams: number;
    }
  | {
      readonly kind: 'rl';
      readonly phase: Extract<Phase, { kind: 'rl' }>;
      readonly index: number;
      readonly gpuHoursPerStep: number;
      readonly energy: PhaseEnergy;
      readonly stepSeconds: number;
      readonly generationShare: number;
    }
  | {
      readonly kind: 'serve';
      readonly phase: Extract<Phase, { kind: 'serve' }>;
      readonly index: number;
      readonly replicaGpus: number;
      readonly replicaRequestsPerSecond: number;
      /** A disaggregated deployment's prefill replicas (GPUs each, prompts/s each); null when aggregated. */
      readonly prefillPool: { readonly gpus: number; readonly requestsPerSecond: number } | null;
      readonly energy: PhaseEnergy;
      readonly layout: string;
      readonly outputTokensPerSecondPerGpu: number;
      /** The API to compare with: its id and prices per million tokens. */
      readonly api: {
        readonly id: string;
        readonly inputUsdPerMillion: number;
        readonly outputUsdPerMillion: number;
      } | null;
    }
);

export interface PreparedScenario {
  readonly scenario: Scenario;
  readonly phases: readonly PreparedPhase[];
  /** Every uncertain input, by its path in the scenario (`phases[0].tokens`). */
  readonly uncertain: Readonly<Record<string, Distribution>>;
  /**
   * The residual draw of each calibration the phases use (`calibration[train:megatron×hopper]`): the
   * phases' GPU-hours multipliers (1 at central values; drawn in the Monte Carlo).
   */
  readonly bands: Readonly<Record<string, Distribution>>;
  /** The scenario's research compute ratio, or the catalog's sourced default when it gives none. */
  readonly researchComputeRatio: Uncertain;
  readonly serverCostOverGpuCost: number;
  readonly networkingShareOfHardware: number;
  readonly storageUsdPerGbMonth: number;
  readonly lifeYears: number;
  readonly goodput: number;
}

const isDistribution = (v: unknown): v is Distribution =>
  typeof v === 'object' && v !== null && 'dist' in (v as Record<string, unknown>);

/** Paths of every distribution in the scenario. */
/** A phase's engine plan warnings, as its report says them (the scenario's fields, not CLI flags). */
const planWarnings = (list: readonly string[], index: number): string[] =>
  list.map((w) => `phases[${index}]: ${scenarioText(w)}`);

function uncertainInputs(node: unknown, path = ''): [string, Distribution][] {
  if (isDistribution(node)) return [[path, node]];
  if (Array.isArray(node)) return node.flatMap((c, i) => uncertainInputs(c, `${path}[${i}]`));
  if (typeof node === 'object' && node !== null)
    return Object.entries(node).flatMap(([k, c]) => uncertainInputs(c, path ? `${path}.${k}` : k));
  return [];
}

function catalogRent(gpu: Parameters<typeof defaultPrice>[0]): number | null {
  return gpu.rentalPrices.length > 0 ? defaultPrice(gpu, undefined).usdPerGpuHour : null;
}

/** Runs `engine` for a phase, naming any input error by its path in the scenario (`phases[0].gpus`). */
function inPhase<T>(phase: Phase, index: number, engine: () => T): T {
  try {
    return engine();
  } catch (error) {
    if (!(error instanceof InputError) || error instanceof LayoutDoesNotFitError) throw error;
    if (error.issues.every((i) => i.path[0] === 'phases')) throw error;
    throw new InputError(
      error.issues.map((i) =>
        i.path[0] === 'phases'
          ? i
          : { ...i, path: ['phases', index, ...phaseField(phase, i.path)], message: scenarioText(i.message) },
      ),
    );
  }
}

/** Runs the engines once per phase. */
export function prepareScenario(scenario: Scenario): PreparedScenario {
  const a = loadCatalog().assumptions;
  const entry = findModel(scenario.model, 'model');
  const spec = modelSpecFrom(entry.config, entry.name);
  const checkpoint = checkpointFormat(entry.config);
  const draws = new Map<string, Distribution>();
  const withDraw = (b: CalibrationBand): PhaseBand => {
    const draw = draws.get(b.key) ?? unitResidual();
    draws.set(b.key, draw);
    return { ...b, draw };
  };
  const phases = scenario.phases.map((phase, index) =>
    inPhase(phase, index, () => preparePhase(phase, index)),
  );
  function preparePhase(phase: Phase, index: number): PreparedPhase {
    const hw = resolveHardware(phase.gpu, undefined);
    const warnings = phaseWarnings(spec, phase, index);
    const ec = a.embodiedCarbon;
    const energy: PhaseEnergy = {
      ...knownEnergy(hw, phase, index, scenario.region),
      // Cloud Carbon Footprint: GPU card + its share of the server, amortised linearly per hour.
      embodiedKgCo2PerGpuHour: embodiedKgCo2PerGpuHour({
        gpuCardKg: ec.gpuCard.value,
        serverBaseKg: ec.serverBase.value,
        gpusPerNode: hw.cluster.gpusPerNode,
        lifespanYears: ec.lifespanYears.value,
      }),
    };
    // GPU-hours only: prices are applied per sample.
    const runCost = { ...runCostAssumptions(hw, { usdPerGpuHour: 1, region: scenario.region }), energy };
    const family = hw.gpu.efficiency.family;
    if (phase.kind === 'pretrain') {
      const seqLen = phaseSeqLen(spec, phase);
      const stack = stackOptions('pretrain', phase.stack, hw.gpu.id, ['phases', index, 'stack']);
      const trained = asTrainedBy(spec, phase.mtpLayers, stack.stack, ['phases', index, 'mtpLayers']);
      const globalBatchSize = globalBatchForTokens(phase.globalBatchTokens, seqLen, phase.gpus);
      const batchNote = globalBatchNote(phase.globalBatchTokens, seqLen, phase.gpus, globalBatchSize);
      if (batchNote) warnings.push(`phases[${index}].globalBatchTokens: ${batchNote}`);
      // Less than one optimizer step is refused, as `llmecon train` refuses it (core/training/run-cost.ts).
      const short = shortOfOneBatch(centralValue(phase.tokens), globalBatchSize * seqLen);
      if (short !== null)
        inputError(
          'invalid_value',
          ['phases', index, 'tokens'],
          `${short}; lower globalBatchTokens or raise tokens`,
        );
      const span = documentSpanTokens(phase, seqLen);
      if (phase.documentTokens !== undefined && span === undefined)
        warnings.push(`phases[${index}].documentTokens: ${wholeSequenceDocuments(seqLen)}`);
      const plan = planTraining(trained, hw.cluster, {
        ...stack,
        hintMemoryFit: hintMemoryFit(stack.stack.id),
        seqLen,
        documentTokens: span,
        globalBatchSize,
        precision: phase.precision,
        optimizer: 'adamw',
        ...stackSwitches(phase, stack.stack, (name) => ['phases', index, name], phase.precision),
        gpus: phase.gpus,
        constraints: {},
        top: 1,
        cost: { ...runCost, tokens: REFERENCE_TOKENS },
      });
      warnings.push(...planWarnings(plan.warnings, index));
      return {
        kind: 'pretrain',
        phase,
        index,
        warnings,
        gpuHoursPerToken: plan.run!.gpuHours / REFERENCE_TOKENS,
        energy,
        layout: degreesText(plan.chosen.layout),
        attentionSpanTokens: span ?? null,
        mfu: plan.chosen.step.mfu,
        rentUsdPerGpuHour: catalogRent(hw.gpu),
        band: withDraw(trainingBand(plan.band!, stack.stack.id, plan.calibration?.family ?? family)),
      };
    }
    if (phase.kind === 'finetune') {
      // Adapter fields or a base format with full fine-tuning would do nothing: refused as the CLI refuses them.
      refuseAdapterFieldsOnFull(phase.method, phase, ['phases', index]);
      frozenBaseFor(phase.method, phase.baseFormat);
      const seqLen = phaseSeqLen(spec, phase);
      const tokens = centralValue(phase.tokens);
      const stack = stackOptions('finetune', phase.stack, hw.gpu.id, ['phases', index, 'stack']);
      const trained = asTrainedBy(spec, phase.mtpLayers, stack.stack, ['phases', index, 'mtpLayers']);
      const plan = planFinetune(trained, hw.cluster, {
        ...stack,
        hintMemoryFit: hintMemoryFit(stack.stack.id),
        method: phase.method,
        rank: phase.rank ?? DEFAULT_ADAPTER_RANK,
        targets: parseTargets(phase.targets ?? defaultAdapterTargets(trained)),
        ...(phase.baseFormat !== undefined && { baseFormat: phase.baseFormat }),
        ...(phase.trainEmbeddings && { trainEmbeddings: true }),
        ...bf16GradientBuffers(
          phase.bf16GradBuffers,
          stack.stack,
          ['phases', index, 'bf16GradBuffers'],
          phase.precision,
        ),
        dataset: {
          tokens,
          examples: phase.examples,
          epochs: phase.epochs,
          packing: phase.packing,
          padding: phase.padding,
          lengthP99: phase.lengthP99,
          ...(phase.packingMask && { packingMask: true }),
        },
        globalBatchSize: phase.globalBatch,
        seqLen,
        precision: phase.precision,
        optimizer: 'adamw',
        gpus: phase.gpus,
        constraints: {},
        cost: runCost,
      });
      warnings.push(...planWarnings(plan.warnings, index));
      return {
        kind: 'finetune',
        phase,
        index,
        warnings,
        gpuHoursPerToken: plan.run!.gpuHours / (tokens * phase.epochs),
        energy,
        layout: degreesText(plan.chosen.layout),
        mfu: plan.chosen.step.mfu,
        trainableParams: plan.trainableParams,
        band: withDraw(trainingBand(plan.band!, stack.stack.id, plan.calibration?.family ?? family)),
      };
    }
    if (phase.kind === 'rl') {
      const { band, trainerWarnings, ...rl } = prepareRlPhase(spec, hw, phase, index, runCost);
      warnings.push(...planWarnings(trainerWarnings, index));
      return { kind: 'rl', phase, index, warnings, energy, ...rl, band: withDraw(band) };
    }
    const { band, engineWarnings, ...served } = prepareServePhase(spec, checkpoint, hw, phase, index, energy);
    return { ...served, warnings: [...warnings, ...engineWarnings], band: withDraw(band) };
  }
  // Experiments and ablations: the scenario's ratio, or Epoch AI's lognormal (90% interval 1.2×–4×).
  const researchComputeRatio =
    scenario.researchComputeRatio ??
    lognormalFromInterval(a.researchComputeRatio.p5.value, a.researchComputeRatio.p95.value);
  for (const ph of phases)
    if (ph.kind === 'serve') checkFleet(ph);
    else checkHorizon(ph, scenario.horizonMonths);
  // Research is booked on pretraining runs only (evaluate.ts bookResearch): an input where one exists.
  const pretrains = phases.some((ph) => ph.kind === 'pretrain');
  const uncertain = uncertainInputs(scenario).filter(
    ([path]) => pretrains || path !== 'researchComputeRatio',
  );
  if (scenario.researchComputeRatio === undefined && pretrains)
    uncertain.push(['researchComputeRatio', researchComputeRatio as Distribution]);
  return {
    scenario,
    phases,
    uncertain: Object.fromEntries(uncertain),
    bands: Object.fromEntries([...draws].map(([key, draw]) => [`calibration[${key}]`, draw])),
    researchComputeRatio,
    serverCostOverGpuCost: a.serverCostOverGpuCost.value,
    networkingShareOfHardware: a.networkingShareOfHardware.value,
    storageUsdPerGbMonth: a.storageUsdPerGbMonth.value,
    lifeYears: a.hardwareLifeYears.value,
    goodput: a.goodput.value,
  };
}

/** A pretraining, fine-tuning or RL phase: GPU work of a size that runs as long as it takes. */
export type TrainingPhase = Exclude<PreparedPhase, { kind: 'serve' }>;

/** GPU-hours of a training-type phase, with its uncertain inputs read by `v`. */
export function phaseGpuHours(ph: TrainingPhase, v: (u: Uncertain) => number): number {
  if (ph.kind === 'pretrain') return v(ph.phase.tokens) * ph.gpuHoursPerToken * v(ph.phase.efficiencyFactor);
  if (ph.kind === 'rl') return v(ph.phase.steps) * ph.gpuHoursPerStep * v(ph.phase.efficiencyFactor);
  return v(ph.phase.tokens) * ph.phase.epochs * ph.gpuHoursPerToken * v(ph.phase.efficiencyFactor);
}

/** Months a run of `gpuHours` takes on `gpus` GPUs. */
export const runMonths = (gpuHours: number, gpus: number): number => gpuHours / gpus / HOURS_PER_MONTH;

/**
 * A training-type phase that outlasts the horizon at central values is an input error: its cost would
 * otherwise fall partly outside the cash flows.
 */
function checkHorizon(ph: TrainingPhase, horizonMonths: number): void {
  const x = ph.phase;
  const months = runMonths(phaseGpuHours(ph, centralValue), x.gpus);
  if (x.startMonth + months > horizonMonths * (1 + 1e-9))
    inputError(
      'invalid_value',
      ['phases', ph.index],
      `phase '${x.name}' (${x.kind}) takes ${months.toFixed(1)} months on ${x.gpus} × ${x.gpu} from month ${x.startMonth} (at central values), past the ${horizonMonths}-month horizon; raise horizonMonths to at least ${Math.ceil(x.startMonth + months)}, add GPUs or shorten the phase`,
    );
}
