/**
 * Collective communication time, α-β model (Thakur et al. 2005; NCCL's ring algorithms): a ring
 * reduce-scatter or all-gather over n ranks moves (n−1)/n of the data through each rank's link in
 * n−1 steps; an all-reduce is both; an all-to-all sends (n−1)/n of each rank's data; point-to-point
 * sends it once. Groups larger than a node are hierarchical: the scale-up part over NVLink, the
 * cross-node part over each GPU's own NIC (rail-optimised), with the data already divided by the
 * intra-node ranks.
 */

export interface Link {
  /** One direction, per GPU, bytes/s. */
  readonly bytesPerSecond: number;
  readonly latencySeconds: number;
  /** Achieved fraction of the bandwidth. */
  readonly efficiency: number;
}

export interface GroupPlacement {
  /** Ranks in the group. */
  readonly size: number;
  /** How many of them share a node (1 when the group's stride spans nodes). */
  readonly perNode: number;
}

export type Collective = 'all-reduce' | 'reduce-scatter' | 'all-gather' | 'all-to-all' | 'p2p';

function ringSeconds(kind: Collective, bytes: number, n: number, link: Link): number {
  if (n <= 1 || bytes <= 0) return 0;
  const bw = link.bytesPerSecond * link.efficiency;
  switch (kind) {
    case 'p2p':
      return bytes / bw + link.latencySeconds;
    case 'all-reduce':
      return (2 * (n - 1) * bytes) / (n * bw) + 2 * (n - 1) * link.latencySeconds;
    default:
      return ((n - 1) * bytes) / (n * bw) + (n - 1) * link.latencySeconds;
  }
}

/**
 * Seconds for a collective on `bytes` (the full buffer per rank: the input of a reduce-scatter or
 * all-reduce, the output of an all-gather, what each rank holds before an all-to-all).
 */
export function collectiveSeconds(
  kind: Collective,
  bytes: number,
  group: GroupPlacement,
  scaleUp: Link,
  scaleOut: Link,
): number {
  const n = group.size;
  if (n <= 1 || bytes <= 0) return 0;
  const intra = Math.max(1, Math.min(group.perNode, n));
  if (intra >= n) return ringSeconds(kind, bytes, n, scaleUp);
  const inter = n / intra;
  if (kind === 'p2p') return ringSeconds('p2p', bytes, 2, scaleOut);
  if (kind === 'all-to-all') {
    // Share of the data that leaves the node goes over the NICs, the rest over NVLink, in parallel.
    const remote = (bytes * (n - intra)) / n;
    const local = (bytes * (intra - 1)) / n;
    return (
      Math.max(
        remote / (scaleOut.bytesPerSecond * scaleOut.efficiency),
        local / (scaleUp.bytesPerSecond * scaleUp.efficiency),
      ) +
      (inter - 1) * scaleOut.latencySeconds
    );
  }
  // Hierarchical: reduce-scatter inside the node, the collective across nodes on 1/intra of the data,
  // all-gather inside the node (each phase only where the collective needs it).
  const across = ringSeconds(kind, bytes / intra, inter, scaleOut);
  const inside = ringSeconds(kind, bytes, intra, scaleUp);
  return inside + across;
}

/**
 * Where a parallel group sits, given the rank order TP (innermost) → CP → DP/EP → PP (Megatron-LM's
 * default `tp-cp-ep-dp-pp`): a group whose members are `stride` ranks apart has
 * gpusPerNode / stride of them on one node.
 */
export function placement(size: number, stride: number, gpusPerNode: number): GroupPlacement {
  const perNode = stride >= gpusPerNode ? 1 : Math.max(1, Math.min(size, Math.floor(gpusPerNode / stride)));
  return { size, perNode };
}
