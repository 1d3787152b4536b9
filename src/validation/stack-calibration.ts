/**
 * The fit of the (GPU family × software stack) step-time parameters on the calibration cases
 * (stack-calibration-cases.ts), with its leave-one-out residuals, the report and the per-case
 * diagnosis (scripts/calibrate.ts writes the result to catalog/validation/stack-calibration.json).
 */

import type { CalibrationFile } from '../catalog/stack-schema.js';
import { formatPercent } from '../core/format.js';
import { median } from '../core/statistics.js';
import { errorBand } from '../core/training/error-band.js';
import {
  CALIBRATION_SHARED_PARAMETERS,
  type CalibrationParameters,
  calibratedRatio,
  HOST_CALIBRATION_PARAMETERS,
  type HostCalibrationParameter,
  leaveOneOutErrors,
  NEUTRAL_CALIBRATION_TERMS,
  type SharedCalibrationParameter,
  type StackId,
} from '../core/training/stack.js';
import type { CalibrationCase } from './calibration-case.js';

/** Bounds of the fitted parameters: physical ranges, not free knobs. */
export const CALIBRATION_BOUNDS: Readonly<Record<keyof Params, readonly [lo: number, hi: number]>> = {
  /** Compute efficiency: from twice as fast as the kernel model to five times slower. */
  stepTimeScale: [0.5, 5],
  /**
   * Attention kernels: from 0.5× to 5× the kernel model's time on top of k; a fitted a also keeps
   * attention no faster than the kernel curve itself (k·a ≥ 1, `minimise`): the curves are the fastest
   * kernels measured on the family (FlashAttention-3 and cuDNN at 57–75% of the dense peak forward on
   * Hopper), and a fit below them would put attention at or above the GPU's peak. A neutral a (not
   * fitted) leaves attention at k times the curve, as every other kernel.
   */
  attentionScale: [0.5, 5],
  /** Routed experts: grouped GEMMs and dispatch from 0.5× to 8× the kernel model's time. */
  expertScale: [0.5, 8],
  /**
   * Host per local expert per MoE-layer pass: 0 to 2 ms (a few kernel launches per expert and pass,
   * tens of µs each on the host, plus the dispatcher's synchronisation shared among them).
   */
  localExpertOverheadSeconds: [0, 0.002],
  /** Host per layer pass of eager modules: 0 to 20 ms (hundreds of kernel launches at ~10 µs each). */
  layerOverheadSeconds: [0, 0.02],
  /** Extra host per FSDP-hooked layer pass (ZeRO-3; ZeRO-2 where the stack wraps layers): 0 to 50 ms (per-module gather/release hooks). */
  zero3LayerOverheadSeconds: [0, 0.05],
};

/** A case counts as MoE when routed experts are this share of its engine step. */
const MOE_FRACTION = 0.05;
/** Cases a family needs before it fits the attention factor itself (k and a from ≥ 4 runs). */
const MIN_CASES_FOR_ATTENTION = 4;
/** MoE cases a family needs before it fits the expert factor and the MoE host overhead itself. */
const MIN_MOE_CASES = 3;
/** Cases of a stack of eager modules a family needs before it fits the host times itself. */
const MIN_CASES_FOR_HOST = 6;

type Params = CalibrationParameters;
type Shared = Omit<Params, 'stepTimeScale'>;
const NEUTRAL: Shared = NEUTRAL_CALIBRATION_TERMS;
/** A parameter a family may fit: the shared ones and the host times. */
type FreeParameter = SharedCalibrationParameter | HostCalibrationParameter;
/** Parameters a family without enough cases takes from the stack's other families. */
const BORROWED = new Set<FreeParameter>(['expertScale', 'localExpertOverheadSeconds']);
const PARAMETERS = [
  'stepTimeScale',
  ...CALIBRATION_SHARED_PARAMETERS,
  ...HOST_CALIBRATION_PARAMETERS,
] as const;
/** Multiplicative parameters are searched on a log scale, the overhead on a linear one. */
const LOG_SCALE = new Set<keyof Params>(['stepTimeScale', 'attentionScale', 'expertScale']);

