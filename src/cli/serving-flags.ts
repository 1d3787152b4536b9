/**
 * The flags shared by `serve` and `compare-api`: model, hardware candidates, precision, workload,
 * SLO and price — declared once, parsed once into the core's deployment candidates.
 */
import type { Command } from 'commander';
import { findGpu, loadCatalog } from '../catalog/catalog.js';
import { type CatalogEngine, findEngine, withEngine } from '../catalog/engines.js';
import { engineChoiceWarnings, replicaFixed, servingEngineChoice } from '../catalog/serving-engine-choice.js';
import { defaultPrice, energyAssumptions, resolveHardware } from '../catalog/training-defaults.js';
import { energyUsdPerGpuHour } from '../core/energy/energy.js';
import { inputError } from '../core/errors.js';
import type { DeploymentCandidate } from '../core/inference/deployment.js';
import { checkReplicaLayout, expertSlotsIssue } from '../core/inference/expert-placement.js';
import { replicaOptions } from '../core/inference/replica-layouts.js';
import { type ServingWorkload, type Slo, servingWarnings } from '../core/inference/serving.js';
import {
  asReleased,
  CHECKPOINT_FORMAT,
  checkpointFormat,
  formatsTaken,
  servedFormat,
} from '../core/model/checkpoint-format.js';
import type { ModelSpec } from '../core/model/spec.js';
import { formatSupportError, KV_FORMATS, WEIGHT_FORMATS, type WeightFormat } from '../core/precision.js';
import { ownedUsdPerGpuHour } from '../core/training/run-cost.js';
import { WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP, wattsPerGpuFlag } from './energy-flags.js';
import { addEngineFlags, type EngineFlags, engineSettings, refuseMissingFeatures } from './engine-flags.js';
import { loadModel } from './load-model.js';
import {
  fraction,
  nonNegativeInteger,
  oneOf,
  positiveInteger,
  positiveNumber,
  refuseFlags,
} from './options.js';
import { ownedHardware } from './price-flags.js';
import { LIFE_YEARS_HELP } from './program/shared.js';
import { drafterFrom, drafterTakes, type Speculation, speculative } from './speculation-flags.js';

export interface ServingFlags extends EngineFlags {
  model?: string;
  gpu?: string;
  cluster?: string;
  gpus?: string;
  tp?: string;
  ep?: string;
  pp?: string;
  prefillTp?: string;
  prefillEp?: string;
  weights?: string;
  kv?: string;
  inputTokens?: string;
  outputTokens?: string;
  ttftSlo?: string;
  tpotSlo?: string;
  cacheHitRate?: string;
  mtp?: boolean;
  draftModel?: string;
  draftWeights?: string;
  draftTokens?: string;
  acceptanceRate?: string;
  acceptanceLength?: string;
  draftTopk?: string;
  verifyTokens?: string;
  disaggregated?: boolean;
  expertImbalance?: string;
  redundantExperts?: string;
  epInTp?: boolean;
  pricePerGpuHour?: string;
  purchasePricePerGpu?: string;
  lifeYears?: string;
  region?: string;
  wattsPerGpu?: string;
}

