/**
 * Disaggregated serving's prefill pool at a stated traffic (prefill-pool.ts): prompts arriving at random
 * wait for a free prefill replica, the TTFT there is the prefill plus that wait, and a TTFT SLO takes the
 * replicas that keep it; a fixed fleet whose pool cannot is no plan; at full use a fixed fleet splits its
 * GPUs between the pools to carry the most.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { testCost } from '../../../test/fixtures.js';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { type DeploymentCandidate, planAtPoint, planCandidate } from './deployment.js';
import {
  kvTransferSeconds,
  prefillPoolFor,
  prefillPoolWaitSeconds,
  prefillReplicaCapacity,
} from './prefill-pool.js';
import { type ServingReplica, servingPoint } from './serving.js';
import { replicaAtRate, trafficPoint } from './traffic-point.js';

const h100 = findCluster('dgx-h100');
const llama70b = modelSpecFrom(findModel('llama-3.1-70b').config, 'llama-3.1-70b');
const tp4: ServingReplica = { tensorParallel: 4, expertParallel: 1, weightFormat: 'bf16', kvFormat: 'bf16' };
const c: DeploymentCandidate = {
  gpuId: 'h100-sxm',
  cluster: h100,
  usdPerGpuHour: 3,
  replica: tp4,
  energy: testCost.energy,
};
const w = { inputTokens: 4000, outputTokens: 300, disaggregated: true };

describe('the prefill pool at a stated traffic', () => {
  const mu = prefillReplicaCapacity(llama70b, c, w).requestsPerSecond;
  it('a pool that only just carries its traffic keeps prompts waiting; one more replica cuts the wait', () => {
    const rps = 5.5 * mu;
    const six = prefillPoolWaitSeconds(llama70b, c, w, 6 * 4, rps);
    const seven = prefillPoolWaitSeconds(llama70b, c, w, 7 * 4, rps);
    expect(six).toBeGreaterThan(0.5 / mu);
    expect(seven).toBeLessThan(six / 3);
    expect(prefillPoolWaitSeconds(llama70b, c, w, 5 * 4, rps)).toBe(Number.POSITIVE_INFINITY);
  });
  it('a traffic of exactly whole replicas takes one more: at full load the wait has no end', () => {
    expect(prefillPoolFor(llama70b, c, w, 3 * mu, 0.2)).toEqual({ gpus: 4 * 4, bound: 'backlog' });
    expect(prefillPoolFor(llama70b, c, w, 2.5 * mu, 0.2)).toEqual({ gpus: 3 * 4, bound: null });
    // A TTFT limit that takes more than the one extra replica says so, whatever the full pool's wait.
    const limit = 0.2 + prefillPoolWaitSeconds(llama70b, c, w, 6 * 4, 3 * mu);
    expect(prefillPoolFor(llama70b, c, w, 3 * mu, 0.2, limit)).toEqual({ gpus: 6 * 4, bound: 'slo' });
  });
  it('a TTFT limit takes the fewest replicas that keep it; none where the prefill alone exceeds it', () => {
    const prefill = 0.25;
    const rps = 5.5 * mu;
    const wait = (gpus: number) => prefillPoolWaitSeconds(llama70b, c, w, gpus, rps);
    const pool = prefillPoolFor(llama70b, c, w, rps, prefill, prefill + wait(24) / 2)!;
    expect(pool.gpus).toBeGreaterThan(24);
    expect(prefill + wait(pool.gpus)).toBeLessThanOrEqual(prefill + wait(24) / 2);
    expect(prefill + wait(pool.gpus - 4)).toBeGreaterThan(prefill + wait(24) / 2);
    expect(prefillPoolFor(llama70b, c, w, rps, prefill, prefill * 0.9)).toBeNull();
  });
  it('a plan for a traffic with a TTFT SLO sizes its pool to it; the same fleet without the SLO holds fewer', () => {
    const rps = 20;
    const loose = planCandidate(llama70b, c, w, rps, {})!;
    const slo = { ttftSeconds: loose.point.ttftSeconds + loose.prefillQueueSeconds / 4 };
    const tight = planCandidate(llama70b, c, w, rps, slo)!;
    expect(tight.prefillGpus).toBeGreaterThan(loose.prefillGpus);
    expect(tight.prefillCapacityGpus).toBe(loose.prefillGpus);
    expect([tight.prefillBound, loose.prefillBound]).toEqual(['slo', null]);
    expect(trafficPoint(llama70b, tight, w)!.ttftSeconds).toBeLessThanOrEqual(slo.ttftSeconds);
    // A fixed fleet gives the pool the SLO's GPUs first and the decode replicas the rest: the plan's own
    // GPUs, or more, carry it; fewer than the pool and one decode replica cannot.
    const fleet = (gpus: number) => planCandidate(llama70b, { ...c, fixedGpus: gpus }, w, rps, slo);
    expect(fleet(tight.gpus)!.prefillGpus).toBe(tight.prefillGpus);
    expect(fleet(tight.gpus + 8)!.prefillGpus).toBeGreaterThanOrEqual(tight.prefillGpus);
    expect(fleet(tight.gpus + 8)!.prefillBound).toBeNull();
    expect(fleet(tight.prefillGpus + 3)).toBeNull();
  });
  it('a band’s speed scales the pool’s capacity as it scales the decode replicas’', () => {
    const point = planCandidate(llama70b, c, w, 20, {})!.point;
    const [slow, model, fast] = [0.5, 1, 2].map(
      (speed) => planAtPoint(llama70b, c, w, 20, point, {}, speed)!,
    );
    expect(fast!.prefillCapacityGpus).toBeLessThan(model!.prefillCapacityGpus);
    expect(slow!.prefillCapacityGpus).toBeGreaterThan(model!.prefillCapacityGpus);
    expect(slow!.capacityRequestsPerSecond).toBeGreaterThanOrEqual(20);
  });
  it("a prompt's KV moves to the decode replica: over NVLink when the fleet shares a node, else the network", () => {
    // 4,000 tokens × 80 layers × K and V × 8 KV heads × 128 × 2 bytes over TP 4.
    const perGpu = (4000 * 80 * 2 * 8 * 128 * 2) / 4;
    const over = (l: typeof h100.scaleUp) => l.latencySeconds + perGpu / (l.bytesPerSecond * l.efficiency);
    // Before a fleet is sized, and for one that spans nodes: the NICs (50 GB/s at 90%).
    expect(h100.scaleOut.bytesPerSecond).toBe(50e9);
    expect(kvTransferSeconds(llama70b, c, w)).toBeCloseTo(over(h100.scaleOut), 9);
    expect(kvTransferSeconds(llama70b, c, w, 16)).toBeCloseTo(over(h100.scaleOut), 9);
    // A fleet of 8 GPUs or fewer sits in one node: NVLink.
    expect(kvTransferSeconds(llama70b, c, w, 8)).toBeCloseTo(over(h100.scaleUp), 9);
    // A TP 8 prefill replica sends half as much a GPU; the TP 4 decode side receives as before.
    const wide = { ...c, prefillReplica: { ...tp4, tensorParallel: 8 } };
    expect(kvTransferSeconds(llama70b, wide, w)).toBe(kvTransferSeconds(llama70b, c, w));
    // Full use: one decode replica and the 16 prefill GPUs its 4,000-token prompts need span three nodes;
    // a fixed fleet of one node at 0.5 req/s (a prefill replica beside a decode replica) moves it over NVLink.
    const alone = servingPoint(llama70b, h100, tp4, { ...w, outputTokens: 1 }, 1).ttftSeconds;
    const spans = planCandidate(llama70b, c, w, null, {})!;
    expect(spans.gpus).toBe(20);
    expect(spans.point.ttftSeconds).toBeCloseTo(alone + kvTransferSeconds(llama70b, c, w), 9);
    const node = planCandidate(llama70b, { ...c, fixedGpus: 8 }, w, 0.5, {})!;
    expect(node.gpus).toBe(8);
    expect(node.point.ttftSeconds).toBeCloseTo(alone + kvTransferSeconds(llama70b, c, w, 8), 9);
  });
  test.prop([fc.integer({ min: 8, max: 96 })], { numRuns: 12 })(
    'a fixed fleet at full use takes the split of its GPUs between the pools that carries the most: no traffic its fleet carries is more',
    (gpus) => {
      const fleet = { ...c, fixedGpus: gpus };
      const full = planCandidate(llama70b, fleet, w, null, {})!;
      expect(full.gpus).toBeLessThanOrEqual(gpus);
      expect(full.capacityRequestsPerSecond).toBeGreaterThanOrEqual(full.requestsPerSecond);
      // Every split, by brute force: k decode replicas of 4 GPUs, the rest whole prefill replicas of 4.
      const perReplica =
        (planCandidate(llama70b, c, w, null, {})!.point.outputTokensPerSecondPerGpu * 4) / 300;
      let best = 0;
      for (let k = 1; 4 * k + 4 <= gpus; k++)
        best = Math.max(best, Math.min(k * perReplica, Math.floor((gpus - 4 * k) / 4) * mu));
      expect(full.requestsPerSecond).toBeCloseTo(best, 6);
      for (const share of [0.5, 0.9, 0.99]) {
        const at = planCandidate(llama70b, fleet, w, share * best, {});
        if (at)
          expect(at.capacityRequestsPerSecond).toBeLessThanOrEqual(
            full.capacityRequestsPerSecond * (1 + 1e-9),
          );
      }
    },
  );
  it('a fixed fleet at a traffic gives its spare GPUs where they shorten a request most: no split of it is faster', () => {
    const fleet = { ...c, fixedGpus: 48 };
    const rps = 2.5 * mu;
    const plan = planCandidate(llama70b, fleet, w, rps, {})!;
    const point = planCandidate(llama70b, c, w, rps, {})!.point;
    const latency = (replicas: number) => {
      const prefillGpus = 48 - 4 * replicas;
      const wait = prefillPoolWaitSeconds(llama70b, c, w, prefillGpus, rps);
      const t = replicaAtRate(llama70b, h100, tp4, w, rps / replicas, {
        prefillTtftSeconds: point.ttftSeconds + wait,
      });
      return t === null || !Number.isFinite(wait) ? Infinity : t.ttftSeconds + 299 * t.tpotSeconds;
    };
    const splits = Array.from({ length: 11 }, (_, i) => i + 1).filter((k) => Number.isFinite(latency(k)));
    expect(splits.length).toBeGreaterThan(3);
    expect(plan.gpus).toBe(48);
    for (const k of splits) expect(latency(plan.replicas)).toBeLessThanOrEqual(latency(k) * (1 + 1e-12));
    // All spare GPUs to decode (the most replicas the pool leaves) is slower here.
    expect(latency(plan.replicas)).toBeLessThan(latency(Math.max(...splits)));
  });
  test.prop([fc.double({ min: 0.05, max: 40, noNaN: true })], { numRuns: 20 })(
    'any traffic: a finite wait, and the pool carries the traffic',
    (rps) => {
      const plan = planCandidate(llama70b, c, w, rps, {})!;
      expect(Number.isFinite(plan.prefillQueueSeconds)).toBe(true);
      expect(plan.prefillGpus / 4).toBeGreaterThan(rps / mu);
      expect(Number.isFinite(trafficPoint(llama70b, plan, w)!.ttftSeconds)).toBe(true);
    },
  );
});
