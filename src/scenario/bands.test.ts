/**
 * Calibration bands in scenarios: each phase's GPU-hours (a serve phase's replica time) multiplied by
 * a draw from its engine's band in the Monte Carlo, the central result untouched, and the per-phase
 * P10–P90 in the report.
 */
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { monteCarlo } from '../core/uncertainty/monte-carlo.js';
import { P10_DRAW, P90_DRAW } from '../core/uncertainty/range.js';
import { analyseScenario } from './analyse.js';
import { evaluateScenario, HEADLINES, type Headline, phaseRanges, prepareScenario } from './evaluate.js';
import { parseScenario } from './load.js';
import { scenarioReportMarkdown } from './report.js';

const read = (f: string) => readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8');
const scenarios = ['startup-serving-8b.yaml', 'reasoning-rl-7b.yaml', 's1-32b.yaml'].map((f) =>
  parseScenario(read(f), f),
);
const prepared = scenarios.map((s) => prepareScenario(s));
const analyse = (i: number, seed: number, bands = true) =>
  analyseScenario(scenarios[i]!, { samples: 300, seed, bands });

describe('scenario Monte Carlo over the calibration bands', () => {
  test.prop([fc.nat({ max: scenarios.length - 1 }), fc.nat({ max: 2 ** 31 - 1 })], { numRuns: 6 })(
    'P5 ≤ P10 ≤ P50 ≤ P90 ≤ P95 for every headline; the same seed gives the same result',
    (i, seed) => {
      const a = analyse(i, seed).monteCarlo!;
      for (const h of HEADLINES) {
        const q = a.outputs[h];
        expect(q.p5).toBeLessThanOrEqual(q.p10);
        expect(q.p10).toBeLessThanOrEqual(q.p50);
        expect(q.p50).toBeLessThanOrEqual(q.p90);
        expect(q.p90).toBeLessThanOrEqual(q.p95);
      }
      expect(analyse(i, seed).monteCarlo).toEqual(a);
    },
  );

  test.prop([fc.nat({ max: scenarios.length - 1 }), fc.nat({ max: 2 ** 31 - 1 })], { numRuns: 4 })(
    "without bands: the scenario's own draws exactly as before; the central result is the same either way",
    (i, seed) => {
      const p = prepared[i]!;
      const headlines = (v: Readonly<Record<string, number>>) => {
        const r = evaluateScenario(p, v);
        return Object.fromEntries(HEADLINES.map((h) => [h, r[h]])) as Record<Headline, number>;
      };
      const before = monteCarlo(p.uncertain, headlines, { samples: 300, seed });
      const off = analyse(i, seed, false);
      expect(off.monteCarlo).toEqual(before);
      expect(off.result.totalCostUsd).toBe(analyse(i, seed).result.totalCostUsd);
    },
  );

  it("the bands widen the spread of energy; the median residual draw gives the band's median multiplier", () => {
    const withBands = analyse(2, 7).monteCarlo!.outputs;
    const without = analyse(2, 7, false).monteCarlo!.outputs;
    // s1's fine-tuning has no uncertain token count: its energy only moves with the band.
    expect(without.energyMWh.p90 - without.energyMWh.p10).toBeCloseTo(0, 9);
    expect(withBands.energyMWh.p90).toBeGreaterThan(withBands.energyMWh.p10);
    const p = prepared[2]!;
    const ones = Object.fromEntries(Object.keys(p.bands).map((k) => [k, 1]));
    const central = evaluateScenario(p);
    const r = evaluateScenario(p, ones);
    const ph = p.phases[0]!;
    const median = Math.sqrt(ph.band.low * ph.band.high);
    expect(r.trainingGpuHours / central.trainingGpuHours).toBeCloseTo(median, 9);
  });

  it('phases on one calibration share one draw; different calibrations draw independently', () => {
    const rl = prepared[1]!;
    const keys = new Set(rl.phases.map((ph) => ph.band.key));
    expect(Object.keys(rl.bands)).toHaveLength(keys.size);
    for (const ph of rl.phases) expect(rl.bands[`calibration[${ph.band.key}]`]).toBe(ph.band.draw);
    const twice = prepareScenario({
      ...scenarios[0]!,
      phases: [scenarios[0]!.phases[0]!, scenarios[0]!.phases[0]!],
    });
    expect(Object.keys(twice.bands)).toEqual(['calibration[serve:trt-llm×hopper]']);
  });
});

describe('per-phase P10–P90 in the deterministic report', () => {
  it('cost and GPU-hours of each phase with the band at P10 and P90; serving follows demand', () => {
    for (const p of prepared)
      for (const r of phaseRanges(p)) {
        const ph = p.phases[r.index]!;
        expect(r.costUsd.p10).toBeLessThanOrEqual(r.costUsd.p90);
        expect(r.costUsd.p10).toBeGreaterThan(0);
        if (ph.kind === 'serve') expect(r.gpuHours).toBeNull();
        else {
          expect(r.gpuHours!.p10 / r.gpuHours!.p90).toBeCloseTo(ph.band.low / ph.band.high, 9);
          // A rented training phase's cost is linear in its GPU-hours.
          const at = (x: number) =>
            evaluateScenario(p, { [`calibration[${ph.band.key}]`]: x }).costByPhaseUsd[ph.phase.name]!;
          expect(at(P10_DRAW)).toBeCloseTo(r.costUsd.p10, 6);
          expect(at(P90_DRAW) / at(P10_DRAW)).toBeCloseTo(ph.band.high / ph.band.low, 6);
        }
      }
    const report = scenarioReportMarkdown(prepared[1]!, evaluateScenario(prepared[1]!), null);
    expect(report).toMatch(/### Calibration bands \(P10–P90/);
    expect(report).toMatch(/hf × (hopper|every GPU family)/);
    // The GRPO phase carries `llmecon rl`'s band: the published RL runs' leave-one-out error.
    expect(report).toMatch(/leave-one-out error of \d+ published RL runs/);
    const off = analyseScenario(scenarios[1]!, { samples: 0, seed: 1, bands: false });
    expect(phaseRanges(off.prepared)).toEqual([]);
  });
});
