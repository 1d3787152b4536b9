/**
 * Speculative decoding on the command line (`serve`, `compare-api`): `--mtp`, `--draft-model` (a draft model
 * or an EAGLE head), `--draft-weights`, `--draft-tokens` and `--acceptance-rate`, parsed into the workload's
 * drafts and the replica's drafter, with what the output says about them.
 */
import { loadCatalog } from '../catalog/catalog.js';
import { inputError, withIssuePaths } from '../core/errors.js';
import type { ServingWorkload } from '../core/inference/serving.js';
import {
  acceptanceRateForLength,
  type SpeculativePlan,
  speculationPhrase,
} from '../core/inference/speculative-plan.js';
import { type Drafter, drafterModel, drafterSplits, draftSizeIssue } from '../core/model/drafter.js';
import { type EagleHead, eagleHeadFrom } from '../core/model/eagle-head.js';
import { tensorParallelRequirement } from '../core/model/kv-cache.js';
import type { ModelSpec } from '../core/model/spec.js';
import { WEIGHT_FORMATS, type WeightFormat } from '../core/precision.js';
import { loadModel } from './load-model.js';
import { decimal, fraction, oneOf, positiveInteger, refuseFlags } from './options.js';
import type { ServingFlags } from './serving-flags.js';

/**
 * The acceptance a flag states: --acceptance-rate (each draft accepted with probability a), or
 * --acceptance-length (the mean tokens a verifying step emits, as engines report it), turned into the rate
 * that gives it over `draftTokens` drafts; undefined when neither is given.
 */
function acceptance(o: ServingFlags, draftTokens: number): number | undefined {
  if (o.acceptanceRate !== undefined && o.acceptanceLength !== undefined)
    inputError(
      'infeasible',
      ['--acceptance-length'],
      'give --acceptance-rate or --acceptance-length, not both',
    );
  if (o.acceptanceLength === undefined) return fraction(o.acceptanceRate, '--acceptance-rate', true);
  const length = decimal(o.acceptanceLength);
  if (!(length >= 1 && length <= draftTokens + 1))
    inputError(
      'invalid_value',
      ['--acceptance-length'],
      `mean tokens per verifying step from 1 to ${draftTokens + 1} (${draftTokens} draft${draftTokens > 1 ? 's' : ''} + the step's own), got '${o.acceptanceLength}'`,
    );
  return acceptanceRateForLength(draftTokens, length);
}

/**
 * A tree of drafts (--draft-topk, --verify-tokens: SGLang's --speculative-eagle-topk and
 * --speculative-num-draft-tokens), or undefined for a chain. A tree's acceptance is its mean accepted
 * length (--acceptance-length): a per-draft rate means nothing over branches.
 */
function tree(o: ServingFlags): SpeculativePlan['tree'] {
  if (o.draftTopk === undefined && o.verifyTokens === undefined) return undefined;
  if (o.draftTopk === undefined || o.verifyTokens === undefined)
    inputError(
      'missing_field',
      [o.draftTopk === undefined ? '--draft-topk' : '--verify-tokens'],
      'a tree of drafts needs --draft-topk (branches a step) and --verify-tokens (nodes verified per sequence)',
    );
  if (o.acceptanceLength === undefined)
    inputError(
      'missing_field',
      ['--acceptance-length'],
      'a tree of drafts needs --acceptance-length, its mean accepted tokens per step as the engine logs it (SGLang\'s "accept len")',
    );
  return {
    width: positiveInteger(o.draftTopk, '--draft-topk', 2),
    verifyTokens: positiveInteger(o.verifyTokens, '--verify-tokens', 2),
  };
}

export function speculative(o: ServingFlags, spec: ModelSpec): ServingWorkload['speculative'] {
  const plan = chainOf(o, spec);
  const branches = tree(o);
  if (branches === undefined) return plan;
  if (plan === undefined)
    inputError(
      'missing_field',
      ['--draft-tokens'],
      'a tree of drafts needs --draft-tokens (its drafting steps)',
    );
  return { ...plan, tree: branches };
}

function chainOf(o: ServingFlags, spec: ModelSpec): ServingWorkload['speculative'] {
  if (o.mtp && o.draftModel !== undefined)
    inputError('infeasible', ['--draft-model'], 'give --mtp or --draft-model, not both');
  if (o.mtp) {
    if (spec.numMtpModules < 1)
      inputError(
        'infeasible',
        ['--mtp'],
        `${spec.name} has no MTP modules; use --draft-tokens and --acceptance-rate`,
      );
    // One draft per module, or the steps --draft-tokens asks for: the engines reuse the modules past their
    // count (SGLang --speculative-num-steps; vLLM num_speculative_tokens, spec_step_idx % the modules).
    const draftTokens =
      o.draftTokens === undefined ? spec.numMtpModules : positiveInteger(o.draftTokens, '--draft-tokens', 1);
    return {
      draftTokens,
      acceptanceRate: acceptance(o, draftTokens) ?? loadCatalog().assumptions.mtpAcceptanceRate.value,
    };
  }
  const stated = o.acceptanceRate ?? o.acceptanceLength;
  if (o.draftTokens === undefined && stated === undefined && o.draftModel === undefined) return undefined;
  if (o.draftTokens === undefined || stated === undefined)
    inputError(
      'missing_field',
      [o.draftTokens === undefined ? '--draft-tokens' : '--acceptance-rate'],
      `speculative decoding${o.draftModel === undefined ? '' : ' with --draft-model'} needs --draft-tokens and --acceptance-rate (or --acceptance-length)`,
    );
  const draftTokens = positiveInteger(o.draftTokens, '--draft-tokens', 1);
  return { draftTokens, acceptanceRate: acceptance(o, draftTokens)! };
}

