/** Display formatting: the only place (with the catalog loader) where prefixed units appear. */
import { InternalError } from '../core/errors.js';
import { GIB } from '../core/units.js';

/** 671026419200 → "671.03B"; 124439808 → "124.44M". */
export function formatCount(n: number, digits = 2): string {
  const abs = Math.abs(n);
  if (abs >= 1e12) return `${(n / 1e12).toFixed(digits)}T`;
  if (abs >= 1e9) return `${(n / 1e9).toFixed(digits)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(digits)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(digits)}K`;
  return `${Number.isInteger(n) ? n : n.toFixed(digits)}`;
}

/** Dollars: $0.097, $2.45, $1.29K. */
export function formatUsd(usd: number): string {
  if (Math.abs(usd) >= 1e3) return `$${formatCount(usd)}`;
  return `$${usd.toFixed(Math.abs(usd) < 1 ? 3 : 2)}`;
}

/** A change in dollars with its sign: −$3.51M, +$2.75M, ±$0. */
export function formatSignedUsd(usd: number): string {
  return Math.abs(usd) < 0.005 ? '±$0' : `${usd < 0 ? '−' : '+'}${formatUsd(Math.abs(usd))}`;
}

/** Bytes as GiB (or MiB/KiB when small). */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (abs >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(2)} MiB`;
  if (abs >= 1024) return `${(bytes / 1024).toFixed(2)} KiB`;
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
 * Text safe for a terminal: escape sequences (CSI, OSC), other control characters (all but tab and
 * newline, carriage return included) and bidirectional overrides removed. Every line the CLI prints
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
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
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
