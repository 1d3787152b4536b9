/**
 * Heavy work off the page: layout searches, Monte Carlo, lever waterfalls and the validation cases,
 * all on the same core as the CLI. Messages: {id, task, …} in; progress, result or error out.
 */
import { parseHTML } from 'linkedom';
import { ZodError } from 'zod';
import { InputError } from '../../src/core/errors.js';
import { checkpointFormat } from '../../src/core/model/checkpoint-format.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { baselineState, evaluateState, runWaterfall, stateFor } from '../../src/levers/levers.js';
import { PRESETS } from '../../src/levers/presets.js';
import { baselineSchema, leverStudySchema } from '../../src/levers/schema.js';
import { analyseScenario, analysisHtml, analysisMarkdown } from '../../src/scenario/analyse.js';
import { HEADLINES, phaseRanges } from '../../src/scenario/evaluate.js';
import { parseScenario } from '../../src/scenario/load.js';
import { scenarioCsv } from '../../src/scenario/report.js';
import { errorStatistics, runAllServingCases } from '../../src/validation/serving-cases.js';
import { runAllTrainingCases } from '../../src/validation/training-cases.js';
import { parseConfigUpload } from './config-upload.js';
import { webText } from './flag-labels.js';
import { rlTask } from './rl.js';
import { apiTask, serveTask, simulateTask } from './serving.js';
import type { RlInput, ServeInput } from './state.js';

export type Task =
  | {
      readonly task: 'evaluate';
      /** A lever baseline (train, finetune or serve), validated here by the same schema as `llmecon levers`. */
      readonly baseline: unknown;
      /** An uploaded config.json (text) standing in for the baseline's catalog model. */
      readonly config?: { readonly text: string; readonly name: string } | null;
      /** Also the step breakdown and the time-vs-GPUs Pareto set (a wider search). */
      readonly details?: boolean;
    }
  /** The Serve view: deployment, band and frontier; one replica simulated; self-hosting vs an API. */
  | { readonly task: 'serve'; readonly input: ServeInput }
  | { readonly task: 'simulate'; readonly input: ServeInput }
  | { readonly task: 'compare-api'; readonly input: ServeInput }
  | { readonly task: 'rl'; readonly input: RlInput }
  | { readonly task: 'scenario'; readonly yaml: string; readonly samples: number; readonly seed: number }
  | { readonly task: 'levers'; readonly preset: string }
  | { readonly task: 'validate' };

interface Scope {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: Task & { id: number } }) => void) | null;
}
const scope = self as unknown as Scope;

/** The state `llmecon levers` would start from, or the same with an uploaded config's model. */
function state(baseline: unknown, config?: { text: string; name: string } | null) {
  const b = baselineSchema.parse(baseline);
  if (!config) return baselineState(b);
  // Read as the CLI reads a config file (Python's bare Infinity/NaN included).
  const parsed = parseConfigUpload(config.text, config.name);
  return stateFor(config.name, modelSpecFrom(parsed, config.name), b, checkpointFormat(parsed));
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
    case 'evaluate':
      return evaluateState(state(task.baseline, task.config), task.details ?? false);
    case 'serve':
      return serveTask(task.input);
    case 'simulate':
      return simulateTask(task.input);
    case 'compare-api':
      return apiTask(task.input);
    case 'rl':
      return rlTask(task.input);
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
        phaseRanges: phaseRanges(a.prepared),
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
        ? error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: webText(i.message) }))
        : [{ path: '', message: `internal error: ${(error as Error).message}` }];
    scope.postMessage({ id, type: 'error', issues });
  }
};
