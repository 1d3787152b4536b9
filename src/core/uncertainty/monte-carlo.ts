/**
 * Monte Carlo over a model whose inputs may be uncertain, and one-at-a-time sensitivity (tornado).
 * The model is a pure function of named numeric inputs; the same seed gives the same results.
 */
import { checkDomain, DOMAINS } from '../domain.js';
import { percentile } from '../statistics.js';
import {
  centralValue,
  type Distribution,
  type Rng,
  sample,
  seededRng,
  swing,
  type Uncertain,
} from './distributions.js';

export interface Percentiles {
  readonly p5: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly mean: number;
}

export interface Histogram {
  /** Bin edges (bins + 1 values). */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

export interface MonteCarloResult<K extends string> {
  readonly samples: number;
  readonly seed: number;
  readonly outputs: Readonly<Record<K, Percentiles>>;
  readonly histograms: Readonly<Record<K, Histogram>>;
}

function histogram(sorted: Float64Array, bins: number): Histogram {
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const width = max > min ? (max - min) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of sorted) counts[Math.min(bins - 1, Math.floor((v - min) / width))]! += 1;
  return { edges, counts };
}

/**
 * Runs `model` `samples` times with every distribution drawn; summarises each output. `independent`
 * inputs (the engines' calibration bands) are drawn from a second stream seeded from the same seed, so
 * the draws of `inputs` are the same with or without them.
 */
export function monteCarlo<I extends string, K extends string>(
  inputs: Readonly<Record<I, Uncertain>>,
  model: (values: Readonly<Record<I, number>>) => Readonly<Record<K, number>>,
  options: {
    readonly samples: number;
    readonly seed: number;
    readonly independent?: Readonly<Record<string, Distribution>>;
    readonly bins?: number;
    /** Called every 1,000 samples with the count done (for a progress bar). */
    readonly onProgress?: (done: number, total: number) => void;
  },
): MonteCarloResult<K> {
  checkDomain(options.samples, DOMAINS.monteCarloSamples, ['samples']);
  const rng: Rng = seededRng(options.seed);
  const names = Object.keys(inputs) as I[];
  const uncertain = names.filter((n) => typeof inputs[n] !== 'number');
  const values = Object.fromEntries(names.map((n) => [n, centralValue(inputs[n])])) as Record<I, number>;
  let columns: Record<K, Float64Array> | null = null;
  let keys: K[] = [];
  const dists = uncertain.map((n) => inputs[n] as Distribution);
  const extra = Object.entries(options.independent ?? {});
  // A second xoroshiro stream: the seed's bits flipped (any fixed map of the seed would do).
  const extraRng: Rng = seededRng(~options.seed);
  const all = values as Record<string, number>;
  for (let s = 0; s < options.samples; s += 1) {
    for (let i = 0; i < uncertain.length; i += 1) values[uncertain[i]!] = sample(dists[i]!, rng);
    for (const [name, d] of extra) all[name] = sample(d, extraRng);
    const out = model(values);
    if (!columns) {
      keys = Object.keys(out) as K[];
      columns = Object.fromEntries(keys.map((k) => [k, new Float64Array(options.samples)])) as Record<
        K,
        Float64Array
      >;
    }
    for (const k of keys) columns[k][s] = out[k];
    if (options.onProgress && (s + 1) % 1000 === 0) options.onProgress(s + 1, options.samples);
  }
  const outputs = {} as Record<K, Percentiles>;
  const histograms = {} as Record<K, Histogram>;
  for (const k of Object.keys(columns!) as K[]) {
    const col = columns![k];
    let sum = 0;
    for (const v of col) sum += v;
    col.sort();
    outputs[k] = {
      p5: percentile(col, 0.05),
      p10: percentile(col, 0.1),
      p50: percentile(col, 0.5),
      p90: percentile(col, 0.9),
      p95: percentile(col, 0.95),
      mean: sum / col.length,
    };
    histograms[k] = histogram(col, options.bins ?? 30);
  }
  return { samples: options.samples, seed: options.seed, outputs, histograms };
}

export interface TornadoBar<I extends string> {
  readonly input: I;
  readonly lowInput: number;
  readonly highInput: number;
  /** The output with the input at its low and high swing values, every other input central. */
  readonly outputAtLow: number;
  readonly outputAtHigh: number;
  readonly swing: number;
}

/** One-at-a-time sensitivity of `output`: each uncertain input swung P10 → P90; largest swing first. */
export function tornado<I extends string, K extends string>(
  inputs: Readonly<Record<I, Uncertain>>,
  model: (values: Readonly<Record<I, number>>) => Readonly<Record<K, number>>,
  output: K,
): { readonly base: number; readonly bars: readonly TornadoBar<I>[] } {
  const names = Object.keys(inputs) as I[];
  const central = Object.fromEntries(names.map((n) => [n, centralValue(inputs[n])])) as Record<I, number>;
  const base = model(central)[output];
  const bars = names
    .filter((n) => typeof inputs[n] !== 'number')
    .map((n) => {
      const [lo, hi] = swing(inputs[n] as Distribution);
      const outputAtLow = model({ ...central, [n]: lo })[output];
      const outputAtHigh = model({ ...central, [n]: hi })[output];
      return {
        input: n,
        lowInput: lo,
        highInput: hi,
        outputAtLow,
        outputAtHigh,
        swing: Math.abs(outputAtHigh - outputAtLow),
      };
    })
    .sort((a, b) => b.swing - a.swing);
  return { base, bars };
}
