/**
 * Uncertain inputs: a number, or a distribution `{dist: lognormal|normal|uniform|triangular|pert, …}`,
 * sampled from a seeded generator (pure-rand's xoroshiro128+) so that runs are reproducible.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { z } from 'zod';
import { countFromText, type Domain, describeDomain, domainNumber } from '../domain.js';
import { inputError } from '../errors.js';
import { Z90 } from '../statistics.js';

/** A distribution's parameter: a number, or in the CLI's count syntax (`20M`) as a plain value is (domainNumber). */
const parameter = (n: z.ZodNumber) => z.preprocess(countFromText, n);
const finite = parameter(z.number().finite());
/**
 * The field's domain, set by the schema of a bounded field (a price ≥ 0, a growth rate > −100%):
 * draws outside it are redrawn, i.e. the distribution is truncated to the domain.
 */
const truncate = z
  .object({ below: finite.optional(), above: finite.optional(), exclusive: z.boolean().optional() })
  .strict()
  .optional();
export const distributionSchema = z.discriminatedUnion('dist', [
  z
    .object({
      dist: z.literal('normal'),
      mean: finite,
      sd: parameter(z.number().finite().nonnegative()),
      truncate,
    })
    .strict(),
  z
    .object({
      dist: z.literal('lognormal'),
      /** The median and the 90th percentile: the form analysts can state. */
      median: parameter(z.number().finite().positive()),
      p90: parameter(z.number().finite().positive()),
      truncate,
    })
    .strict()
    .refine((d) => d.p90 >= d.median, { message: 'p90 must be ≥ median', path: ['p90'] }),
  z
    .object({ dist: z.literal('uniform'), min: finite, max: finite, truncate })
    .strict()
    .refine((d) => d.max >= d.min, { message: 'max must be ≥ min', path: ['max'] }),
  z
    .object({ dist: z.literal('triangular'), min: finite, mode: finite, max: finite, truncate })
    .strict()
    .refine((d) => d.min <= d.mode && d.mode <= d.max, { message: 'needs min ≤ mode ≤ max', path: ['mode'] }),
  z
    .object({ dist: z.literal('pert'), min: finite, mode: finite, max: finite, truncate })
    .strict()
    .refine((d) => d.min <= d.mode && d.mode <= d.max && d.min < d.max, {
      message: 'needs min ≤ mode ≤ max and min < max',
      path: ['mode'],
    }),
]);
export type Distribution = z.infer<typeof distributionSchema>;
export const uncertainSchema = z.union([finite, distributionSchema]);
export type Uncertain = z.infer<typeof uncertainSchema>;

/** σ of a lognormal stated by its median and P90: ln(P90 / median) / z₀.₉. */
const lognormalSigma = (d: { readonly median: number; readonly p90: number }) =>
  Math.log(d.p90 / d.median) / Z90;

/**
 * Whether a distribution stays (essentially) in the domain: bounded families must lie inside it; a
 * normal within mean ± 3·sd (at most 0.27% of draws fall outside and are redrawn); a lognormal (always
 * positive) with its median inside and, on a field with a positive lower bound, median·e^(−3σ) too
 * (σ = ln(p90 / median) / z₀.₉: at most 0.135% of draws below it, redrawn).
 */
function withinDomain(x: Distribution, d: Domain): boolean {
  const above = (v: number) => (d.minExclusive ? v > d.min : v >= d.min);
  switch (x.dist) {
    case 'normal':
      return above(x.mean - 3 * x.sd) && x.mean + 3 * x.sd <= d.max;
    case 'lognormal':
      return x.median <= d.max && (d.min <= 0 || above(x.median * Math.exp(-3 * lognormalSigma(x))));
    default:
      return above(x.min) && x.max <= d.max;
  }
}

/**
 * An uncertain input of a bounded field: a number in the domain, or a distribution that stays in it.
 * The distribution is truncated to the domain (draws outside are redrawn), so no sample leaves it —
 * a price never goes negative, a growth rate never below −100%.
 */