/** ln(published / calibrated prediction) of a case under parameters p. */
const residual = (c: CalibrationCase, p: Params) =>
  Math.log(c.published / (c.engine * calibratedRatio(p, c)));

/**
 * Sum of |residual| (robust: one case the engine misses badly does not move the fit much), plus a
 * small squared term that makes the minimum unique (two cases: their geometric mean).
 */
const loss = (cases: readonly CalibrationCase[], p: Params) =>
  cases.reduce((sum, c) => {
    const r = residual(c, p);
    return sum + Math.abs(r) + 1e-3 * r * r;
  }, 0);

/**
 * Minimises the loss over the free parameters within their bounds: cyclic coordinate descent, each
 * coordinate by golden-section search, from every corner of a coarse start grid (the L1 loss is not
 * smooth, so several starts).
 */
function minimise(
  cases: readonly CalibrationCase[],
  free: readonly (keyof Params)[],
  fixed: Shared,
  attentionAtCurve = false,
): Params {
  const to = (name: keyof Params, v: number) => (LOG_SCALE.has(name) ? Math.log(v) : v);
  const from = (name: keyof Params, u: number) => (LOG_SCALE.has(name) ? Math.exp(u) : u);
  // On the floor a = 1/k, so k keeps a within its bounds too.
  const [aLo, aHi] = CALIBRATION_BOUNDS.attentionScale;
  const bounds = (n: keyof Params): readonly [number, number] => {
    const [l, h] = CALIBRATION_BOUNDS[n];
    return attentionAtCurve && n === 'stepTimeScale' ? [Math.max(l, 1 / aHi), Math.min(h, 1 / aLo)] : [l, h];
  };
  const lo = free.map((n) => to(n, bounds(n)[0]));
  const hi = free.map((n) => to(n, bounds(n)[1]));
  const params = (u: readonly number[]): Params => {
    const p: Record<keyof Params, number> = { stepTimeScale: 1, ...fixed };
    free.forEach((n, i) => {
      p[n] = from(n, u[i]!);
    });
    if (attentionAtCurve) p.attentionScale = 1 / p.stepTimeScale;
    return p;
  };
  const g = (Math.sqrt(5) - 1) / 2;
  let best: { u: number[]; loss: number } | null = null;
  const starts = free.reduce<number[][]>(
    (acc, _, i) => acc.flatMap((u) => [0.25, 0.6].map((t) => [...u, lo[i]! + t * (hi[i]! - lo[i]!)])),
    [[]],
  );
  for (const start of starts) {
    const u = [...start];
    let current = loss(cases, params(u));
    for (let sweep = 0; sweep < 12; sweep += 1) {
      const before = current;
      for (let i = 0; i < free.length; i += 1) {
        let a = lo[i]!;
        let b = hi[i]!;
        const at = (v: number) => {
          u[i] = v;
          return loss(cases, params(u));
        };
        for (let step = 0; step < 36; step += 1) {
          const c = b - g * (b - a);
          const d = a + g * (b - a);
          if (at(c) <= at(d)) b = d;
          else a = c;
        }
        u[i] = (a + b) / 2;
        current = loss(cases, params(u));
      }
      if (before - current < 1e-9) break;
    }
    if (!best || current < best.loss - 1e-12) best = { u: [...u], loss: current };
  }
  const fit = params(best!.u);
  // Attention no faster than the family's kernel curve (k·a ≥ 1, CALIBRATION_BOUNDS): where the
  // unconstrained fit crosses it, the constrained minimum lies on it, a = 1/k.
  if (free.includes('attentionScale') && fit.stepTimeScale * fit.attentionScale < 1)
    return minimise(
      cases,
      free.filter((n) => n !== 'attentionScale'),
      fixed,
      true,
    );
  return fit;
}

/**
 * Fits k and the shared parameters in `allowed` that the cases can carry (a with enough cases, x and
 * the MoE host time with enough MoE cases) by least absolute log error; the others take `fallback`.
 */