export function addServingFlags(command: Command): Command {
  const layout = command
    .option('--model <model>', 'catalog id, config.json, model directory or llmecon spec')
    .option('--gpu <ids>', 'accelerator, or a comma list to compare (see llmecon gpus)')
    .option('--cluster <id>', 'cluster preset (instead of --gpu)')
    .option('--gpus <n>', 'a fixed fleet of N GPUs (default: as many as the traffic needs)')
    .option('--tp <n>', 'fix tensor parallelism per replica (default: searched)')
    .option(
      '--ep <n>',
      "fix expert parallelism per replica, MoE: N above 1 runs attention data-parallel over N ranks of TP GPUs, experts over all TP × N (DeepSeek's layout, TensorRT-LLM DEP); 1 slices every expert over TP (vLLM/SGLang without expert parallelism); the engines' EP beside TP is --ep-in-tp (default: searched)",
    )
    .option(
      '--pp <n>',
      'fix pipeline parallelism per replica: the layers in N stages of TP GPUs each (vLLM --pipeline-parallel-size, SGLang --pp-size); with EP 1, experts sliced or --ep-in-tp (default: searched over 2 and 4 nodes where no node holds the weights)',
    )
    .option(
      '--ep-in-tp',
      'MoE: expert parallelism inside the TP group, attention tensor-parallel, each TP GPU holding whole experts (vLLM --enable-expert-parallel at DP 1, SGLang --ep-size = --tp, TensorRT-LLM moe_expert_parallel_size = tp_size); --ep N above 1 is instead attention data-parallel over N ranks (default: searched beside both)',
    )
    .option(
      '--weights <f>',
      `weight format, or a comma list to search: ${CHECKPOINT_FORMAT} | ${WEIGHT_FORMATS.join(' | ')}; ${CHECKPOINT_FORMAT} (the default) is the checkpoint's own, from config.json quantization_config — fp8 for DeepSeek-V3, fp4 for gpt-oss — else bf16`,
    )
    .option(
      '--kv <f>',
      `KV-cache format: ${CHECKPOINT_FORMAT} | ${KV_FORMATS.join(' | ')}; ${CHECKPOINT_FORMAT} (the default) is the checkpoint's own where its quantization_config names one, else bf16`,
    )
    .option('--input-tokens <n>', 'prompt tokens per request')
    .option('--output-tokens <n>', 'generated tokens per request')
    .option('--ttft-slo <s>', 'time-to-first-token limit, seconds')
    .option('--tpot-slo <s>', 'time-per-output-token limit, seconds')
    .option('--cache-hit-rate <f>', 'share of prompt tokens served from the prefix cache (0–1)')
    .option(
      '--mtp',
      "speculative decoding with the model's MTP modules (DeepSeek-V3: 85% acceptance), one draft each unless --draft-tokens",
    )
    .option(
      '--draft-model <model>',
      'speculative decoding with a draft model sharing the tokenizer (catalog id, config.json, directory or spec): its passes, weights and KV cache are costed; with --draft-tokens and --acceptance-rate',
    )
    .option(
      '--draft-weights <f>',
      `with --draft-model: its weight format: ${WEIGHT_FORMATS.join(' | ')} (default bf16)`,
    )
    .option(
      '--draft-tokens <n>',
      'speculative decoding: tokens drafted per step (with --mtp: the modules reused; alone: a drafter costing no GPU time, as n-gram lookup)',
    )
    .option('--acceptance-rate <f>', 'speculative decoding: probability a drafted token is accepted')
    .option(
      '--draft-topk <k>',
      'speculative decoding as a tree: branches drafted a step (SGLang --speculative-eagle-topk), with --verify-tokens and --acceptance-length',
    )
    .option(
      '--verify-tokens <n>',
      'with --draft-topk: tree nodes verified per sequence a step (SGLang --speculative-num-draft-tokens)',
    )
    .option(
      '--acceptance-length <n>',
      'speculative decoding: mean tokens per verifying step, as engines report it (vLLM "Mean acceptance length", SGLang "accept len"), instead of --acceptance-rate',
    )
    .option('--disaggregated', 'prefill and decode on separate replicas (DeepSeek, DistServe)')
    .option(
      '--expert-imbalance <f>',
      'MoE over EP ranks: routed tokens of the busiest rank over the mean, 1-16 (default 1: balanced, as EPLB aims for)',
    )
    .option(
      '--redundant-experts <n>',
      "MoE over EP ranks: EPLB's redundant expert slots (copies of the busiest experts; SGLang --ep-num-redundant-experts): EP then divides experts + slots, each GPU holds its share (default 0)",
    );
  return addEngineFlags(layout)
    .option('--prefill-tp <n>', 'with --disaggregated: prefill replica TP (default: the decode TP)')
    .option('--prefill-ep <n>', 'with --disaggregated: prefill replica EP (default: the decode EP)')
    .option(
      '--price-per-gpu-hour <usd>',
      'rental price for every GPU type (default: lowest on-demand catalog price)',
    )
    .option(
      '--purchase-price-per-gpu <usd>',
      'own the hardware: GPU price, amortised with its server over its life, plus energy',
    )
    .option('--life-years <n>', LIFE_YEARS_HELP)
    .option('--region <id>', 'grid for CO2: world | us | eu | china | india | france | us-2021-meta', 'world')
    .option(WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP);
}

