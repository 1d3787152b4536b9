/**
 * Number display: the only place (with the catalog loader) where prefixed units appear. Pure, so the
 * CLI, the scenario reports and the web app share it.
 */
import { GIB, KIB, MIB, SECONDS_PER_DAY, SECONDS_PER_HOUR } from './units.js';

/** 671026419200 → "671.03B"; 124439808 → "124.44M". */
export function formatCount(n: number, digits = 2): string {
  const abs = Math.abs(n);
  // Beyond a thousand trillion, prefixes stop helping: 4.90e+18.
  if (abs >= 1e15) return n.toExponential(digits);
  if (abs >= 1e12) return `${(n / 1e12).toFixed(digits)}T`;
  if (abs >= 1e9) return `${(n / 1e9).toFixed(digits)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(digits)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(digits)}K`;
  // Below a thousand, as many significant digits as the prefixed forms show (893.4 → 893, 12.34 → 12.3).
  if (Number.isInteger(n)) return `${n}`;
  return n.toFixed(abs >= 100 ? Math.max(0, digits - 2) : abs >= 10 ? Math.max(0, digits - 1) : digits);
}

/**
 * Seconds as milliseconds to `digits` decimals (default: one below 100 ms, none above); a time that
 * would print as zero there gets two significant digits (0.35 ms, not "0").
 */
export function formatMilliseconds(seconds: number, digits = seconds < 0.1 ? 1 : 0): string {
  const ms = seconds * 1000;
  return ms !== 0 && Math.abs(ms) < 0.5 * 10 ** -digits ? ms.toPrecision(2) : ms.toFixed(digits);
}

/** A latency in milliseconds ("118 ms") up to 10 s, beyond in its largest unit ("78.3 min"): a queue's wait reads as what it is. */
export const formatLatency = (seconds: number): string =>
  seconds < 10 ? `${formatMilliseconds(seconds, 0)} ms` : formatDuration(seconds);

/** A rate to the hundredth (20.00 req/s); a slower one with two significant digits (0.0000010, not 0.00). */
export const formatRate = (perSecond: number): string =>
  perSecond >= 0.01 ? perSecond.toFixed(2) : perSecond.toPrecision(2);

/** A mean count to one decimal (5.5 sequences running on average); below 0.05, two significant digits; below 0.001, "<0.001". */
export const formatMeanCount = (n: number): string =>
  n !== 0 && Math.abs(n) < 0.05 ? (Math.abs(n) < 0.001 ? '<0.001' : n.toPrecision(2)) : n.toFixed(1);

/** A count and its noun, singular for one: "1 layer", "9 layers". */
/** A ratio as a percentage with one decimal (0.1234 → "12.3%"). */
export const formatPercent = (ratio: number): string => `${(100 * ratio).toFixed(1)}%`;

/** A change as a percentage with its sign and one decimal (0.052 → "+5.2%", −0.1 → "-10.0%"). */
export const formatSignedPercent = (ratio: number): string =>
  `${ratio >= 0 ? '+' : ''}${formatPercent(ratio)}`;

/** "a, b or c" (`word` 'and': "a, b and c"); one item as it is. */
export const wordList = (items: readonly string[], word: 'or' | 'and' = 'or'): string =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} ${word} ${items.at(-1)}`;

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A duration in its largest unit: days, hours, minutes, seconds or milliseconds. */
export const formatDuration = (seconds: number): string =>
  seconds >= SECONDS_PER_DAY
    ? `${(seconds / SECONDS_PER_DAY).toFixed(1)} d`
    : seconds >= SECONDS_PER_HOUR
      ? `${(seconds / SECONDS_PER_HOUR).toFixed(1)} h`
      : seconds >= 60
        ? `${(seconds / 60).toFixed(1)} min`
        : seconds >= 1
          ? `${seconds.toFixed(2)} s`
          : `${formatMilliseconds(seconds, 0)} ms`;

/** 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** Dollars: $0.097, $2.45, $1.29K. */
export function formatUsd(usd: number): string {
  if (Math.abs(usd) >= 1e3) return `$${formatCount(usd)}`;
  // Below a cent, two significant digits ($0.0015, $0.00034; not $0.002, $0.000), never in exponent form.
  const abs = Math.abs(usd);
  if (abs > 0 && abs < 0.01) return `$${usd.toFixed(Math.min(20, 1 - Math.floor(Math.log10(abs))))}`;
  return `$${usd.toFixed(abs < 1 ? 3 : 2)}`;
}

/** A change in dollars with its sign: −$3.51M, +$2.75M, ±$0. */
export function formatSignedUsd(usd: number): string {
  return Math.abs(usd) < 0.005 ? '±$0' : `${usd < 0 ? '−' : '+'}${formatUsd(Math.abs(usd))}`;
}

/** Bytes as GiB (TiB, PiB when large; MiB, KiB when small). */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  const eib = 1024 ** 3 * GIB;
  // Beyond a thousand EiB (no GPU memory or KV cache is near it): significant digits with an exponent.
  if (abs >= 1000 * eib) return `${(bytes / eib).toExponential(2)} EiB`;
  if (abs >= eib) return `${(bytes / eib).toFixed(2)} EiB`;
  if (abs >= 1024 ** 2 * GIB) return `${(bytes / (1024 ** 2 * GIB)).toFixed(2)} PiB`;
  if (abs >= 1024 * GIB) return `${(bytes / (1024 * GIB)).toFixed(2)} TiB`;
  if (abs >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (abs >= MIB) return `${(bytes / MIB).toFixed(2)} MiB`;
  if (abs >= KIB) return `${(bytes / KIB).toFixed(2)} KiB`;
  return `${bytes} B`;
}

/** FLOPs as GFLOP/TFLOP/PFLOP. */
export function formatFlops(flops: number): string {
  if (flops >= 1e15) return `${(flops / 1e15).toFixed(2)} PFLOP`;
  if (flops >= 1e12) return `${(flops / 1e12).toFixed(2)} TFLOP`;
  if (flops >= 1e9) return `${(flops / 1e9).toFixed(2)} GFLOP`;
  return `${(flops / 1e6).toFixed(2)} MFLOP`;
}

/**
 * "MFU 42.6%": model FLOPs/s over the dense BF16 peak (the convention of DeepSeek, Meta and Megatron).
 * FP8 runs can exceed 100% of it, so they say which peak they are measured against.
 */
export function mfuLabel(mfu: number, precision: string): string {
  return `MFU ${(100 * mfu).toFixed(1)}%${precision === 'fp8' ? ' of the BF16 peak' : ''}`;
}

/** A figure with its P10–P90 range in the same format: "$5.90M (P10 $4.90M – P90 $7.10M)". */
export function formatWithRange(
  value: number,
  range: { readonly p10: number; readonly p90: number },
  format: (x: number) => string,
): string {
  return `${format(value)} (P10 ${format(range.p10)} – P90 ${format(range.p90)})`;
}

/**
 * Text from a file quoted in a message with its control characters shown as `\uXXXX` escapes: the
 * terminal would strip them (cli/format.ts), leaving "unknown field 'gpu'; did you mean 'gpu'?".
 */
export const visibleText = (text: string): string =>
  text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: showing them is the point
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
