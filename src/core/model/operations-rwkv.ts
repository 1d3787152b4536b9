/**
 * An RWKV block's time mix and the part of its channel mix that is not `spec.mlp`'s key and value
 * (mixer-specs.ts `isRwkv`): RWKV-4 (transformers `RwkvSelfAttention`, `RwkvFeedForward`) and RWKV-7
 * (fla `RWKV7Attention`, `RWKV7FeedForward`). Conventions: operations.ts.
 */

import { gatedDeltaNetStateElements } from './kv-cache.js';
import { rwkvFlopsPerToken } from './layer-kinds.js';
import type { OpBuilder } from './op-builder.js';
import { ACT_BYTES } from './operation-types.js';
import { type MixerOperations, mixerContextParallel, recurrentMixer } from './operations-recurrent.js';
import { need } from './operations-token-groups.js';
import type { GatedDeltaNetSpec } from './spec.js';

/**
 * The token shift of `mixes` interpolations (x + (shift(x) − x)·μ per mix vector): read x and its
 * shifted copy, write each mix (whole on every TP rank, as the normed hidden state is).
 */
function tokenShift(b: OpBuilder, name: string, tokens: number, h: number, mixes: number): void {
  b.memory(name, 'activation', ACT_BYTES * 2 * h * tokens, ACT_BYTES * mixes * h * tokens);
}

/** One fla LoRA (h → r, activation, r → out): the small down-projection whole on every rank, the up one split. */
function lowRank(b: OpBuilder, name: string, tokens: number, h: number, rank: number, out: number): void {
  b.gemm(`${name}.down`, 'attentionProjections', tokens, rank, h, { replicated: true });
  b.gemm(`${name}.up`, 'attentionProjections', tokens, out, rank);
}

/**
 * RWKV-4: token shift into k, v, r; key, value, receptance (h → A), sigmoid(r); the WKV scan
 * (rwkvFlopsPerToken: per channel, token by token, also in training: `wkv_cuda.cu`); r · wkv and
 * output (A → h). RWKV-7: token shift into r, w, k, v, a, g; r_proj, k_proj, v_proj and the four
 * LoRAs (w, a, v — not on layer 0 — and g); kk = L2-normalised k·k_k, k ← k·(1 + (a − 1)·k_a), the
 * value residual lerp; the chunked DPLR delta rule (recurrent at decode); g_norm (a GroupNorm per
 * head, so no TP all-reduce), the r·k·r_k bonus and the gate g (fla `gate_output_correction`), o_proj.
 * Then the channel mix's token shift (RWKV-4: into k and r, with its receptance h → h and
 * sigmoid(r) × value; RWKV-7: into k). Tensor parallelism splits the heads (RWKV-4: the channels).
 */
export const rwkvOperations: MixerOperations = (spec, layer, request, b, tokens) => {
  const g: GatedDeltaNetSpec = need(spec.linearAttention, layer, 'linearAttention');
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const keyWidth = (g.numKeyHeads * g.keyHeadDim) / t;
  const valueWidth = (g.numValueHeads * g.valueHeadDim) / t;
  const v7 = g.projections === 'rwkv7';
  tokenShift(b, 'time-shift', tokens, h, v7 ? 6 : 3);
  b.gemm(v7 ? 'r_proj' : 'receptance', 'attentionProjections', tokens, keyWidth, h);
  b.gemm(v7 ? 'k_proj' : 'key', 'attentionProjections', tokens, keyWidth, h);
  b.gemm(v7 ? 'v_proj' : 'value', 'attentionProjections', tokens, valueWidth, h);
  const keyBytes = ACT_BYTES * tokens * keyWidth;
  const valueBytes = ACT_BYTES * tokens * valueWidth;
  if (v7) {
    lowRank(b, 'w_lora', tokens, h, g.decayRank ?? 0, keyWidth);
    lowRank(b, 'a_lora', tokens, h, g.learningRateRank ?? 0, keyWidth);
    if (g.valueRank !== undefined) lowRank(b, 'v_lora', tokens, h, g.valueRank, valueWidth);
    lowRank(b, 'g_lora', tokens, h, g.gateRank ?? 0, valueWidth);
    // w, a (and v's mix) through their sigmoids, kk = normalize(k·k_k), k's update: read k, w, a, write w, a, kk, k.
    b.memory('decay-key-update', 'activation', 3 * keyBytes, 4 * keyBytes);
    if (g.valueRank !== undefined) b.memory('value-residual', 'activation', 3 * valueBytes, valueBytes);
  } else b.memory('receptance-sigmoid', 'activation', keyBytes, keyBytes);
  const e = gatedDeltaNetStateElements(g);
  const state = e.state / t;
  recurrentMixer(request, b, {
    conv: null,
    coreName: v7 ? 'wkv7' : 'wkv4',
    core: v7 ? 'wkv7' : 'wkv4',
    coreFlopsPerToken: (mode) => rwkvFlopsPerToken(g, mode) / t,
    // RWKV-4: k, v in; RWKV-7: r, w, k, v, −kk, kk·a in. The output out.
    coreReadBytesPerToken: v7 ? ACT_BYTES * (5 * keyWidth + valueWidth) : ACT_BYTES * (keyWidth + valueWidth),
    coreWriteBytesPerToken: ACT_BYTES * valueWidth,
    // The WKV state and the two token-shift vectors, this rank's share.
    stateBytes: g.stateBytesPerElement * state + (ACT_BYTES * e.conv) / t,
    // chunk_dplr_fwd_h writes each chunk's state in FP32, read back by the output kernel; RWKV-4 keeps none.
    chunkStateBytesPerToken: v7 ? (4 * state) / g.chunkTokens : 0,
  });
  if (v7) {
    // g_norm: read o, write norm(o); the bonus (r·k·r_k summed per head)·v added and × g: read o, r, k, v, g, write.
    b.memory('output-norm', 'norm', valueBytes, valueBytes);
    b.memory('output-gate', 'activation', 3 * valueBytes + 2 * keyBytes, valueBytes);
  } else b.memory('output-gate', 'activation', keyBytes + valueBytes, valueBytes);
  b.gemm(v7 ? 'o_proj' : 'output', 'attentionProjections', tokens, h, valueWidth);
  tokenShift(b, 'channel-shift', tokens, h, v7 ? 1 : 2);
  if (!v7) {
    b.gemm('ffn.receptance', 'attentionProjections', tokens, h / t, h);
    // sigmoid(receptance) · value: read both, write the product.
    b.memory(
      'ffn.receptance-gate',
      'activation',
      (ACT_BYTES * tokens * 2 * h) / t,
      (ACT_BYTES * tokens * h) / t,
    );
  }
  // The sequence-to-head exchange carries the time mix's inputs to the WKV and its output back.
  mixerContextParallel(
    request,
    b,
    tokens,
    v7 ? 5 * keyWidth + valueWidth : keyWidth + valueWidth,
    valueWidth,
  );
};
