/**
 * The token groups a mixer runs over (decode, a prompt chunk riding on a decode step, or a training /
 * prefill call's sequences) and the spec fields a layer kind needs: shared by the mixer and indexer
 * operations (operations-mixers.ts, operations-indexer.ts). Conventions: operations.ts.
 */

import type { AttentionMode } from './layer-kinds.js';
import type { OperationRequest } from './operation-types.js';
import type { LayerSpec } from './spec.js';

/**
 * The token groups of a request for a mixer: decode tokens (recurrent, each after `contextTokens`
 * cached ones), prefill tokens riding on a decode step, or a training/prefill call's sequences
 * (chunked form; context parallelism splits each sequence's tokens over cp ranks).
 */
export interface MixerTokenGroup {
  readonly sequences: number;
  readonly tokens: number;
  readonly contextTokens: number;
  /** Attention mode of a query in the group (a prompt chunk's queries see their mean context). */
  readonly mode: AttentionMode;
  /** Decode tokens run the recurrence; the rest the chunked form. */
  readonly recurrent: boolean;
  /** Op-name suffix: '' or '.prefill' for a prompt chunk riding on a decode step. */
  readonly suffix: string;
}

export function mixerTokenGroups(request: OperationRequest): MixerTokenGroup[] {
  const { shape, layout, phase } = request;
  const groups: MixerTokenGroup[] = [];
  if (phase === 'decode') {
    groups.push({
      sequences: shape.sequences,
      tokens: shape.sequences * shape.tokensPerSequence,
      contextTokens: shape.contextTokens,
      mode: 'decode',
      recurrent: true,
      suffix: '',
    });
  } else {
    const mode = (request.attentionMask ?? 'causal') === 'full' ? 'non-causal' : 'causal';
    groups.push({
      sequences: shape.sequences,
      tokens: (shape.sequences * shape.tokensPerSequence) / layout.contextParallel,
      contextTokens: shape.contextTokens,
      mode,
      recurrent: false,
      suffix: '',
    });
  }
  if (shape.prefill && shape.prefill.tokens > 0) {
    // A prompt chunk: its queries see its mean context (the attention core's convention).
    groups.push({
      sequences: 1,
      tokens: shape.prefill.tokens,
      contextTokens: shape.prefill.meanContextTokens,
      mode: 'decode',
      recurrent: false,
      suffix: phase === 'decode' ? '.prefill' : '',
    });
  }
  return groups.filter((g) => g.tokens > 0);
}

/** A spec field a layer kind needs (the spec reader guarantees it; a hand-built spec may not). */
export function need<T>(value: T | null, layer: LayerSpec, field: string): T {
  if (value === null) throw new Error(`a '${layer.attention}' layer needs spec.${field}`);
  return value;
}
