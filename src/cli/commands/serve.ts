import { servingScale } from '../../catalog/serving-band.js';
import { inputError } from '../../core/errors.js';
import { acrossNodesStatement } from '../../core/inference/across-nodes.js';
import {
  candidateLabel,
  type DeploymentCandidate,
  type DeploymentPlan,
  planDeployments,
} from '../../core/inference/deployment.js';
import { eagerDecodeStatement } from '../../core/inference/eager-decode.js';
import {
  engineMemoryFraction,
  promptChunksStatement,
  promptStepsStatement,
} from '../../core/inference/engine.js';
import { type FrontierPoint, servingFrontier } from '../../core/inference/frontier.js';
import { prefillReplicaFits } from '../../core/inference/prefill-pool.js';
import { hasSlo, maxConcurrency } from '../../core/inference/serving.js';
import { planServingModes } from '../../core/inference/serving-modes.js';
import { replicaGpus } from '../../core/inference/serving-step.js';
import { trafficPoint } from '../../core/inference/traffic-point.js';
import { paramCount } from '../../core/model/param-count.js';
import { bytesPerElement } from '../../core/precision.js';
import { requestsPerSecondFor, tokensPerDayAt } from '../../core/units.js';
import { energyText } from '../energy-flags.js';
import {
  formatBytes,
  formatCount,
  formatLatency,
  formatMeanCount,
  formatMilliseconds,
  formatRate,
  table,
  toJson,
  formatUsd as usd,
} from '../format.js';
import { positiveInteger, positiveNumber } from '../options.js';
import { planJson } from '../plan-json.js';
import { progressBar } from '../progress.js';
import { runSimulation, type SimulationFlags, simulationLines } from '../serve-simulation.js';
import { priceBasis, type ServingFlags, type ServingSetup, servingSetup } from '../serving-flags.js';

export interface ServeFlags extends ServingFlags, SimulationFlags {
  pareto?: boolean;
  aggregated?: boolean;
  concurrency?: string;
  requestsPerSecond?: string;
  tokensPerDay?: string;
  top?: string;
  json?: boolean;
}

/** Requests per second from --requests-per-second or --tokens-per-day; null for "full use". */
export function trafficRequestsPerSecond(
  o: { requestsPerSecond?: string; tokensPerDay?: string },
  tokensPerRequest: number,
): number | null {
  if (o.requestsPerSecond !== undefined && o.tokensPerDay !== undefined)
    inputError(
      'infeasible',
      ['--tokens-per-day'],
      'give either --requests-per-second or --tokens-per-day, not both',
    );
  if (o.requestsPerSecond !== undefined)
    return positiveNumber(o.requestsPerSecond, '--requests-per-second', 1);
  if (o.tokensPerDay !== undefined)
    return requestsPerSecondFor(positiveNumber(o.tokensPerDay, '--tokens-per-day', 1), tokensPerRequest);
  return null;
}

/** A candidate as it is without its drafter (the plan without speculative decoding). */
const withoutDrafter = (c: DeploymentCandidate): DeploymentCandidate => ({
  ...c,
  replica: { ...c.replica, drafter: undefined },
  prefillReplica: c.prefillReplica && { ...c.prefillReplica, drafter: undefined },
});

/** A TPOT in ms to one decimal, or — where answers are one token (steady-step.ts reportedTpot: 0). */
const tpotMs = (seconds: number) => (seconds > 0 ? formatMilliseconds(seconds, 1) : '—');

/** What speculative decoding changes against the best plan without it, for the same traffic and SLO. */
function speculationLine(best: DeploymentPlan, plain: DeploymentPlan | null): string {
  if (plain === null) return '  without speculative decoding no layout meets the SLO';
  const change = (a: number, b: number) => `${a >= b ? '+' : '−'}${(100 * Math.abs(a / b - 1)).toFixed(0)}%`;
  const tpot = (p: DeploymentPlan) => p.point.tpotSeconds;
  const blended = (p: DeploymentPlan) => p.costPerMillionBlendedTokensUsd;
  // One-token answers have no TPOT (steady-step.ts reportedTpot): no TPOT to compare.
  const timed = tpot(plain) > 0;
  return `  without speculative decoding: ${layoutLabel(plain)} · TPOT ${timed ? `${tpotMs(tpot(plain))} ms` : '—'} · ${formatCount(plain.outputTokensPerSecondPerGpu)} output tokens/s per GPU · ${usd(blended(plain))}/M blended; speculation changes ${timed ? `TPOT ${change(tpot(best), tpot(plain))}, ` : ''}$/M blended ${change(blended(best), blended(plain))}`;
}