function fitGroup(
  cases: readonly CalibrationCase[],
  fallback: Shared,
  allowed: ReadonlySet<FreeParameter>,
): { params: Params; fitted: Set<FreeParameter> } {
  const fitted = new Set<FreeParameter>();
  if (allowed.has('attentionScale') && cases.length >= MIN_CASES_FOR_ATTENTION) fitted.add('attentionScale');
  if (
    allowed.has('expertScale') &&
    cases.filter((c) => c.expertFraction >= MOE_FRACTION).length >= MIN_MOE_CASES
  ) {
    fitted.add('expertScale');
    fitted.add('localExpertOverheadSeconds');
  }
  // Host times only where every case ran eager modules (no fused kernels, graphs or compile).
  if (
    allowed.has('layerOverheadSeconds') &&
    cases.length >= MIN_CASES_FOR_HOST &&
    cases.every((c) => c.eagerDispatch)
  ) {
    fitted.add('layerOverheadSeconds');
    if (cases.some((c) => c.zero3LayerPassesPerSecond > 0)) fitted.add('zero3LayerOverheadSeconds');
  }
  const free = PARAMETERS.filter((n) => n === 'stepTimeScale' || fitted.has(n));
  return { params: minimise(cases, free, fallback), fitted };
}

/** The shared parameters a family may fit: none, attention, the MoE pair, or all three. */
const CANDIDATE_MODELS: readonly (readonly FreeParameter[])[] = [
  [],
  ['attentionScale'],
  ['expertScale', 'localExpertOverheadSeconds'],
  ['attentionScale', 'expertScale', 'localExpertOverheadSeconds'],
  ['layerOverheadSeconds', 'zero3LayerOverheadSeconds'],
  ['attentionScale', 'layerOverheadSeconds', 'zero3LayerOverheadSeconds'],
];

/**
 * The family's model: of the candidate parameter sets its cases can carry, the one with the smallest
 * leave-one-out error (a parameter that does not predict held-out cases better is not fitted), its
 * fit on all cases and its leave-one-out residuals.
 */
function selectAndFit(group: readonly CalibrationCase[], fallback: Shared) {
  let best: { fit: ReturnType<typeof fitGroup>; loo: number[]; error: number } | null = null;
  const seen = new Set<string>();
  for (const candidate of CANDIDATE_MODELS) {
    const allowed = new Set(candidate);
    const fit = fitGroup(group, fallback, allowed);
    const key = [...fit.fitted].sort().join();
    if (seen.has(key)) continue; // the data cannot carry this candidate: same as a smaller one
    seen.add(key);
    const loo = group.map((c, i) =>
      residual(
        c,
        fitGroup(
          group.filter((_, j) => j !== i),
          fallback,
          allowed,
        ).params,
      ),
    );
    const error = loo.reduce((sum, r) => sum + Math.abs(r), 0);
    if (!best || error < best.error - 1e-9) best = { fit, loo, error };
  }
  return best!;
}

/**
 * Fits the parameters of each (family × stack); pairs with one case on a family pool over families
 * ('*'). A parameter a family cannot fit (no MoE runs, too few cases) takes the median of the
 * stack's families that fitted it, or the neutral value (x = 1, o = 0) when none did, and is
 * flagged extrapolated. Leave-one-out: each case predicted by the fit without it.
 */
