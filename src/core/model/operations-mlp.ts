/**
 * The MLP block's operations: a dense (gated) MLP, or a mixture of experts: shared experts, the
 * router, the routed experts on their expert-parallel ranks and the dispatch/combine all-to-all.
 * Adapter GEMMs stay in operations.ts (they read layerWeights, which runs layerOperations).
 * Conventions: operations.ts.
 */

import { isFourBit } from '../hardware/efficiency.js';
import type { OpBuilder } from './op-builder.js';
import {
  ACT_BYTES,
  type OpComponent,
  type OperationRequest,
  paddedTo,
  unreachable,
} from './operation-types.js';
import type { LayerSpec, ModelSpec } from './spec.js';

/** Dense MLP, or shared + routed experts with the router and the expert all-to-all. */
export function mlpOperations(
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
): number {
  const { layout } = request;
  const t = layout.tensorParallel;
  const h = spec.hiddenSize;
  switch (layer.mlp) {
    case 'dense': {
      const I = spec.mlp.intermediateSize;
      // Kosmos-2's ffn_layernorm: a norm over each rank's I/t slice of the activation, read and written.
      if (spec.mlp.intermediateNorm)
        b.memory('mlp.intermediate_norm', 'norm', (ACT_BYTES * tokens * I) / t, (ACT_BYTES * tokens * I) / t);
      return denseMlp(b, 'mlp', 'denseMlp', tokens, I, spec.mlp.gated, t, h);
    }
    case 'projection':
      // DeciLMLinearMLP: one h × h Linear, row-parallel over TP like the MLP's down projection.
      b.gemm('mlp.linear_mlp', 'denseMlp', tokens, h, h / t);
      return 0;
    case 'none':
      return 0;
    case 'moe': {
      const moe = spec.moe;
      if (moe === null)
        return denseMlp(b, 'mlp', 'denseMlp', tokens, spec.mlp.intermediateSize, spec.mlp.gated, t, h);
      let activation = 0;
      if (moe.numSharedExperts > 0) {
        const Is = moe.numSharedExperts * moe.sharedIntermediateSize;
        activation += denseMlp(b, 'shared_experts', 'sharedExperts', tokens, Is, moe.gated, t, h);
      }
      if (!moe.routerInExtras)
        b.gemm('router', 'router', tokens, moe.numExperts, h, {
          datatype: 'bf16',
          bytes: 2,
          replicated: true,
        });
      // LatentMoE: fc1_latent_proj (h → latent) before dispatch, fc2_latent_proj back after combine.
      const width = moe.latentSize ?? h;
      if (moe.latentSize !== undefined) {
        b.gemm('latent.fc1', 'sharedExperts', tokens, moe.latentSize / t, h);
        b.gemm('latent.fc2', 'sharedExperts', tokens, h, moe.latentSize / t);
      }
      // Routed experts: tokens of the EP group's data-parallel ranks gathered on each expert, spread over
      // the experts' slots (EPLB's redundant copies split their experts' tokens).
      const ep = layout.expertParallel;
      const etp = layout.expertTensorParallel ?? t;
      const groupTokens = request.shape.groupTokens ?? (tokens * ep * etp) / t;
      const slots = moe.numExperts + (request.redundantExperts ?? 0);
      const localExperts = slots / ep;
      const tokensPerExpert = ((groupTokens * moe.topK) / slots) * (request.expertImbalance ?? 1);
      // Serving a small batch reaches only some experts (uniform routing): expected distinct experts, and
      // the step waits for the GPU that reaches the most of its own.
      const touched =
        request.phase === 'decode' || request.phase === 'prefill'
          ? busiestRankExperts(
              localExperts,
              ep,
              Math.min(slots, expectedExpertsTouched(slots, moe.topK, groupTokens)) / slots,
            )
          : localExperts;
      const perTouched = (tokensPerExpert * localExperts) / Math.max(touched, Number.MIN_VALUE);
      const Ie = moe.expertIntermediateSize;
      const matrices = moe.gated ? 2 : 1;
      // A weight-only MoE kernel's padded shapes (vLLM's Marlin MoE), the zeros multiplied and streamed too.
      const a = request.expertAlignment;
      const part = a ? paddedTo(Ie / etp, a.intermediate) : Ie / etp;
      const wide = a ? paddedTo(width, a.hidden) : width;
      b.gemm('experts.gate_up', 'routedExperts', perTouched, matrices * part, wide, { count: touched });
      b.gemm('experts.down', 'routedExperts', perTouched, wide, part, { count: touched });
      activation += (perTouched * touched * Ie * (moe.gated ? 3 : 2)) / etp;
      expertAllToAll(spec, request, b, tokens);
      return activation;
    }
    default:
      return unreachable(layer.mlp);
  }
}

/** Up (and gate) then down projection; returns activation-function elements read and written. */
function denseMlp(
  b: OpBuilder,
  name: string,
  component: OpComponent,
  tokens: number,
  I: number,
  gated: boolean,
  t: number,
  h: number,
): number {
  b.gemm(`${name}.${gated ? 'gate_up' : 'up'}`, component, tokens, ((gated ? 2 : 1) * I) / t, h);
  b.gemm(`${name}.down`, component, tokens, h, I / t);
  return (tokens * I * (gated ? 3 : 2)) / t;
}

/** Expected distinct experts reached by `tokens` tokens routed top-k of E (uniform routing). */
export function expectedExpertsTouched(numExperts: number, topK: number, tokens: number): number {
  return numExperts * (1 - (1 - topK / numExperts) ** tokens);
}