export function uncertainIn(d: Domain) {
  return z.union([
    domainNumber(d),
    distributionSchema
      .superRefine((x, ctx) => {
        if (!withinDomain(x, d))
          ctx.addIssue({
            code: 'custom',
            message: `this distribution reaches outside the field's domain (${describeDomain(d).replace(/^must be /, '')}, ${d.what}): ${
              x.dist === 'normal'
                ? 'a normal needs mean ± 3·sd inside it (prefer a lognormal for a positive quantity)'
                : x.dist === 'lognormal'
                  ? 'a lognormal needs its median inside it, and median·e^(−3σ) above a positive lower bound'
                  : 'min and max must be inside it'
            }`,
          });
      })
      .transform(
        (x): Distribution => ({
          ...x,
          truncate: { below: d.min, above: d.max, ...(d.minExclusive ? { exclusive: true } : {}) },
        }),
      ),
  ]);
}

/** A seeded source of uniform numbers in [0, 1). */
export interface Rng {
  uniform(): number;
}

export function seededRng(seed: number): Rng {
  const g = xoroshiro128plus(seed);
  return { uniform: () => uniformFloat64(g) };
}

const Z95 = 1.6448536269514722;

function standardNormal(rng: Rng): number {
  // Box–Muller (Box & Muller 1958); 1 − u avoids log(0).
  const u = 1 - rng.uniform();
  const v = rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function gamma(shape: number, rng: Rng): number {
  // Marsaglia & Tsang (2000), "A simple method for generating gamma variables", shape ≥ 1.
  if (shape < 1) return gamma(shape + 1, rng) * rng.uniform() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.uniform();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Whether `x` lies in the distribution's truncation domain (everywhere when it has none). */
function inTruncation(d: Distribution, x: number): boolean {
  const t = d.truncate;
  if (t === undefined) return true;
  if (t.below !== undefined && (t.exclusive ? x <= t.below : x < t.below)) return false;
  return t.above === undefined || x <= t.above;
}

/** `x` moved into the truncation domain (a value just inside an exclusive bound). */
function clampToTruncation(d: Distribution, x: number): number {
  const t = d.truncate;
  if (t === undefined) return x;
  let y = x;
  if (t.below !== undefined && (t.exclusive ? y <= t.below : y < t.below))
    y = t.exclusive ? t.below + 1e-9 * Math.max(1, Math.abs(t.below)) : t.below;
  if (t.above !== undefined && y > t.above) y = t.above;
  return y;
}

/**
 * One draw; with a truncation domain, draws outside it are redrawn (rejection sampling gives the
 * truncated distribution exactly), and after 1,000 misses the bound itself is returned.
 */
export function sample(d: Distribution, rng: Rng): number {
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    const x = sampleUntruncated(d, rng);
    if (inTruncation(d, x)) return x;
  }
  return clampToTruncation(d, sampleUntruncated(d, rng));
}

function sampleUntruncated(d: Distribution, rng: Rng): number {
  switch (d.dist) {
    case 'normal':
      return d.mean + d.sd * standardNormal(rng);
    case 'lognormal':
      return d.median * Math.exp(lognormalSigma(d) * standardNormal(rng));
    case 'uniform':
      return d.min + (d.max - d.min) * rng.uniform();
    case 'triangular': {
      // Inverse CDF.
      const u = rng.uniform();
      const span = d.max - d.min;
      if (span === 0) return d.min;
      const f = (d.mode - d.min) / span;
      return u < f
        ? d.min + Math.sqrt(u * span * (d.mode - d.min))
        : d.max - Math.sqrt((1 - u) * span * (d.max - d.mode));
    }
    case 'pert': {
      // Beta-PERT with λ = 4 (Vose, Risk Analysis, 3rd ed., Sec. 9.1.5): α = 1 + 4(mode−min)/(max−min).
      const span = d.max - d.min;
      const a = 1 + (4 * (d.mode - d.min)) / span;
      const b = 1 + (4 * (d.max - d.mode)) / span;
      const x = gamma(a, rng);
      const y = gamma(b, rng);
      return d.min + (span * x) / (x + y);
    }
  }
}

/** Two-sided normal quantiles: the interval's upper bound in standard deviations. */
const INTERVAL_Z = { 0.9: Z95, 0.95: 1.959963984540054 } as const;

/**
 * A lognormal stated by a central interval (90%: P5–P95, as Epoch AI states its estimates; 95%: a
 * published confidence interval). The median is √(low·high) unless a published point estimate is
 * given; the spread is the interval's log-width, σ = ln(high/low) / (2z).
 */
export function lognormalFromInterval(
  low: number,
  high: number,
  coverage: 0.9 | 0.95 = 0.9,
  median = Math.sqrt(low * high),
): Distribution {
  const sigma = Math.log(high / low) / (2 * INTERVAL_Z[coverage]);
  return { dist: 'lognormal', median, p90: median * Math.exp(Z90 * sigma) };
}

/** The value used when the input is not being sampled: the median (normal/lognormal/uniform), the mode otherwise. */
export function centralValue(u: Uncertain): number {
  if (typeof u === 'number') return u;
  return clampToTruncation(u, untruncatedCentral(u));
}

function untruncatedCentral(u: Distribution): number {
  switch (u.dist) {
    case 'normal':
      return u.mean;
    case 'lognormal':
      return u.median;
    case 'uniform':
      return (u.min + u.max) / 2;
    case 'triangular':
    case 'pert':
      return u.mode;
  }
}

/** Low and high values for a tornado swing: the 10th and 90th percentiles (estimated by sampling for PERT). */
export function swing(d: Distribution): [number, number] {
  const [low, high] = untruncatedSwing(d);
  return [clampToTruncation(d, low), clampToTruncation(d, high)];
}

function untruncatedSwing(d: Distribution): [number, number] {
  switch (d.dist) {
    case 'normal':
      return [d.mean - Z90 * d.sd, d.mean + Z90 * d.sd];
    case 'lognormal':
      return [(d.median * d.median) / d.p90, d.p90];
    case 'uniform':
      return [d.min + 0.1 * (d.max - d.min), d.min + 0.9 * (d.max - d.min)];
    case 'triangular': {
      const span = d.max - d.min;
      const f = (d.mode - d.min) / span;
      const q = (p: number) =>
        span === 0
          ? d.min
          : p < f
            ? d.min + Math.sqrt(p * span * (d.mode - d.min))
            : d.max - Math.sqrt((1 - p) * span * (d.max - d.mode));
      return [q(0.1), q(0.9)];
    }
    case 'pert': {
      const rng = seededRng(1);
      const draws = Array.from({ length: 4001 }, () => sample(d, rng)).sort((a, b) => a - b);
      return [draws[400]!, draws[3600]!];
    }
  }
}

/** The standard normal density's constant, 1/√(2π). */
const INV_SQRT_2PI = 0.3989422804014327;

/**
 * The standard normal CDF Φ(z): Abramowitz & Stegun, Handbook of Mathematical Functions, Eq. 26.2.17
 * (absolute error below 7.5e-8).
 */
export function normalCdf(z: number): number {
  if (z < 0) return 1 - normalCdf(-z);
  const t = 1 / (1 + 0.2316419 * z);
  const poly =
    t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return 1 - Math.exp((-z * z) / 2) * INV_SQRT_2PI * poly;
}

/**
 * The expected largest of n independent draws of a lognormal (median e^μ, P90 e^(μ + 1.2816σ)):
 * E[max] = ∫ e^(μ+σz) · n·Φ(z)^(n−1)·φ(z) dz, the mean of the largest order statistic (David &
 * Nagaraja, Order Statistics, 3rd ed., Eq. 2.1.1 with the density of the maximum), by the trapezoid
 * rule on z ∈ [−10, 10 + σ] in steps of 0.004 (n = 1 gives the mean e^(μ+σ²/2)).
 */
export function expectedLognormalMax(d: { median: number; p90: number }, n: number): number {
  const sigma = lognormalSigma(d);
  if (!(sigma > 0)) return d.median;
  const h = 0.004;
  let sum = 0;
  for (let z = -10; z <= 10 + sigma; z += h) {
    const density = Math.exp((-z * z) / 2) * INV_SQRT_2PI;
    sum += Math.exp(sigma * z) * n * normalCdf(z) ** (n - 1) * density;
  }
  return d.median * sum * h;
}

/** z-scores of the upper quantiles a length tail is stated by. */
const UPPER_Z = { 0.9: Z90, 0.99: 2.3263478740408408 } as const;

/**
 * The largest ratio of an upper quantile to the mean that a lognormal can have, e^(z²/2) (at
 * σ = z; 14.97 for the P99): beyond it `lognormalFromMeanAndQuantile` finds none.
 */
export const maxLognormalQuantileOverMean = (quantile: 0.9 | 0.99): number =>
  Math.exp(UPPER_Z[quantile] ** 2 / 2);

/**
 * A lognormal stated by its mean and an upper quantile (e.g. a mean response length and its P99):
 * mean = e^(μ+σ²/2) and q = e^(μ+zσ) give σ² − 2zσ + 2·ln(q/mean) = 0, of which the lighter tail
 * σ = z − √(z² − 2·ln(q/mean)) is taken; null when q/mean exceeds e^(z²/2) (no lognormal has both).
 */
export function lognormalFromMeanAndQuantile(
  mean: number,
  quantileValue: number,
  quantile: 0.9 | 0.99,
): Extract<Distribution, { dist: 'lognormal' }> | null {
  const z = UPPER_Z[quantile];
  const r = Math.log(quantileValue / mean);
  if (!(mean > 0) || !(r >= 0) || z * z < 2 * r) return null;
  const sigma = z - Math.sqrt(z * z - 2 * r);
  const median = mean * Math.exp((-sigma * sigma) / 2);
  return { dist: 'lognormal', median, p90: median * Math.exp(Z90 * sigma) };
}

/**
 * A length spread stated by its mean and P99 (lognormalFromMeanAndQuantile), or an input error at `path`
 * saying what a P99 may be: above the mean `meanName`, at most e^(z²/2) ≈ 14.97× it.
 */
export function lengthSpreadFromP99(
  mean: number,
  p99: number,
  path: readonly (string | number)[],
  meanName: string,
): Extract<Distribution, { dist: 'lognormal' }> {
  const tail = p99 > mean ? lognormalFromMeanAndQuantile(mean, p99, 0.99) : null;
  if (tail) return tail;
  const most = Math.floor(mean * maxLognormalQuantileOverMean(0.99));
  return inputError(
    'invalid_value',
    path,
    `must lie above the mean ${meanName} (${Number.isInteger(mean) ? mean : mean.toFixed(1)} tokens) and at most e^(z²/2) = ${(Math.floor(10 * maxLognormalQuantileOverMean(0.99)) / 10).toFixed(1)}× it (${most}), got ${p99}`,
  );
}

/**
 * E[X·min(X, cap)] / E[X] of a lognormal X: the mean of min(X, cap) over X's units rather than its items
 * (a token's view of the item it belongs to, a long one holding more tokens), from the partial moments
 * E[X^k; X < c] = e^(kμ + k²σ²/2)·Φ((ln c − μ − kσ²)/σ) (Johnson, Kotz & Balakrishnan, Continuous
 * Univariate Distributions 1, 2nd ed., Eq. 14.17): e^(μ + 3σ²/2)·Φ((ln c − μ − 2σ²)/σ) + c·(1 − Φ((ln c − μ − σ²)/σ)),
 * the mean × e^(σ²) = mean·(1 + cv²) without a cap.
 */
export function lognormalSizeBiasedCappedMean(d: { median: number; p90: number }, cap: number): number {
  const sigma = lognormalSigma(d);
  if (!(sigma > 0)) return Math.min(d.median, cap);
  const mu = Math.log(d.median);
  const c = Math.log(cap);
  return (
    Math.exp(mu + 1.5 * sigma * sigma) * normalCdf((c - mu - 2 * sigma * sigma) / sigma) +
    cap * (1 - normalCdf((c - mu - sigma * sigma) / sigma))
  );
}
