/**
 * The evaluator's invariants: nothing booked is dropped (cost by kind and by phase always agree), a run
 * that outlasts the horizon is an input error naming the phase, and the financial metrics say "n/a"
 * where they have no meaning.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { InputError } from '../core/errors.js';
import { centralValue } from '../core/uncertainty/distributions.js';
import { analyseScenario } from './analyse.js';
import { evaluateScenario, ownership, PHASE_COST_KINDS, prepareScenario } from './evaluate.js';
import { parseScenario } from './load.js';
import { scenarioReportMarkdown } from './report.js';

const read = (f: string) => readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8');
const examples = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
/** The error preparing a scenario text throws (undefined when it prepares). */
function preparing(text: string): unknown {
  try {
    prepareScenario(parseScenario(text));
  } catch (e) {
    return e;
  }
  return undefined;
}

const prepared = examples.map((f) => prepareScenario(parseScenario(read(f), f)));

describe('cost by kind and by phase agree', () => {
  // Each uncertain input scaled by a factor in [0.2, 4] of its central value: the large factors push
  // training runs past the horizon, whose cost must still be booked (in the last month), not dropped.
  test.prop(
    [
      fc.nat({ max: prepared.length - 1 }),
      fc.array(fc.double({ min: 0.2, max: 4, noNaN: true }), { minLength: 16, maxLength: 16 }),
    ],
    { numRuns: 60 },
  )(
    'Σ phase costs = compute + networking + energy + facility + research, for every draw',
    (which, factors) => {
      const p = prepared[which]!;
      const values = Object.fromEntries(
        Object.entries(p.uncertain).map(([path, d], i) => [
          path,
          centralValue(d) * factors[i % factors.length]!,
        ]),
      );
      const r = evaluateScenario(p, values);
      const byPhase = Object.values(r.costByPhaseUsd).reduce((a, b) => a + b, 0);
      const byKind = PHASE_COST_KINDS.reduce((a, k) => a + r.costByKindUsd[k], 0);
      expect(Math.abs(byPhase - byKind)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(byPhase)));
      const months = r.months();
      const total = months.reduce((a, m) => a + Object.values(m.costs).reduce((x, y) => x + y, 0), 0);
      expect(total).toBeCloseTo(r.totalCostUsd, 0);
    },
  );
});

