/**
 * A scenario's serve phase takes `llmecon serve`'s engine, memory share, fixed TP/EP and expert placement: its
 * replica runs on that engine with its calibration band, and what serve refuses is refused at the
 * phase's field.
 */
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../test/input-error.js';
import { parseScenario } from './load.js';
import { prepareScenario } from './prepare.js';

const scenario = (model: string, extra: string) => `name: test
model: ${model}
horizonMonths: 12
phases:
  - kind: serve
    name: serving
    months: 12
    gpu: h200
    weights: fp8
    kv: fp8
    inputTokens: 1000
    outputTokens: 300
    tokensPerDay: 1e9
    tpotSloSeconds: 0.05
    hardware: { rent: { usdPerGpuHour: 3 } }
${extra
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((l) => `    ${l}`)
  .join('\n')}
`;
const served = (model: string, extra: string) => {
  const ph = prepareScenario(parseScenario(scenario(model, extra))).phases[0]!;
  if (ph.kind !== 'serve') throw new Error('not a serve phase');
  return ph;
};
const refused = (model: string, extra: string) =>
  inputErrorOf(() => prepareScenario(parseScenario(scenario(model, extra)))).issues[0]!;

describe('scenario serve phase: engine and expert placement', () => {
  it("runs on the named engine with that engine's band; imbalance slows the MoE replica", () => {
    const bound = served('deepseek-v3', '');
    const sglang = served('deepseek-v3', 'engine: sglang');
    expect(bound.band.key).toBe('serve:trt-llm×hopper');
    expect(sglang.band.key).toBe('serve:sglang×hopper');
    const skewed = served('deepseek-v3', 'engine: sglang\nexpertImbalance: 2\nredundantExperts: 32');
    expect(skewed.layout).toMatch(/\+32 redundant/);
    expect(skewed.outputTokensPerSecondPerGpu).toBeLessThan(sglang.outputTokensPerSecondPerGpu);
  });
  it('refuses a memory share without an engine and a placement on a dense model, at the phase field', () => {
    expect(refused('deepseek-v3', 'memFraction: 0.8')).toMatchObject({ path: ['phases', 0, 'memFraction'] });
    expect(refused('llama-3-8b', 'redundantExperts: 8')).toMatchObject({
      path: ['phases', 0, 'redundantExperts'],
      message: 'Meta Llama 3 8B is dense; redundant expert slots need a mixture-of-experts model',
    });
    expect(refused('deepseek-v3', 'engine: tgi').path).toEqual(['phases', 0, 'engine']);
    expect(refused('deepseek-v3', 'ep: 72').path).toEqual(['phases', 0, 'ep']);
    expect(refused('llama-3-8b', 'tp: 3').path).toEqual(['phases', 0, 'tp']);
    expect(refused('llama-3-8b', 'pp: 33').path).toEqual(['phases', 0, 'pp']);
  });
  it('a fixed TP and EP are the replica the phase runs', () => {
    expect(served('deepseek-v3', 'tp: 1\nep: 72\nredundantExperts: 32').layout).toMatch(/TP1·ADP72·EP72/);
    expect(served('llama-3-8b', 'tp: 2').layout).toMatch(/TP2 /);
    expect(served('llama-3-8b', 'tp: 2\npp: 2').layout).toMatch(/TP2·PP2 /);
  });
});
