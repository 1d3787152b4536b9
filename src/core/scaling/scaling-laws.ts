/**
 * Scaling laws: loss from parameters N and training tokens D, the compute-optimal split of a FLOP
 * budget C ≈ 6·N·D, and over-training for inference (train a smaller model longer when it will serve
 * many tokens). Pure functions of published fits.
 */
import { inputError } from '../errors.js';
import { formatCount } from '../format.js';
import { SECONDS_PER_DAY, SECONDS_PER_HOUR } from '../units.js';

/** L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, "Training Compute-Optimal LLMs", Eq. 2). */
export interface ChinchillaFit {
  readonly id: string;
  readonly source: string;
  readonly E: number;
  readonly A: number;
  readonly B: number;
  readonly alpha: number;
  readonly beta: number;
}

export const CHINCHILLA_FITS: Readonly<Record<'hoffmann' | 'epoch', ChinchillaFit>> = {
  // Hoffmann et al. 2022, Sec. 3.3 / Eq. 10 (Approach 3, the parametric fit as published).
  hoffmann: {
    id: 'hoffmann',
    source: 'Hoffmann et al. 2022, Eq. 10 (Approach 3 parametric fit)',
    E: 1.69,
    A: 406.4,
    B: 410.7,
    alpha: 0.34,
    beta: 0.28,
  },
  // Besiroglu et al. 2024, "Chinchilla Scaling: A replication attempt", Eq. 4 (refit of Approach 3).
  epoch: {
    id: 'epoch',
    source: 'Besiroglu et al. 2024 (Epoch AI), "Chinchilla Scaling: A replication attempt", Eq. 4',
    E: 1.8172,
    A: 482.01,
    B: 2085.43,
    alpha: 0.3478,
    beta: 0.3658,
  },
};

/** Kaplan et al. 2020, "Scaling Laws for Neural Language Models", Eq. 1.5 (non-embedding N, nats). */
export const KAPLAN = {
  source: 'Kaplan et al. 2020, Eq. 1.5 and Table 2',
  alphaN: 0.076,
  alphaD: 0.095,
  Nc: 8.8e13,
  Dc: 5.4e13,
} as const;

/** Llama 3's compute-optimal tokens N*(C) = A·C^α (The Llama 3 Herd of Models, Sec. 3.2.1, Fig. 3). */
export const LLAMA3_TOKENS = {
  source: 'The Llama 3 Herd of Models, Sec. 3.2.1',
  A: 0.299,
  alpha: 0.537,
} as const;

/** The runs a fit was made on: parameters and training tokens, as its paper states them. */
export interface FitRange {
  readonly params: readonly [number, number];
  readonly tokens: readonly [number, number];
  readonly source: string;
}

export const FIT_RANGES: Readonly<Record<'chinchilla' | 'kaplan', FitRange>> = {
  // Hoffmann et al. 2022, Sec. 1 and 3 ("over 400 language models ranging from 70 million to over 16 billion
  // parameters on 5 to 500 billion tokens"); Besiroglu et al. 2024 refit the same runs (read off its Fig. 4).
  chinchilla: {
    params: [7e7, 1.6e10],
    tokens: [5e9, 5e11],
    source: 'Hoffmann et al. 2022, Sec. 1 and 3: 70M to 16B parameters on 5B to 500B tokens',
  },
  // Kaplan et al. 2020, Sec. 1.1 and 3: non-embedding parameters from 768 to 1.5B, datasets of 22M to 23B tokens.
  kaplan: {
    params: [768, 1.5e9],
    tokens: [2.2e7, 2.3e10],
    source: 'Kaplan et al. 2020, Sec. 1.1 and 3: 768 to 1.5B non-embedding parameters, 22M to 23B tokens',
  },
};

/** What of (N, D) lies outside the runs a fit was made on, in words (empty inside): its loss extrapolates there. */
export function extrapolation(range: FitRange, params: number, tokens: number): string[] {
  const beyond = (x: number, [lo, hi]: readonly [number, number], what: string) =>
    x < lo || x > hi
      ? [
          `${formatCount(x)} ${what} ${x < lo ? 'below' : 'above'} the fit's ${formatCount(lo)}–${formatCount(hi)}`,
        ]
      : [];
  return [...beyond(params, range.params, 'parameters'), ...beyond(tokens, range.tokens, 'tokens')];
}

const check = (value: number, field: string) => {
  if (!(Number.isFinite(value) && value > 0))
    inputError('invalid_value', [field], `must be greater than 0, got ${value}`);
};

export function chinchillaLoss(fit: ChinchillaFit, params: number, tokens: number): number {
  check(params, '--params');
  check(tokens, '--tokens');
  return fit.E + fit.A / params ** fit.alpha + fit.B / tokens ** fit.beta;
}

export function kaplanLoss(params: number, tokens: number): number {
  check(params, '--params');
  check(tokens, '--tokens');
  // Kaplan Eq. 1.5: L(N, D) = [(Nc/N)^(αN/αD) + Dc/D]^αD
  return ((KAPLAN.Nc / params) ** (KAPLAN.alphaN / KAPLAN.alphaD) + KAPLAN.Dc / tokens) ** KAPLAN.alphaD;
}

export interface Allocation {
  readonly params: number;
  readonly tokens: number;
  readonly flops: number;
  readonly loss: number | null;
}