/** Flags only `serve` has: the request-level simulation and the frontier. */
export function addServeOnlyFlags(command: Command): Command {
  return command
    .option(
      '--simulate',
      'also simulate one replica request by request: TTFT/TPOT/ITL/E2E percentiles, goodput',
    )
    .option('--requests <n>', 'with --simulate: requests to simulate (default 2000)')
    .option(
      '--burst',
      'with --simulate: send every request at t = 0 (an offline maximum-load benchmark, as trtllm-bench throughput runs) instead of a closed loop at the plan concurrency',
    )
    .option('--input-p90 <n>', 'with --simulate: lognormal prompt lengths, median --input-tokens, this P90')
    .option('--output-p90 <n>', 'with --simulate: lognormal output lengths, median --output-tokens, this P90')
    .option(
      '--trace <file>',
      'with --simulate: JSONL requests {arrivalSeconds, inputTokens, outputTokens, prefixId?}',
    )
    .option('--seed <n>', 'with --simulate: random seed (default 1)')
    .option(
      '--aggregated',
      'pin aggregated serving (default: aggregated and --disaggregated pools are both planned, cheapest wins)',
    )
    .option(
      '--pareto',
      'the frontier of output tokens/s per GPU vs tokens/s per user, with $/M tokens along it',
    );
}

export interface ServingSetup {
  readonly spec: ModelSpec;
  readonly workload: ServingWorkload;
  readonly slo: Slo;
  readonly candidates: readonly DeploymentCandidate[];
  readonly fixedGpus: number | undefined;
  /** The engine profile applied to every replica, if one was named. */
  readonly engine: CatalogEngine | undefined;
  /** Speculative decoding: what drafts (none: drafts costing nothing) and in words; null without it. */
  readonly speculation: Speculation | null;
  /** Computed anyway, but worth saying (e.g. context beyond the config's maximum). */
  readonly warnings: readonly string[];
  /** The checkpoint's formats taken where --weights or --kv is not given, in words (per GPU where they differ). */
  readonly formats: readonly string[];
}

/** One statement when every GPU serves the checkpoint alike, else one per GPU. */
const formatStatements = (notes: ReadonlyMap<string, string>): string[] =>
  new Set(notes.values()).size <= 1
    ? [...new Set(notes.values())]
    : [...notes].map(([gpu, note]) => `${gpu}: ${note}`);

const optionalInt = (text: string | undefined, flag: string) =>
  text === undefined ? undefined : positiveInteger(text, flag, 1);

