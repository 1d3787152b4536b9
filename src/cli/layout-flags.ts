/** The parallel-layout flags shared by `memory` and `train`: declared once, parsed once. */
import type { Command } from 'commander';
import { asTrainedBy, findStack, stackOnGpu } from '../catalog/stacks.js';
import { inputError } from '../core/errors.js';
import type { FusedAttentionKernel } from '../core/hardware/efficiency.js';
import { ATTENTION_KERNELS, isFusedAttention } from '../core/memory/training-memory.js';
import type { ModelSpec } from '../core/model/spec.js';
import {
  PIPELINE_SCHEDULES,
  RECOMPUTE_MODES,
  RECOMPUTE_MODULES,
  type RecomputeModule,
} from '../core/parallelism/layout.js';
import type { LayoutConstraints } from '../core/training/layout-search.js';
import { STACK_IDS, type StackId, type StackProfile } from '../core/training/stack.js';
import { nonNegativeInteger, oneOf, positiveInteger } from './options.js';

export interface LayoutFlags {
  tp?: string;
  pp?: string;
  dp?: string;
  ep?: string;
  etp?: string;
  cp?: string;
  vpp?: string;
  microBatch?: string;
  recompute?: string;
  recomputeModules?: string;
  recomputeNumLayers?: string;
  recomputeEvery?: string;
  offloadActivations?: string;
  sequenceParallel?: boolean;
  zero?: string;
  schedule?: string;
  attention?: string;
  dropout?: boolean;
  stack?: string;
  mtpLayers?: string;
}

/** Adds the layout flags to a command; `verb` is "fix" for train (the rest is searched). */
export function addLayoutFlags(command: Command, of = ''): Command {
  return command
    .option('--tp <n>', `fix tensor parallelism${of}`)
    .option('--pp <n>', `fix pipeline parallelism${of}`)
    .option('--dp <n>', `fix data parallelism${of}`)
    .option('--ep <n>', `fix expert parallelism${of}`)
    .option(
      '--etp <n>',
      `fix expert tensor parallelism${of}: the tensor parallelism (default) or 1 (EP then spans the TP ranks, as NeMo's MoE recipes run)`,
    )
    .option('--cp <n>', `fix context parallelism${of}`)
    .option('--vpp <n>', `fix virtual pipeline stages${of} (interleaved schedule)`)
    .option('--micro-batch <n>', `fix the micro-batch size${of} (sequences)`)
    .option('--recompute <mode>', `fix recomputation${of}: none | selective | full`)
    .option('--sequence-parallel', 'sequence parallelism on')
    .option('--no-sequence-parallel', 'sequence parallelism off')
    .option('--zero <stage>', `fix the ZeRO stage${of}: 0 | 1 | 2 | 3 (3 = FSDP)`)
    .option('--schedule <s>', 'pipeline schedule: 1f1b | interleaved | zero-bubble | dualpipe')
    .option(
      '--attention <kernel>',
      "attention kernel: flash2 | flash3 | cudnn (scores never stored; timed on the kernel's published curve where the GPU has one) | unfused (2021–22 Megatron); default: the stack's",
    )
    .option('--dropout', 'attention and hidden dropout on (GPT-3-era training)')
    .option(
      '--stack <id>',
      `software stack: ${STACK_IDS.join(' | ')} (default: megatron for train, hf for finetune and rl)`,
    )
    .option(
      '--mtp-layers <n>',
      "multi-token-prediction modules trained (Megatron-Core's mtp_num_layers, torchtitan's num_mtp_layers): 0 leaves the checkpoint's out; default: the checkpoint's where the stack builds them",
    );
}

const optionalInt = (text: string | undefined, flag: string) =>
  text === undefined ? undefined : positiveInteger(text, flag, 1);

/**
 * The attention kernel and dropout flags as training options (defaults: the stack's fused kernel, no
 * dropout). A named fused kernel is also the one timed (its published curve where the GPU has one).
 */
export function attentionOptions(o: LayoutFlags): {
  flashAttention: boolean;
  dropout: boolean;
  attentionKernel?: FusedAttentionKernel;
} {
  const kernel = oneOf(o.attention, '--attention', ATTENTION_KERNELS, 'flash2');
  return {
    flashAttention: isFusedAttention(kernel),
    dropout: o.dropout === true,
    ...(o.attention !== undefined && kernel !== 'unfused' && { attentionKernel: kernel }),
  };
}

