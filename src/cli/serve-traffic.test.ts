/**
 * `llmecon serve` with a stated traffic: the latency a request sees at it (fewer sequences running than
 * at capacity; core/inference/traffic-point.ts), held to the SLO, beside the capacity point.
 */
import { describe, expect, it } from 'vitest';
import { runCli, runCliJson, SERVE_8B_H100, SERVE_LENGTHS } from '../../test/run-cli.js';

describe('serve at a stated traffic', () => {
  it('states the latency at the traffic and at capacity; the table’s latencies are at the traffic', async () => {
    const args = [...SERVE_8B_H100, ...SERVE_LENGTHS, '--requests-per-second', '2', '--aggregated'];
    const { json, code } = await runCliJson(args);
    expect(code).toBe(0);
    const at = json.atTraffic;
    expect(json.utilization).toBeLessThan(0.5);
    expect(at.requestsPerSecondPerReplica * json.layout.replicas).toBeCloseTo(2, 9);
    expect(at.meanConcurrency).toBeLessThan(json.concurrencyPerReplica);
    expect(at.tpotSeconds).toBeLessThan(json.tpotSeconds);
    expect(at.ttftSeconds).toBeLessThanOrEqual(json.ttftSeconds);
    expect(at.range.tpotSeconds.p10).toBeLessThanOrEqual(at.tpotSeconds);
    expect(at.range.tpotSeconds.p90).toBeGreaterThanOrEqual(at.tpotSeconds);
    const text = (await runCli(args)).stdout;
    const ms = (s: number, digits: number) => (s * 1000).toFixed(digits);
    expect(text).toContain(
      `at 2.00 req/s: ${at.meanConcurrency.toFixed(1)} sequences running per replica on average · TTFT ${ms(at.ttftSeconds, 0)} ms`,
    );
    expect(text).toContain(`at capacity (${json.capacityRequestsPerSecond.toFixed(2)} req/s)`);
    expect(text).toContain('TTFT, TPOT at the stated traffic');
    const row = text.split('\n').find((l) => l.startsWith('h100-sxm TP1 '))!;
    expect(row).toContain(` ${at.meanConcurrency.toFixed(1)} `);
    expect(row).toContain(` ${ms(at.tpotSeconds, 1)} `);
  });
  it('planned for full use there is no other point: no traffic line, atTraffic null', async () => {
    const { json } = await runCliJson([...SERVE_8B_H100, ...SERVE_LENGTHS]);
    expect(json.atTraffic).toBeNull();
    expect((await runCli([...SERVE_8B_H100, ...SERVE_LENGTHS])).stdout).not.toContain('at capacity (');
  });
  it('says when the traffic takes more replicas than the capacity point, and why', async () => {
    const args = [
      ...SERVE_8B_H100,
      '--engine',
      'vllm',
      '--tp',
      '1',
      '--aggregated',
      '--input-tokens',
      '8000',
      '--output-tokens',
      '200',
      '--requests-per-second',
      '3',
      '--tpot-slo',
      '0.04',
    ];
    const { json } = await runCliJson(args);
    expect(json.latencyBound).toBe('slo');
    expect(json.capacityReplicas).toBe(json.layout.replicas - 1);
    expect(json.atTraffic.tpotSeconds).toBeLessThanOrEqual(0.04);
    const text = (await runCli(args)).stdout;
    expect(text).toContain(
      `${json.layout.replicas} replicas, not the ${json.capacityReplicas} its capacity needs: with requests arriving at random, one fewer would miss the SLO`,
    );
  });
  it('one output token: no time per output token, at the traffic or at capacity', async () => {
    const text = (
      await runCli([
        ...SERVE_8B_H100,
        '--input-tokens',
        '100',
        '--output-tokens',
        '1',
        '--requests-per-second',
        '5',
      ])
    ).stdout;
    expect(text.match(/TPOT — \(every output is one token\)/g)?.length).toBe(2);
  });
});

describe('more clients than a disaggregated replica holds', () => {
  it('wait for a slot in the TTFT on top of the prefill pool’s, as aggregated; a long wait prints in its unit', async () => {
    const args = 'serve --model llama-3.1-8b --gpu h100 --input-tokens 100 --output-tokens 100'.split(' ');
    const json = async (extra: string[]) => JSON.parse((await runCli([...args, ...extra, '--json'])).stdout);
    const held = await json(['--disaggregated', '--tp', '1']);
    const crowd = await json(['--disaggregated', '--tp', '1', '--concurrency', '5000']);
    expect(crowd.queuedClientsPerReplica).toBeGreaterThan(0);
    // Little's law: (clients − slots) · T / slots, T the request's time at the full replica.
    const slots = crowd.concurrencyPerReplica;
    const t = crowd.ttftSeconds - ((5000 - slots) * (held.ttftSeconds + 99 * crowd.tpotSeconds)) / slots;
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThan(0.1);
    const text = (await runCli([...args, '--disaggregated', '--tp', '1', '--concurrency', '1e6'])).stdout;
    expect(text).toMatch(/TTFT \d+\.\d min \(P10 \d+\.\d min – P90 \d+\.\d min\)/);
  });
});
