/**
 * What the recurrent token mixers share (operations-mixers.ts, operations-mlstm.ts, operations-rwkv.ts,
 * operations-hgrn.ts): the conv and the chunked or recurrent core of a linear-attention or state-space
 * layer, and their context parallelism. Conventions: operations.ts.
 */

import type { AttentionMode } from './layer-kinds.js';
import type { OpBuilder } from './op-builder.js';
import { ACT_BYTES, type OperationRequest } from './operation-types.js';
import { mixerTokenGroups } from './operations-token-groups.js';
import type { LayerSpec, ModelSpec } from './spec.js';

/** The operations of one layer's token mixer, `tokens` tokens on this GPU. */
export type MixerOperations = (
  spec: ModelSpec,
  layer: LayerSpec,
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
) => void;

/** The causal depthwise conv1d in front of a recurrent core, on this GPU. */
export interface RecurrentConvShape {
  readonly flopsPerToken: number;
  readonly channels: number;
  /** Bytes of one sequence's conv window on this GPU (the last kernel − 1 inputs). */
  readonly stateBytes: number;
}

export interface RecurrentMixerShape {
  /** The conv1d, or null for a mixer without one (lightning attention, the mLSTM, RWKV; HGRN without its short convs). */
  readonly conv: RecurrentConvShape | null;
  readonly coreName: string;
  readonly core:
    | 'gated-delta-rule'
    | 'lightning-attention'
    | 'mlstm'
    | 'wkv4'
    | 'wkv5'
    | 'wkv6'
    | 'wkv7'
    | 'gla'
    | 'hgrn'
    | 'ssd'
    | 'selective-scan';
  readonly coreFlopsPerToken: (mode: AttentionMode) => number;
  readonly coreReadBytesPerToken: number;
  readonly coreWriteBytesPerToken: number;
  /** Bytes of one sequence's recurrent state on this GPU. */
  readonly stateBytes: number;
  readonly chunkStateBytesPerToken: number;
}

/**
 * The conv (when the mixer has one) and the scan of a linear-attention or state-space layer. Decode
 * runs the recurrence: per sequence it reads and writes the conv window and the recurrent state
 * (constant in the context);
 * training and prefill run the chunked form over the call's tokens; a serving prefill also reads
 * the starting state and writes the final state of each sequence (vLLM's state cache).
 */
export function recurrentMixer(request: OperationRequest, b: OpBuilder, x: RecurrentMixerShape): void {
  const serving = request.phase === 'prefill' || request.phase === 'decode';
  for (const g of mixerTokenGroups(request)) {
    const { recurrent, suffix } = g;
    const mode: AttentionMode = recurrent ? 'decode' : 'causal';
    const stateTraffic = serving ? g.sequences : 0;
    const conv = x.conv;
    if (conv) {
      const convBytes = ACT_BYTES * g.tokens * conv.channels;
      b.mixer(
        `conv1d${suffix}`,
        'causal-conv1d',
        g.tokens,
        g.tokens * conv.flopsPerToken,
        convBytes + stateTraffic * conv.stateBytes,
        convBytes + stateTraffic * conv.stateBytes,
        { recurrent, savedBytes: convBytes },
      );
    }
    const chunkStates = recurrent ? 0 : g.tokens * x.chunkStateBytesPerToken;
    const coreInputs = g.tokens * x.coreReadBytesPerToken;
    b.mixer(
      `${x.coreName}${suffix}`,
      x.core,
      g.tokens,
      g.tokens * x.coreFlopsPerToken(mode),
      coreInputs + chunkStates + stateTraffic * x.stateBytes,
      g.tokens * x.coreWriteBytesPerToken + chunkStates + stateTraffic * x.stateBytes,
      { recurrent, savedBytes: coreInputs },
    );
  }
}

/**
 * Context parallelism for linear and state-space mixers (Megatron-Core MambaContextParallel): an
 * all-to-all turns the sequence split into a head split before the conv and scan (cp2hp) and back
 * after (hp2cp), so each rank scans whole sequences for 1/cp of its heads.
 */
export function mixerContextParallel(
  request: OperationRequest,
  b: OpBuilder,
  tokens: number,
  inWidth: number,
  outWidth: number,
): void {
  const { layout } = request;
  const cp = layout.contextParallel;
  if (cp <= 1) return;
  const t = layout.tensorParallel;
  b.collective('mixer.cp2hp', 'contextParallel', 'all-to-all', tokens * inWidth * ACT_BYTES, cp, t);
  b.collective('mixer.hp2cp', 'contextParallel', 'all-to-all', tokens * outWidth * ACT_BYTES, cp, t);
}
