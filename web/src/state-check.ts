/**
 * A decoded app state checked field by field against the default state's shape, the domains
 * (src/core/domain.ts) and the choice lists: what a crafted or stale link holds cannot break a view.
 */
import type { Domain } from '../../src/core/domain.js';
import { describeDomain, inDomain } from '../../src/core/domain.js';
import { type AppState, STATE_CHOICES, STATE_DOMAINS, VIEWS, type View } from './state.js';

/** A decoded state checked field by field against `fallback`'s shape and the domains: a wrong type, a value out of its domain or an unknown choice becomes the fallback's, with a message. */
export function checkState(raw: unknown, fallback: AppState): { state: AppState; issues: string[] } {
  const issues: string[] = [];
  const parsed = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const section = <K extends Exclude<keyof AppState, 'view'>>(key: K): AppState[K] => {
    const base = fallback[key] as unknown as Record<string, unknown>;
    const given = parsed[key];
    if (given === undefined) return fallback[key];
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      issues.push(`${key}: not a set of fields; using the defaults`);
      return fallback[key];
    }
    const out: Record<string, unknown> = { ...base };
    const domains: Readonly<Record<string, Domain>> =
      (STATE_DOMAINS as Partial<Record<string, Record<string, Domain>>>)[key] ?? {};
    const choices: Readonly<Record<string, readonly string[]>> = STATE_CHOICES[key] ?? {};
    for (const [field, value] of Object.entries(given as Record<string, unknown>)) {
      if (!Object.hasOwn(base, field)) continue;
      const d = Object.hasOwn(domains, field) ? domains[field] : undefined;
      const allowed = Object.hasOwn(choices, field) ? choices[field] : undefined;
      const fallbackValue = base[field];
      const bad = (why: string) =>
        issues.push(`${key}.${field}: ${why}; using ${JSON.stringify(fallbackValue)}`);
      if (d !== undefined) {
        if (key === 'train' && field === 'usdPerGpuHour' && value === null) out[field] = null;
        else if (typeof value !== 'number' || !inDomain(value, d))
          bad(`${describeDomain(d)} (${d.what}), got ${JSON.stringify(value)}`);
        else out[field] = value;
      } else if (allowed !== undefined) {
        if (typeof value === 'string' && allowed.includes(value)) out[field] = value;
        else bad(`must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
      } else if (fallbackValue === null || typeof fallbackValue === 'string') {
        if (typeof value === 'string' && value.length <= 1_000_000) out[field] = value;
        else if (value === null && fallbackValue === null) out[field] = null;
        else if (!(value === null && (field === 'config' || field === 'configName'))) bad('expected text');
        else out[field] = null;
      } else if (typeof value === typeof fallbackValue) out[field] = value;
      else bad(`expected ${typeof fallbackValue}`);
    }
    return out as unknown as AppState[K];
  };
  const view = VIEWS.some((v) => v.id === parsed.view) ? (parsed.view as View) : fallback.view;
  const views = VIEWS.map((v) => v.id).join(', ');
  if (parsed.view !== undefined && view !== parsed.view)
    issues.push(`view: must be one of ${views}, got ${JSON.stringify(parsed.view)}`);
  return {
    state: {
      view,
      train: section('train'),
      adapt: section('adapt'),
      rl: section('rl'),
      serve: section('serve'),
      project: section('project'),
      levers: section('levers'),
      scaling: section('scaling'),
    },
    issues,
  };
}