/**
 * The software stack named by --stack (else the command's default; refused, or for the default Hugging
 * Face's, where it has no port to `gpuId`'s vendor) and the model as it trains there:
 * `--mtp-layers` MTP modules (catalog asTrainedBy, with the stack's fused projections; unchanged without the flag, refused for n > 0 on a
 * stack that builds none).
 */
export function stackAndModel(
  o: LayoutFlags,
  loaded: ModelSpec,
  kind: 'pretrain' | 'finetune' | 'rl',
  gpuId: string | undefined,
): { readonly stack: StackProfile; readonly spec: ModelSpec } {
  const stack = stackOnGpu(kind, o.stack, gpuId);
  const n = o.mtpLayers === undefined ? undefined : nonNegativeInteger(o.mtpLayers, '--mtp-layers', 0);
  return { stack, spec: asTrainedBy(loaded, n, stack, ['--mtp-layers']) };
}

/** The dimensions given on the command line; absent ones stay undefined. */
export function layoutConstraints(o: LayoutFlags): LayoutConstraints {
  return {
    tensorParallel: optionalInt(o.tp, '--tp'),
    pipelineParallel: optionalInt(o.pp, '--pp'),
    dataParallel: optionalInt(o.dp, '--dp'),
    expertParallel: optionalInt(o.ep, '--ep'),
    expertTensorParallel: optionalInt(o.etp, '--etp'),
    contextParallel: optionalInt(o.cp, '--cp'),
    virtualStages: optionalInt(o.vpp, '--vpp'),
    microBatchSize: optionalInt(o.microBatch, '--micro-batch'),
    // --recompute-modules names what selective recomputation re-runs, --recompute-num-layers what full
    // recomputation does: each fixes the mode.
    recompute:
      o.recompute === undefined
        ? o.recomputeModules !== undefined
          ? 'selective'
          : o.recomputeNumLayers !== undefined || o.recomputeEvery !== undefined
            ? 'full'
            : undefined
        : oneOf(o.recompute, '--recompute', RECOMPUTE_MODES, 'none'),
    sequenceParallel: o.sequenceParallel,
    zeroStage:
      o.zero === undefined
        ? undefined
        : (Number(oneOf(o.zero, '--zero', ['0', '1', '2', '3'] as const, '1')) as 0 | 1 | 2 | 3),
    schedule:
      o.schedule === undefined ? undefined : oneOf(o.schedule, '--schedule', PIPELINE_SCHEDULES, '1f1b'),
  };
}

/** The help text of `--recompute-modules`. */
export const RECOMPUTE_MODULES_HELP = `selective recomputation by Megatron-Core module, comma-separated: ${RECOMPUTE_MODULES.join(' | ')} (Megatron; implies --recompute selective; default core_attn)`;

/** The help text of `--recompute-num-layers`. */
export const RECOMPUTE_NUM_LAYERS_HELP =
  "full recomputation of only the first N layers of each pipeline chunk, the others keeping their activations (Megatron's --recompute-method block --recompute-num-layers N; implies --recompute full; default every layer)";

/** The help text of `--recompute-every`. */
export const RECOMPUTE_EVERY_HELP =
  "full recomputation of every K-th layer only, the others keeping their activations (torchtitan's layer-wise checkpointing, selective_ac_option K; implies --recompute full)";

/**
 * What `--recompute-modules` (selective recomputation's modules: a training option) and
 * `--recompute-num-layers` / `--recompute-every` (full recomputation's layers: the layout's) set.
 */
export interface RecomputeFlags {
  readonly recomputeModules?: readonly RecomputeModule[];
  readonly recomputeLayers?: number;
  readonly recomputeEvery?: number;
}

/**
 * A recompute flag on a stack that does not run it, beside the other recompute mode, or beside
 * `--offload-activations` (Megatron-Core offloads only without recomputation): refused under its own name.
 */
