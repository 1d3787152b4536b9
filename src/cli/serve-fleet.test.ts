/**
 * `serve`'s per-GPU figures count every GPU of the deployment (a disaggregated prefill pool, GPUs a fixed
 * fleet leaves idle), a fixed prefill replica (`--prefill-tp`) prefills the prompt (its TTFT, its memory),
 * and a simulation of a disaggregated plan says it simulates aggregated serving.
 */
import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../test/run-cli.js';

const LLAMA_70B = 'serve --model llama-3.1-70b --gpu h100-sxm --input-tokens 2048 --output-tokens 256';

describe('serve: throughput per GPU of the whole deployment', () => {
  it('disaggregated: output tokens/s per GPU is the traffic carried over every GPU, prefill pool included', async () => {
    const r = await runCliJson(`${LLAMA_70B} --disaggregated`);
    expect(r.code).toBe(0);
    const b = r.json;
    expect(b.layout.prefill.gpus).toBeGreaterThan(0);
    expect(b.outputTokensPerSecondPerGpu).toBeCloseTo((b.capacityRequestsPerSecond * 256) / b.gpusNeeded, 6);
    // The decode replica's own rate (the old headline) is several times the fleet's.
    const text = await runCli(`${LLAMA_70B} --disaggregated`);
    expect(text.stdout).toMatch(/output tokens\/s per GPU .* \(every GPU counted; a decode replica's own: /);
  });

  it('with a stated traffic, the capacity is the smaller of the decode replicas and the prefill pool sized to it', async () => {
    // A prefill pool sized for 3 req/s cannot carry the decode replica's 28: the fleet's rate is no
    // higher than the plan sized for its own capacity (it claimed 899/GPU against 360).
    const low = (await runCliJson(`${LLAMA_70B} --disaggregated --tp 4 --requests-per-second 3`)).json;
    const full = (await runCliJson(`${LLAMA_70B} --disaggregated --tp 4`)).json;
    expect(low.capacityRequestsPerSecond).toBeLessThan(full.capacityRequestsPerSecond);
    expect(low.outputTokensPerSecondPerGpu).toBeLessThanOrEqual(
      full.outputTokensPerSecondPerGpu * (1 + 1e-9),
    );
    expect(low.utilization).toBeLessThanOrEqual(1);
  });

  it("aggregated on a whole number of replicas: the fleet's rate is the replica's", async () => {
    const r = await runCliJson(`${LLAMA_70B} --aggregated --tp 2`);
    const b = r.json;
    expect(b.idleGpus).toBe(0);
    expect(b.layout.prefill).toBeNull();
    expect(b.outputTokensPerSecondPerGpu).toBeCloseTo((b.capacityRequestsPerSecond * 256) / b.gpusNeeded, 6);
  });

  it('a fixed fleet no whole replica divides: the rest idle (paid for), not a prefill pool of an aggregated plan', async () => {
    const r = await runCliJson(`${LLAMA_70B} --gpus 3 --aggregated --tp 2`);
    expect(r.code).toBe(0);
    const b = r.json;
    expect(b.layout.prefill).toBeNull();
    expect(b.idleGpus).toBe(1);
    expect(b.gpusNeeded).toBe(3);
    expect(b.usdPerDay).toBeCloseTo(3 * 24 * b.usdPerGpuHour, 6);
    expect(b.outputTokensPerSecondPerGpu).toBeCloseTo((b.capacityRequestsPerSecond * 256) / 3, 6);
    const text = await runCli(`${LLAMA_70B} --gpus 3 --aggregated --tp 2`);
    expect(text.stdout).toContain('1 replica + 1 idle GPU (no whole replica fits it) · 3 GPUs');
    // Disaggregated on 5: one TP2 decode replica, one TP2 prefill replica, one GPU idle.
    const d = (await runCliJson(`${LLAMA_70B} --gpus 5 --disaggregated --tp 2`)).json;
    expect([d.layout.prefill.gpus, d.idleGpus, d.gpusNeeded]).toEqual([2, 1, 5]);
  });
});

describe('serve --prefill-tp: the prefill replica prefills', () => {
  const at = async (tp: number) =>
    (await runCliJson(`${LLAMA_70B} --disaggregated --tp 4 --prefill-tp ${tp} --requests-per-second 20`))
      .json;
  it("its TTFT is that replica's prefill: a wider prefill replica answers sooner", async () => {
    const [tp2, tp8] = [await at(2), await at(8)];
    expect(tp2.layout.prefill.tensorParallel).toBe(2);
    expect(tp8.ttftSeconds).toBeLessThan(tp2.ttftSeconds);
    expect(tp8.tpotSeconds).toBe(tp2.tpotSeconds);
  });
  it('one whose GPU cannot hold the weights is named, with what to change (it was planned)', async () => {
    const r = await runCli(`${LLAMA_70B} --disaggregated --prefill-tp 1`);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(
      "cannot serve Llama 3.1 70B: the weights and one prompt's KV cache do not fit a prefill replica of TP1 on h100-sxm: raise --prefill-tp",
    );
  });
});

describe('serve --simulate on a disaggregated plan', () => {
  it('says the simulation is of aggregated serving, and reports sequences running as a time average', async () => {
    const r = await runCli(
      'serve --model llama-3.1-8b --gpu h100-sxm --input-tokens 2048 --output-tokens 256 --simulate --requests 200 --disaggregated',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'warning: the plan is disaggregated, but the simulator runs one aggregated replica of its decode layout',
    );
    expect(r.stdout).toMatch(/ [\d.]+ sequences running on average \(idle time included\) /);
    // Seed 0 is a seed, as `llmecon run --seed 0` takes it.
    const zero = await runCli(
      'serve --model llama-3.1-8b --gpu h100 --input-tokens 1000 --output-tokens 100 --simulate --requests 50 --seed 0',
    );
    expect(zero.code).toBe(0);
  });
});

describe('serve --disaggregated: a TTFT SLO bounds the prefill pool, not the decode batch', () => {
  it('SGLang on a TP2·PP8 replica: the same decode replicas with a TTFT limit the prefill alone meets', async () => {
    const args =
      'serve --model llama-3.1-70b --gpu h100 --tp 2 --disaggregated --engine sglang --input-tokens 2000 --output-tokens 200 --requests-per-second 5';
    const [free, held] = [(await runCliJson(args)).json, (await runCliJson(`${args} --ttft-slo 0.23`)).json];
    // The decode replica's streamed prompt lengthens with its batch; the prefill pool's does not. Before
    // 2026-12 the limit held the decode replicas to 3 sequences each: 14 of them, 240 GPUs.
    expect(held.concurrencyPerReplica).toBe(free.concurrencyPerReplica);
    expect(held.gpusNeeded).toBe(free.gpusNeeded);
    expect(held.atTraffic.ttftSeconds).toBeLessThanOrEqual(0.23);
  });
});