const layoutLabel = (p: DeploymentPlan) =>
  `${candidateLabel(p.candidate)}${p.disaggregated ? ' disagg' : ''}`;

function frontierLines(frontier: readonly Omit<FrontierPoint, 'plan'>[]): string[] {
  return [
    '',
    'frontier: output tokens/s per GPU vs tokens/s per user (each point at full use, every GPU counted; disagg = separate prefill GPUs; $/M out here is all GPU cost over output tokens, not the split above)',
    table(
      ['tok/s/user', 'out tok/s/GPU', 'TTFT ms', 'layout', 'mode', 'conc.', '$/M out', '$/M blend'],
      frontier.map((f) => [
        f.tokensPerSecondPerUser.toFixed(1),
        formatCount(f.outputTokensPerSecondPerGpu),
        formatMilliseconds(f.ttftSeconds, 0),
        f.label,
        f.disaggregated ? 'disagg' : 'agg',
        String(f.concurrency),
        usd(f.costPerMillionOutputTokensUsd),
        usd(f.costPerMillionBlendedTokensUsd),
      ]),
    ),
  ];
}

/** Why no candidate produced a plan, with what to change (serve and compare-api). */
export function whyNot(setup: ServingSetup, rps: number | null, concurrency: number | undefined): string {
  const { spec, workload: w, slo, candidates } = setup;
  if (!candidates.some((c) => maxConcurrency(spec, c.cluster, c.replica, w) >= 1)) {
    const gpus = [...new Set(candidates.map((c) => c.gpuId))].join(', ');
    const ep = Math.max(...candidates.map((c) => c.replica.expertParallel));
    const pp = Math.max(...candidates.map((c) => c.replica.pipelineParallel ?? 1));
    // The replica over the most GPUs tried, as its layout reads (TP16, TP8·PP4, TP1·ADP32·EP32).
    const largest = candidates.reduce((a, b) => (replicaGpus(b.replica) > replicaGpus(a.replica) ? b : a));
    const most = replicaGpus(largest.replica);
    const layout = candidateLabel(largest).split(' ')[1];
    // An engine that derives its memory share (SGLang's reserve grows with attention-DP ranks, its prefill
    // chunk and its CUDA-graph batch) may be what leaves no room: where its reserve alone fills the GPU, that is the answer.
    const reserving = candidates.filter((c) => c.replica.profile?.memoryReserve);
    const derived = reserving[0]?.replica.profile;
    if (derived) {
      // The most any layout tried keeps for weights and KV, and whether attention-DP padding is part of the reserve.
      const left = Math.max(
        ...reserving.map((c) =>
          engineMemoryFraction(c.replica.profile!, c.cluster.gpu.memoryBytes, c.replica),
        ),
      );
      const padded = reserving.some((c) => c.replica.expertParallel > 1) ? ', attention-DP padding' : '';
      if (left < 0.1)
        return `${derived.name}'s own reserve on ${gpus} (for its prefill chunk of ${derived.maxBatchedTokens} tokens, its CUDA-graph batch${padded} and metadata) leaves at most ${(100 * left).toFixed(0)}% of the GPU's memory for the weights and KV cache on any layout tried: lower --chunk-tokens or --cuda-graph-batch, or state the deployment's --mem-fraction (its --mem-fraction-static)`;
    }
    const share = derived
      ? `; ${derived.name} derives its memory share from the layout here: state the deployment's --mem-fraction (its --mem-fraction-static)`
      : '';
    // Advice that changes something: weight formats smaller than every one tried, a replica over more GPUs.
    const widest = Math.max(...candidates.map((c) => bytesPerElement(c.replica.weightFormat)));
    const smaller = (['fp8', 'int4'] as const).filter((f) => bytesPerElement(f) < widest);
    const formats = smaller.length > 0 ? `--weights ${smaller.join(' or ')}, ` : '';
    // The fewest GPUs whose engine memory share holds the weights alone, as a replica the search would try:
    // a power of two within a node, whole nodes beyond it (replica-layouts.ts).
    const memory = Math.max(
      ...candidates.map((c) => c.cluster.gpu.memoryBytes * (c.replica.profile?.memoryFraction ?? 1)),
    );
    const weights = (bytes: number) => paramCount(spec).totalParams * bytes;
    const need = Math.ceil(weights(widest) / memory);
    const node = Math.max(...candidates.map((c) => c.cluster.gpusPerNode));
    const atLeast = Math.max(
      2 * most,
      need <= node ? 2 ** Math.ceil(Math.log2(need)) : Math.ceil(need / node) * node,
    );
    const wider =
      setup.fixedGpus !== undefined && setup.fixedGpus < 2 * most
        ? `--gpus ${atLeast} or more (its weights alone take ${formatBytes(weights(widest))})`
        : spec.moe && ep > 1
          ? `a larger --ep, or --ep 1 --pp ${2 * pp} (a pipeline over nodes)`
          : `--pp ${2 * pp} (a pipeline of TP stages over nodes)`;
    return `the weights and one sequence's KV cache do not fit on any layout tried (${gpus}, up to ${layout}, ${most} GPU${most === 1 ? '' : 's'}); try ${formats}a larger GPU, ${wider}, or fewer tokens per request${share}`;
  }
  // The prefill replicas --prefill-tp/--prefill-ep fix: the prompt runs there, so its weights must fit there.
  if (w.disaggregated && !candidates.some((c) => prefillReplicaFits(spec, c, w))) {
    const pr = candidates[0]!.prefillReplica!;
    return `the weights and one prompt's KV cache do not fit a prefill replica of TP${pr.tensorParallel}${pr.expertParallel > 1 ? ` EP${pr.expertParallel}` : ''} on ${[...new Set(candidates.map((c) => c.gpuId))].join(', ')}: raise --prefill-tp${spec.moe ? ' (or --prefill-ep)' : ''}`;
  }
  if (setup.fixedGpus !== undefined) {
    const unbounded = candidates.map((c) => ({ ...c, fixedGpus: undefined }));
    const needed = planDeployments(spec, unbounded, w, rps, slo, concurrency)[0];
    const fleet = `${setup.fixedGpus} GPU${setup.fixedGpus === 1 ? '' : 's'}`;
    const within = hasSlo(slo) ? ' within the SLO' : '';
    // Without a traffic the fleet runs at full use: a disaggregated one then needs the prefill GPUs that keep its decode replicas busy.
    if (needed && rps === null)
      return `${fleet} cannot hold a replica${w.disaggregated ? ' at full use and the prefill GPUs it needs (--disaggregated)' : ''}${within}; ${needed.gpus} would (drop --gpus to see that plan${w.disaggregated ? ', or state a lighter traffic with --requests-per-second' : ''})`;
    if (needed)
      return `${fleet} cannot carry this traffic${within} as requests arrive at random; ${needed.gpus} would (drop --gpus to see that plan)`;
  }
  if (concurrency !== undefined)
    return `no layout meets the SLO with ${concurrency} clients of ${w.inputTokens + w.outputTokens} tokens (clients beyond the sequences a replica holds wait for a slot); relax --ttft-slo/--tpot-slo or lower --concurrency`;
  return 'no layout meets the latency SLO at any batch; relax --ttft-slo/--tpot-slo or use faster hardware';
}

