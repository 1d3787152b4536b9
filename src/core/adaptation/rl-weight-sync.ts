/**
 * Weight synchronisation in RL: after each policy update the rollout engines receive the new weights.
 * Colocated (verl, NeMo-RL, Kimi K2's checkpoint-engine): every GPU gathers the full weights from the
 * trainer's shards over the cluster's collectives (an all-gather; hierarchical past a node) and the
 * engine copies its own slice in. Separate pools (OpenRLHF, slime, NeMo RL's non-colocated refit:
 * `broadcast_weights_for_collective`, src = trainer rank 0 to every rollout rank): a pipelined ring
 * broadcast passing the bytes once through each link (NCCL's ring broadcast; Thakur et al. 2005
 * Sec. 3), whose channels leave a node through every NIC of it (NCCL builds one ring per NIC;
 * nccl-tests doc/PERFORMANCE.md: broadcast bus bandwidth = algorithm bandwidth). The engine's reload — staging buffers, copying each
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
  /** GPUs of the rollout pool (separate placement: the broadcast's receivers). */
  readonly rolloutGpus?: number;
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

/**
 * Pipelined ring broadcast of `bytes` over both pools (Thakur et al. 2005 Sec. 3: time → bytes / the
 * slowest link's bandwidth). Inside one scale-up domain the ring runs over NVLink; across domains
 * every NIC of a node carries a channel, so a hop between nodes moves gpusPerNode × the per-GPU NIC
 * bandwidth, capped by the sender's own NVLink bandwidth into its node.
 */
function broadcastSeconds(cluster: ClusterSpec, bytes: number, gpus: number): number {
  const { scaleUp, scaleOut } = cluster;
  const nvlink = scaleUp.bytesPerSecond * scaleUp.efficiency;
  if (gpus <= cluster.gpusPerNode) return bytes / nvlink + scaleUp.latencySeconds;
  const acrossNodes = cluster.gpusPerNode * scaleOut.bytesPerSecond * scaleOut.efficiency;
  return bytes / Math.min(nvlink, acrossNodes) + scaleOut.latencySeconds;
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
      : broadcastSeconds(cluster, o.bytes, o.trainingGpus + (o.rolloutGpus ?? 1));
  const reloadSeconds = o.reloadBytesPerSecond > 0 ? o.bytes / o.reloadBytesPerSecond : 0;
  return { bytes: o.bytes, transferSeconds, reloadSeconds, seconds: transferSeconds + reloadSeconds };
}
