/**
 * Evaluates a project scenario: the engines run once per phase (training GPU-hours per token, a
 * serving replica's capacity), then a light monthly cash-flow model runs once per sample, so that a
 * Monte Carlo over the economic inputs costs microseconds per draw.
 */
import { findApi, findModel, loadCatalog } from '../catalog/catalog.js';
import { defaultPrice, energyAssumptions, resolveHardware } from '../catalog/training-defaults.js';
import { parseTargets } from '../core/model/adapters.js';
import { planFinetune } from '../core/adaptation/finetune.js';
import { planRl } from '../core/adaptation/rl.js';
import {
  annualRate,
  breakEvenUtilization,
  irr,
  monthlyRate,
  npv,
  paybackPeriod,
} from '../core/economics/finance.js';
import {
  type EnergyAssumptions,
  embodiedKgCo2PerGpuHour,
  energyKWh,
  energyUsdPerGpuHour,
  operationalCo2Kg,
  provisionedKw,
} from '../core/energy/energy.js';
import { inputError } from '../core/errors.js';
import { candidateLabel, planDeployments, replicaOptions } from '../core/inference/deployment.js';
import { replicaGpus } from '../core/inference/serving-step.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ParallelLayout } from '../core/parallelism/layout.js';
import { planTraining } from '../core/training/plan.js';
import {
  centralValue,
  type Distribution,
  lognormalFromInterval,
  type Uncertain,
} from '../core/uncertainty/distributions.js';
import { DAYS_PER_MONTH, HOURS_PER_MONTH, requestsPerSecondFor, tokensPerDayAt } from '../core/units.js';
import type { HardwareChoice, Phase, Scenario } from './schema.js';

export { HOURS_PER_MONTH } from '../core/units.js';

const REFERENCE_TOKENS = 1e12;

export const COST_KINDS = [
  'compute',
  'networking',
  'energy',
  'facility',
  'storage',
  'research',
  'staff',
  'data',
] as const;
export type CostKind = (typeof COST_KINDS)[number];

/** Energy assumptions of a phase's GPUs plus their manufacturing emissions per GPU-hour. */
export interface PhaseEnergy extends EnergyAssumptions {
  readonly embodiedKgCo2PerGpuHour: number;
}

/** What the engines computed for a phase, at the scenario's structural (non-uncertain) settings. */
type PreparedPhase =
  | {
      readonly kind: 'pretrain';
      readonly phase: Extract<Phase, { kind: 'pretrain' }>;
      readonly index: number;
      readonly gpuHoursPerToken: number;
      readonly energy: PhaseEnergy;
      readonly layout: string;
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
      readonly energy: PhaseEnergy;
      readonly layout: string;
      readonly outputTokensPerSecondPerGpu: number;
      /** The API to compare with: its id and prices per million tokens. */
      readonly api: {
        readonly id: string;
        readonly inputUsdPerMillion: number;
        readonly outputUsdPerMillion: number;
      } | null;
    };

