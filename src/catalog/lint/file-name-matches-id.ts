import type { LintRule } from './lint-types.js';

/** `catalog/gpus/h100-sxm.json` must have `"id": "h100-sxm"` (single files such as assumptions.json have no id). */
export const fileNameMatchesId: LintRule = ({ files }) =>
  Object.entries(files)
    .filter(([file]) => file.includes('/') && !file.startsWith('validation/'))
    .flatMap(([file, json]) => {
      const id = (json as { id?: unknown }).id;
      const expected = file.split('/').pop();
      return id === expected
        ? []
        : [
            {
              rule: 'file-name-matches-id',
              file,
              message: `id '${String(id)}' does not match the file name '${expected}'`,
            },
          ];
    });
