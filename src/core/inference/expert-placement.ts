/**
 * A serving replica's fixed layout and where an MoE replica's experts go: EP sizes over the expert slots
 * (the experts plus EPLB's redundant copies), the routed-token imbalance over the EP ranks, and the checks
 * on them that `llmecon serve`, levers studies, scenarios, the web app and the layout search share.
 */
import { inputError } from '../errors.js';
import { tensorParallelRequirement, tensorParallelSplits } from '../model/kv-cache.js';
import type { ModelSpec } from '../model/spec.js';

/**
 * Why `ep` expert-parallel ranks cannot split a model's expert slots (its experts plus `redundant` EPLB
 * copies, spread evenly), or null when they can (or the model is dense).
 */
export function expertSlotsIssue(spec: ModelSpec, ep: number, redundant: number): string | null {
  if (!spec.moe) return null;
  const slots = spec.moe.numExperts + redundant;
  if (slots % ep === 0) return null;
  return redundant > 0
    ? `expert parallelism ${ep} must divide the ${spec.moe.numExperts} experts + ${redundant} redundant slots (${slots}) of ${spec.name}`
    : `expert parallelism ${ep} must divide the ${spec.moe.numExperts} experts of ${spec.name} (or add redundant expert slots that make the sum divisible)`;
}

/** An MoE deployment's expert placement: routed-token imbalance over EP ranks and EPLB's redundant slots. */
export interface ExpertPlacement {
  /** Max / mean routed tokens over the EP ranks, 1 (balanced) to 16 (serving-step.ts Replica). */
  readonly expertImbalance?: number;
  /** EPLB copies of the busiest experts, 0 to the model's expert count. */
  readonly redundantExperts?: number;
}

/** The largest expert parallelism the layout search tries (DeepSeek's EP144 decode is within it). */
const MAX_SEARCHED_EP = 256;

/** Expert-parallel sizes the search tries over `slots` expert slots: powers of two that divide them. */
export const searchedEps = (slots: number, redundant: number) => {
  const out: number[] = [];
  for (let p = 1; p <= Math.min(slots, MAX_SEARCHED_EP); p *= 2)
    if (slots % p === 0 && (redundant === 0 || p > 1)) out.push(p);
  return out;
};

/**
 * Refuses an expert placement the model cannot take, naming the field at `paths`: either knob on a dense
 * model, more redundant slots than experts (at most one copy each), or, with the EP size searched
 * (`fixedEp` absent), slots that no searched EP size divides. Ranges are the caller's schema's.
 */
function checkExpertPlacement(
  spec: ModelSpec,
  p: ExpertPlacement,
  paths: { readonly [K in keyof ExpertPlacement]-?: readonly (string | number)[] },
  fixedEp?: number,
): void {
  const dense = (key: keyof ExpertPlacement, what: string) =>
    inputError('infeasible', paths[key], `${spec.name} is dense; ${what} a mixture-of-experts model`);
  if (p.redundantExperts !== undefined && !spec.moe) dense('redundantExperts', 'redundant expert slots need');
  if (p.expertImbalance !== undefined && !spec.moe) dense('expertImbalance', 'expert imbalance needs');
  if (spec.moe && (p.redundantExperts ?? 0) > spec.moe.numExperts)
    inputError(
      'invalid_value',
      paths.redundantExperts,
      `at most one copy per expert: 0 to ${spec.moe.numExperts} for ${spec.name}, got ${p.redundantExperts}`,
    );
  const redundant = p.redundantExperts ?? 0;
  if (
    spec.moe &&
    redundant > 0 &&
    fixedEp === undefined &&
    searchedEps(spec.moe.numExperts + redundant, redundant).length === 0
  )
    inputError(
      'infeasible',
      paths.redundantExperts,
      `no expert parallelism the search tries (powers of two from 2 to ${MAX_SEARCHED_EP}) divides the ${spec.moe.numExperts} experts + ${redundant} redundant slots of ${spec.name}: choose a count that makes the sum even, or fix the EP size`,
    );
}

type Path = readonly (string | number)[];

/**
 * Refuses a replica layout the model cannot take, naming the field at `paths`: a TP the heads do not split
 * over, more pipeline stages than layers, a pipeline with attention data parallelism (EP above 1, not
 * modelled), EP on a dense model or over expert slots it does not divide, expert parallelism inside TP
 * (`epInTp`) beside EP above 1, at TP 1 or over slots the TP does not divide, EPLB slots of sliced
 * experts, and an expert placement {@link checkExpertPlacement} refuses.
 */
