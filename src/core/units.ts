/**
 * Units. Inside the core every quantity is in SI base units (FLOPs, bytes, seconds, watts) or USD, and
 * every name carries its unit. Prefixes (GB, GiB, TFLOP/s) exist only in the catalog and the display
 * layer; this module converts between the two.
 */
import { inputError } from './errors.js';

export const KIB = 1024;
export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;

export const SECONDS_PER_HOUR = 3600;
export const SECONDS_PER_DAY = 86_400;
/** Julian year, 365.25 days. */
export const HOURS_PER_YEAR = 8766;
/** A twelfth of a Julian year, 730.5 h. */
export const HOURS_PER_MONTH = HOURS_PER_YEAR / 12;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

/** Request rate that carries `tokensPerDay` at `tokensPerRequest` (input + output) tokens a request. */
export function requestsPerSecondFor(tokensPerDay: number, tokensPerRequest: number): number {
  return tokensPerDay / tokensPerRequest / SECONDS_PER_DAY;
}

/** Tokens a day at `requestsPerSecond` requests of `tokensPerRequest` tokens. */
export function tokensPerDayAt(requestsPerSecond: number, tokensPerRequest: number): number {
  return requestsPerSecond * tokensPerRequest * SECONDS_PER_DAY;
}

/** Decimal SI multipliers accepted in counts: `14.8T`, `2.788M`, `7B`, `4k`. */
const COUNT_SUFFIX: Readonly<Record<string, number>> = {
  k: 1e3,
  K: 1e3,
  M: 1e6,
  B: 1e9,
  G: 1e9,
  T: 1e12,
  P: 1e15,
};

/**
 * Parses a human count: `14.8T`, `2.788M`, `1.5e12`, `4096`, `4,096`, `7B`.
 * Throws an InputError naming `field` when the text is not a finite number.
 *
 * @example parseCount('14.8T', '--tokens') // 14_800_000_000_000
 */
export function parseCount(text: string, field: string): number {
  const trimmed = text
    .trim()
    .replace(/_/g, '')
    .replace(/,(?=\d{3}(\D|$))/g, '');
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([kKMBGTP]?)$/.exec(trimmed);
  if (!match) {
    inputError(
      'invalid_value',
      [field],
      `expected a number such as 4096, 1.5e12, 2.788M or 14.8T (suffixes k, M, B/G, T, P), got '${text}'`,
    );
  }
  const value = Number(match[1]) * (match[2] ? COUNT_SUFFIX[match[2]]! : 1);
  if (!Number.isFinite(value)) inputError('invalid_value', [field], `'${text}' is not a finite number`);
  return value;
}

/** Catalog units and their factor to SI (bytes, bytes/s, FLOP/s, W, seconds). */
export const UNIT_TO_SI: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: KIB,
  MiB: MIB,
  GiB: GIB,
  'GB/s': 1e9,
  'TB/s': 1e12,
  'Gb/s': 1e9 / 8,
  GFLOP: 1e9,
  'TFLOP/s': 1e12,
  'PFLOP/s': 1e15,
  'TOP/s': 1e12,
  W: 1,
  kW: 1e3,
  us: 1e-6,
  ms: 1e-3,
  s: 1,
  'USD/GPU-hour': 1,
  'USD/kWh': 1,
  'USD/M tokens': 1,
  'USD/GB-month': 1,
  USD: 1,
  count: 1,
  kgCO2e: 1,
  'gCO2e/kWh': 1,
  ratio: 1,
  /** A benchmark score on its own scale (MMLU %, AIME pass@1 %). */
  score: 1,
};

/** Converts a catalog value in `unit` to SI; unknown units are a catalog bug caught by the schema. */
export function toSi(value: number, unit: string): number {
  const factor = UNIT_TO_SI[unit];
  if (factor === undefined) throw new Error(`unknown unit '${unit}'`);
  return value * factor;
}