export function fitCalibrations(
  cases: readonly CalibrationCase[],
  date: string,
  heldOut: readonly CalibrationCase[] = [],
): CalibrationFile {
  const groups = new Map<string, CalibrationCase[]>();
  for (const c of cases) {
    const key = `${c.stack}|${c.family}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const pooled = new Map<StackId, CalibrationCase[]>();
  for (const [key, group] of [...groups]) {
    if (group.length >= 2) continue;
    groups.delete(key);
    const stack = group[0]!.stack;
    pooled.set(stack, [...(pooled.get(stack) ?? []), ...group]);
  }
  for (const [stack, group] of pooled) if (group.length >= 2) groups.set(`${stack}|*`, group);
  // First pass: each group on its own data (neutral where it cannot fit), for the stack-wide values.
  const own = new Map([...groups].map(([key, group]) => [key, selectAndFit(group, NEUTRAL).fit]));
  const stackWide = (stack: string, except: string) => {
    const value = (name: FreeParameter) => {
      // Attention kernels differ by GPU architecture (FlashAttention-3 on Hopper, cuDNN on Blackwell):
      // a family without its own attention factor stays neutral. The MoE pair is the stack's (its
      // token dispatcher and host synchronisation) and carries over to its other families.
      if (!BORROWED.has(name)) return NEUTRAL[name];
      const values = [...own]
        .filter(([key, f]) => key !== except && key.startsWith(`${stack}|`) && f.fitted.has(name))
        .map(([, f]) => f.params[name]);
      return values.length > 0 ? median(values) : NEUTRAL[name];
    };
    return Object.fromEntries(
      [...CALIBRATION_SHARED_PARAMETERS, ...HOST_CALIBRATION_PARAMETERS].map((p) => [p, value(p)]),
    ) as Shared;
  };
  const calibrations = [...groups].map(([key, group]) => {
    const [stack, family] = key.split('|') as [StackId, string];
    const fallback = stackWide(stack, key);
    const { fit, loo } = selectAndFit(group, fallback);
    const { params } = fit;
    // Extrapolated: what the family's cases cannot carry (not what leave-one-out chose to leave out).
    const carried = fitGroup(group, fallback, new Set<FreeParameter>(CALIBRATION_SHARED_PARAMETERS)).fitted;
    return {
      stack,
      family,
      ...params,
      extrapolated: CALIBRATION_SHARED_PARAMETERS.filter((p) => !carried.has(p)),
      leaveOneOutLogResiduals: loo,
      // Held-out runs on the same stack and family (pooled groups take the stack's), predicted by this fit.
      heldOut: heldOut
        .filter((h) => h.stack === stack && (family === '*' || h.family === family))
        .map((h) => ({ id: h.id, logResidual: residual(h, params) })),
      cases: group.map((c) => ({
        id: c.id,
        source: c.source,
        locator: c.locator,
        gpus: c.gpus,
        gpuFamily: c.gpuFamily,
        totalParams: c.detail.paramsBillions * 1e9,
        published: c.published,
        engine: c.engine,
        attentionFraction: c.attentionFraction,
        expertFraction: c.expertFraction,
        localExpertPassesPerSecond: c.localExpertPassesPerSecond,
        layerPassesPerSecond: c.layerPassesPerSecond,
        zero3LayerPassesPerSecond: c.zero3LayerPassesPerSecond,
        mixers: [...c.mixers],
      })),
    };
  });
  return {
    meta: {
      what: 'Calibration of each (GPU family × software stack) on published runs with exact layouts: compute scale k on the engine step, expert factor x on routed-expert GEMMs and all-to-all, host overhead o seconds per layer pass; and the leave-one-out residuals that set the P10–P90 bands',
      method: `npx tsx scripts/calibrate.ts --write: calibrated time = engine × calibratedRatio (calibrated-step.ts, the formula every prediction uses): (k·(T − host offload + (a − 1)·attention + (x − 1)·routed experts) + host offload + activation copies re-exposed against the k-scaled passes + o·local-expert passes + h·layer passes + z·FSDP layer passes) / T, T the engine's step; the free parameters minimise the sum of |ln(published / calibrated)| within bounds ${PARAMETERS.map((n) => `${n} ${CALIBRATION_BOUNDS[n].join('–')}`).join(', ')}, a fitted a with k·a ≥ 1 (attention no faster than the family's kernel curve; a fit across it is redone on it, a = 1/k); a needs ${MIN_CASES_FOR_ATTENTION} cases, x and o ${MIN_MOE_CASES} MoE cases (routed experts ≥ ${100 * MOE_FRACTION}% of the step), else the median of the stack's other families (extrapolated) or neutral (a 1, x 1, o 0); h and z (host per layer pass, extra per FSDP-hooked layer pass: ZeRO-3, and ZeRO-2 where the stack's FSDP wraps each layer) only on ${MIN_CASES_FOR_HOST}+ cases that all ran eager modules, else 0; residual of a case = ln(published / prediction fitted without it); a stack with one case on a family is pooled over families (*)`,
      generated: date,
    },
    calibrations,
  };
}

/** Before (engine alone) → after (leave-one-out, calibrated) error per pair, and band coverage. */
export function calibrationReportMarkdown(file: CalibrationFile): string {
  const rows = file.calibrations.map((c) => {
    const before = c.cases.map((k) => Math.abs(k.published / k.engine - 1));
    const after = leaveOneOutErrors(c);
    // The band each case's own calibration gives (the one `train` prints), and whether the case is in it.
    const held = c.heldOut.map((h) => h.logResidual);
    const bandWith = (heldOutLogResiduals: readonly number[]) =>
      errorBand(
        {
          ...c,
          heldOutLogResiduals,
          cases: [],
          maxGpus: Number.POSITIVE_INFINITY,
          maxParams: Number.POSITIVE_INFINITY,
        },
        [],
        { family: c.family, stack: c.stack, gpus: 1 },
      );
    const inBand = (r: number, band: { low: number; high: number }) =>
      Math.exp(r) >= band.low && Math.exp(r) <= band.high;
    const band = bandWith(held);
    const inside = c.leaveOneOutLogResiduals.filter((r) => inBand(r, band)).length;
    const heldErrors = held.map((r) => Math.abs(Math.exp(r) - 1));
    // Each held-out run judged by the band built without its own residual (as the fitted cases are).
    const heldInside = held.filter((r, i) => inBand(r, bandWith(held.filter((_, j) => j !== i)))).length;
    const heldText =
      held.length > 0
        ? `${held.length}: ${formatPercent(median(heldErrors))} / ${formatPercent(Math.max(...heldErrors))}, ${heldInside} in band`
        : '—';
    const mark = (name: SharedCalibrationParameter, text: string) =>
      c.extrapolated.includes(name) ? `${text}*` : text;
    return `| ${c.stack} | ${c.family} | ${c.cases.length} | ${c.stepTimeScale.toFixed(3)} | ${mark('attentionScale', c.attentionScale.toFixed(2))} | ${mark('expertScale', c.expertScale.toFixed(2))} | ${mark('localExpertOverheadSeconds', (1000 * c.localExpertOverheadSeconds).toFixed(2))} | ${(1000 * c.layerOverheadSeconds).toFixed(2)} / ${(1000 * c.zero3LayerOverheadSeconds).toFixed(2)} | ${formatPercent(median(before))} / ${formatPercent(Math.max(...before))} | ${formatPercent(median(after))} / ${formatPercent(Math.max(...after))} | ${inside}/${c.cases.length} | ${heldText} |`;
  });
  const cases = file.calibrations.flatMap((c) =>
    c.cases.map(
      (k, i) =>
        `| ${k.id} | ${c.stack} × ${c.family} | ${k.gpus} | ${k.published.toPrecision(4)} | ${k.engine.toPrecision(4)} | ${formatPercent(k.published / k.engine - 1)} | ${formatPercent(Math.exp(c.leaveOneOutLogResiduals[i]!) - 1)} |`,
    ),
  );
  return [
    `Generated by \`npx tsx scripts/calibrate.ts --write\` on ${file.meta.generated}; do not edit by hand.`,
    '',
    'Four physical parameters per (GPU family × stack): calibrated step = k · (engine step + (a − 1) · attention',
    '+ (x − 1) · routed experts) + o · local-expert passes, with k the compute-efficiency scale, a the extra factor',
    'on attention kernels, x the extra factor on routed-expert GEMMs and the expert all-to-all, and o the host',
    'seconds per local expert per MoE-layer pass (one micro-batch forward and backward through a layer whose E/EP',
    'local experts the grouped GEMM splits, quantizes and launches one by one after the token dispatcher has waited',
    'on the host for the routing counts). x and o are fitted on MoE runs only, so dense runs never absorb them. The parameters',
    'minimise the sum of |ln(published / calibrated)| within physical bounds (a fitted a keeps k·a ≥ 1: attention no faster than the kernel curve); a value marked * had too few cases',
    "in its family (a value without * that is neutral was not kept by leave-one-out): x and o come from the stack's other families (the token dispatcher is the stack's), a stays",
    'neutral (attention kernels differ by GPU architecture); with no other family, x 1 and o 0. Errors are',
    'published / predicted − 1 as |median| / |max|: *before* with the engine alone, *after* leave-one-out (each',
    'case predicted by the fit on the others). The P10–P90 band of a',
    'prediction is exp(median ± q σ), q = t₀.₉(n − 1)·√(1 + 1/n) for n residuals (a prediction interval; 1.2816 as n grows), of the leave-one-out log residuals together with those of the *held-out*',
    'runs on the same stack and family (published runs the fit never sees: the training.json validation cases',
    'that name a stack without being in a fit, the rows of earlier NeMo releases (24.12–25.09), the held-out fine-tuning profiles), σ the larger of 1.4826 × their median absolute deviation and 1.2533 × their mean absolute deviation; *in band* counts the',
    'fitted cases inside it, and the held-out column gives their count, median / max error and how many fall inside',
    'the band built without their own residual. Stacks of eager modules (hf, llm-foundry) add h · layer passes + z ·',
    'FSDP layer passes: h the host seconds per layer pass (PyTorch launches each kernel from Python), z the',
    'extra per layer pass of the FSDP/ZeRO-3 parameter hooks (ZeRO-3, and ZeRO-2 where the stack’s FSDP wraps each layer: `zero2LayerHooks`); fitted only on a family with 6+ such cases.',
    '',
    '| stack | GPU family | cases | k | a | x | o (ms) | h / z (ms) | before: median / max | after (LOO): median / max | in band | held out |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    '| case | pair | GPUs | published | engine | engine error | LOO error |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...cases,
  ].join('\n');
}