export interface PreparedScenario {
  readonly scenario: Scenario;
  readonly phases: readonly PreparedPhase[];
  /** Every uncertain input, by its path in the scenario (`phases[0].tokens`). */
  readonly uncertain: Readonly<Record<string, Distribution>>;
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

const layoutText = (l: ParallelLayout) =>
  `tp ${l.tensorParallel} · pp ${l.pipelineParallel} · dp ${l.dataParallel}${l.expertParallel > 1 ? ` · ep ${l.expertParallel}` : ''}${l.contextParallel > 1 ? ` · cp ${l.contextParallel}` : ''}`;

function apiPrices(id: string, index: number) {
  const api = findApi(id, `phases[${index}].compareWithApi`);
  return {
    id: api.id,
    inputUsdPerMillion: api.prices.input.value,
    outputUsdPerMillion: api.prices.output.value,
  };
}

/** Runs the engines once per phase. */
export function prepareScenario(scenario: Scenario): PreparedScenario {
  const a = loadCatalog().assumptions;
  const entry = findModel(scenario.model, 'model');
  const spec = modelSpecFrom(entry.config, entry.name);
  const phases = scenario.phases.map((phase, index): PreparedPhase => {
    const hw = resolveHardware(phase.gpu, undefined);
    const ec = a.embodiedCarbon;
    const energy: PhaseEnergy = {
      ...energyAssumptions(hw.gpu, hw.cluster, { region: scenario.region }),
      // Cloud Carbon Footprint: GPU card + its share of the server, amortised linearly per hour.
      embodiedKgCo2PerGpuHour: embodiedKgCo2PerGpuHour({
        gpuCardKg: ec.gpuCard.value,
        serverBaseKg: ec.serverBase.value,
        gpusPerNode: hw.cluster.gpusPerNode,
        lifespanYears: ec.lifespanYears.value,
      }),
    };
    // GPU-hours only: prices are applied per sample.
    const runCost = {
      goodput: a.goodput.value,
      usdPerGpuHour: 1,
      energy,
      networkingShareOfHardware: a.networkingShareOfHardware.value,
    };
    if (phase.kind === 'pretrain') {
      const seqLen = Math.min(phase.seqLen, spec.maxContextTokens);
      const plan = planTraining(spec, hw.cluster, {
        seqLen,
        globalBatchSize: Math.max(1, Math.round(phase.globalBatchTokens / seqLen)),
        precision: phase.precision,
        optimizer: 'adamw',
        gpus: phase.gpus,
        constraints: {},
        top: 1,
        cost: { ...runCost, tokens: REFERENCE_TOKENS },
      });
      return {
        kind: 'pretrain',
        phase,
        index,
        gpuHoursPerToken: plan.run!.gpuHours / REFERENCE_TOKENS,
        energy,
        layout: layoutText(plan.chosen.layout),
        mfu: plan.chosen.step.mfu,
        rentUsdPerGpuHour: catalogRent(hw.gpu),
      };
    }
    if (phase.kind === 'finetune') {
      const seqLen = Math.min(phase.seqLen, spec.maxContextTokens);
      const tokens = centralValue(phase.tokens);
      const plan = planFinetune(spec, hw.cluster, {
        method: phase.method,
        rank: phase.rank,
        targets: parseTargets(phase.targets),
        baseFormat: 'bf16',
        dataset: { tokens, epochs: phase.epochs, packing: true },
        globalBatchSize: phase.globalBatch,
        seqLen,
        precision: phase.precision,
        optimizer: 'adamw',
        gpus: phase.gpus,
        constraints: {},
        cost: runCost,
      });
      return {
        kind: 'finetune',
        phase,
        index,
        gpuHoursPerToken: plan.run!.gpuHours / (tokens * phase.epochs),
        energy,
        layout: layoutText(plan.chosen.layout),
        mfu: plan.chosen.step.mfu,
        trainableParams: plan.trainableParams,
      };
    }
    if (phase.kind === 'rl') {
      const plan = planRl(spec, hw.cluster, {
        promptsPerStep: phase.promptsPerStep,
        samplesPerPrompt: phase.samplesPerPrompt,
        promptTokens: phase.promptTokens,
        responseTokens: phase.responseTokens,
        steps: 1,
        method: phase.method,
        rank: 16,
        targets: parseTargets('attn,mlp'),
        gpus: phase.gpus,
        reference: true,
        rewardModel: null,
        rolloutWeights: 'bf16',
        rolloutKv: 'bf16',
        constraints: {},
        cost: runCost,
      });
      return {
        kind: 'rl',
        phase,
        index,
        gpuHoursPerStep: plan.gpuHours,
        energy,
        stepSeconds: plan.step.stepSeconds,
        generationShare: plan.step.generation.seconds / plan.step.stepSeconds,
      };
    }
    const w = { inputTokens: phase.inputTokens, outputTokens: phase.outputTokens };
    const candidates = replicaOptions(spec, hw.cluster.gpusPerNode, [phase.weights], phase.kv, {}).map(
      (replica) => ({ gpuId: hw.gpu.id, cluster: hw.cluster, usdPerGpuHour: 1, replica, energy }),
    );
    const best = planDeployments(spec, candidates, w, null, {
      tpotSeconds: phase.tpotSloSeconds,
      ttftSeconds: phase.ttftSloSeconds,
    })[0];
    if (!best)
      inputError(
        'infeasible',
        ['phases', index, 'gpu'],
        `${spec.name} cannot be served on ${hw.gpu.id} within the SLO`,
      );
    const r = best.candidate.replica;
    return {
      kind: 'serve',
      phase,
      index,
      replicaGpus: replicaGpus(r),
      replicaRequestsPerSecond: best.capacityRequestsPerSecond / best.replicas,
      energy,
      layout: candidateLabel(best.candidate),
      outputTokensPerSecondPerGpu: best.point.outputTokensPerSecondPerGpu,
      api: phase.compareWithApi === undefined ? null : apiPrices(phase.compareWithApi, index),
    };
  });
  // Experiments and ablations: the scenario's ratio, or Epoch AI's lognormal (90% interval 1.2×–4×).
  const researchComputeRatio =
    scenario.researchComputeRatio ??
    lognormalFromInterval(a.researchComputeRatio.p5.value, a.researchComputeRatio.p95.value);
  const trains = phases.some((ph) => ph.kind !== 'serve');
  const uncertain = uncertainInputs(scenario);
  if (scenario.researchComputeRatio === undefined && trains)
    uncertain.push(['researchComputeRatio', researchComputeRatio as Distribution]);
  return {
    scenario,
    phases,
    uncertain: Object.fromEntries(uncertain),
    researchComputeRatio,
    serverCostOverGpuCost: a.serverCostOverGpuCost.value,
    networkingShareOfHardware: a.networkingShareOfHardware.value,
    storageUsdPerGbMonth: a.storageUsdPerGbMonth.value,
    lifeYears: a.hardwareLifeYears.value,
    goodput: a.goodput.value,
  };
}

export interface ProjectMonth {
  readonly costs: Readonly<Record<CostKind, number>>;
  readonly revenueUsd: number;
  readonly netUsd: number;
}

export interface ProjectResult {
  /** Per month: costs by kind, revenue, net flow (revenue − costs); month 0 is t = 0. */
  readonly months: () => readonly ProjectMonth[];
  /** Net flow per month. */
  readonly flows: readonly number[];
  readonly costByKindUsd: Readonly<Record<CostKind, number>>;
  readonly costByPhaseUsd: Readonly<Record<string, number>>;
  readonly totalCostUsd: number;
  readonly revenueUsd: number;
  readonly npvUsd: number;
  /** Annualised IRR; null without an investment followed by returns. */
  readonly irr: number | null;
  /** Month (fractional) at which the cumulative undiscounted flow turns non-negative; null if never. */
  readonly paybackMonth: number | null;
  readonly pretrainGpuHours: number;
  /** Pretraining and fine-tuning GPU-hours. */
  readonly trainingGpuHours: number;
  readonly energyMWh: number;
  /** Operational CO2, location-based (the grid's average intensity). */
  readonly co2Tonnes: number;
  /** Manufacturing CO2 of the GPU-hours used (Cloud Carbon Footprint coefficients). */
  readonly embodiedCo2Tonnes: number;
  readonly outputTokens: number;
  /** Serving hardware cost (compute + energy) per million output tokens served; null without serving. */
  readonly servingCostPerMillionOutputTokensUsd: number | null;
  /** (Token revenue − serving cost) / token revenue; null without token revenue. */
  readonly grossMarginOnTokens: number | null;
  /** For serve phases with `compareWithApi`: what the API would charge for the same tokens, by phase. */
  readonly apiCostByPhaseUsd: Readonly<Record<string, number>>;
  /** Total cost per unit of the user's capability measure; null when the scenario has none. */
  readonly costPerCapabilityUnitUsd: number | null;
}

/** The headline numbers a Monte Carlo summarises. */
export const HEADLINES = [
  'totalCostUsd',
  'revenueUsd',
  'npvUsd',
  'pretrainGpuHours',
  'energyMWh',
  'co2Tonnes',
  'embodiedCo2Tonnes',
] as const;
export type Headline = (typeof HEADLINES)[number];

/** Spreads `total` evenly over `months` (fractional) from `start`, capped at the end of `target`. */
function spread(target: number[], start: number, months: number, total: number): void {
  let left = months;
  for (let m = start; m < target.length && left > 0; m += 1) {
    const share = Math.min(1, left);
    target[m]! += (total * share) / months;
    left -= share;
  }
}

/** Evaluates the cash flows with the uncertain inputs at `values` (by path; missing = central value). */
export function evaluateScenario(
  p: PreparedScenario,
  values: Readonly<Record<string, number>> = {},
): ProjectResult {
  const s = p.scenario;
  // Drawn values by distribution object (each distribution in the scenario is its own object), so no
  // path strings are built or hashed per draw: this is what keeps 100,000 draws under a second.
  const drawn = new Map<Distribution, number>();
  for (const path in p.uncertain) {
    const x = values[path];
    if (x !== undefined) drawn.set(p.uncertain[path]!, x);
  }
  const v = (u: Uncertain) => (typeof u === 'number' ? u : (drawn.get(u) ?? centralValue(u)));
  const n = s.horizonMonths + 1;
  const zero = (): number[] => new Array<number>(n).fill(0);
  const cost = {} as Record<CostKind, number[]>;
  for (const k of COST_KINDS) cost[k] = zero();
  const revenue = zero();
  const byPhase: Record<string, number> = {};
  let pretrainGpuHours = 0;
  let trainingGpuHours = 0;
  let totalKWh = 0;
  let co2Kg = 0;
  let embodiedCo2Kg = 0;
  let outputTokens = 0;
  let servingCostUsd = 0;
  const apiUsd: Record<string, number> = {};
  let tokenRevenueUsd = 0;
  /** Energy, CO2 and embodied CO2 of `gpuHours` of work; returns the kWh. */
  const useEnergy = (hw: HardwareChoice, e: PhaseEnergy, gpuHours: number) => {
    const pue = 'buy' in hw && hw.buy.pue !== undefined ? hw.buy.pue : e.pue;
    const kWh = energyKWh(gpuHours, e, pue);
    totalKWh += kWh;
    co2Kg += operationalCo2Kg(kWh, e);
    embodiedCo2Kg += gpuHours * e.embodiedKgCo2PerGpuHour;
    return kWh;
  };
  /** Compute cost of `gpuHours` on `gpus` GPUs over `months` from `start`: rented, reserved or bought. */
  const hardwareCost = (
    hw: HardwareChoice,
    e: PhaseEnergy,
    gpus: number,
    gpuHours: number,
    start: number,
    months: number,
  ) => {
    const kWh = useEnergy(hw, e, gpuHours);
    if ('rent' in hw) {
      const usd = gpuHours * v(hw.rent.usdPerGpuHour);
      spread(cost.compute, start, months, usd);
      return usd;
    }
    if ('reserve' in hw) {
      // The whole term is paid (or longer, if the work outlasts it: renewed at the same price).
      const paidMonths = Math.max(hw.reserve.termMonths, months);
      const usd = gpus * HOURS_PER_MONTH * paidMonths * v(hw.reserve.usdPerGpuHour);
      spread(cost.compute, start, paidMonths, usd);
      return usd;
    }
    const b = hw.buy;
    const capex = gpus * v(b.usdPerGpu) * p.serverCostOverGpuCost;
    // Straight-line book value recovered at the horizon; the cluster interconnect is Epoch AI's share of it.
    const life = (b.lifeYears ?? p.lifeYears) * 12;
    const owned = n - 1 - start;
    const residual = capex * Math.max(0, 1 - owned / life);
    const share = p.networkingShareOfHardware;
    cost.compute[start]! += capex * (1 - share);
    cost.networking[start]! += capex * share;
    cost.compute[n - 1]! -= residual * (1 - share);
    cost.networking[n - 1]! -= residual * share;
    const electricity =
      kWh * (b.electricityUsdPerKWh === undefined ? e.electricityUsdPerKWh : v(b.electricityUsdPerKWh));
    spread(cost.energy, start, months, electricity);
    // Colocation: the nodes' provisioned power, paid every month from arrival to the horizon.
    let facility = 0;
    if (b.dataCenterUsdPerKwMonth !== undefined) {
      facility = provisionedKw(gpus, e) * v(b.dataCenterUsdPerKwMonth) * owned;
      spread(cost.facility, start, owned, facility);
    }
    return capex * Math.min(1, owned / life) + electricity + facility;
  };
  const finalRuns: { start: number; months: number; usd: number }[] = [];
  /** A training-type phase: `gpuHours` on its GPUs from its start month, as long as that takes. */
  const trainingRun = (ph: Exclude<PreparedPhase, { kind: 'serve' }>, gpuHours: number) => {
    const x = ph.phase;
    const months = gpuHours / x.gpus / HOURS_PER_MONTH;
    trainingGpuHours += gpuHours;
    const usd = hardwareCost(x.hardware, ph.energy, x.gpus, gpuHours, x.startMonth, months);
    byPhase[x.name] = (byPhase[x.name] ?? 0) + usd;
    return { start: x.startMonth, months, usd };
  };
  for (const ph of p.phases) {
    if (ph.kind === 'pretrain') {
      const x = ph.phase;
      const gpuHours = v(x.tokens) * ph.gpuHoursPerToken * v(x.efficiencyFactor);
      pretrainGpuHours += gpuHours;
      finalRuns.push(trainingRun(ph, gpuHours));
    } else if (ph.kind === 'rl') {
      const x = ph.phase;
      const gpuHours = v(x.steps) * ph.gpuHoursPerStep * v(x.efficiencyFactor);
      trainingRun(ph, gpuHours);
    } else if (ph.kind === 'finetune') {
      const x = ph.phase;
      const gpuHours = v(x.tokens) * x.epochs * ph.gpuHoursPerToken * v(x.efficiencyFactor);
      trainingRun(ph, gpuHours);
    } else {
      const x = ph.phase;
      const perRequest = x.inputTokens + x.outputTokens;
      const start = v(x.tokensPerDay);
      const growth = v(x.growthPerMonth);
      let phaseUsd = 0;
      let fleet = 0;
      const commitments: { gpus: number; endMonth: number }[] = [];
      for (let k = 0; k < x.months; k += 1) {
        const m = x.startMonth + k;
        const tokensPerDay = start * (1 + growth) ** k;
        const rps = requestsPerSecondFor(tokensPerDay, perRequest);
        const gpus = rps > 0 ? Math.ceil(rps / ph.replicaRequestsPerSecond) * ph.replicaGpus : 0;
        const gpuHours = gpus * HOURS_PER_MONTH;
        if ('rent' in x.hardware) phaseUsd += hardwareCost(x.hardware, ph.energy, gpus, gpuHours, m, 1);
        else if ('reserve' in x.hardware) {
          // GPUs still under an earlier commitment are paid whether busy or not; GPUs beyond them are
          // committed for a new term from this month.
          let committed = 0;
          for (const c of commitments) if (c.endMonth > m) committed += c.gpus;
          if (gpus > committed) {
            commitments.push({ gpus: gpus - committed, endMonth: m + x.hardware.reserve.termMonths });
            committed = gpus;
          }
          useEnergy(x.hardware, ph.energy, gpuHours);
          const usd = committed * HOURS_PER_MONTH * v(x.hardware.reserve.usdPerGpuHour);
          if (m < n) cost.compute[m]! += usd;
          phaseUsd += usd;
        } else {
          // Buy as the fleet grows; energy for the GPUs in use.
          const added = Math.max(0, gpus - fleet);
          fleet = Math.max(fleet, gpus);
          phaseUsd += hardwareCost(x.hardware, ph.energy, added, gpuHours, m, 1);
        }
        const output = tokensPerDayAt(rps, x.outputTokens) * DAYS_PER_MONTH;
        const input = tokensPerDayAt(rps, x.inputTokens) * DAYS_PER_MONTH;
        outputTokens += output;
        if (ph.api)
          apiUsd[x.name] =
            (apiUsd[x.name] ?? 0) +
            (input * ph.api.inputUsdPerMillion + output * ph.api.outputUsdPerMillion) / 1e6;
        if (x.revenue) {
          const usd =
            (input * v(x.revenue.inputUsdPerMillion) + output * v(x.revenue.outputUsdPerMillion)) / 1e6;
          revenue[m]! += usd;
          tokenRevenueUsd += usd;
        }
      }
      byPhase[x.name] = (byPhase[x.name] ?? 0) + phaseUsd;
      servingCostUsd += phaseUsd;
    }
  }
  // Research and ablations: (ratio − 1) × each final run's compute, spent over the same months.
  const overhead = Math.max(0, v(p.researchComputeRatio) - 1);
  if (overhead > 0 && finalRuns.length > 0) {
    for (const run of finalRuns) spread(cost.research, run.start, run.months, overhead * run.usd);
    byPhase.research = overhead * finalRuns.reduce((sum, run) => sum + run.usd, 0);
  }
  for (const st of s.staff) {
    const monthly = (v(st.headcount) * v(st.usdPerYear)) / 12;
    spread(cost.staff, st.startMonth, st.months, monthly * st.months);
  }
  for (const sub of s.subscriptions) {
    let users = v(sub.users);
    const net = 1 + v(sub.growthPerMonth) - Math.min(1, v(sub.churnPerMonth));
    const price = v(sub.usdPerUserMonth);
    for (let m = sub.startMonth; m < Math.min(n, sub.startMonth + sub.months); m += 1) {
      revenue[m]! += users * price;
      users *= Math.max(0, net);
    }
  }
  for (const st of s.storage) {
    const usdPerGbMonth = st.usdPerGbMonth === undefined ? p.storageUsdPerGbMonth : v(st.usdPerGbMonth);
    const monthly = v(st.terabytes) * 1000 * usdPerGbMonth;
    const months = Math.min(st.months, n - st.startMonth);
    if (months > 0) spread(cost.storage, st.startMonth, months, monthly * months);
  }
  for (const d of s.data) cost.data[Math.min(n - 1, d.month)]! += v(d.usd);
  // Kinds in the outer loop: one keyed lookup per kind, not per month (the Monte Carlo hot path).
  const flows = revenue.slice();
  let revenueUsd = 0;
  for (let m = 0; m < n; m += 1) revenueUsd += revenue[m]!;
  const costByKindUsd = {} as Record<CostKind, number>;
  for (const k of COST_KINDS) {
    const monthly = cost[k];
    let sum = 0;
    for (let m = 0; m < n; m += 1) {
      sum += monthly[m]!;
      flows[m]! -= monthly[m]!;
    }
    costByKindUsd[k] = sum;
  }
  const totalCostUsd = COST_KINDS.reduce((sum, k) => sum + costByKindUsd[k], 0);
  // Per-month detail is built on demand (reports, CSV), not on every Monte Carlo draw.
  const months = (): ProjectMonth[] =>
    flows.map((netUsd, m) => ({
      costs: Object.fromEntries(COST_KINDS.map((k) => [k, cost[k][m]!])) as Record<CostKind, number>,
      revenueUsd: revenue[m]!,
      netUsd,
    }));
  const monthly = monthlyRate(v(s.discountRate));
  const r = irr(flows);
  return {
    months,
    flows,
    costByKindUsd,
    costByPhaseUsd: byPhase,
    totalCostUsd,
    revenueUsd,
    npvUsd: npv(monthly, flows),
    irr: r === null ? null : annualRate(r),
    paybackMonth: revenueUsd > 0 ? paybackPeriod(flows) : null,
    pretrainGpuHours,
    trainingGpuHours,
    energyMWh: totalKWh / 1000,
    co2Tonnes: co2Kg / 1000,
    embodiedCo2Tonnes: embodiedCo2Kg / 1000,
    outputTokens,
    servingCostPerMillionOutputTokensUsd: outputTokens > 0 ? (servingCostUsd * 1e6) / outputTokens : null,
    grossMarginOnTokens: tokenRevenueUsd > 0 ? (tokenRevenueUsd - servingCostUsd) / tokenRevenueUsd : null,
    apiCostByPhaseUsd: apiUsd,
    costPerCapabilityUnitUsd: s.capability ? totalCostUsd / s.capability.units : null,
  };
}

/** Owning a pretraining phase's GPUs over the horizon, at central values, against the catalog's rent. */
export interface Ownership {
  readonly phase: Extract<Phase, { kind: 'pretrain' }>;
  /** Depreciation over the months owned plus colocation, per GPU, $. */
  readonly fixedUsdPerGpu: number;
  readonly ownedHours: number;
  /** Electricity per busy GPU-hour, $. */
  readonly energyUsdPerBusyHour: number;
  readonly rentUsdPerGpuHour: number;
  /** Share of the owned hours the scenario keeps the GPUs busy. */
  readonly busyShare: number;
  /** Busy share above which buying costs less than renting; null if never within the horizon. */
  readonly breakEvenUtilization: number | null;
}

export function ownership(p: PreparedScenario): Ownership[] {
  const out: Ownership[] = [];
  for (const ph of p.phases) {
    if (ph.kind !== 'pretrain' || !('buy' in ph.phase.hardware) || ph.rentUsdPerGpuHour === null) continue;
    const b = ph.phase.hardware.buy;
    const ownedMonths = p.scenario.horizonMonths - ph.phase.startMonth;
    const e = ph.energy;
    const electricity =
      b.electricityUsdPerKWh === undefined ? e.electricityUsdPerKWh : centralValue(b.electricityUsdPerKWh);
    const depreciation =
      centralValue(b.usdPerGpu) *
      p.serverCostOverGpuCost *
      Math.min(1, ownedMonths / ((b.lifeYears ?? p.lifeYears) * 12));
    const facility =
      b.dataCenterUsdPerKwMonth === undefined
        ? 0
        : provisionedKw(1, e) * centralValue(b.dataCenterUsdPerKwMonth) * ownedMonths;
    const ownedHours = ownedMonths * HOURS_PER_MONTH;
    const energyUsdPerBusyHour = energyUsdPerGpuHour(e, electricity, b.pue ?? e.pue);
    const gpuHours =
      centralValue(ph.phase.tokens) * ph.gpuHoursPerToken * centralValue(ph.phase.efficiencyFactor);
    out.push({
      phase: ph.phase,
      fixedUsdPerGpu: depreciation + facility,
      ownedHours,
      energyUsdPerBusyHour,
      rentUsdPerGpuHour: ph.rentUsdPerGpuHour,
      busyShare: gpuHours / (ph.phase.gpus * ownedHours),
      breakEvenUtilization: breakEvenUtilization({
        capexUsdPerGpu: depreciation + facility,
        depreciatedShare: 1,
        horizonHours: ownedHours,
        energyUsdPerGpuHour: energyUsdPerBusyHour,
        rentUsdPerGpuHour: ph.rentUsdPerGpuHour,
      }),
    });
  }
  return out;
}