function stackRecomputeFlag(
  o: LayoutFlags,
  flag: string,
  mode: 'selective' | 'full',
  what: string,
  stack: StackId,
  runs: readonly StackId[],
) {
  // Megatron-Core's recompute_modules and block method: other stacks checkpoint otherwise (torchtitan per op, Hugging Face per layer).
  if (!runs.includes(stack))
    inputError(
      'invalid_value',
      [flag],
      `names ${what}: it needs --stack ${runs.join(' or ')}, got --stack ${stack}`,
    );
  if (o.recompute !== undefined && o.recompute !== mode)
    inputError(
      'invalid_value',
      [flag],
      `names what ${mode} recomputation re-runs: it needs --recompute ${mode}, got --recompute ${o.recompute}`,
    );
  if (o.offloadActivations !== undefined)
    inputError(
      'invalid_value',
      [flag],
      `sets ${mode} recomputation, which --offload-activations replaces (activations are offloaded only without recomputation): give one of them`,
    );
}

/** `--recompute-modules`, `--recompute-num-layers` and `--recompute-every`: at most one of them (each names its own mode). */
export function recomputeFlags(
  o: LayoutFlags,
  stack: StackId,
  spec: Pick<ModelSpec, 'name' | 'attention' | 'moe'>,
): RecomputeFlags {
  const given = (
    [
      ['--recompute-modules', o.recomputeModules],
      ['--recompute-num-layers', o.recomputeNumLayers],
      ['--recompute-every', o.recomputeEvery],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (given.length > 1)
    inputError(
      'invalid_value',
      [given[1]![0]],
      `sets the recomputation, as ${given[0]![0]} does: give one of ${given.map(([f]) => f).join(', ')}`,
    );
  const modules = recomputeModulesFlag(o, stack, spec);
  if (modules !== undefined) return { recomputeModules: modules };
  // Partial recomputation: the flag, what it names, the stacks that run it and the option it sets.
  const partial = [
    [
      '--recompute-num-layers',
      o.recomputeNumLayers,
      'block recomputation (--recompute-method block)',
      'recomputesBlocks',
      'recomputeLayers',
    ],
    [
      '--recompute-every',
      o.recomputeEvery,
      'layer-wise checkpointing (selective_ac_option K)',
      'recomputesEveryNth',
      'recomputeEvery',
    ],
  ] as const;
  for (const [flag, text, what, runsIt, option] of partial) {
    if (text === undefined) continue;
    const runs = STACK_IDS.filter((id) => findStack(id)[runsIt] === true);
    stackRecomputeFlag(o, flag, 'full', what, stack, runs);
    return { [option]: positiveInteger(text, flag, 1) };
  }
  return {};
}

/**
 * `--recompute-modules a,b` as Megatron-Core's `--recompute-modules a b`: the modules selective
 * recomputation re-runs (absent: the stack's selective policy). Megatron only; needs `--recompute selective` where a mode is given.
 */
function recomputeModulesFlag(
  o: LayoutFlags,
  stack: StackId,
  spec: Pick<ModelSpec, 'name' | 'attention' | 'moe'>,
): readonly RecomputeModule[] | undefined {
  if (o.recomputeModules === undefined) return undefined;
  const flag = '--recompute-modules';
  stackRecomputeFlag(o, flag, 'selective', "Megatron-Core's recompute modules", stack, ['megatron']);
  // Empty items were refused with every command's values (program/shared.ts refuseEmptyValues).
  const names = o.recomputeModules.split(',').map((name) => name.trim());
  const modules = [...new Set(names.map((name) => oneOf(name, flag, RECOMPUTE_MODULES, 'core_attn')))];
  // Megatron-Core's TransformerConfig refuses it too: "only supported with multi_latent_attention".
  if (modules.includes('mla_up_proj') && spec.attention.kind !== 'mla')
    inputError(
      'invalid_value',
      [flag],
      `mla_up_proj recomputes multi-latent attention's up-projections: ${spec.name} has ${spec.attention.kind} attention, not MLA`,
    );
  // Modules the model does not have would recompute nothing.
  const moeModules = modules.filter((m) => m === 'moe' || m === 'moe_act');
  if (moeModules.length > 0 && spec.moe === null)
    inputError(
      'invalid_value',
      [flag],
      `${moeModules.join(', ')} ${moeModules.length > 1 ? 'recompute' : 'recomputes'} mixture-of-experts layers: ${spec.name} is dense`,
    );
  if (modules.includes('shared_experts') && (spec.moe?.numSharedExperts ?? 0) === 0)
    inputError(
      'invalid_value',
      [flag],
      `shared_experts recomputes the shared experts: ${spec.name} has none`,
    );
  return modules;
}