/**
 * The per-case diagnosis (`calibrate --diagnose`): each case's shape, the engine's split of its step,
 * the terms the calibration scales, and its error before and after (leave-one-out).
 */
export function calibrationDiagnosis(cases: readonly CalibrationCase[], file: CalibrationFile): string {
  const loo = new Map<string, number>();
  for (const c of file.calibrations)
    c.cases.forEach((k, i) => {
      loo.set(`${c.stack}|${k.id}`, c.leaveOneOutLogResiduals[i]!);
    });
  const share = (x: number) => (100 * x).toFixed(0);
  const rows = cases.map((c) => {
    const d = c.detail;
    const r = loo.get(`${c.stack}|${c.id}`);
    return `| ${c.id} | ${c.stack} × ${c.family} | ${d.moe ? 'MoE' : 'dense'} | ${d.paramsBillions.toFixed(1)} | ${d.precision} | ${d.seqLen} | ${d.layout} | ${d.microbatches} | ${share(d.shares.gemm)}/${share(d.shares.attention)}/${share(d.shares.elementwise)}/${share(d.shares.comm)}/${share(d.shares.bubble)}/${share(d.shares.dpOpt)} | ${share(c.expertFraction)} | ${c.localExpertPassesPerSecond.toFixed(0)} | ${formatPercent(c.published / c.engine - 1)} | ${r === undefined ? '—' : formatPercent(Math.exp(r) - 1)} |`;
  });
  return [
    'Per case: shape, the engine step split in % (GEMM/attention/elementwise/TP+CP+EP+PP comm/bubble/DP sync+optimizer),',
    'routed-expert share of the step (%), MoE-layer passes × local experts per engine second, error of the engine alone and leave-one-out.',
    '',
    '| case | pair | kind | params (B) | precision | seq | layout | micro-batches | split % | experts % | local-expert passes/s | engine error | LOO error |',
    '|---|---|---|---:|---|---:|---|---:|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
