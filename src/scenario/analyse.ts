/**
 * A scenario's full analysis — central result, tornado and (optionally) Monte Carlo — and its HTML
 * report: what `llmecon run` prints, shared with the web app and the browser tests.
 */
import { DoesNotFitError, InputError, type InputIssue } from '../core/errors.js';
import { LayoutDoesNotFitError } from '../core/training/plan.js';
import { type MonteCarloResult, monteCarlo, tornado } from '../core/uncertainty/monte-carlo.js';
import { checkSamples, sensitivityWorkIssue } from './bounds.js';
import {
  evaluateScenario,
  HEADLINES,
  type Headline,
  type PreparedScenario,
  type ProjectResult,
  prepareScenario,
} from './evaluate.js';
import { FIELD_OF_FLAG, scenarioText } from './flag-fields.js';
import { scenarioReportHtml } from './html.js';
import { type Locate, withLine } from './load.js';
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

/**
 * The engines' preparation; an input error they raise is moved onto the scenario path of the phase
 * that caused it (found by preparing each phase alone), never a CLI flag, and a layout that does not
 * fit in memory becomes a {@link DoesNotFitError} (exit 3, as in the CLI).
 */
function preparedOrPlaced(scenario: Scenario, locate: Locate | undefined): PreparedScenario {
  try {
    return prepareScenario(scenario);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const failing = scenario.phases.findIndex((phase) => {
      try {
        prepareScenario({ ...scenario, phases: [phase] });
        return false;
      } catch (inner) {
        return inner instanceof InputError;
      }
    });
    const placed = error.issues.map((issue): InputIssue => {
      const head = issue.path[0];
      if (head === 'phases') {
        // Placed by the phase already: add the line of its field (or of the phase, for a field it leaves out).
        if (issue.message.startsWith('line ')) return issue;
        return withLine(issue, locate?.(issue.path) ?? locate?.(issue.path.slice(0, 2)) ?? null);
      }
      if (failing < 0) return issue;
      const name = scenario.phases[failing]!.name;
      const field =
        typeof head === 'string' ? (head === 'model' ? 'model' : (FIELD_OF_FLAG[head] ?? 'gpus')) : 'gpus';
      const path = head === 'model' || head === '--region' ? [field] : ['phases', failing, field];
      const line = locate?.(path) ?? null;
      return {
        ...issue,
        path,
        message: `${line === null ? '' : `line ${line}: `}${path[0] === 'phases' ? `${name}: ` : ''}${scenarioText(issue.message)}`,
      };
    });
    throw error instanceof LayoutDoesNotFitError || error instanceof DoesNotFitError
      ? new DoesNotFitError(placed)
      : new InputError(placed);
  }
}

export function analyseScenario(
  scenario: Scenario,
  options: {
    readonly samples: number;
    readonly seed: number;
    readonly onProgress?: (done: number, total: number) => void;
    /** The line of a scenario path in its text, for errors the engines raise. */
    readonly locate?: Locate;
    /**
     * Draw each phase's GPU-hours from its calibration band in the Monte Carlo and show its P10–P90
     * (default true); false gives the user's distributions alone, as before the bands.
     */
    readonly bands?: boolean;
  },
): ScenarioAnalysis {
  const placed = preparedOrPlaced(scenario, options.locate);
  const prepared = options.bands === false ? { ...placed, bands: {} } : placed;
  const result = evaluateScenario(prepared);
  const headlines = (values: Readonly<Record<string, number>>) => {
    const r = evaluateScenario(prepared, values);
    return Object.fromEntries(HEADLINES.map((h) => [h, r[h]])) as Record<Headline, number>;
  };
  const output: Headline = result.revenueUsd > 0 ? 'npvUsd' : 'totalCostUsd';
  if (options.samples > 0) checkSamples(scenario, options.samples, ['samples']);
  const tooMuch = sensitivityWorkIssue(scenario, Object.keys(prepared.uncertain).length);
  if (tooMuch) throw new InputError(withLine(tooMuch, options.locate?.(tooMuch.path) ?? null));
  const drawn = Object.keys(prepared.uncertain).length + Object.keys(prepared.bands).length;
  const mc =
    options.samples > 0 && drawn > 0
      ? monteCarlo(prepared.uncertain, headlines, { ...options, independent: prepared.bands })
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
      histogram: a.monteCarlo
        ? {
            output: a.output,
            histogram: a.monteCarlo.histograms[a.output],
            percentiles: a.monteCarlo.outputs[a.output],
          }
        : null,
      tornado: { output: a.output, ...a.sensitivity.tornado },
    },
    document,
  );
}
