/**
 * Speed goal (issue 6): 100,000 Monte Carlo samples of the DeepSeek-V3 scenario in ≤ 1 s on one core.
 * The engines run once per phase (prepareScenario); each sample re-evaluates only the monthly cash flows.
 */
import { readFileSync } from 'node:fs';
import { bench, describe } from 'vitest';
import { monteCarlo } from '../src/core/uncertainty/monte-carlo.js';
import { evaluateScenario, HEADLINES, type Headline, prepareScenario } from '../src/scenario/evaluate.js';
import { parseScenario } from '../src/scenario/load.js';

const prepared = prepareScenario(
  parseScenario(readFileSync(new URL('../examples/deepseek-v3.yaml', import.meta.url), 'utf8')),
);
const model = (values: Readonly<Record<string, number>>) => {
  const r = evaluateScenario(prepared, values);
  return Object.fromEntries(HEADLINES.map((h) => [h, r[h]])) as Record<Headline, number>;
};

describe('scenario Monte Carlo', () => {
  bench(
    'DeepSeek-V3 scenario, 100,000 samples',
    () => {
      monteCarlo(prepared.uncertain, model, { samples: 100_000, seed: 1 });
    },
    { iterations: 3 },
  );
});
