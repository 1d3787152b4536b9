/**
 * Unknown keys in a strict zod schema, named as a user reads them: the keys the object at a path allows
 * (following the data through unions) and, for each unknown key, its path and the nearest allowed one.
 */
import type { z } from 'zod';
import type { InputIssue } from './errors.js';
import { visibleText } from './format.js';
import { nearMatches } from './suggest.js';

/** One issue per unknown key at `path`: "unknown field 'x'; did you mean 'y'? (allowed: …)". */
export function unknownKeyIssues(
  keys: readonly string[],
  path: readonly (string | number)[],
  allowed: readonly string[],
): InputIssue[] {
  return keys.map((key) => {
    const near = allowed.length > 0 ? nearMatches(key, allowed, 1) : [];
    return {
      code: 'unknown_field' as const,
      path: [...path, key],
      message: `unknown field '${visibleText(key)}'${near.length > 0 ? `; did you mean '${near[0]}'?` : ''}${
        allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''
      }`,
    };
  });
}

/** The keys a strict object schema at `path` allows (following the data through unions), sorted. */
export function objectKeysAt(schema: z.ZodType, path: readonly (string | number)[], data: unknown): string[] {
  const found = new Set<string>();
  const visit = (s: unknown, rest: readonly (string | number)[], value: unknown, depth: number): void => {
    if (depth > 64 || s === null || typeof s !== 'object') return;
    const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    switch (def.type) {
      case 'object': {
        const shape = def.shape as Record<string, unknown>;
        if (rest.length === 0) {
          for (const k of Object.keys(shape)) found.add(k);
          return;
        }
        const [head, ...tail] = rest;
        const next =
          value && typeof value === 'object' ? (value as Record<string, unknown>)[String(head)] : undefined;
        visit(shape[String(head)], tail, next, depth + 1);
        return;
      }
      case 'array': {
        if (rest.length === 0) return;
        const [head, ...tail] = rest;
        visit(def.element, tail, Array.isArray(value) ? value[Number(head)] : undefined, depth + 1);
        return;
      }
      case 'union': {
        const options = def.options as unknown[];
        const discriminator = def.discriminator as string | undefined;
        const given =
          discriminator && value && typeof value === 'object'
            ? (value as Record<string, unknown>)[discriminator]
            : undefined;
        for (const option of options) {
          if (given !== undefined) {
            const literal = (option as { _zod?: { def?: { shape?: Record<string, unknown> } } })._zod?.def
              ?.shape?.[discriminator!] as { _zod?: { def?: { values?: unknown[] } } } | undefined;
            const values = literal?._zod?.def?.values;
            if (values && !values.includes(given)) continue;
          }
          visit(option, rest, value, depth + 1);
        }
        return;
      }
      case 'pipe':
        visit(def.in, rest, value, depth + 1);
        visit(def.out, rest, value, depth + 1);
        return;
      default:
        if (def.innerType) visit(def.innerType, rest, value, depth + 1);
    }
  };
  visit(schema, path, data, 0);
  return [...found].sort();
}
