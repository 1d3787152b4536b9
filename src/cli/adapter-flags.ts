/**
 * The fine-tuning method flags shared by `finetune`, `rl` and `memory --method`: --method, --rank,
 * --targets, --base-format and --train-embeddings, parsed once, with the flags a method would ignore
 * refused.
 */
import {
  type BaseFormat,
  FINETUNE_METHODS,
  type FinetuneMethod,
  frozenBaseFor,
} from '../core/adaptation/finetune.js';
import { inputError } from '../core/errors.js';
import {
  DEFAULT_ADAPTER_RANK,
  defaultAdapterTargets,
  parseTargets,
  presentTargets,
  TARGET_MODULES,
  type TargetModule,
} from '../core/model/adapters.js';
import type { ModelSpec } from '../core/model/spec.js';
import { oneOf, positiveInteger, refuseFlags } from './options.js';

export interface AdapterFlags {
  method?: string;
  rank?: string;
  targets?: string;
  baseFormat?: string;
  trainEmbeddings?: boolean;
}

export interface MethodChoice {
  readonly method: FinetuneMethod;
  readonly rank: number;
  readonly targets: readonly TargetModule[];
  /** The frozen base (undefined for full fine-tuning: it has none). */
  readonly baseFormat: BaseFormat | undefined;
  /** The embedding and output head train in full beside the adapters (PEFT modules_to_save). */
  readonly trainEmbeddings: boolean;
}

/** The method and its adapter (rank, targets the model has, base format); `fallback` when --method is absent. */
export function methodFlags(o: AdapterFlags, spec: ModelSpec, fallback: FinetuneMethod): MethodChoice {
  const method = oneOf(o.method, '--method', FINETUNE_METHODS, fallback);
  // Full fine-tuning trains every weight: an adapter rank or target list would do nothing.
  if (method === 'full')
    refuseFlags(
      o,
      { rank: '--rank', targets: '--targets', trainEmbeddings: '--train-embeddings' },
      'with an adapter method (lora, dora, qlora)',
    );
  const named = parseTargets(o.targets ?? defaultAdapterTargets(spec));
  // Keep only targets the model has (no experts or shared experts on a dense model).
  const targets = named.filter((t) => (t !== 'experts' && t !== 'shared') || spec.moe !== null);
  if (targets.length === 0)
    inputError(
      'invalid_value',
      ['--targets'],
      `${named.join(', ')}: mixture-of-experts modules, and ${spec.name} is dense; it has ${presentTargets(spec, TARGET_MODULES).join(', ')}`,
    );
  return {
    method,
    rank: positiveInteger(o.rank, '--rank', DEFAULT_ADAPTER_RANK),
    targets,
    baseFormat: frozenBaseFor(method, o.baseFormat),
    trainEmbeddings: o.trainEmbeddings === true,
  };
}

/** The adapter as the outputs name it: "LORA r=16 on q,k,v,o + embedding and head in full" (null for full). */
export function adapterLabel(spec: ModelSpec, choice: MethodChoice): string | null {
  if (choice.method === 'full') return null;
  const tables = choice.trainEmbeddings ? ' + embedding and head in full' : '';
  const present = presentTargets(spec, choice.targets);
  const a = spec.attention;
  // A fused matrix (query_key_value, gate_up_proj) is adapted whole when any of its parts is named.
  const fused = [
    a.kind === 'gqa' && a.fusedQkv && present.some((t) => t === 'q' || t === 'k' || t === 'v') && 'q,k,v',
    spec.mlp.fusedGateUp && present.some((t) => t === 'gate' || t === 'up') && 'gate,up',
  ].filter((x): x is string => typeof x === 'string');
  const whole = fused.length > 0 ? ` (${fused.join(' and ')} fused: each adapted as one matrix)` : '';
  return `${choice.method.toUpperCase()} r=${choice.rank} on ${present.join(',')}${whole}${tables}`;
}

/** How the frozen base is stored, for labels: "NF4", "GPTQ INT4" (QLoRA), "BF16"/"FP8" (LoRA, DoRA), null (full). */
export function baseFormatLabel(choice: MethodChoice): string | null {
  if (choice.baseFormat === undefined) return null;
  return choice.baseFormat === 'gptq' ? 'GPTQ INT4' : choice.baseFormat.toUpperCase();
}
