/**
 * Heavy work off the page: layout searches, Monte Carlo, lever waterfalls and the validation cases,
 * all on the same core as the CLI. Messages: {id, task, …} in; progress, result or error out.
 */
import { parseHTML } from 'linkedom';
import { ZodError } from 'zod';
import { findModel } from '../../src/catalog/catalog.js';
import { InputError } from '../../src/core/errors.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { evaluateState, runWaterfall, stateFor } from '../../src/levers/levers.js';
import { PRESETS } from '../../src/levers/presets.js';
import { leverStudySchema, trainingBaselineSchema } from '../../src/levers/schema.js';
import { analyseScenario, analysisHtml, analysisMarkdown } from '../../src/scenario/analyse.js';
import { HEADLINES } from '../../src/scenario/evaluate.js';
import { parseScenario } from '../../src/scenario/load.js';
import { scenarioCsv } from '../../src/scenario/report.js';
import { errorStatistics, runAllServingCases } from '../../src/validation/serving-cases.js';
import { runAllTrainingCases } from '../../src/validation/training-cases.js';
import type { TrainInput } from './state.js';

export type Task =
  | { readonly task: 'train'; readonly input: TrainInput }
  | { readonly task: 'scenario'; readonly yaml: string; readonly samples: number; readonly seed: number }
  | { readonly task: 'levers'; readonly preset: string }
  | { readonly task: 'validate' };

interface Scope {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: Task & { id: number } }) => void) | null;
}
const scope = self as unknown as Scope;

function train(input: TrainInput) {
  const baseline = trainingBaselineSchema.parse({
    kind: 'train',
    model: input.model,
    tokens: input.tokens,
    gpu: input.gpu,
    gpus: input.gpus,
    precision: input.precision,
    seqLen: input.seqLen,
    usdPerGpuHour: input.usdPerGpuHour ?? undefined,
  });
  if (input.config === null) {
    const entry = findModel(input.model, 'model');
    return evaluateState(stateFor(entry.id, modelSpecFrom(entry.config, entry.name), baseline));
  }
  let config: unknown;
  try {
    config = JSON.parse(input.config);
  } catch (error) {
    throw new InputError({
      code: 'malformed',
      path: ['config.json'],
      message: `not JSON: ${(error as Error).message}`,
    });
  }
  const name = input.configName ?? 'config.json';
  return evaluateState(stateFor(name, modelSpecFrom(config, name), baseline));
}

/** A validation case's row: what, where published, predicted vs published. */
const caseRow = (r: {
  case: { id: string; title: string; published: number; tolerance: number; source: string; locator: string };
  predicted: number;
  error: number;
  withinTolerance: boolean;
}) => ({
  id: r.case.id,
  title: r.case.title,
  published: r.case.published,
  predicted: r.predicted,
  error: r.error,
  tolerance: r.case.tolerance,
  withinTolerance: r.withinTolerance,
  source: `${r.case.source}, ${r.case.locator}`,
});

function run(task: Task, progress: (done: number, total: number) => void): unknown {
  switch (task.task) {
    case 'train':
      return train(task.input);
    case 'scenario': {
      const a = analyseScenario(parseScenario(task.yaml, 'scenario'), {
        samples: task.samples,
        seed: task.seed,
        onProgress: progress,
      });
      const { document } = parseHTML('<!doctype html><html><body></body></html>');
      return {
        headlines: Object.fromEntries(HEADLINES.map((h) => [h, a.result[h]])),
        monteCarlo: a.monteCarlo?.outputs ?? null,
        html: analysisHtml(a, document as unknown as Document),
        markdown: analysisMarkdown(a),
        csv: scenarioCsv(a.result),
      };
    }
    case 'levers': {
      const preset = PRESETS[task.preset];
      if (!preset)
        throw new InputError({
          code: 'unknown_id',
          path: ['preset'],
          message: `unknown preset '${task.preset}'`,
        });
      return runWaterfall(leverStudySchema.parse(preset));
    }
    case 'validate': {
      const serving = runAllServingCases();
      return {
        training: runAllTrainingCases().map(caseRow),
        serving: serving.map(caseRow),
        servingStatistics: errorStatistics(serving),
      };
    }
  }
}

scope.onmessage = (event) => {
  const { id, ...task } = event.data;
  try {
    const value = run(task as Task, (done, total) =>
      scope.postMessage({ id, type: 'progress', done, total }),
    );
    scope.postMessage({ id, type: 'result', value });
  } catch (error) {
    const issues =
      error instanceof InputError || error instanceof ZodError
        ? error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
        : [{ path: '', message: `internal error: ${(error as Error).message}` }];
    scope.postMessage({ id, type: 'error', issues });
  }
};
