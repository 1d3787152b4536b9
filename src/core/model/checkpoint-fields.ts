/** What every `quantization_config` reader shares (checkpoint-format.ts, checkpoint-schemes.ts): fields and formats. */
import type { WeightFormat } from '../precision.js';
import { isJsonObject, type Json } from './families/fields.js';

/** A module pattern naming the attention block or its projections (`model.layers.*.self_attn`, `re:.*self_attn.*`, `*.attn.*`). */
const ATTENTION_MODULE = /(self_attn|attention|\battn\b|q_proj|qkv_proj)/;

/** A pattern inside an encoder tower (a VLM's `visual.blocks.*.attn`), not the decoder's. */
const ENCODER_MODULE = /(visual|vision|vit|audio|encoder|mm_projector)/;

/** Whether `patterns` (module names or globs) name the decoder's attention projections. */
export const leavesAttention = (patterns: unknown): boolean =>
  Array.isArray(patterns) &&
  patterns.some((m) => typeof m === 'string' && ATTENTION_MODULE.test(m) && !ENCODER_MODULE.test(m));

/**
 * The attention projections' format where it differs from the checkpoint's `weights`: bf16 where
 * `unquantized` lists them, else the narrowest format of the groups or layers `targeted` names them in.
 */
export function attentionFormat(
  weights: WeightFormat | null,
  unquantized: unknown,
  targeted: readonly WeightFormat[],
): WeightFormat | null {
  if (weights === null) return null;
  const own = leavesAttention(unquantized) ? 'bf16' : narrowest(targeted);
  return own === null || own === weights ? null : own;
}

/** The scheme's words for an attention format of its own. */
export const attentionWords = (format: WeightFormat | null): string =>
  format === null ? '' : `; attention projections ${format === 'bf16' ? 'BF16' : format}`;

export const object = (value: unknown): Json | null => (isJsonObject(value) ? value : null);
export const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
export const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** Bits per weight of each format, to pick a mixed checkpoint's narrowest (its routed experts). */
const BITS: Readonly<Partial<Record<WeightFormat, number>>> = {
  fp8: 8,
  int8: 8,
  int4: 4,
  nf4: 4,
  fp4: 4,
  nvfp4: 4,
};

/**
 * A mixed checkpoint (e.g. FP8 attention, NVFP4 experts) is costed at its narrowest format: the routed
 * experts hold nearly all of a MoE's weights. Null when none is known.
 */
export const narrowest = (formats: readonly WeightFormat[]): WeightFormat | null =>
  formats.length === 0 ? null : formats.reduce((a, b) => ((BITS[b] ?? 16) < (BITS[a] ?? 16) ? b : a));
