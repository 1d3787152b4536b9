/**
 * A scenario's full analysis — central result, tornado and (optionally) Monte Carlo — and its HTML
 * report: what `llmecon run` prints, shared with the web app and the browser tests.
 */
import { type MonteCarloResult, monteCarlo, tornado } from '../core/uncertainty/monte-carlo.js';
import {
  evaluateScenario,
  HEADLINES,
  type Headline,
  type PreparedScenario,
  type ProjectResult,
  prepareScenario,
} from './evaluate.js';
import { scenarioReportHtml } from './html.js';
import { scenarioReportMarkdown } from './report.js';
import type { Scenario } from './schema.js';

export interface ScenarioAnalysis {
  readonly prepared: PreparedScenario;
  readonly result: ProjectResult;
  /** NPV when the scenario earns revenue, total cost otherwise. */
  readonly output: Headline;
  readonly sensitivity: {
    readonly output: Headline;
    readonly tornado: ReturnType<typeof tornado<string, Headline>>;
  };
  readonly monteCarlo: MonteCarloResult<Headline> | null;
}

export function analyseScenario(
  scenario: Scenario,
  options: {
    readonly samples: number;
    readonly seed: number;
    readonly onProgress?: (done: number, total: number) => void;
  },
): ScenarioAnalysis {
  const prepared = prepareScenario(scenario);
  const result = evaluateScenario(prepared);
  const headlines = (values: Readonly<Record<string, number>>) => {
    const r = evaluateScenario(prepared, values);
    return Object.fromEntries(HEADLINES.map((h) => [h, r[h]])) as Record<Headline, number>;
  };
  const output: Headline = result.revenueUsd > 0 ? 'npvUsd' : 'totalCostUsd';
  const mc =
    options.samples > 0 && Object.keys(prepared.uncertain).length > 0
      ? monteCarlo(prepared.uncertain, headlines, options)
      : null;
  return {
    prepared,
    result,
    output,
    sensitivity: { output, tornado: tornado(prepared.uncertain, headlines, output) },
    monteCarlo: mc,
  };
}

export const analysisMarkdown = (a: ScenarioAnalysis): string =>
  scenarioReportMarkdown(a.prepared, a.result, a.monteCarlo, a.sensitivity);

/** The self-contained HTML report (Markdown + Observable Plot charts) of an analysis. */
export function analysisHtml(a: ScenarioAnalysis, document: Document): string {
  return scenarioReportHtml(
    {
      prepared: a.prepared,
      result: a.result,
      markdown: analysisMarkdown(a),
      histogram: a.monteCarlo ? { output: a.output, histogram: a.monteCarlo.histograms[a.output] } : null,
      tornado: { output: a.output, ...a.sensitivity.tornado },
    },
    document,
  );
}