describe('a phase that outlasts the horizon', () => {
  const short = read('lab-rent-2048.yaml')
    .replace('horizonMonths: 36', 'horizonMonths: 12')
    .replace('months: 36', 'months: 12');

  it('is an input error naming the phase, its duration and the horizon', () => {
    const error = preparing(short);
    expect(error).toBeInstanceOf(InputError);
    const issue = (error as InputError).issues[0]!;
    expect(issue.path).toEqual(['phases', 0]);
    expect(issue.message).toMatch(
      /phase 'training runs over three years \(70B-equivalent tokens\)' \(pretrain\) takes \d+\.\d months on 2048 × h100 from month 0 .*past the 12-month horizon; raise horizonMonths to at least \d+/,
    );
  });

  it('exits 2 from llmecon run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-horizon-'));
    try {
      const file = join(dir, 'short.yaml');
      writeFileSync(file, short);
      const r = await runCli(['run', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/past the 12-month horizon/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a serve phase no replica can serve within its SLO', () => {
  it('exits 3 from llmecon run, as `llmecon serve` does, naming the SLO it missed and its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-slo-'));
    try {
      const file = join(dir, 'slo.yaml');
      writeFileSync(
        file,
        read('startup-serving-8b.yaml').replace('tpotSloSeconds: 0.05', 'tpotSloSeconds: 0.0005'),
      );
      const r = await runCli(['run', file]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /^error: phases\[0\]\.gpu: line \d+: no replica of Meta Llama 3 8B on h100-sxm meets the SLO \(tpotSloSeconds 0\.0005\) at any batch/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an RL phase whose longest sequence no layout of the policy update holds', () => {
  it('exits 3 from llmecon run, as `llmecon rl` does, at the cut it names (maxResponseTokens)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-rl-'));
    try {
      const file = join(dir, 'rl.yaml');
      // Without the example's cut, responses run to the context's room (131,072 tokens with the prompt).
      writeFileSync(file, read('reasoning-rl-7b.yaml').replace(/\n\s*maxResponseTokens: 16384/, ''));
      const r = await runCli(['run', file]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /^error: phases\[1\]\.maxResponseTokens: (line \d+: )?fits the mean sequence's micro-batches, but no layout on h100-sxm holds the one with the run's longest \(131,072 tokens: a prompt and a response at the cut; the closest needs .*cap responses \(maxResponseTokens\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a disaggregated serve phase', () => {
  it("reports output tokens/s per GPU at scale: a decode replica and its share of prefill replicas (the ledger's pools)", () => {
    const text = [
      'name: disagg',
      'model: llama-3.1-70b',
      'horizonMonths: 2',
      'phases:',
      '  - { kind: serve, name: prod, months: 1, gpu: h100, inputTokens: 2048, outputTokens: 256, tokensPerDay: 3e10,',
      '      ttftSloSeconds: 0.15, tpotSloSeconds: 0.04, weights: fp8, hardware: { rent: { usdPerGpuHour: 2.99 } } }',
    ].join('\n');
    const phase = prepareScenario(parseScenario(text)).phases[0]!;
    if (phase.kind !== 'serve' || phase.prefillPool === null)
      throw new Error('expected a disaggregated serve phase');
    const r = phase.replicaRequestsPerSecond;
    const gpusPerReplica =
      phase.replicaGpus + (phase.prefillPool.gpus * r) / phase.prefillPool.requestsPerSecond;
    expect(phase.outputTokensPerSecondPerGpu).toBeCloseTo((r * 256) / gpusPerReplica, 6);
    // Below the decode replica's own rate: the prefill GPUs count.
    expect(phase.outputTokensPerSecondPerGpu).toBeLessThan((r * 256) / phase.replicaGpus);
  });
});

describe('a project that costs nothing', () => {
  it('reports no shares ("—"), not NaN%', () => {
    const free = read('s1-32b.yaml')
      .replace('{ dist: triangular, min: 0.87, mode: 2, max: 3 }', '0')
      .replace(/data:\n( {2}.*\n)+/, '');
    const prepared = prepareScenario(parseScenario(free));
    const r = evaluateScenario(prepared);
    expect(r.totalCostUsd).toBe(0);
    const report = scenarioReportMarkdown(prepared, r, null);
    expect(report).not.toMatch(/NaN|Infinity/);
    expect(report).toContain('| compute | $0 | — |');
  });
});

describe('rent vs buy and the financial metrics', () => {
  const buy = prepareScenario(parseScenario(read('lab-buy-2048.yaml')));
  const r = evaluateScenario(buy);

  it('a project without revenue has no IRR and no payback ("n/a"), though the book value returns at the horizon', () => {
    expect(r.revenueUsd).toBe(0);
    expect(r.irr).toBeNull();
    expect(r.paybackMonth).toBeNull();
    expect(scenarioReportMarkdown(buy, r, null)).toContain('IRR n/a (no revenue)');
  });
  it('an uncertain discount rate: the report names the central rate its NPV is at', () => {
    const text = read('startup-serving-8b.yaml').replace(
      /^discountRate: .*$/m,
      'discountRate: { dist: uniform, min: 0.08, max: 0.2 }',
    );
    const p = prepareScenario(parseScenario(text));
    const report = scenarioReportMarkdown(p, evaluateScenario(p), null);
    expect(report).toMatch(/NPV \$[\d.]+[KM]? at 14\.0% \(its distribution's central value\) a year/);
  });

  it('the report echoes the PUE, GPU price and colocation it computed with', () => {
    const [o] = ownership(buy);
    expect(o!.assumptions).toEqual({
      usdPerGpu: 25_000,
      serverCostOverGpuCost: buy.serverCostOverGpuCost,
      lifeYears: buy.lifeYears,
      pue: 1.2,
      electricityUsdPerKWh: buy.phases[0]!.energy.electricityUsdPerKWh,
      dataCenterUsdPerKwMonth: 150,
    });
    const report = scenarioReportMarkdown(buy, r, null);
    expect(report).toMatch(
      /Buying assumes \(central values\): \$25\.0K per GPU × 1\.64 .* PUE 1\.2, .*colocation \$150\/kW-month/,
    );
  });
});

describe('engine errors name the scenario path', () => {
  it('a frozen base the method does not take is phases[i].baseFormat; the bases it takes pass', () => {
    const text = (base: string) => read('s1-32b.yaml').replace('method: full', base);
    const analyse = (t: string) => analyseScenario(parseScenario(t), { samples: 0, seed: 1 });
    let issue: InputError['issues'][number] | undefined;
    try {
      analyse(text('method: lora\n    baseFormat: gptq'));
    } catch (e) {
      issue = (e as InputError).issues[0];
    }
    expect(issue).toMatchObject({
      path: ['phases', 0, 'baseFormat'],
      message: "lora takes a frozen base of bf16 or fp8, got 'gptq'",
    });
    const [nf4, gptq] = ['nf4', 'gptq'].map(
      (f) => analyse(text(`method: qlora\n    baseFormat: ${f}`)).result.totalCostUsd,
    );
    expect(gptq).toBeGreaterThan(nf4!);
  });

  it('trainEmbeddings costs the copies beside the adapters; on full fine-tuning it is phases[i].trainEmbeddings', () => {
    const text = (method: string) => read('s1-32b.yaml').replace('method: full', method);
    const analyse = (t: string) => analyseScenario(parseScenario(t), { samples: 0, seed: 1 });
    const plain = analyse(text('method: lora')).result.totalCostUsd;
    const emb = analyse(text('method: lora\n    trainEmbeddings: true')).result.totalCostUsd;
    expect(emb).toBeGreaterThan(plain);
    let issue: InputError['issues'][number] | undefined;
    try {
      analyse(text('method: full\n    trainEmbeddings: true'));
    } catch (e) {
      issue = (e as InputError).issues[0];
    }
    expect(issue).toMatchObject({ path: ['phases', 0, 'trainEmbeddings'] });
    expect(issue?.message).toMatch(/full trains the embedding and head already/);
  });

  it('an adapter rank or targets with full fine-tuning is refused at phases[i].rank/targets (they were ignored)', () => {
    let issues: InputError['issues'] = [];
    try {
      analyseScenario(
        parseScenario(
          read('s1-32b.yaml').replace('method: full', 'method: full\n    rank: 8\n    targets: attn'),
        ),
        { samples: 0, seed: 1 },
      );
    } catch (e) {
      issues = (e as InputError).issues;
    }
    expect(issues.map((i) => i.path)).toEqual([
      ['phases', 0, 'rank'],
      ['phases', 0, 'targets'],
    ]);
    expect(issues[0]?.message).toMatch(
      /applies only with an adapter method \(lora, dora, qlora\): full trains every weight, with no adapter/,
    );
  });

  it('fractional epochs (as the CLI and web app take them) cost in proportion: 2.5 epochs is half of 5', () => {
    const cost = (epochs: string) =>
      analyseScenario(parseScenario(read('s1-32b.yaml').replace('epochs: 5', `epochs: ${epochs}`)), {
        samples: 0,
        seed: 1,
      }).result.totalCostUsd;
    const data = 200; // the s1 scenario's teacher-API data item (mode)
    expect((cost('2.5') - data) / (cost('5') - data)).toBeCloseTo(0.5, 1);
  });

  it('a base format with full fine-tuning is refused at phases[i].baseFormat (it was ignored)', () => {
    let issue: InputError['issues'][number] | undefined;
    try {
      analyseScenario(
        parseScenario(read('s1-32b.yaml').replace('method: full', 'method: full\n    baseFormat: fp8')),
        {
          samples: 0,
          seed: 1,
        },
      );
    } catch (e) {
      issue = (e as InputError).issues[0];
    }
    expect(issue).toMatchObject({ path: ['phases', 0, 'baseFormat'] });
    expect(issue?.message).toMatch(/full fine-tuning trains every weight/);
  });

  it('an unknown GPU in a phase is phases[i].gpu, not a CLI flag', () => {
    const text = read('lab-rent-2048.yaml').replace('gpu: h100', 'gpu: h100-typo');
    const error = preparing(text);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues[0]!.path).toEqual(['phases', 0, 'gpu']);
  });
});
