/**
 * The replica layouts a deployment search tries for a model on a GPU: tensor, pipeline and expert
 * parallelism per replica, within what the model's heads, layers and experts split over and what a node holds.
 */
import { inputError } from '../errors.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import { tensorParallelSplits } from '../model/kv-cache.js';
import type { ModelSpec } from '../model/spec.js';
import type { KvFormat, WeightFormat } from '../precision.js';
import { checkReplicaLayout, type ExpertPlacement, searchedEps } from './expert-placement.js';
import type { Replica } from './serving-step.js';

/** Weight bytes on each GPU of a TP-`tp` replica (decoder and encoders), as inference-memory.ts loads them. */
function weightsPerGpuBytes(spec: ModelSpec, weightFormat: WeightFormat, kvFormat: KvFormat, tp: number) {
  const m = inferenceMemory(spec, {
    weightFormat,
    kvFormat,
    batchSize: 1,
    contextTokens: 1,
    tensorParallel: tp,
  });
  return m.weightsBytes + m.encoderWeightsBytes;
}

/** Where a replica's layout fields are named in messages (a flag's path maps onto them, flag-paths.ts). */
export const REPLICA_LAYOUT_PATHS = {
  tensorParallel: ['layout', 'tensorParallel'],
  expertParallel: ['layout', 'expertParallel'],
  pipelineParallel: ['layout', 'pipelineParallel'],
  epInTp: ['layout', 'epInTp'],
  expertImbalance: ['layout', 'expertImbalance'],
  redundantExperts: ['layout', 'redundantExperts'],
} as const;

/**
 * The replica layouts worth trying for a model on a GPU: TP over powers of two within the scale-up
 * domain that divide the attention heads; for a model whose weights fill more than half of each GPU of
 * a node (or more than it holds), also replicas over 2 and 4 nodes, as a pipeline of whole-node TP
 * stages (vLLM's and SGLang's multi-node layout: TP within a node, PP across) and, for a dense model,
 * as TP over the NICs; for MoE also EP over powers of two up to the expert count (DeepSeek serves V3 at
 * EP32 prefill / EP144 decode, Day-6 note) that divide the expert slots (the experts plus
 * `redundantExperts` EPLB copies, which need whole experts), and whole experts over each TP group above 1
 * that divides the slots (`epInTp`, a pipeline's stages too); `fixed` pins any of them (`epInTp` alone,
 * `expertParallel` 1 slicing), and its `expertImbalance` goes on every replica.
 */
export function replicaOptions(
  spec: ModelSpec,
  cluster: ClusterSpec,
  weightFormats: readonly WeightFormat[],
  kvFormat: KvFormat,
  fixed: {
    readonly tensorParallel?: number;
    readonly expertParallel?: number;
    readonly pipelineParallel?: number;
    readonly epInTp?: boolean;
    readonly maxGpus?: number;
  } & ExpertPlacement,
): Replica[] {
  const powers = (max: number) => {
    const out: number[] = [];
    for (let p = 1; p <= max; p *= 2) out.push(p);
    return out;
  };
  // Engines split attention heads over TP ranks: query heads evenly, KV heads evenly or replicated
  // (vLLM/SGLang/TRT-LLM all refuse other splits); EP must divide the expert slots.
  checkReplicaLayout(spec, fixed, REPLICA_LAYOUT_PATHS);
  const redundant = fixed.redundantExperts ?? 0;
  const slots = spec.moe ? spec.moe.numExperts + redundant : 1;
  const node = cluster.gpusPerNode;
  const inNode = powers(node).filter((t) => tensorParallelSplits(spec, t));
  const nodes = [2, 4];
  const splits = (weightFormat: WeightFormat): { tp: number; pp: number }[] => {
    const fixedTp = fixed.tensorParallel;
    if (fixed.pipelineParallel !== undefined)
      return (fixedTp ? [fixedTp] : inNode).map((tp) => ({ tp, pp: fixed.pipelineParallel! }));
    const plain = (fixedTp ? [fixedTp] : inNode).map((tp) => ({ tp, pp: 1 }));
    const widest = fixedTp ?? Math.max(...inNode);
    if ((fixed.expertParallel ?? 1) > 1 || (redundant > 0 && !fixed.epInTp) || widest > node) return plain;
    // Weights that leave a node's GPUs less than half their memory for the KV cache: replicas over
    // nodes hold more sequences (or hold the model at all), which the plans then weigh against their cost.
    if (weightsPerGpuBytes(spec, weightFormat, kvFormat, widest) <= cluster.gpu.memoryBytes / 2) return plain;
    const overNics =
      spec.moe || fixedTp
        ? []
        : nodes.map((n) => ({ tp: n * node, pp: 1 })).filter(({ tp }) => tensorParallelSplits(spec, tp));
    const piped = nodes
      .map((n) => ({ tp: widest, pp: (n * node) / widest }))
      .filter(({ pp }) => pp <= spec.numLayers);
    return [...plain, ...overNics, ...piped];
  };
  // Expert layouts per TP size: EP ranks with attention data-parallel (EP > 1), or EP 1 with each expert
  // sliced over TP (not with EPLB slots) or whole over the TP group (epInTp, where TP divides the slots);
  // a pipeline only with EP 1. Searched unless fixed: --ep-in-tp fixes the TP-group layout, --ep 1 slicing.
  const eps = fixed.expertParallel ? [fixed.expertParallel] : spec.moe ? searchedEps(slots, redundant) : [1];
  const layouts = (tp: number, pp: number): { expertParallel: number; epInTp?: true }[] => {
    const inTp =
      spec.moe !== null && tp > 1 && slots % tp === 0 && (fixed.epInTp || fixed.expertParallel === undefined)
        ? [{ expertParallel: 1, epInTp: true as const }]
        : [];
    if (fixed.epInTp) return inTp;
    const whole = eps.filter((ep) => ep > 1 && pp === 1).map((expertParallel) => ({ expertParallel }));
    return [...(eps.includes(1) && redundant === 0 ? [{ expertParallel: 1 }] : []), ...inTp, ...whole];
  };
  const out: Replica[] = [];
  for (const weightFormat of weightFormats)
    for (const { tp: tensorParallel, pp } of splits(weightFormat))
      for (const experts of layouts(tensorParallel, pp))
        if (fixed.maxGpus === undefined || tensorParallel * experts.expertParallel * pp <= fixed.maxGpus)
          out.push({
            tensorParallel,
            ...experts,
            ...(pp > 1 ? { pipelineParallel: pp } : {}),
            weightFormat,
            kvFormat,
            ...(redundant > 0 ? { redundantExperts: redundant } : {}),
            ...(fixed.expertImbalance !== undefined && { expertImbalance: fixed.expertImbalance }),
          });
  if (fixed.epInTp && out.length === 0 && fixed.maxGpus === undefined)
    inputError(
      'infeasible',
      ['layout', 'epInTp'],
      `no TP size tried (${inNode.filter((t) => t > 1).join(', ') || 'none above 1'}) divides the ${slots} expert slots of ${spec.name}: fix a TP that does, or leave expert parallelism inside TP out`,
    );
  return out;
}
