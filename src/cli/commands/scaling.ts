import { findGpu, loadCatalog } from '../../catalog/catalog.js';
import { defaultPrice } from '../../catalog/training-defaults.js';
import { DOMAINS } from '../../core/domain.js';
import { inputError } from '../../core/errors.js';
import { DEFAULT_BATCH_TOKENS } from '../../core/parallelism/global-batch.js';
import {
  type Allocation,
  CHINCHILLA_FITS,
  chinchillaLoss,
  chinchillaOptimal,
  extrapolation,
  FIT_RANGES,
  type FitRange,
  flopsForBudget,
  inferenceAwareOptimal,
  kaplanLoss,
  kaplanOptimal,
  leastWholeBudget,
  llama3Optimal,
} from '../../core/scaling/scaling-laws.js';
import { formatCount, formatUsd, table, toJson } from '../format.js';
import { positiveNumber } from '../options.js';

export interface ScalingFlags {
  flops?: string;
  usd?: string;
  gpu?: string;
  pricePerGpuHour?: string;
  mfu?: string;
  params?: string;
  tokens?: string;
  inferenceTokens?: string;
  globalBatchTokens?: string;
  json?: boolean;
}

/** One step, for the "budget below one step" check (the default batch: Llama 3 405B's initial one). */
const batchTokens = (o: ScalingFlags) =>
  o.globalBatchTokens === undefined
    ? DEFAULT_BATCH_TOKENS
    : positiveNumber(o.globalBatchTokens, '--global-batch-tokens', 1);

interface Budget {
  readonly flops: number;
  readonly usd: { usd: number; gpu: string; usdPerGpuHour: number; mfu: number } | null;
  readonly label: string;
}

const FLAG_VALUES = {
  '--flops': (o: ScalingFlags) => o.flops,
  '--usd': (o: ScalingFlags) => o.usd,
  '--gpu': (o: ScalingFlags) => o.gpu,
  '--price-per-gpu-hour': (o: ScalingFlags) => o.pricePerGpuHour,
  '--mfu': (o: ScalingFlags) => o.mfu,
  '--inference-tokens': (o: ScalingFlags) => o.inferenceTokens,
} as const;

/** Refuses a flag that would do nothing in this mode ("applies only to …"). */
function refuseUnused(o: ScalingFlags, flags: readonly (keyof typeof FLAG_VALUES)[], appliesTo: string) {
  for (const flag of flags)
    if (FLAG_VALUES[flag](o) !== undefined)
      inputError('invalid_value', [flag], `${flag} applies ${appliesTo}`);
}

/** FLOPs of `--flops`, or of `--usd` on `--gpu` at its price and MFU, with words saying which. */
function budgetFlops(o: ScalingFlags): Budget {
  if (o.usd === undefined) {
    refuseUnused(
      o,
      ['--gpu', '--price-per-gpu-hour', '--mfu'],
      'only to a dollar budget (--usd); --flops is already FLOPs',
    );
    const flops = positiveNumber(o.flops!, '--flops', 1);
    return { flops, usd: null, label: `${flops.toExponential(2)} FLOPs` };
  }
  if (o.flops !== undefined) inputError('invalid_value', ['--usd'], 'give --usd or --flops, not both');
  if (o.gpu === undefined)
    inputError('missing_field', ['--gpu'], 'a dollar budget needs --gpu (see llmecon gpus)');
  const gpu = findGpu(o.gpu!);
  const usd = positiveNumber(o.usd, '--usd', 1);
  const price = defaultPrice(
    gpu,
    o.pricePerGpuHour === undefined
      ? undefined
      : positiveNumber(o.pricePerGpuHour, '--price-per-gpu-hour', 1),
  );
  const mfu =
    o.mfu === undefined ? loadCatalog().assumptions.trainingMfu.value : positiveNumber(o.mfu, '--mfu', 1);
  const flops = flopsForBudget(usd, price.usdPerGpuHour, gpu.peakFlopsPerSecond.bf16!, mfu);
  // The budget in FLOPs holds to --flops's bounds, named by the flag the user gave (--usd).
  if (!(flops >= 1 && flops <= DOMAINS.flops.max))
    inputError(
      'invalid_value',
      ['--usd'],
      `${formatUsd(usd)} at ${formatUsd(price.usdPerGpuHour)}/GPU-hour and ${(100 * mfu).toFixed(0)}% MFU buys ${flops.toExponential(2)} FLOPs, outside the 1 to ${DOMAINS.flops.max.toExponential(0).replace('e+', 'e')} FLOPs a budget may hold (as --flops)`,
    );
  return {
    flops,
    usd: { usd, gpu: gpu.id, usdPerGpuHour: price.usdPerGpuHour, mfu },
    label: `${formatUsd(usd)} on ${gpu.id} at ${formatUsd(price.usdPerGpuHour)}/GPU-hour and ${(100 * mfu).toFixed(0)}% MFU${o.mfu === undefined ? ' (Llama 3 405B, Table 4)' : ''} buys ${flops.toExponential(2)} FLOPs`,
  };
}

