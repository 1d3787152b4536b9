/** CLI output: tables and JSON; the number formatters live in core/format (shared with the web app). */
import { InternalError } from '../core/errors.js';

export {
  formatBytes,
  formatCount,
  formatFlops,
  formatSignedUsd,
  formatUsd,
} from '../core/format.js';

/** Aligned text table; numeric-looking cells are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (s: string) => /^[-+$]?[\d.,]+\s?[%A-Za-z/]*\s?[A-Za-z/]*$/.test(s);
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric(c) && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** JSON for `--json`: refuses NaN and ±Infinity, which JSON cannot represent honestly. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (key, v) => {
      if (typeof v === 'number' && !Number.isFinite(v))
        throw new InternalError(`non-finite number in output at '${key}'`);
      return v;
    },
    2,
  );
}
