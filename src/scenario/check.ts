/**
 * The checks a scenario needs beyond its schema — catalog ids, an RL rollout within the model's
 * context, a precision the GPU has — the same ones the CLI makes on its flags, so that a scenario
 * accepts nothing the CLI refuses. Each issue names the scenario path (`phases[0].seqLen`), never a flag.
 * A training or served length beyond the context is computed, with a warning (prepare.ts), as in the CLI.
 */

import { type Accelerator, findApi, findGpu, findGrid, findModel } from '../catalog/catalog.js';
import { InputError, type InputIssue } from '../core/errors.js';
import { type TrainingPrecision, trainingPrecisionError } from '../core/memory/training-memory.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import { formatSupportError } from '../core/precision.js';
import type { Scenario } from './schema.js';

type Path = readonly (string | number)[];

/** The lookup's value, or its issue moved to `path` (a catalog lookup names the CLI flag). */
function found<T>(issues: InputIssue[], path: Path, lookup: () => T): T | null {
  try {
    return lookup();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const issue of error.issues) issues.push({ ...issue, path });
    return null;
  }
}

export function scenarioCatalogIssues(s: Scenario): InputIssue[] {
  const issues: InputIssue[] = [];
  const entry = found(issues, ['model'], () => findModel(s.model));
  found(issues, ['region'], () => findGrid(s.region));
  const spec =
    entry === null ? null : found(issues, ['model'], () => modelSpecFrom(entry.config, entry.name));
  const context = (path: Path, tokens: number, what: string) => {
    if (spec !== null && tokens > spec.maxContextTokens)
      issues.push({
        code: 'invalid_value',
        path,
        message: `${what} ${tokens} exceeds ${spec.name}'s maximum context of ${spec.maxContextTokens} tokens`,
      });
  };
  const precision = (path: Path, gpu: Accelerator | null, p: TrainingPrecision, method?: string) => {
    const unsupported = gpu === null ? null : trainingPrecisionError(p, gpu, method);
    if (unsupported !== null) issues.push({ code: 'infeasible', path, message: unsupported });
  };
  for (const [i, phase] of s.phases.entries()) {
    const at = (field: string): Path => ['phases', i, field];
    const gpu = found(issues, at('gpu'), () => findGpu(phase.gpu));
    switch (phase.kind) {
      case 'pretrain':
        precision(at('precision'), gpu, phase.precision);
        break;
      case 'finetune':
        precision(at('precision'), gpu, phase.precision, phase.method);
        break;
      case 'rl':
        precision(at('precision'), gpu, phase.precision, phase.method);
        context(
          at('responseTokens'),
          phase.promptTokens + phase.responseTokens,
          'promptTokens + responseTokens =',
        );
        break;
      case 'serve':
        for (const field of ['weights', 'kv'] as const) {
          const format = phase[field];
          const unsupported =
            gpu === null || format === undefined ? null : formatSupportError(format, gpu, field);
          if (unsupported !== null)
            issues.push({ code: 'infeasible', path: at(field), message: unsupported });
        }
        if (phase.compareWithApi !== undefined)
          found(issues, at('compareWithApi'), () => findApi(phase.compareWithApi!));
        break;
    }
  }
  return issues;
}
