/** CLI output: tables and JSON; the number formatters live in core/format (shared with the web app). */
import { InternalError } from '../core/errors.js';

export {
  formatBytes,
  formatCount,
  formatDuration,
  formatFlops,
  formatLatency,
  formatMeanCount,
  formatMilliseconds,
  formatRate,
  formatSignedUsd,
  formatUsd,
  formatWithRange,
  mfuLabel,
} from '../core/format.js';

/**
 * Text safe for a terminal: escape sequences (CSI, OSC), other control characters (all but tab and
 * newline, carriage return included), bidirectional marks and overrides removed, line and paragraph
 * separators written as spaces. Every line the CLI prints
 * passes here (src/cli/main.ts), so an echoed scenario name or config `model_type` cannot drive the terminal.
 */
export function terminalSafe(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
      // Line and paragraph separators are breaks in the text: a space, as the reports write them.
      .replace(/[\u2028\u2029]/g, ' ')
  );
}

/** Longest quoted input an error message echoes whole; a longer one is cut (a pasted file, a runaway argument). */
const ECHO_MAX_CHARS = 120;

/**
 * An error line with every quoted echo of input longer than ECHO_MAX_CHARS cut to its start and its
 * length ('xxxx…' (5,000 characters)), so a 100,000-character argument does not flood the terminal.
 * A quote opens where no letter or digit precedes it and closes where none follows, so the prose
 * between two quoted names ('model_type', one of … 'dim') is never taken for an echo.
 */
export function elideLongEchoes(text: string): string {
  return text.replace(
    new RegExp(`(?<![\\p{L}\\p{N}_])'([^'\\n]{${ECHO_MAX_CHARS + 1},})'(?![\\p{L}\\p{N}_])`, 'gu'),
    (_, inner: string) => `'${inner.slice(0, 60)}…' (${inner.length.toLocaleString('en-US')} characters)`,
  );
}

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
