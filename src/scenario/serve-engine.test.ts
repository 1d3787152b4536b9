/**
 * A scenario's serve phase takes `llmecon serve`'s engine, memory share, fixed TP/EP/PP and expert placement: its
 * replica runs on that engine with its calibration band, aggregated or beside prefill replicas as serve plans
 * it, and what serve refuses is refused at the phase's field.
 */
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../test/input-error.js';
import { runCliJson } from '../../test/run-cli.js';
import { fleetGpus } from './bounds.js';
import { parseScenario } from './load.js';
import { prepareScenario } from './prepare.js';

const scenario = (model: string, extra: string, tokensPerDay = '1e9') => `name: test
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
    tokensPerDay: ${tokensPerDay}
    tpotSloSeconds: 0.05
    hardware: { rent: { usdPerGpuHour: 3 } }
${extra
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((l) => `    ${l}`)
  .join('\n')}
`;
const served = (model: string, extra: string, tokensPerDay?: string) => {
  const ph = prepareScenario(parseScenario(scenario(model, extra, tokensPerDay))).phases[0]!;
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
    // At one layout, skewed experts serve fewer requests a second on the decode and the prefill replicas,
    // and never need fewer GPUs for the same traffic.
    const placed = 'engine: sglang\nep: 16\nredundantExperts: 32';
    const balanced = served('deepseek-v3', placed);
    const skewed = served('deepseek-v3', `${placed}\nexpertImbalance: 2`);
    expect(skewed.layout).toMatch(/EP16\+32 redundant/);
    expect(skewed.layout).toBe(balanced.layout);
    expect(skewed.replicaRequestsPerSecond).toBeLessThan(balanced.replicaRequestsPerSecond);
    expect(skewed.prefillPool!.requestsPerSecond).toBeLessThan(0.8 * balanced.prefillPool!.requestsPerSecond);
    const fleet = (ph: typeof sglang) =>
      fleetGpus(1e10, 1300, ph.replicaRequestsPerSecond, ph.replicaGpus, ph.prefillPool);
    expect(fleet(skewed)).toBeGreaterThanOrEqual(fleet(balanced));
  });
  it('takes expert parallelism inside TP (vLLM --enable-expert-parallel): the layout serve --tp 8 --ep-in-tp plans', async () => {
    const phase = served('deepseek-v3', 'engine: vllm\ntp: 8\nepInTp: true');
    expect(phase.layout).toMatch(/TP8·EP8 fp8\/fp8/);
    const cli = await runCliJson(
      'serve --model deepseek-v3 --gpu h200 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 --tokens-per-day 1e9 --tpot-slo 0.05 --engine vllm --tp 8 --ep-in-tp',
    );
    expect(cli.json.layout).toMatchObject({ tensorParallel: 8, epInTp: true });
    expect(phase.replicaGpus).toBe(cli.json.layout.gpusPerReplica);
    expect(refused('llama-3-8b', 'epInTp: true')).toMatchObject({ path: ['phases', 0, 'epInTp'] });
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
    expect(refused('llama-3-8b', 'chunkTokens: 4096').path).toEqual(['phases', 0, 'chunkTokens']);
    expect(refused('llama-3-8b', 'cudaGraphBatch: 64').path).toEqual(['phases', 0, 'cudaGraphBatch']);
    expect(refused('llama-3-8b', 'engine: sglang\ncudaGraphBatch: 0').path).toEqual([
      'phases',
      0,
      'cudaGraphBatch',
    ]);
    expect(refused('llama-3-8b', 'engine: sglang\nchunkTokens: 100').path).toEqual([
      'phases',
      0,
      'chunkTokens',
    ]);
    expect(refused('llama-3-8b', 'engine: vllm\npp: 2\ndynamicChunking: 0.7')).toMatchObject({
      path: ['phases', 0, 'dynamicChunking'],
      message: expect.stringMatching(/one after another; dynamic chunk sizes are SGLang's/),
    });
  });
  it("SGLang's mixed prompt chunks reach the phase's replica, as serve --mixed-chunk; vLLM mixes already", async () => {
    const apart = served('llama-3-8b', 'engine: sglang\ntp: 1');
    const mixed = served('llama-3-8b', 'engine: sglang\ntp: 1\nmixedChunk: true');
    // Prompts riding on the decode steps' weight reads: more output per GPU, as serve plans it.
    expect(mixed.outputTokensPerSecondPerGpu).toBeGreaterThan(apart.outputTokensPerSecondPerGpu);
    const cli = await runCliJson(
      'serve --model llama-3-8b --gpu h200 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
        '--tokens-per-day 1e9 --tpot-slo 0.05 --engine sglang --tp 1 --mixed-chunk',
    );
    expect(mixed.outputTokensPerSecondPerGpu).toBeCloseTo(cli.json.outputTokensPerSecondPerGpu, 6);
    expect(refused('llama-3-8b', 'engine: vllm\nmixedChunk: true')).toMatchObject({
      path: ['phases', 0, 'mixedChunk'],
      message: expect.stringMatching(/already puts prompt chunks beside the decodes/),
    });
    expect(refused('llama-3-8b', 'mixedChunk: true').path).toEqual(['phases', 0, 'mixedChunk']);
  });
  it("an SGLang pipeline's token budget and dynamic chunks reach the phase's replica", () => {
    const sized = served(
      'llama-3-8b',
      'engine: sglang\ntp: 2\npp: 2\nchunkTokens: 4096\ndynamicChunking: 0.7',
    );
    expect(sized.layout).toMatch(/TP2·PP2 /);
    expect(served('llama-3-8b', 'engine: sglang\ntp: 2\npp: 2').layout).toMatch(/TP2·PP2 /);
  });
  it("the plan's decode beyond its engine's CUDA-graph capture is among the phase's warnings, as serve says it", async () => {
    const eager = served('llama-3-8b', 'engine: sglang\ntp: 1').warnings.find((w) =>
      w.startsWith('eager decode:'),
    );
    const cli = await runCliJson(
      'serve --model llama-3-8b --gpu h200 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
        '--tokens-per-day 1e9 --tpot-slo 0.05 --engine sglang --tp 1',
    );
    expect(cli.json.eagerDecode).not.toBeNull();
    expect(eager).toContain(`capture of ${cli.json.eagerDecode.cudaGraphMaxBatch} on this replica`);
    expect(eager).toContain(`${cli.json.eagerDecode.decodeBatchPerRank} sequences per decode step`);
    const wide = served('llama-3-8b', 'engine: sglang\ntp: 1\ncudaGraphBatch: 4096');
    expect(wide.warnings.some((w) => w.startsWith('eager decode:'))).toBe(false);
  });
  it('a fixed TP and EP are the replica the phase runs', () => {
    expect(served('deepseek-v3', 'tp: 1\nep: 72\nredundantExperts: 32').layout).toMatch(/TP1·ADP72·EP72/);
    expect(served('llama-3-8b', 'tp: 2').layout).toMatch(/TP2 /);
    expect(served('llama-3-8b', 'tp: 2\npp: 2').layout).toMatch(/TP2·PP2 /);
  });
  it('plans separate prefill replicas where serve finds them cheaper: its fleet is serve --tokens-per-day of that traffic', async () => {
    // DeepSeek-V3 on H200 at a 50 ms TPOT and 10B tokens a day: a node of attention-DP decode beside prefill replicas.
    const ph = served('deepseek-v3', '', '1e10');
    expect(ph.layout).toBe('h200 TP1·ADP8·EP8 fp8/fp8 disagg');
    expect(ph.prefillPool).toMatchObject({ gpus: 8 });
    const cli = await runCliJson(
      'serve --model deepseek-v3 --gpu h200 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
        '--tpot-slo 0.05 --price-per-gpu-hour 3 --tokens-per-day 1e10',
    );
    expect(cli.code).toBe(0);
    expect(cli.json.mode.chosen).toBe('disaggregated');
    // The ledger books each month at a decode replica's full-use rate, whatever traffic chose the layout.
    const full = await runCliJson(
      'serve --model deepseek-v3 --gpu h200 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
        '--tpot-slo 0.05 --price-per-gpu-hour 3 --tp 1 --ep 8 --disaggregated',
    );
    expect(ph.replicaRequestsPerSecond).toBeCloseTo(full.json.capacityRequestsPerSecond, 6);
    expect(fleetGpus(1e10, 1300, ph.replicaRequestsPerSecond, ph.replicaGpus, ph.prefillPool)).toBe(
      cli.json.gpusNeeded,
    );
    // A dense 8B model at this SLO stays aggregated.
    expect(served('llama-3-8b', '', '1e10').prefillPool).toBeNull();
  });
  it("plans for the phase's mean traffic as serve --tokens-per-day does: at 1B tokens a day one aggregated replica, not a prefill pool beside one decode replica", async () => {
    const ph = served('deepseek-v3', '');
    const cli = await runCliJson(
      'serve --model deepseek-v3 --gpu h200 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
        '--tpot-slo 0.05 --price-per-gpu-hour 3 --tokens-per-day 1e9',
    );
    expect(cli.json.mode.chosen).toBe('aggregated');
    expect(ph.prefillPool).toBeNull();
    expect(ph.replicaGpus).toBe(cli.json.layout.gpusPerReplica);
    expect(fleetGpus(1e9, 1300, ph.replicaRequestsPerSecond, ph.replicaGpus, ph.prefillPool)).toBe(
      cli.json.gpusNeeded,
    );
  });
});