/**
 * The draft model (or EAGLE head) --draft-model names. An error in its config names the flag before the
 * field (`--draft-model.draft_vocab_size`), so it is not taken for one in --model's.
 */
function readDraft(ref: string): { draft: ModelSpec; head: EagleHead | null } {
  return withIssuePaths(
    () => {
      const loaded = loadModel(ref, '--draft-model');
      return { draft: loaded.spec, head: eagleHeadFrom(loaded.config, loaded.spec) };
    },
    // The config reader names the file itself `model` (config-text.ts): here it is --draft-model's.
    (path) => [
      '--draft-model',
      ...(path[0] === 'model' || path[0] === '--draft-model' ? path.slice(1) : path),
    ],
  );
}

/** Speculative decoding as the output states it: what drafts (none: drafts costing nothing), and in words. */
export interface Speculation {
  readonly drafter:
    | 'mtp'
    | 'none'
    | {
        readonly model: string;
        readonly kind: 'model' | 'eagle' | 'eagle3';
        readonly weightFormat: WeightFormat;
      };
  readonly text: string;
}

/**
 * What drafts the speculative tokens (serving-step.ts Replica.drafter), and what to say about it: drafts
 * with neither --mtp nor --draft-model cost nothing on the GPU, which the output states.
 */
export function drafterFrom(
  o: ServingFlags,
  spec: ModelSpec,
  speculative: ServingWorkload['speculative'],
): { drafter: Drafter | undefined; speculation: Speculation | null; warnings: string[] } {
  if (o.draftModel === undefined) refuseFlags(o, { draftWeights: '--draft-weights' }, 'with --draft-model');
  if (!speculative) return { drafter: undefined, speculation: null, warnings: [] };
  const plan = speculationPhrase(speculative);
  if (o.mtp)
    return {
      drafter: { kind: 'mtp' },
      speculation: { drafter: 'mtp', text: `${plan}, drafted by its MTP modules` },
      warnings: [],
    };
  if (o.draftModel === undefined)
    return {
      drafter: undefined,
      speculation: { drafter: 'none', text: `${plan}, drafts costing no GPU time or memory` },
      warnings: [
        "the drafts cost no GPU time or memory (as an n-gram / prompt-lookup drafter): give --draft-model to cost a draft model's passes, weights and KV cache, or --mtp for the model's own MTP modules",
      ],
    };
  const { draft, head } = readDraft(o.draftModel);
  const tooLarge = head ? null : draftSizeIssue(spec, draft);
  if (tooLarge !== null) inputError('infeasible', ['--draft-model'], tooLarge);
  const weightFormat = oneOf(o.draftWeights, '--draft-weights', WEIGHT_FORMATS, 'bf16');
  const warnings =
    draft.vocabSize === spec.vocabSize
      ? []
      : [
          `${draft.name}'s vocabulary (${draft.vocabSize}) differs from ${spec.name}'s (${spec.vocabSize}): a draft model must share the target's tokenizer (padded vocabularies of one tokenizer differ harmlessly)`,
        ];
  const what = head ? `the EAGLE${head.version === 3 ? '-3' : ''} head ${draft.name}` : draft.name;
  return {
    drafter: head ? { kind: 'eagle', head, weightFormat } : { kind: 'model', spec: draft, weightFormat },
    speculation: {
      drafter: {
        model: draft.name,
        kind: head ? `eagle${head.version === 3 ? '3' : ''}` : 'model',
        weightFormat,
      },
      text: `${plan}, drafted by ${what} (${weightFormat}) on the same GPUs`,
    },
    warnings,
  };
}

/**
 * Whether a replica at tensor parallelism `tp` can run the drafter: engines run a draft model (or an EAGLE
 * head's layers) at the target's TP (vLLM v1 requires it), so its heads must split there too. A fixed
 * --tp the draft cannot take is refused, naming --draft-model; a searched one is passed over.
 */
export function drafterTakes(drafter: Drafter | undefined, tp: number, fixed: boolean): boolean {
  if (drafterSplits(drafter, tp)) return true;
  if (fixed)
    inputError(
      'infeasible',
      ['--draft-model'],
      `${tensorParallelRequirement(drafterModel(drafter!)!, tp)}: engines run the draft at the target's tensor parallelism (--tp ${tp})`,
    );
  return false;
}
