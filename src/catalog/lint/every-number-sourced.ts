import type { LintIssue, LintRule } from './lint-types.js';

/**
 * No bare numbers: every number in a data file sits in a `{value, unit, source, kind}` object.
 * A model's `config` is exempt: it is a verbatim Hugging Face file, sourced as a whole by `configSource`.
 */
export const everyNumberSourced: LintRule = ({ files }) =>
  Object.entries(files)
    // Validation cases cite their source per case (source + locator); their numbers are the case.
    // Kernel measurement files cite one source, date and method for all their rows.
    .filter(([file]) => !file.startsWith('validation/') && !file.startsWith('kernels/'))
    .flatMap(([file, json]) => bareNumbers(json, '', file));

function bareNumbers(node: unknown, path: string, file: string): LintIssue[] {
  if (typeof node === 'number') {
    return [
      {
        rule: 'every-number-sourced',
        file,
        message: `${path} is a bare number; wrap it as {value, unit, source, kind}`,
      },
    ];
  }
  if (Array.isArray(node)) return node.flatMap((child, i) => bareNumbers(child, `${path}[${i}]`, file));
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  if ('value' in record && 'source' in record) {
    const missing = ['unit', 'kind'].filter((k) => !(k in record));
    return missing.length === 0
      ? []
      : [{ rule: 'every-number-sourced', file, message: `${path} lacks ${missing.join(' and ')}` }];
  }
  return Object.entries(record)
    .filter(([key]) => !(path === '' && key === 'config'))
    .flatMap(([key, child]) => bareNumbers(child, path ? `${path}.${key}` : key, file));
}