const belowOneStep = (o: ScalingFlags, what: string): never =>
  inputError(
    'invalid_value',
    [o.usd !== undefined ? '--usd' : '--flops'],
    `the budget is below one training step: ${what}, less than one global batch of ${formatCount(batchTokens(o))} (--global-batch-tokens)`,
  );

/** The compute-optimal rules the budget mode lists, by name. */
const ALLOCATIONS: readonly [string, (flops: number) => Allocation][] = [
  ['Chinchilla, Epoch AI refit (Besiroglu et al. 2024)', (c) => chinchillaOptimal(CHINCHILLA_FITS.epoch, c)],
  ['Chinchilla, Hoffmann et al. 2022 Eq. 10', (c) => chinchillaOptimal(CHINCHILLA_FITS.hoffmann, c)],
  ['Kaplan et al. 2020 (N = 1.3e9·C^0.73)', kaplanOptimal],
  ['Llama 3 (tokens = 0.299·C^0.537)', llama3Optimal],
];

/**
 * Refuses a budget whose compute-optimal split under one of `rules` is below one parameter or one
 * token (a fraction of a parameter is no model): `flag` names where the budget came from.
 */
function refuseFractional(
  flops: number,
  rules: readonly [string, (flops: number) => Allocation][],
  flag: string,
  budget: string,
): void {
  for (const [name, allocate] of rules) {
    const a = allocate(flops);
    if (a.params < 1 || a.tokens < 1)
      inputError(
        'invalid_value',
        [flag],
        `${budget} is too small for the scaling laws: ${name} splits it into ${formatCount(a.params)} parameters on ${formatCount(a.tokens)} tokens; the least budget with one whole parameter and token there is ${leastWholeBudget(allocate).toExponential(2)} FLOPs (the fits were measured on 70M–16B parameters, Chinchilla, and 768–1.5B non-embedding parameters, Kaplan)`,
      );
  }
}

/** "extrapolates (fit): …" where a run lies outside the runs `range`'s fit was made on; nothing inside. */
const extrapolatesLine = (fit: string, notes: readonly string[], range: FitRange): string[] =>
  notes.length > 0 ? [`extrapolates (${fit}): ${notes.join('; ')} (${range.source})`] : [];

/** The loss of N parameters on D tokens (given, or what the budget buys) under each fit. */
function predictRun(o: ScalingFlags): string {
  const epoch = CHINCHILLA_FITS.epoch;
  const n = positiveNumber(o.params!, '--params', 1);
  let d: number;
  let label: string | null = null;
  refuseUnused(
    o,
    ['--inference-tokens'],
    'to a budget the scaling laws split (without --params): the inference-aware split picks the parameters',
  );
  if (o.tokens !== undefined) {
    refuseUnused(
      o,
      ['--flops', '--usd', '--gpu', '--price-per-gpu-hour', '--mfu'],
      'only to a budget; --tokens is given',
    );
    d = positiveNumber(o.tokens, '--tokens', 1);
    if (o.globalBatchTokens !== undefined && d < batchTokens(o))
      inputError(
        'invalid_value',
        ['--tokens'],
        `${formatCount(d)} tokens are less than one global batch of ${formatCount(batchTokens(o))} (--global-batch-tokens)`,
      );
  } else {
    const b = budgetFlops(o);
    d = b.flops / (6 * n);
    label = b.label;
    if (d < batchTokens(o))
      belowOneStep(o, `${b.label}, which trains ${formatCount(n)} parameters on ${formatCount(d)} tokens`);
  }
  refuseFractional(
    6 * n * d,
    [ALLOCATIONS[0]!],
    o.tokens !== undefined ? '--params' : o.usd !== undefined ? '--usd' : '--flops',
    `6 × ${formatCount(n)} parameters × ${formatCount(d)} tokens = ${(6 * n * d).toExponential(2)} FLOPs`,
  );
  const run = {
    params: n,
    tokens: d,
    flops: 6 * n * d,
    chinchillaEpoch: chinchillaLoss(epoch, n, d),
    chinchillaHoffmann: chinchillaLoss(CHINCHILLA_FITS.hoffmann, n, d),
    kaplan: kaplanLoss(n, d),
    computeOptimalAtSameFlops: chinchillaOptimal(epoch, 6 * n * d),
    // Where the run lies outside the runs each fit was made on: its loss is an extrapolation there.
    extrapolates: {
      chinchilla: extrapolation(FIT_RANGES.chinchilla, n, d),
      kaplan: extrapolation(FIT_RANGES.kaplan, n, d),
    },
  };
  if (o.json) return toJson(run);
  const opt = run.computeOptimalAtSameFlops;
  return [
    ...(label ? [label, ''] : []),
    `${formatCount(n)} parameters on ${formatCount(d)} tokens (${run.flops.toExponential(2)} FLOPs, ${(d / n).toFixed(1)} tokens per parameter)`,
    '',
    table(
      ['fit', 'predicted loss (nats/token)'],
      [
        ['Chinchilla, Epoch AI refit (Besiroglu et al. 2024)', run.chinchillaEpoch.toFixed(3)],
        ['Chinchilla, Hoffmann et al. 2022 Eq. 10', run.chinchillaHoffmann.toFixed(3)],
        ['Kaplan et al. 2020 Eq. 1.5 (non-embedding N)', run.kaplan.toFixed(3)],
      ],
    ),
    '',
    `The same FLOPs spent compute-optimally (Epoch refit): ${formatCount(opt.params)} parameters on ${formatCount(opt.tokens)} tokens, loss ${opt.loss!.toFixed(3)}.`,
    ...extrapolatesLine('Chinchilla', run.extrapolates.chinchilla, FIT_RANGES.chinchilla),
    ...extrapolatesLine('Kaplan', run.extrapolates.kaplan, FIT_RANGES.kaplan),
  ].join('\n');
}

