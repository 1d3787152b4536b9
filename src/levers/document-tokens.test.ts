/**
 * A pretraining baseline's `documentTokens` (packed documents, attention masked at their boundaries): the
 * levers outcome runs it as `llmecon train --document-tokens` does, and a scenario phase's reaches it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../test/input-error.js';
import { runCliJson } from '../../test/run-cli.js';
import { parseScenario } from '../scenario/load.js';
import { baselineFromScenario } from './from-scenario.js';
import { baselineState, evaluateState, runWaterfall } from './levers.js';
import { leverStudySchema, trainingBaselineSchema } from './schema.js';

const baseline = (extra: object) =>
  trainingBaselineSchema.parse({
    kind: 'train',
    model: 'llama-3.1-8b',
    tokens: 1e10,
    gpu: 'h100',
    gpus: 8,
    seqLen: 131_072,
    globalBatchTokens: 1_048_576,
    layout: { tp: 1, cp: 8 },
    ...extra,
  });

describe('documentTokens in a levers baseline', () => {
  it('the step of `llmecon train --document-tokens`: fewer GPU-hours than one causal span', async () => {
    const whole = evaluateState(baselineState(baseline({})));
    const packed = evaluateState(baselineState(baseline({ documentTokens: 4096 })));
    expect(packed.gpuHours).toBeLessThan(0.5 * whole.gpuHours);
    const cli = await runCliJson(
      'train --model llama-3.1-8b --gpu h100 --gpus 8 --tp 1 --cp 8 --seq-len 131072 --global-batch 8 --document-tokens 4096 --tokens 1e10',
    );
    expect(packed.gpuHours).toBeCloseTo(cli.json.gpuHours, 6);
    // Spread by a P99, as `--document-tokens-p99`; a P99 alone names the mean's field.
    const spread = evaluateState(
      baselineState(baseline({ documentTokens: 4096, documentTokensP99: 30_000 })),
    );
    const spreadCli = await runCliJson(
      'train --model llama-3.1-8b --gpu h100 --gpus 8 --tp 1 --cp 8 --seq-len 131072 --global-batch 8 --document-tokens 4096 --document-tokens-p99 30000 --tokens 1e10',
    );
    expect(spread.gpuHours).toBeCloseTo(spreadCli.json.gpuHours, 6);
    expect(spread.gpuHours).toBeGreaterThan(packed.gpuHours);
    expect(() => evaluateState(baselineState(baseline({ documentTokensP99: 30_000 })))).toThrow(
      'documentTokensP99 spreads the mean document length: give documentTokens too',
    );
  });
  it("a scenario's pretraining phase carries it to its baseline (llmecon levers --from-scenario)", () => {
    const text = readFileSync(new URL('../../examples/llama-3.1-405b.yaml', import.meta.url), 'utf8');
    const scenario = parseScenario(
      text.replace(
        '    seqLen: 8192\n',
        '    seqLen: 131072\n    documentTokens: 8192\n    documentTokensP99: 60000\n',
      ),
    );
    expect(baselineFromScenario(scenario, 0)).toMatchObject({
      seqLen: 131_072,
      documentTokens: 8192,
      documentTokensP99: 60_000,
    });
  });
  it("the batch lever masks a long-context run's documents: a saving in the waterfall, said in its label", () => {
    const w = runWaterfall(
      leverStudySchema.parse({
        name: 'masked documents at 128K',
        baseline: baseline({}),
        levers: [{ lever: 'batch', documentTokens: 4096 }],
      }),
    );
    const [step] = w.steps;
    expect(step!.lever).toBe('attention within 4,096-token documents');
    expect(w.finalCostUsd).toBeLessThan(0.5 * w.baselineCostUsd);
    expect(step!.caveat).toMatch(/Llama 3 found it of limited impact in standard pre-training/);
    expect(() =>
      leverStudySchema.parse({ name: 'x', baseline: baseline({}), levers: [{ lever: 'batch' }] }),
    ).toThrow(/give seqLen, globalBatchTokens, documentTokens, documentTokensP99 or a combination/);
  });
  it("the batch lever's P99 spreads the baseline's documents; its own documents replace the baseline's spread", () => {
    const study = (levers: object[]) =>
      runWaterfall(
        leverStudySchema.parse({
          name: 'spread',
          baseline: baseline({ documentTokens: 4096, documentTokensP99: 30_000 }),
          levers,
        }),
      );
    const narrower = study([{ lever: 'batch', documentTokensP99: 8000 }]);
    expect(narrower.steps[0]!.lever).toBe('document lengths P99 8,000');
    expect(narrower.finalCostUsd).toBeLessThan(narrower.baselineCostUsd);
    const atMean = study([{ lever: 'batch', documentTokens: 4096 }]);
    expect(atMean.finalCostUsd).toBeLessThan(narrower.finalCostUsd);
    expect(
      study([{ lever: 'batch', documentTokens: 4096, documentTokensP99: 8000 }]).finalCostUsd,
    ).toBeCloseTo(narrower.finalCostUsd, 6);
    // A spread the lever states that cannot be is the lever's error, not the baseline's.
    expect(inputErrorOf(() => study([{ lever: 'batch', documentTokensP99: 3000 }])).issues[0]!.path).toEqual([
      'levers',
      0,
      'documentTokensP99',
    ]);
    const bare = inputErrorOf(() =>
      runWaterfall(
        leverStudySchema.parse({
          name: 'x',
          baseline: baseline({}),
          levers: [{ lever: 'batch', documentTokensP99: 20_000 }],
        }),
      ),
    ).issues[0]!;
    expect(bare).toMatchObject({
      path: ['levers', 0, 'documentTokens'],
      message: 'documentTokensP99 spreads the mean document length: give documentTokens too',
    });
  });
  it('the batch lever refuses documents on a fine-tuning baseline, naming the field and packingMask', () => {
    const study = (lever: object) =>
      leverStudySchema.parse({
        name: 'x',
        baseline: {
          kind: 'finetune',
          model: 'llama-3.1-8b',
          method: 'lora',
          tokens: 1.5e8,
          gpu: 'h100',
          gpus: 8,
          seqLen: 16_384,
        },
        levers: [{ lever: 'batch', ...lever }],
      });
    for (const [lever, field] of [
      [{ documentTokens: 512 }, 'documentTokens'],
      [{ documentTokensP99: 4000 }, 'documentTokensP99'],
    ] as const) {
      const issue = inputErrorOf(() => runWaterfall(study(lever))).issues[0]!;
      expect(issue.path).toEqual(['levers', 0, field]);
      expect(issue.message).toMatch(/masks its packed examples with packingMask/);
    }
  });
});
