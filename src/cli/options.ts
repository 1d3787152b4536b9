/** Parsing of numeric and enum CLI options into checked values, with errors naming the flag. */
import { inputError } from '../core/errors.js';
import { parseCount } from '../core/units.js';

export function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = parseCount(text, flag);
  if (!Number.isInteger(value) || value < 1)
    inputError('invalid_value', [flag], `must be a whole number ≥ 1, got '${text}'`);
  return value;
}

export function positiveNumber(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = parseCount(text, flag);
  if (value <= 0) inputError('invalid_value', [flag], `must be greater than 0, got '${text}'`);
  return value;
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

/** A token count that must fit the model's context window (`--seq-len`, `--context`). */
export function contextTokens(
  text: string | undefined,
  flag: string,
  model: { readonly name: string; readonly maxContextTokens: number },
  fallback: number = Math.min(4096, model.maxContextTokens),
): number {
  const tokens = positiveInteger(text, flag, fallback);
  if (tokens > model.maxContextTokens) {
    inputError(
      'invalid_value',
      [flag],
      `${tokens} exceeds ${model.name}'s maximum context of ${model.maxContextTokens} tokens`,
    );
  }
  return tokens;
}