/** The loss-minimising N and D for C = 6·N·D under a Chinchilla fit (Hoffmann et al. 2022, Eq. 4). */
export function chinchillaOptimal(fit: ChinchillaFit, flops: number): Allocation {
  check(flops, '--flops');
  const G = ((fit.alpha * fit.A) / (fit.beta * fit.B)) ** (1 / (fit.alpha + fit.beta));
  const params = G * (flops / 6) ** (fit.beta / (fit.alpha + fit.beta));
  const tokens = flops / 6 / params;
  return { params, tokens, flops, loss: chinchillaLoss(fit, params, tokens) };
}

const PF_DAY_FLOPS = 1e15 * SECONDS_PER_DAY;

/**
 * Kaplan's compute-efficient size N = 1.3e9 · C^0.73 (C in PF-days; Kaplan et al. 2020, Fig. 14 and
 * Eq. 1.7), tokens from C = 6·N·D, loss from Eq. 1.5.
 */
export function kaplanOptimal(flops: number): Allocation {
  check(flops, '--flops');
  const params = 1.3e9 * (flops / PF_DAY_FLOPS) ** 0.73;
  const tokens = flops / 6 / params;
  return { params, tokens, flops, loss: kaplanLoss(params, tokens) };
}

/** Llama 3's fit for tokens; parameters from C = 6·N·D. It predicts no loss (the fit is on tokens). */
export function llama3Optimal(flops: number): Allocation {
  check(flops, '--flops');
  const tokens = LLAMA3_TOKENS.A * flops ** LLAMA3_TOKENS.alpha;
  return { params: flops / 6 / tokens, tokens, flops, loss: null };
}

/**
 * The least budget C (FLOPs) whose allocation by `allocate` (one of the `…Optimal` rules above) has at
 * least one parameter and one token. Below it a rule prescribes a fraction of a parameter or of a
 * token, which no model has (Kaplan's N = 1.3e9·C^0.73 is the last to reach one parameter, at about
 * 2.8e7 FLOPs; the Epoch refit at about 380). Every rule's N and D grow with C, so a bisection on log C
 * finds it.
 */
export function leastWholeBudget(allocate: (flops: number) => Allocation): number {
  const whole = (c: number) => {
    const a = allocate(c);
    return a.params >= 1 && a.tokens >= 1;
  };
  let lo = 1;
  let hi = 1e12;
  if (whole(lo)) return lo;
  for (let i = 0; i < 200 && hi / lo > 1 + 1e-12; i += 1) {
    const mid = Math.sqrt(lo * hi);
    if (whole(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

function goldenMin(f: (x: number) => number, lo: number, hi: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  for (let i = 0; i < 200 && b - a > 1e-9; i += 1) {
    if (f(c) < f(d)) b = d;
    else a = c;
    c = b - g * (b - a);
    d = a + g * (b - a);
  }
  return (a + b) / 2;
}

export interface InferenceAwareAllocation extends Allocation {
  /** Training + inference FLOPs. */
  readonly totalFlops: number;
  readonly inferenceFlops: number;
}

/**
 * The model that reaches `loss` with the fewest training + inference FLOPs when it will process
 * `inferenceTokens` (Sardana et al. 2024, "Beyond Chinchilla-Optimal", Eq. 2): minimise
 * 6·N·D + 2·N·D_inf subject to L(N, D) = loss. `inferenceFlopWeight` prices an inference FLOP against
 * a training FLOP (e.g. training MFU ÷ inference MFU); 1 counts FLOPs alone.
 */
export function inferenceAwareOptimal(
  fit: ChinchillaFit,
  loss: number,
  inferenceTokens: number,
  inferenceFlopWeight = 1,
): InferenceAwareAllocation {
  check(inferenceTokens, '--inference-tokens');
  check(inferenceFlopWeight, '--inference-flop-weight');
  if (!(loss > fit.E))
    inputError('invalid_value', ['--loss'], `must exceed the fit's irreducible loss ${fit.E}, got ${loss}`);
  // D(N) from the loss constraint; defined where A/N^α < loss − E.
  const tokensFor = (n: number) => (fit.B / (loss - fit.E - fit.A / n ** fit.alpha)) ** (1 / fit.beta);
  const minN = (fit.A / (loss - fit.E)) ** (1 / fit.alpha);
  const cost = (logN: number) => {
    const n = Math.exp(logN);
    return 6 * n * tokensFor(n) + inferenceFlopWeight * 2 * n * inferenceTokens;
  };
  const best = goldenMin(cost, Math.log(minN * (1 + 1e-9)) + 1e-9, Math.log(minN) + 12);
  const params = Math.exp(best);
  const tokens = tokensFor(params);
  return {
    params,
    tokens,
    flops: 6 * params * tokens,
    loss,
    inferenceFlops: 2 * params * inferenceTokens,
    totalFlops: 6 * params * tokens + 2 * params * inferenceTokens,
  };
}

/** FLOPs a dollar budget buys: hours of GPU time × peak × model FLOPs utilisation. */
export function flopsForBudget(
  usd: number,
  usdPerGpuHour: number,
  peakFlopsPerSecond: number,
  mfu: number,
): number {
  check(usd, '--usd');
  check(usdPerGpuHour, '--price-per-gpu-hour');
  if (!(mfu > 0 && mfu <= 1)) inputError('invalid_value', ['--mfu'], `a fraction in (0, 1], got ${mfu}`);
  return (usd / usdPerGpuHour) * SECONDS_PER_HOUR * peakFlopsPerSecond * mfu;
}