export function scalingCommand(o: ScalingFlags): string {
  const hasBudget = o.usd !== undefined || o.flops !== undefined;
  if (o.tokens !== undefined && o.params === undefined)
    inputError('missing_field', ['--params'], 'give --params with --tokens');
  if (o.params !== undefined) {
    if (o.tokens === undefined && !hasBudget)
      inputError(
        'missing_field',
        ['--tokens'],
        'give --tokens (or a budget: --flops, or --usd with --gpu) with --params',
      );
    return predictRun(o);
  }
  if (!hasBudget)
    inputError('missing_field', ['--flops'], 'give --flops, --usd with --gpu, or --params with --tokens');
  const { flops, usd, label } = budgetFlops(o);
  const epoch = CHINCHILLA_FITS.epoch;
  const rows: [string, Allocation][] = ALLOCATIONS.map(([name, allocate]) => [name, allocate(flops)]);
  const best = rows[0]![1];
  if (best.tokens < batchTokens(o))
    belowOneStep(
      o,
      `the compute-optimal ${formatCount(best.params)}-parameter model would see ${formatCount(best.tokens)} tokens`,
    );
  refuseFractional(flops, ALLOCATIONS, o.usd !== undefined ? '--usd' : '--flops', label);
  const inference =
    o.inferenceTokens === undefined
      ? null
      : inferenceAwareOptimal(epoch, best.loss!, positiveNumber(o.inferenceTokens, '--inference-tokens', 1));
  // The headline allocation (the Epoch refit's) outside the runs the Chinchilla fits were made on.
  const beyond = extrapolation(FIT_RANGES.chinchilla, best.params, best.tokens);
  if (o.json)
    return toJson({
      flops,
      budget: usd,
      allocations: Object.fromEntries(rows),
      inferenceAware: inference,
      extrapolates: { chinchilla: beyond },
    });
  const lines = [
    label,
    '',
    table(
      ['compute-optimal allocation', 'parameters', 'tokens', 'tokens/param', 'loss'],
      rows.map(([name, r]) => [
        name,
        formatCount(r.params),
        formatCount(r.tokens),
        (r.tokens / r.params).toFixed(1),
        r.loss === null ? '—' : r.loss.toFixed(3),
      ]),
    ),
    '',
    "Losses are each fit's own (Chinchilla on MassiveText, Kaplan on WebText2): compare allocations across fits, losses within one.",
    ...extrapolatesLine(rows[0]![0], beyond, FIT_RANGES.chinchilla),
  ];
  if (inference)
    lines.push(
      '',
      `To reach the same loss (${best.loss!.toFixed(3)}) and then serve ${formatCount(inference.inferenceFlops / (2 * inference.params))} tokens with the fewest total FLOPs (Sardana et al. 2024): ${formatCount(inference.params)} parameters on ${formatCount(inference.tokens)} tokens (${(inference.tokens / inference.params).toFixed(0)} per parameter); training ${inference.flops.toExponential(2)} + inference ${inference.inferenceFlops.toExponential(2)} FLOPs.`,
    );
  return lines.join('\n');
}