export function serveCommand(o: ServeFlags): { output: string; exitCode: number } {
  const setup = servingSetup(o);
  const { spec, workload: w, slo, candidates } = setup;
  if (o.concurrency !== undefined && (o.requestsPerSecond !== undefined || o.tokensPerDay !== undefined))
    inputError(
      'infeasible',
      ['--concurrency'],
      'give either --concurrency or a traffic (--requests-per-second, --tokens-per-day)',
    );
  const concurrency =
    o.concurrency === undefined ? undefined : positiveInteger(o.concurrency, '--concurrency', 1);
  const rps = trafficRequestsPerSecond(o, w.inputTokens + w.outputTokens);
  if (o.aggregated && o.disaggregated)
    inputError('infeasible', ['--aggregated'], 'give --aggregated or --disaggregated, not both');
  // Neither pinned: aggregated and disaggregated pools are both planned and the cheapest wins.
  const planned = (cs: typeof candidates, wl: typeof w) => {
    const modes =
      o.aggregated || o.disaggregated ? undefined : planServingModes(spec, cs, wl, rps, slo, concurrency);
    return { modes, plans: modes ? [...modes.plans] : planDeployments(spec, cs, wl, rps, slo, concurrency) };
  };
  const { modes, plans } = planned(candidates, w);
  const best = plans[0];
  if (!best) return { output: `cannot serve ${spec.name}: ${whyNot(setup, rps, concurrency)}`, exitCode: 3 };
  const top = positiveInteger(o.top, '--top', 5);
  // The same traffic planned without drafting: what speculative decoding gains or costs here.
  const plain =
    setup.speculation === null
      ? undefined
      : (planned(candidates.map(withoutDrafter), { ...w, speculative: undefined }).plans[0] ?? null);
  const scale = servingScale(spec, w);
  const result = {
    model: spec.name,
    workload: w,
    slo,
    speculation: setup.speculation,
    warnings: setup.warnings,
    /** The checkpoint's formats taken where --weights or --kv is not given, in words. */
    formats: setup.formats,
    engine: setup.engine
      ? { id: setup.engine.id, name: setup.engine.name, metrics: setup.engine.metrics }
      : null,
    ...planJson(best, priceBasis(o, best.candidate.gpuId), setup, scale),
    mode: {
      chosen: best.disaggregated ? 'disaggregated' : 'aggregated',
      searched: modes
        ? ['aggregated', 'disaggregated']
        : [best.disaggregated ? 'disaggregated' : 'aggregated'],
      reason: modes?.reason ?? (o.disaggregated ? 'pinned by --disaggregated' : 'pinned by --aggregated'),
    },
    maxConcurrency: maxConcurrency(spec, best.candidate.cluster, best.candidate.replica, w),
    /** A replica over several nodes (TP over the NICs), in words; null within a node. */
    acrossNodes: acrossNodesStatement(best.candidate),
    /** How a prompt's chunks pass the replica's pipeline stages, in words; null without an engine, or without a pipeline unless --dynamic-chunking asks for one. */
    promptChunks: promptChunksStatement(
      best.candidate.replica.profile,
      best.candidate.replica.pipelineParallel,
    ),
    /** Where the engine runs prompts in steps of their own (SGLang's default), in words; null otherwise. */
    promptSteps: promptStepsStatement(best.candidate.replica.profile, best.disaggregated),
    /** The same traffic and SLO planned without speculative decoding (null: none meets them); absent without it. */
    withoutSpeculation:
      plain === undefined
        ? undefined
        : plain &&
          planJson(
            plain,
            priceBasis(o, plain.candidate.gpuId),
            { spec, workload: { ...w, speculative: undefined } },
            scale,
          ),
    alternatives: plans.slice(1, top).map((p) => planJson(p, priceBasis(o, p.candidate.gpuId), setup, scale)),
    simulation: o.simulate ? runSimulation(o, setup, best) : null,
    frontier: o.pareto
      ? servingFrontier(
          spec,
          candidates,
          w,
          slo,
          // A pinned mode (--aggregated, --disaggregated) pins the frontier's too.
          o.aggregated ? [false] : o.disaggregated ? [true] : undefined,
          o.json ? undefined : progressBar('candidate plans (layout × mode)'),
        ).map(({ plan, ...point }) => ({
          ...point,
          gpu: plan.candidate.gpuId,
          tensorParallel: plan.candidate.replica.tensorParallel,
          expertParallel: plan.candidate.replica.expertParallel,
          epInTp: plan.candidate.replica.epInTp === true,
          pipelineParallel: plan.candidate.replica.pipelineParallel ?? 1,
          prefillGpus: plan.prefillGpus,
          gpusPerDeployment: plan.gpus,
        }))
      : null,
  };
  if (
    !o.simulate &&
    ((o.trace ?? o.requests ?? o.inputP90 ?? o.outputP90 ?? o.seed) !== undefined || o.burst)
  )
    inputError(
      'missing_field',
      ['--simulate'],
      '--trace, --requests, --burst, --input-p90, --output-p90 and --seed need --simulate',
    );
  if (o.json) return { output: toJson(result), exitCode: 0 };
  const p = best;
  const ranges = result.range;
  const ms = formatMilliseconds;
  const band = (r: { p10: number; p90: number }, f: (x: number) => string) =>
    `P10 ${f(r.p10)} – P90 ${f(r.p90)}`;
  const at = result.atTraffic;
  // In ms as the table has it ("118 ms (P10 106 – P90 138)"); a wait of 10 s or more in its own unit each.
  const ttft = (seconds: number, r: { p10: number; p90: number }) =>
    r.p90 < 10
      ? `${ms(seconds, 0)} ms (${band(r, (x) => ms(x, 0))})`
      : `${formatLatency(seconds)} (${band(r, formatLatency)})`;
  // One output token has no time per output token (as the simulation says).
  const tpot = (seconds: number, r: { p10: number; p90: number }) =>
    w.outputTokens > 1
      ? `TPOT ${ms(seconds, 1)} ms (${band(r, (x) => ms(x, 1))})`
      : 'TPOT — (every output is one token)';
  // With a traffic, the table's latencies are each plan's at it (traffic-point.ts), its conc. the mean running.
  const latency = (q: DeploymentPlan) => {
    const t = rps === null ? null : trafficPoint(spec, q, w);
    return t
      ? { conc: formatMeanCount(t.meanConcurrency), ttft: t.ttftSeconds, tpot: t.tpotSeconds }
      : { conc: String(q.point.concurrency), ttft: q.point.ttftSeconds, tpot: q.point.tpotSeconds };
  };
  const traffic =
    rps === null
      ? `at full use (${formatRate(p.requestsPerSecond)} req/s)`
      : `for ${formatRate(rps)} req/s (${formatCount(tokensPerDayAt(rps, w.inputTokens + w.outputTokens))} tokens/day)`;
  return {
    output: [
      ...setup.warnings.map((t) => `warning: ${t}`),
      `Serving ${spec.name}, ${w.inputTokens} in / ${w.outputTokens} out tokens per request, ${traffic}${setup.engine ? ` on ${setup.engine.name}` : ''}`,
      ...setup.formats.map((t) => `formats: ${t}`),
      ...(setup.speculation ? [`speculative decoding: ${setup.speculation.text}`] : []),
      '',
      `best: ${layoutLabel(p)} · ${p.replicas} replica${p.replicas > 1 ? 's' : ''}${p.prefillGpus > 0 ? ` + ${p.prefillGpus} prefill GPU${p.prefillGpus > 1 ? 's' : ''}` : ''}${p.idleGpus > 0 ? ` + ${p.idleGpus} idle GPU${p.idleGpus > 1 ? 's' : ''} (no whole replica fits ${p.idleGpus > 1 ? 'them' : 'it'})` : ''} · ${p.gpus} GPU${p.gpus > 1 ? 's' : ''} · utilisation ${(100 * p.utilization).toFixed(0)}%`,
      `  mode: ${result.mode.reason}`,
      ...(result.acrossNodes ? [`  ${result.acrossNodes}`] : []),
      ...(result.promptChunks ? [`  ${result.promptChunks}`] : []),
      ...(result.promptSteps ? [`  ${result.promptSteps}`] : []),
      ...(p.latencyBound
        ? [
            `  ${p.replicas} replicas, not the ${p.capacityReplicas} its capacity needs: with requests arriving at random, one fewer ${p.latencyBound === 'slo' ? 'would miss the SLO' : 'would fall behind'} at this traffic${p.disaggregated ? '' : " (each prompt's prefill stalls the sequences decoding)"}`,
          ]
        : []),
      ...(p.prefillBound
        ? [
            `  ${p.prefillGpus} prefill GPUs, not the ${p.prefillCapacityGpus} their capacity needs: with prompts arriving at random, fewer would keep them waiting for a free prefill replica ${p.prefillBound === 'slo' ? 'past the TTFT SLO' : 'without end (the traffic fills them exactly)'} at this traffic`,
          ]
        : []),
      ...(at && rps !== null
        ? [
            `  at ${formatRate(rps)} req/s${p.replicas > 1 ? ` (${formatRate(at.requestsPerSecondPerReplica)} per replica)` : ''}: ${formatMeanCount(at.meanConcurrency)} sequences running per replica on average · TTFT ${ttft(at.ttftSeconds, at.range.ttftSeconds)}${p.prefillQueueSeconds >= 5e-4 ? `, ${ms(p.prefillQueueSeconds, 0)} ms of it waiting for a free prefill replica` : ''} · ${tpot(at.tpotSeconds, at.range.tpotSeconds)}`,
            ...(at.caveat ? [`  warning: ${at.caveat}`] : []),
          ]
        : []),
      `  ${at ? `at capacity (${formatRate(p.capacityRequestsPerSecond)} req/s): ` : ''}concurrency ${p.point.concurrency} per replica (max ${result.maxConcurrency})${p.point.queuedClients ? `; ${p.point.queuedClients} more clients wait for a slot, their wait in the TTFT` : ''} · memory ${formatBytes(p.point.memoryPerGpuBytes)} per GPU`,
      `  ${at ? '  ' : ''}TTFT ${ttft(p.point.ttftSeconds, ranges.ttftSeconds)} · ${tpot(p.point.tpotSeconds, ranges.tpotSeconds)}`,
      `  ${formatCount(p.outputTokensPerSecondPerGpu)} output tokens/s per GPU${at ? ' at capacity' : ''} (${band(ranges.outputTokensPerSecondPerGpu, formatCount)}) + ${formatCount(p.inputTokensPerSecondPerGpu)} input${p.prefillGpus + p.idleGpus > 0 ? ` (every GPU counted; a decode replica's own: ${formatCount(p.point.outputTokensPerSecondPerGpu)})` : ''}`,
      `  ${usd(p.costPerMillionInputTokensUsd)}/M input · ${usd(p.costPerMillionOutputTokensUsd)}/M output · ${usd(p.costPerMillionBlendedTokensUsd)}/M blended (${band(ranges.costPerMillionBlendedTokensUsd, usd)}) · $${formatCount(p.usdPerDay)}/day at $${p.candidate.usdPerGpuHour.toFixed(2)}/GPU-hour (${result.priceBasis}) · ${energyText(p.energyKWhPerDay, p.energyNote, (kWh) => `${formatCount(kWh)} kWh, ${formatCount(p.co2KgPerDay!)} kg CO2 per day`)}`,
      `  P10–P90 from ${ranges.basis}`,
      ...(plain === undefined ? [] : [speculationLine(best, plain)]),
      ...(result.eagerDecode
        ? [
            `  ${eagerDecodeStatement(result.eagerDecode, result.engine?.name ?? 'engine', p.candidate.replica.expertParallel > 1)}`,
          ]
        : []),
      '',
      ...(at
        ? [
            'TTFT, TPOT at the stated traffic, conc. the sequences running on average; out tok/s/GPU at capacity',
          ]
        : []),
      table(
        [
          'layout',
          'GPUs',
          'conc.',
          'TTFT ms',
          'TPOT ms',
          'out tok/s/GPU',
          '$/M in',
          '$/M out',
          '$/M blend',
          '$/day',
        ],
        plans
          .slice(0, top)
          .map((q) => ({ q, ...latency(q) }))
          .map(({ q, conc, ttft, tpot }) => [
            layoutLabel(q),
            String(q.gpus),
            conc,
            formatMilliseconds(ttft, 0),
            tpotMs(tpot),
            formatCount(q.outputTokensPerSecondPerGpu),
            usd(q.costPerMillionInputTokensUsd),
            usd(q.costPerMillionOutputTokensUsd),
            usd(q.costPerMillionBlendedTokensUsd),
            formatCount(q.usdPerDay),
          ]),
      ),
      ...(result.frontier ? frontierLines(result.frontier) : []),
      ...(result.simulation
        ? simulationLines(
            result.simulation,
            best.candidate.replica.profile?.name ?? 'no engine named: the hardware bound',
          )
        : []),
    ].join('\n'),
    exitCode: 0,
  };
}
