import { describe, expect, it } from 'vitest';
import { defaultCluster, scaleUpTierSize } from './cluster-spec.js';
import { collectiveSeconds, placement } from './collectives.js';
import type { HardwareSpec } from './hardware-spec.js';

/** A GPU as the collectives see it: only the fabric matters here. */
function gpu(
  fabric: string,
  domainSize: number,
  upBytesPerSecond: number,
  nicBytesPerSecond: number,
): HardwareSpec {
  return {
    id: `${fabric}-${domainSize}`,
    peakFlopsPerSecond: { bf16: 1e15 },
    memoryBytes: 80e9,
    memoryBytesPerSecond: 3e12,
    scaleUp: { fabric, bytesPerSecondPerDirection: upBytesPerSecond, domainSize },
    scaleOutBytesPerSecond: nicBytesPerSecond,
    tdpWatts: 700,
    efficiency: {
      id: 'test',
      family: 'test',
      gemm: { bf16: { points: [{ size: 1, efficiency: 1 }] } },
      attentionForward: 1,
      attentionBackward: 1,
      memory: { points: [{ size: 1, efficiency: 1 }] },
      scaleUpEfficiency: 1,
      scaleOutEfficiency: 1,
      sustainedComputeFraction: 1,
    },
  };
}

const nvl72 = defaultCluster(gpu('nvlink', 72, 900e9, 100e9));
const hgxH100 = defaultCluster(gpu('nvlink', 8, 450e9, 50e9));

describe('NVL72 as one scale-up tier', () => {
  it('an NVLink switch domain is one tier however large; other fabrics count 8 per node', () => {
    expect(scaleUpTierSize(gpu('nvlink', 72, 1, 1))).toBe(72);
    expect(scaleUpTierSize(gpu('nvlink', 8, 1, 1))).toBe(8);
    expect(scaleUpTierSize(gpu('ici', 256, 1, 1))).toBe(8);
    expect(scaleUpTierSize(gpu('pcie', 8, 1, 1))).toBe(8);
  });

  it('EP64 all-to-all on GB200 NVL72 stays on NVLink; on 8×H100 nodes it crosses InfiniBand', () => {
    const bytes = 256e6;
    // EP ranks adjacent (stride 1): all 64 in one NVL72 rack; 8 nodes of 8 on H100.
    const onRack = placement(64, 1, nvl72.gpusPerNode);
    const onNodes = placement(64, 1, hgxH100.gpusPerNode);
    expect(onRack.perNode).toBe(64);
    expect(onNodes.perNode).toBe(8);
    const rack = collectiveSeconds('all-to-all', bytes, onRack, nvl72.scaleUp, nvl72.scaleOut);
    const nodes = collectiveSeconds('all-to-all', bytes, onNodes, hgxH100.scaleUp, hgxH100.scaleOut);
    // NVLink tier: (n−1)/n of the data over 900 GB/s (Thakur et al. 2005 ring/pairwise bound).
    expect(rack).toBeCloseTo(((63 / 64) * bytes) / 900e9 + 63 * nvl72.scaleUp.latencySeconds, 9);
    // IB tier: the 56/64 that leaves each node goes over the 50 GB/s NIC.
    expect(nodes).toBeGreaterThanOrEqual(((56 / 64) * bytes) / 50e9);
    expect(nodes / rack).toBeGreaterThan(5);
  });
});