export function checkReplicaLayout(
  spec: ModelSpec,
  f: {
    readonly tensorParallel?: number;
    readonly expertParallel?: number;
    readonly pipelineParallel?: number;
    readonly epInTp?: boolean;
  } & ExpertPlacement,
  paths: {
    readonly tensorParallel: Path;
    readonly expertParallel: Path;
    readonly pipelineParallel: Path;
    readonly epInTp: Path;
  } & {
    readonly [K in keyof ExpertPlacement]-?: Path;
  },
): void {
  const { tensorParallel: tp, expertParallel: ep, pipelineParallel: pp, epInTp } = f;
  const redundant = f.redundantExperts ?? 0;
  if (tp !== undefined && !tensorParallelSplits(spec, tp))
    inputError('infeasible', paths.tensorParallel, tensorParallelRequirement(spec, tp));
  if (pp !== undefined && pp > spec.numLayers)
    inputError(
      'infeasible',
      paths.pipelineParallel,
      `pipeline parallelism ${pp} exceeds the ${spec.numLayers} layers of ${spec.name}: at most ${spec.numLayers} stages`,
    );
  if (epInTp) checkEpInTp(spec, tp, ep, redundant, paths.epInTp);
  if (pp !== undefined && pp > 1 && ((ep ?? 1) > 1 || (redundant > 0 && !epInTp)))
    inputError(
      'infeasible',
      paths.pipelineParallel,
      'pipeline parallelism is modelled with attention tensor-parallel in each stage: experts sliced over TP (expert parallelism 1), or whole over the TP group with expert parallelism inside TP (vLLM --enable-expert-parallel); attention data parallelism (EP above 1) is not piped: fix the EP to 1, or leave the pipeline out',
    );
  if (ep !== undefined && ep > 1 && !spec.moe)
    inputError('infeasible', paths.expertParallel, denseModel(spec));
  checkExpertPlacement(spec, f, paths, epInTp ? 1 : ep);
  const slots = ep === undefined ? null : expertSlotsIssue(spec, ep, redundant);
  if (slots !== null) inputError('infeasible', paths.expertParallel, slots);
  if (ep === 1 && redundant > 0 && !epInTp)
    inputError(
      'infeasible',
      paths.redundantExperts,
      'redundant expert slots need whole experts: expert parallelism above 1, or inside the TP group',
    );
}

/** Expert parallelism, of either kind, asked of a dense model. */
const denseModel = (spec: ModelSpec) =>
  `${spec.name} is dense; expert parallelism needs a mixture-of-experts model`;

/**
 * Expert parallelism inside the TP group needs an MoE model, no attention data parallelism beside it (EP
 * above 1 is that layout's), and a TP above 1 that divides the expert slots.
 */
function checkEpInTp(
  spec: ModelSpec,
  tp: number | undefined,
  ep: number | undefined,
  redundant: number,
  path: Path,
): void {
  if (!spec.moe) inputError('infeasible', path, denseModel(spec));
  if ((ep ?? 1) > 1)
    inputError(
      'infeasible',
      path,
      `expert parallelism inside the TP group keeps attention tensor-parallel; EP ${ep} runs attention data-parallel over ${ep} ranks (DeepSeek's layout): choose one`,
    );
  if (tp === 1)
    inputError(
      'infeasible',
      path,
      'expert parallelism inside the TP group spreads the experts over the TP GPUs: it needs TP above 1',
    );
  const slots = tp === undefined ? null : expertSlotsIssue(spec, tp, redundant);
  if (slots !== null) inputError('infeasible', path, `inside TP ${tp}: ${slots}`);
}

/**
 * A replica layout fixed at TP above 1 and EP above 1 but not above TP reads, in the engines' words (whose EP
 * divides TP), as EP inside the TP group (SGLang `--tp 8 --ep-size 8`, vLLM `-tp 8 --enable-expert-parallel`:
 * 8 GPUs); here EP multiplies the TP group (attention data-parallel over EP ranks): said, with the layout that
 * is the engines' one. Null otherwise (an EP above TP cannot be the engines' and reads as intended).
 */
export function tpTimesEpNote(tp: number | undefined, ep: number | undefined): string | null {
  if (tp === undefined || ep === undefined || tp <= 1 || ep <= 1 || ep > tp) return null;
  return `TP ${tp} with EP ${ep} is a replica of ${tp * ep} GPUs: attention data-parallel over ${ep} ranks of TP ${tp}, experts over all ${tp * ep}; the engines' TP ${tp} with EP ${tp} (SGLang --tp ${tp} --ep-size ${tp}, vLLM -tp ${tp} --enable-expert-parallel) is ${tp} GPUs: expert parallelism inside the TP group (--ep-in-tp, epInTp)`;
}
