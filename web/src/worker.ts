/**
 * Heavy work off the page: layout searches, Monte Carlo, lever waterfalls and the validation cases,
 * all on the same core as the CLI. Messages: {id, task, …} in; progress, result or error out.
 */
import { parseHTML } from 'linkedom';
import { ZodError } from 'zod';
import { findApi, findModel } from '../../src/catalog/catalog.js';
import { planRlRun, RL_DEFAULTS } from '../../src/catalog/rl-run.js';
import { resolveHardware } from '../../src/catalog/training-defaults.js';
import { InputError } from '../../src/core/errors.js';
import {
  apiUsdPerDay,
  planDeployments,
  selfHostVsApi,
  volumeGrid,
} from '../../src/core/inference/deployment.js';
import { maxConcurrency, servingPoint } from '../../src/core/inference/serving.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { requestsPerSecondFor } from '../../src/core/units.js';
import {
  baselineState,
  evaluateState,
  runWaterfall,
  type ServingState,
  servingCandidates,
  stateFor,
} from '../../src/levers/levers.js';
import { PRESETS } from '../../src/levers/presets.js';
import { baselineSchema, leverStudySchema } from '../../src/levers/schema.js';
import { analyseScenario, analysisHtml, analysisMarkdown } from '../../src/scenario/analyse.js';
import { HEADLINES, phaseRanges } from '../../src/scenario/evaluate.js';
import { parseScenario } from '../../src/scenario/load.js';
import { scenarioCsv } from '../../src/scenario/report.js';
import { errorStatistics, runAllServingCases } from '../../src/validation/serving-cases.js';
import { runAllTrainingCases } from '../../src/validation/training-cases.js';
import type { RlInput } from './state.js';

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
  | { readonly task: 'serve'; readonly baseline: unknown; readonly api: string }
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.text);
  } catch (error) {
    throw new InputError({
      code: 'malformed',
      path: ['config.json'],
      message: `not JSON: ${(error as Error).message}`,
    });
  }
  return stateFor(config.name, modelSpecFrom(parsed, config.name), b);
}

/** GRPO post-training as `llmecon rl` plans it (catalog model, defaults for what the view does not set). */
function rl(input: RlInput) {
  const entry = findModel(input.model, 'model');
  const spec = modelSpecFrom(entry.config, entry.name);
  return planRlRun(spec, resolveHardware(input.gpu, undefined), {
    promptsPerStep: input.prompts,
    samplesPerPrompt: input.samplesPerPrompt,
    promptTokens: input.promptTokens,
    responseTokens: input.responseTokens,
    steps: input.steps,
    method: input.method,
    ...RL_DEFAULTS,
    gpus: input.gpus,
    usdPerGpuHour: input.usdPerGpuHour,
  }).summary;
}

/** Self-hosting at the state's traffic and over a range of volumes against a catalog API's prices. */
function serve(baseline: unknown, apiId: string) {
  const s = state(baseline) as ServingState;
  if (s.kind !== 'serve')
    throw new InputError({ code: 'invalid_value', path: ['kind'], message: 'a serving baseline' });
  const outcome = evaluateState(s);
  const api = findApi(apiId, 'api');
  const price = {
    inputUsdPerMillion: api.prices.input.value,
    cachedInputUsdPerMillion: api.prices.cachedInput?.value,
    outputUsdPerMillion: api.prices.output.value,
  };
  const rps = requestsPerSecondFor(s.tokensPerDay, s.workload.inputTokens + s.workload.outputTokens);
  const candidates = servingCandidates(s);
  const curve = selfHostVsApi(s.spec, candidates, s.workload, price, s.slo, volumeGrid(1e6, 1e12));
  // Throughput and latency of the chosen replica as the batch grows (continuous batching).
  const best = planDeployments(s.spec, candidates, s.workload, rps, s.slo)[0]!;
  const c = best.candidate;
  const most = maxConcurrency(s.spec, c.cluster, c.replica, s.workload);
  const batches = [...new Set(volumeGrid(1, Math.max(1, most), 6).map((b) => Math.max(1, Math.floor(b))))];
  const batching = batches.map((concurrency) => {
    const p = servingPoint(s.spec, c.cluster, c.replica, s.workload, concurrency);
    return {
      concurrency,
      outputTokensPerSecondPerGpu: p.outputTokensPerSecondPerGpu,
      tpotSeconds: p.tpotSeconds,
      ttftSeconds: p.ttftSeconds,
    };
  });
  return {
    outcome,
    api: api.id,
    apiUsdPerDay: apiUsdPerDay(price, s.workload, rps),
    curve,
    batching,
    chosenConcurrency: best.point.concurrency,
  };
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
      return serve(task.baseline, task.api);
    case 'rl':
      return rl(task.input);
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
        ? error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
        : [{ path: '', message: `internal error: ${(error as Error).message}` }];
    scope.postMessage({ id, type: 'error', issues });
  }
};
