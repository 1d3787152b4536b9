/**
 * Fuzzing the scenario and levers study schemas (issue 15): arbitrary JSON, YAML and text always give
 * a valid value or an InputError whose every issue has a path and a message — never another exception,
 * never "Invalid input", never NaN in a message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InputError } from '../core/errors.js';
import { leverStudySchema } from '../levers/schema.js';
import { parseScenario, parseYamlWith } from './load.js';

function outcome(parse: () => unknown): 'ok' | 'input-error' {
  try {
    parse();
    return 'ok';
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) {
      expect(issue.path.length).toBeGreaterThan(0);
      // What the input itself said is quoted ('NaN' as a field name is the user's); the rest must not leak.
      expect(issue.message.replace(/'[^']*'/g, "''")).not.toMatch(
        /Invalid input|NaN|undefined|\[object Object\]/,
      );
    }
    return 'input-error';
  }
}

const nearlyValidPhase = fc.record(
  {
    kind: fc.constantFrom('pretrain', 'finetune', 'rl', 'serve', 'pretrian', 7),
    name: fc.string(),
    tokens: fc.oneof(fc.double(), fc.constantFrom('15T', '2.788M', 'lots', '0', '-1'), fc.anything()),
    gpu: fc.constantFrom('h100', 'a100', 'h1000', ''),
    gpus: fc.oneof(fc.integer(), fc.double(), fc.constant('8')),
    seqLen: fc.oneof(fc.integer(), fc.constant(1e9)),
    precision: fc.constantFrom('bf16', 'fp8', 'fp9'),
    months: fc.integer({ min: -2, max: 300 }),
    steps: fc.double(),
    inputTokens: fc.integer(),
    outputTokens: fc.integer(),
    tokensPerDay: fc.oneof(
      fc.double(),
      fc.record(
        {
          dist: fc.constantFrom('normal', 'lognormal', 'normall'),
          mean: fc.double(),
          sd: fc.double(),
          median: fc.double(),
          p90: fc.double(),
        },
        { requiredKeys: ['dist'] },
      ),
    ),
    hardware: fc.oneof(
      fc.record({ rent: fc.record({ usdPerGpuHour: fc.oneof(fc.double(), fc.anything()) }) }),
      fc.record({ buy: fc.record({ usdPerGpu: fc.double(), pue: fc.double() }, { requiredKeys: [] }) }),
      fc.anything(),
    ),
  },
  { requiredKeys: ['kind'] },
);
const nearlyValidScenario = fc.record(
  {
    name: fc.oneof(fc.string(), fc.anything()),
    model: fc.constantFrom('llama-3-8b', 'llama-9', ''),
    horizonMonths: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double()),
    discountRate: fc.oneof(
      fc.double(),
      fc.record({ dist: fc.constant('uniform'), min: fc.double(), max: fc.double() }),
    ),
    phases: fc.array(nearlyValidPhase, { maxLength: 3 }),
    staff: fc.anything(),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('fuzz: scenario files', () => {
  it('arbitrary YAML-ish text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        outcome(() => parseScenario(text, 's.yaml'));
      }),
      { numRuns: 300 },
    );
  });
  it('arbitrary JSON values, as YAML and as JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        outcome(() => parseScenario(JSON.stringify(value), 's.json'));
        outcome(() => parseScenario(stringify(value), 's.yaml'));
      }),
      { numRuns: 300 },
    );
  });
  it('nearly valid scenarios: a valid one or precise errors', () => {
    fc.assert(
      fc.property(nearlyValidScenario, (value) => {
        outcome(() => parseScenario(JSON.stringify(value) ?? '', 's.json'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('fuzz: levers studies', () => {
  const lever = fc.record(
    {
      lever: fc.constantFrom('fp8', 'gpu', 'quantize', 'spot', 'data', 'batch', 'fp9'),
      gpu: fc.constantFrom('h100', 'h1000'),
      gpus: fc.oneof(fc.integer(), fc.double()),
      weights: fc.constantFrom('int4', 'int3'),
      discount: fc.double(),
      restartOverhead: fc.double(),
      tokens: fc.oneof(fc.double(), fc.constant('15T')),
    },
    { requiredKeys: ['lever'] },
  );
  const study = fc.record(
    {
      name: fc.string(),
      baseline: fc.oneof(
        fc.record(
          {
            kind: fc.constantFrom('train', 'serve', 'finetune', 'trian'),
            model: fc.string(),
            tokens: fc.double(),
            gpu: fc.string(),
            gpus: fc.integer(),
          },
          { requiredKeys: [] },
        ),
        fc.anything(),
      ),
      levers: fc.array(lever, { maxLength: 3 }),
    },
    { requiredKeys: [] },
  );
  it('arbitrary studies and text: a valid study or precise errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(study, fc.jsonValue({ maxDepth: 3 })),
        fc.string({ maxLength: 200 }),
        (value, text) => {
          outcome(() => parseYamlWith(leverStudySchema, JSON.stringify(value) ?? '', 'study.json', 'study'));
          outcome(() => parseYamlWith(leverStudySchema, text, 'study.yaml', 'study'));
        },
      ),
      { numRuns: 300 },
    );
  });
});