export function servingSetup(o: ServingFlags): ServingSetup {
  if (!o.model) inputError('missing_field', ['--model'], 'give --model <catalog id | config.json | spec>');
  const { spec, config } = loadModel(o.model);
  const checkpoint = checkpointFormat(config);
  if (o.inputTokens === undefined)
    inputError('missing_field', ['--input-tokens'], 'give the prompt tokens per request');
  if (o.outputTokens === undefined)
    inputError('missing_field', ['--output-tokens'], 'give the generated tokens per request');
  const workload: ServingWorkload = {
    inputTokens: positiveInteger(o.inputTokens, '--input-tokens', 1),
    outputTokens: positiveInteger(o.outputTokens, '--output-tokens', 1),
    cacheHitRate: fraction(o.cacheHitRate, '--cache-hit-rate', false),
    speculative: speculative(o, spec),
    disaggregated: o.disaggregated ?? false,
  };
  const drafting = drafterFrom(o, spec, workload.speculative);
  const drafter = drafting.drafter;
  const slo: Slo = {
    ttftSeconds: o.ttftSlo === undefined ? undefined : positiveNumber(o.ttftSlo, '--ttft-slo', 1),
    tpotSeconds: o.tpotSlo === undefined ? undefined : positiveNumber(o.tpotSlo, '--tpot-slo', 1),
  };
  // `checkpoint` in either list: the checkpoint's own format, beside any others named.
  const flaggedWeights =
    o.weights === undefined
      ? null
      : o.weights
          .split(',')
          .map((f) => oneOf(f.trim(), '--weights', [CHECKPOINT_FORMAT, ...WEIGHT_FORMATS], 'bf16'));
  const flaggedKv =
    o.kv === undefined ? null : oneOf(o.kv, '--kv', [CHECKPOINT_FORMAT, ...KV_FORMATS], 'bf16');
  // Without --weights or --kv, each GPU serves the checkpoint as released (checkpoint-format.ts).
  const formatNotes = new Map<string, string>();
  const fixedGpus = optionalInt(o.gpus, '--gpus');
  const owned = ownedHardware(o);
  const price =
    o.pricePerGpuHour === undefined
      ? undefined
      : positiveNumber(o.pricePerGpuHour, '--price-per-gpu-hour', 1);
  const listed = (o.gpu ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  // With --cluster the GPU is the cluster's: a --gpu beside it must name that one (resolveHardware checks).
  if (o.cluster && listed.length > 1)
    inputError(
      'invalid_value',
      ['--gpu'],
      `with --cluster give at most one GPU, the cluster's; got ${listed.join(', ')}`,
    );
  const gpuIds = o.cluster ? [listed[0]] : listed;
  if (gpuIds.length === 0)
    inputError('missing_field', ['--gpu'], 'give --gpu <id[,id…]> (see llmecon gpus) or --cluster <id>');
  // The model's checks on the layout and expert placement, as levers and scenarios make them (flag-paths.ts
  // names their fields by flag).
  const choice = servingEngineChoice(
    spec,
    {
      tp: optionalInt(o.tp, '--tp'),
      ep: optionalInt(o.ep, '--ep'),
      pp: optionalInt(o.pp, '--pp'),
      epInTp: o.epInTp,
      expertImbalance:
        o.expertImbalance === undefined
          ? undefined
          : positiveNumber(o.expertImbalance, '--expert-imbalance', 1),
      redundantExperts:
        o.redundantExperts === undefined
          ? undefined
          : nonNegativeInteger(o.redundantExperts, '--redundant-experts', 0),
    },
    ['deployment'],
  );
  const redundantExperts = choice.redundantExperts ?? 0;
  const fixed = { ...replicaFixed(choice), maxGpus: fixedGpus };
  const engine = o.engine === undefined ? undefined : findEngine(o.engine);
  const settings = engineSettings(o, engine);
  if (engine)
    refuseMissingFeatures(engine, {
      mtp: Boolean(workload.speculative && o.mtp),
      drafter: drafter?.kind,
      disaggregated: workload.disaggregated === true,
    });
  if (!o.disaggregated)
    refuseFlags(o, { prefillTp: '--prefill-tp', prefillEp: '--prefill-ep' }, 'with --disaggregated');
  const prefillTp = optionalInt(o.prefillTp, '--prefill-tp');
  const prefillEp = optionalInt(o.prefillEp, '--prefill-ep');
  const prefillSlotIssue =
    prefillEp === undefined ? null : expertSlotsIssue(spec, prefillEp, redundantExperts);
  if (prefillSlotIssue !== null) inputError('infeasible', ['--prefill-ep'], prefillSlotIssue);
  // The prefill pool's layout meets the decode pool's rules (heads over TP, experts over EP).
  checkReplicaLayout(
    spec,
    { tensorParallel: prefillTp, expertParallel: prefillEp },
    {
      tensorParallel: ['--prefill-tp'],
      expertParallel: ['--prefill-ep'],
      pipelineParallel: ['--pp'],
      epInTp: ['--ep-in-tp'],
      expertImbalance: ['--expert-imbalance'],
      redundantExperts: ['--redundant-experts'],
    },
  );
  const candidates: DeploymentCandidate[] = [];
  const planned = new Set<string>(); // each GPU once, however often named (h100,h100-sxm are one)
  for (const id of gpuIds) {
    const hw = resolveHardware(id, o.cluster);
    if (planned.size === planned.add(hw.gpu.id).size) continue;
    const served = servedFormat(checkpoint, hw.gpu);
    const asked: readonly (WeightFormat | typeof CHECKPOINT_FORMAT)[] = flaggedWeights ?? [CHECKPOINT_FORMAT];
    const weightFormats = [...new Set(asked.map((f) => (f === CHECKPOINT_FORMAT ? served.weights : f)))];
    const kvFormat = flaggedKv === null || flaggedKv === CHECKPOINT_FORMAT ? served.kv : flaggedKv;
    const note = formatsTaken(served, {
      weights: flaggedWeights !== null && !flaggedWeights.includes(CHECKPOINT_FORMAT),
      kv: flaggedKv !== null && flaggedKv !== CHECKPOINT_FORMAT,
      statedWeights: flaggedWeights ?? [],
    });
    if (note) formatNotes.set(hw.gpu.id, note);
    for (const [format, flag] of [
      ...weightFormats.map((f) => [f, '--weights'] as const),
      [kvFormat, '--kv'] as const,
      ...(drafter && drafter.kind !== 'mtp' ? [[drafter.weightFormat, '--draft-weights'] as const] : []),
    ]) {
      const unsupported = formatSupportError(format, hw.gpu, flag === '--kv' ? 'kv' : 'weights');
      if (unsupported !== null) inputError('infeasible', [flag], unsupported);
    }
    const energy = energyAssumptions(hw.gpu, hw.cluster, {
      region: o.region,
      wattsPerGpu: wattsPerGpuFlag(o),
    });
    const usdPerGpuHour = owned
      ? // Electricity is left out when the GPU's power is unknown (the report's energy note says so).
        ownedUsdPerGpuHour(owned) + (energyUsdPerGpuHour(energy, energy.electricityUsdPerKWh) ?? 0)
      : defaultPrice(hw.gpu, price).usdPerGpuHour;
    const layouts = replicaOptions(spec, hw.cluster, weightFormats, kvFormat, fixed);
    for (const layout of layouts.map((r) => asReleased(r, served))) {
      if (!drafterTakes(drafter, layout.tensorParallel, o.tp !== undefined)) continue;
      // --mtp or --draft-model: the replica loads the drafter and runs it each step (serving-step.ts).
      const replica = drafter ? { ...layout, drafter } : layout;
      candidates.push(
        withEngine(
          {
            gpuId: hw.gpu.id,
            cluster: hw.cluster,
            usdPerGpuHour,
            replica,
            energy,
            fixedGpus,
            prefillReplica:
              prefillTp === undefined && prefillEp === undefined
                ? undefined
                : {
                    ...replica,
                    tensorParallel: prefillTp ?? replica.tensorParallel,
                    expertParallel: prefillEp ?? replica.expertParallel,
                  },
          },
          engine,
          settings,
        ),
      );
    }
  }
  // --gpus below the smallest replica tried (a fixed --tp or --ep beyond the fleet).
  if (candidates.length === 0 && fixedGpus !== undefined) {
    const smallest =
      (fixed.tensorParallel ?? (fixed.epInTp ? 2 : 1)) *
      (fixed.expertParallel ?? (redundantExperts > 0 && !fixed.epInTp ? 2 : 1)) *
      (fixed.pipelineParallel ?? 1);
    inputError(
      'infeasible',
      ['--gpus'],
      `${fixedGpus} GPU${fixedGpus === 1 ? '' : 's'} hold${fixedGpus === 1 ? 's' : ''} no replica: the smallest layout tried takes ${smallest} (TP × EP × PP); raise --gpus or lower --tp/--ep/--pp`,
    );
  }
  return {
    spec,
    workload,
    slo,
    candidates,
    fixedGpus,
    engine,
    speculation: drafting.speculation,
    formats: formatStatements(formatNotes),
    // How the config was read (a lookalike family, a structure approximated), then the context and drafter.
    warnings: [
      ...(spec.warnings ?? []),
      ...servingWarnings(spec, workload),
      ...drafting.warnings,
      ...engineChoiceWarnings(choice),
    ],
  };
}

/** The price basis per GPU type, for the report. */
export function priceBasis(o: ServingFlags, gpuId: string): string {
  if (o.purchasePricePerGpu !== undefined) {
    const hw = resolveHardware(gpuId, o.cluster);
    const energy = energyAssumptions(hw.gpu, hw.cluster, { wattsPerGpu: wattsPerGpuFlag(o) });
    return `owned: $${o.purchasePricePerGpu}/GPU with its server over ${o.lifeYears ?? loadCatalog().assumptions.hardwareLifeYears.value} years, ${energy.nodeWattsPerGpu === null ? 'electricity excluded (power unknown)' : 'plus energy'}`;
  }
  return defaultPrice(findGpu(gpuId), o.pricePerGpuHour === undefined ? undefined : Number(o.pricePerGpuHour))
    .basis;
}
