/** Parsing of numeric and enum CLI options into checked values, with errors naming the flag. */

import { checkDomain, DEFAULT_COUNT, type Domain, FLAG_DOMAINS } from '../core/domain.js';
import { InputError, inputError } from '../core/errors.js';
import {
  TRAINING_PRECISIONS,
  type TrainingPrecision,
  trainingPrecisionError,
} from '../core/memory/training-memory.js';
import { beyondContextWarning, defaultTrainingSeqLen } from '../core/model/context-limit.js';
import { parseCount } from '../core/units.js';

/** The flag's domain (src/core/domain.ts), with at least the lower bound the caller needs. */
function flagDomain(flag: string, integer: boolean): Domain {
  const d = FLAG_DOMAINS[flag] ?? DEFAULT_COUNT;
  return integer
    ? { ...d, integer: true, min: Math.max(1, d.min), minExclusive: false }
    : { ...d, min: Math.max(0, d.min), minExclusive: d.min <= 0 ? true : d.minExclusive };
}

/** A whole number ≥ 1 within the flag's documented maximum (`1.5`, `12abc`, `6e15` GPUs are refused). */
export function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  return checkDomain(parseCount(text, flag), flagDomain(flag, true), [flag], text);
}

/** A number > 0 within the flag's documented maximum. */
export function positiveNumber(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  return checkDomain(parseCount(text, flag), flagDomain(flag, false), [flag], text);
}

/** A whole number ≥ 0 within the flag's domain (`--seed`). */
export function nonNegativeInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const d = FLAG_DOMAINS[flag] ?? DEFAULT_COUNT;
  return checkDomain(
    parseCount(text, flag),
    { ...d, integer: true, min: 0, minExclusive: false },
    [flag],
    text,
  );
}

/**
 * Flags that mean something only in another setting are refused there, never silently ignored:
 * `flags` maps each option key to its flag name; `context` says where they apply.
 */
export function refuseFlags(o: object, flags: Readonly<Record<string, string>>, context: string): void {
  const given = Object.entries(flags).filter(([key]) => (o as Record<string, unknown>)[key] !== undefined);
  if (given.length > 0)
    throw new InputError(
      given.map(([, flag]) => ({
        code: 'invalid_value' as const,
        path: [flag],
        message: `applies only ${context}`,
      })),
    );
}

export function oneOf<T extends string>(
  text: string | undefined,
  flag: string,
  allowed: readonly T[],
  fallback: T,
): T {
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    inputError('invalid_value', [flag], `must be one of ${allowed.join(', ')}, got '${text}'`);
  }
  return text as T;
}

/**
 * A token count against the model's context (`--seq-len`, `--context`): beyond it the figure is computed
 * as given (engines serve such lengths, context extension trains on them, with RoPE scaling), with a
 * warning that names the limit; the warnings also say how the model's config was read.
 */
export function sequenceLength(
  text: string | undefined,
  flag: string,
  model: {
    readonly name: string;
    readonly maxContextTokens: number;
    readonly learnedPositionEmbeddings?: number;
    readonly warnings?: readonly string[];
  },
  use: 'served' | 'trained' = 'trained',
  fallback: number = defaultTrainingSeqLen(model),
): { readonly tokens: number; readonly warnings: string[] } {
  const tokens = positiveInteger(text, flag, fallback);
  const warning = beyondContextWarning(model, flag, tokens, use);
  // How the config was read (a lookalike family, a structure approximated) travels with every result.
  return { tokens, warnings: [...(model.warnings ?? []), ...(warning === null ? [] : [warning])] };
}

/** A decimal number (`0.25`, `.5`, `1e-3`); not empty, not hex (`0x10`), not `Infinity`. */
const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** `text` as a decimal number; NaN for anything else (empty, hex, `Infinity`), which every range refuses. */
export function decimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}

/** A fraction in [0, 1] (`allowOne`) or [0, 1); undefined when the flag is absent. */
export function fraction(text: string | undefined, flag: string, allowOne: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = decimal(text);
  if (!(value >= 0 && (allowOne ? value <= 1 : value < 1)))
    inputError('invalid_value', [flag], `a fraction in [0, ${allowOne ? '1]' : '1)'}, got '${text}'`);
  return value;
}

/**
 * `--precision` (default bf16): a training precision this run can take on this GPU with this method,
 * refused naming the flag (training-recipes.ts trainingPrecisionError, the check scenarios make too).
 */
export function precisionFlag(
  text: string | undefined,
  gpu: Parameters<typeof trainingPrecisionError>[1],
  method?: string,
): TrainingPrecision {
  const precision = oneOf(text, '--precision', TRAINING_PRECISIONS, 'bf16');
  const unsupported = trainingPrecisionError(precision, gpu, method);
  if (unsupported !== null) inputError('infeasible', ['--precision'], unsupported);
  return precision;
}
