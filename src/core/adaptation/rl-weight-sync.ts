/**
 * Weight synchronisation in RL: after each policy update the rollout engines receive the new weights.
 * Colocated (verl, NeMo-RL, Kimi K2's checkpoint-engine): every GPU gathers the full weights from the
 * trainer's shards over the cluster's collectives (an all-gather; hierarchical past a node) and the
 * engine copies its own slice in. Separate pools (OpenRLHF, slime): the trainer broadcasts the
 * weights over the network, a pipelined broadcast passing the bytes once through each link (NCCL's
 * ring broadcast; Thakur et al. 2005 Sec. 3). The engine's reload — staging buffers, copying each
 * parameter into its sharded and fused layout — is a sustained rate calibrated on measured updates
 * (catalog/validation/rl-runs.json, `weightUpdates`).
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { collectiveSeconds, placement } from '../hardware/collectives.js';

export type RlPlacement = 'colocated' | 'separate';
export const RL_PLACEMENTS = ['colocated', 'separate'] as const satisfies readonly RlPlacement[];

export interface WeightSyncOptions {
  readonly placement: RlPlacement;
  /** GPUs holding the trainer's shards (colocated: every GPU of the run). */
  readonly trainingGpus: number;
  /** Bytes of the weights sent: parameters synchronised × bytes per element. */
  readonly bytes: number;
  /** The engine's reload rate, bytes of the whole model per second (calibrated). */
  readonly reloadBytesPerSecond: number;
}

export interface WeightSync {
  readonly bytes: number;
  readonly transferSeconds: number;
  readonly reloadSeconds: number;
  readonly seconds: number;
}

export function weightSyncSeconds(cluster: ClusterSpec, o: WeightSyncOptions): WeightSync {
  const transferSeconds =
    o.placement === 'colocated'
      ? // All-gather of the full weights over the run's GPUs (Thakur et al. 2005; collectives.ts).
        collectiveSeconds(
          'all-gather',
          o.bytes,
          placement(o.trainingGpus, 1, cluster.gpusPerNode),
          cluster.scaleUp,
          cluster.scaleOut,
        )
      : // Pipelined broadcast across nodes: the bytes once through each NIC.
        collectiveSeconds('p2p', o.bytes, { size: 2, perNode: 1 }, cluster.scaleUp, cluster.scaleOut);
  const reloadSeconds = o.reloadBytesPerSecond > 0 ? o.bytes / o.reloadBytesPerSecond : 0;
  return { bytes: o.bytes, transferSeconds, reloadSeconds, seconds: transferSeconds + reloadSeconds };
}