/**
 * Expected most experts any of `ranks` GPUs reaches when each holds `perRank` of them and each expert is
 * reached with probability `p` (uniform routing, experts taken as independent): E[max] = Σⱼ (1 − F(j−1)^ranks),
 * F the Binomial(perRank, p) distribution function — order statistics of i.i.d. variables (David &
 * Nagaraja, Order Statistics, Sec. 2.1). The mean `perRank · p` where there is one rank, a fractional
 * share, or every expert is reached.
 */
export function busiestRankExperts(perRank: number, ranks: number, p: number): number {
  const mean = perRank * p;
  if (ranks <= 1 || !Number.isInteger(perRank) || p <= 0 || perRank * (1 - p) < 1e-6) return mean;
  // Binomial probabilities in logs, so that the first terms of a large share do not underflow the rest.
  const logOdds = Math.log(p / (1 - p));
  let logPmf = perRank * Math.log1p(-p);
  let cdf = Math.exp(logPmf);
  let sum = 0;
  for (let j = 1; j <= perRank; j += 1) {
    sum += 1 - Math.min(1, cdf) ** ranks;
    logPmf += Math.log((perRank - j + 1) / j) + logOdds;
    cdf += Math.exp(logPmf);
  }
  return Math.max(mean, sum);
}

/**
 * Expected distinct nodes a token reaches when its experts lie in `groupsPerToken` of `groups` routing
 * groups, drawn uniformly, and each of `nodes` nodes holds groups/nodes whole groups:
 * nodes · (1 − C(groups − groups/nodes, M) / C(groups, M)) — M where each node holds one group
 * (DeepSeek-V3 Sec. 2.1.2, node-limited routing; the hypergeometric chance that no chosen group is on a node).
 */
export function expectedNodesReached(groups: number, groupsPerToken: number, nodes: number): number {
  const perNode = groups / nodes;
  let untouched = 1;
  for (let i = 0; i < groupsPerToken; i += 1) untouched *= Math.max(0, (groups - perNode - i) / (groups - i));
  return nodes * (1 - untouched);
}

/**
 * Sends per token over an EP group of `ranks` GPUs on `nodes` nodes: each of its top-k experts at a decode
 * step (DeepEP's low-latency kernels) and within one node; once per node its routing groups reach where each
 * node holds whole groups (prefill and training, DeepEP's normal kernels); once per node its experts reach
 * in a serving prefill otherwise (the same kernels, whatever the routing: experts as groups of one, an upper
 * bound where groups span nodes); top-k in training without node-limited routing (Megatron's all-to-all
 * sends per expert) unless the run dispatches with DeepEP, which sends once per node across nodes and
 * once per GPU inside one (its `is_token_in_rank` layout; DeepEP README, normal kernels).
 */
function networkCopies(
  moe: NonNullable<ModelSpec['moe']>,
  request: OperationRequest,
  ranks: number,
  nodes: number,
): number {
  const { phase } = request;
  const deepep = request.layout.tokenDispatcher === 'deepep';
  if (phase === 'decode') return moe.topK;
  if (nodes <= 1) return deepep ? expectedNodesReached(moe.numExperts, moe.topK, ranks) : moe.topK;
  const groups = moe.routingGroups;
  if (groups && groups.groups >= nodes)
    return expectedNodesReached(groups.groups, groups.groupsPerToken, nodes);
  return phase === 'prefill' || deepep ? expectedNodesReached(moe.numExperts, moe.topK, nodes) : moe.topK;
}

/**
 * Dispatch and combine: each token's hidden state to its experts and back (Megatron/DeepEP
 * all-to-all inside the EP group); DeepSeek dispatches in FP8, and so, as an estimate, does a 4-bit
 * model (its GEMMs quantise the activations either way), each token {@link networkCopies} times, and
 * NVLink fans it out inside a node (DeepSeek-V3 Sec. 2.1.2; DeepEP README). None where every EP rank holds
 * every token (`expertTokensReplicated`): the TP all-reduce (operations.ts) combines.
 */
function expertAllToAll(spec: ModelSpec, request: OperationRequest, b: OpBuilder, tokens: number): void {
  const moe = spec.moe!;
  const { layout } = request;
  const ep = layout.expertParallel;
  if (ep <= 1 || layout.expertTokensReplicated) return;
  const t = layout.tensorParallel;
  const etp = layout.expertTensorParallel ?? t;
  // Megatron's expert rank order is ETP innermost, then EP (parallel_state.py's expert RankGenerator,
  // 'tp-ep-dp-pp'): with ETP < TP the EP group's members are ETP ranks apart; at ETP = TP, TP·CP.
  const apart = layout.expertRanksApart ?? (etp === t ? t * layout.contextParallel : etp);
  const perNode =
    layout.gpusPerNode === undefined
      ? ep
      : apart >= layout.gpusPerNode
        ? 1
        : Math.max(1, Math.min(ep, Math.floor(layout.gpusPerNode / apart)));
  const nodes = Math.max(1, ep / perNode);
  const copies = Math.min(moe.topK, networkCopies(moe, request, ep, nodes));
  // LatentMoE dispatches and combines latent-wide tokens. With sequence parallelism and ETP < TP each
  // rank dispatches its ETP/TP share of the TP group's tokens (its own sequence shard at ETP = 1;
  // Megatron's MoEAlltoAllTokenDispatcher); serving's replicated TP tokens are sent as they are.
  const h = moe.latentSize ?? spec.hiddenSize;
  const sent = layout.sequenceParallel ? (tokens * etp) / t : tokens;
  const lowPrecision = request.datatype === 'fp8' || isFourBit(request.datatype);
  const dispatch = sent * copies * h * (lowPrecision ? 1 : ACT_BYTES);
  b.collective('dispatch', 'expertParallel', 'all-to-all', dispatch, ep, apart);
  b.collective('combine', 'expertParallel', 'all-to-all', sent * copies * h * ACT_BYTES, ep, apart);
}
