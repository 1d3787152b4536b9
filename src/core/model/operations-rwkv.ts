/**
 * An RWKV block's time mix and the part of its channel mix that is not `spec.mlp`'s key and value
 * (mixer-specs.ts `isRwkv`): RWKV-4 (transformers `RwkvSelfAttention`, `RwkvFeedForward`), RWKV-5
 * (Hub `modeling_rwkv5.py` `RwkvSelfAttention`, `RwkvFeedForward`), RWKV-6
 * (Hub `modeling_rwkv6.py` `Rwkv6SelfAttention`, `Rwkv6FeedForward`; fla `RWKV6Attention`) and
 * RWKV-7 (fla `RWKV7Attention`, `RWKV7FeedForward`). Conventions: operations.ts.
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
 * The projections in front of the WKV, on this rank (k, v: its key and value widths); each returns
 * the elements per token the WKV reads. RWKV-4: token shift into k, v, r; key, value, receptance
 * (h → A), sigmoid(r). The WKV reads k, v.
 */
function rwkv4Inputs(b: OpBuilder, tokens: number, h: number, k: number, v: number): number {
  tokenShift(b, 'time-shift', tokens, h, 3);
  b.gemm('receptance', 'attentionProjections', tokens, k, h);
  b.gemm('key', 'attentionProjections', tokens, k, h);
  b.gemm('value', 'attentionProjections', tokens, v, h);
  b.memory('receptance-sigmoid', 'activation', ACT_BYTES * tokens * k, ACT_BYTES * tokens * k);
  return k + v;
}

/**
 * RWKV-5 (Hub `modeling_rwkv5.py` RwkvSelfAttention.extract_key_value): the static token shift into
 * k, v, r, g; receptance, key (h → k), value, gate (h → v); SiLU(gate). The decay is a parameter, not
 * a per-token input: the WKV reads r, k, v.
 */
function rwkv5Inputs(b: OpBuilder, tokens: number, h: number, k: number, v: number): number {
  tokenShift(b, 'time-shift', tokens, h, 4);
  b.gemm('receptance', 'attentionProjections', tokens, k, h);
  b.gemm('key', 'attentionProjections', tokens, k, h);
  b.gemm('value', 'attentionProjections', tokens, v, h);
  b.gemm('gate', 'attentionProjections', tokens, v, h);
  b.memory('gate-silu', 'activation', ACT_BYTES * tokens * v, ACT_BYTES * tokens * v);
  return 2 * k + v;
}

/**
 * RWKV-6 (Rwkv6SelfAttention.extract_key_value): the token shift's difference xx and its mix with
 * time_maa_x; time_maa_w1 (h → 5·m), tanh, time_maa_w2 (5 × (m → h)) — whole on every rank, as each
 * projection reads all h of its mix — and the five ddlerp mixes; receptance, key (h → k), value,
 * gate (h → v); the decay LoRA time_decay_w1 (h → d), tanh, time_decay_w2 (d → k) + time_decay;
 * w = −exp(·) and SiLU(gate). The WKV reads r, k, v, w.
 */
function rwkv6Inputs(
  b: OpBuilder,
  g: GatedDeltaNetSpec,
  tokens: number,
  h: number,
  k: number,
  v: number,
): number {
  const m = g.tokenShiftRank ?? 0;
  // Read x and its shifted copy, write xx and x + xx·time_maa_x.
  tokenShift(b, 'time-shift', tokens, h, 2);
  b.gemm('time_maa_w1', 'attentionProjections', tokens, 5 * m, h, { replicated: true });
  b.gemm('time_maa_w2', 'attentionProjections', tokens, h, m, { count: 5, replicated: true });
  // x + xx·(time_maa_* + m_*): read x, xx and the five LoRA outputs, write the five mixes.
  b.memory('ddlerp', 'activation', ACT_BYTES * 7 * h * tokens, ACT_BYTES * 5 * h * tokens);
  b.gemm('receptance', 'attentionProjections', tokens, k, h);
  b.gemm('key', 'attentionProjections', tokens, k, h);
  b.gemm('value', 'attentionProjections', tokens, v, h);
  b.gemm('gate', 'attentionProjections', tokens, v, h);
  lowRank(b, 'time_decay', tokens, h, g.decayRank ?? 0, k);
  // w = −exp(time_decay + lora) and SiLU(gate): read both, write both.
  const bytes = ACT_BYTES * tokens * (k + v);
  b.memory('decay-gate', 'activation', bytes, bytes);
  return 3 * k + v;
}

/**
 * RWKV-7: token shift into r, w, k, v, a, g; r_proj, k_proj, v_proj and the four LoRAs (w, a, v — not
 * on layer 0 — and g); kk = L2-normalised k·k_k, k ← k·(1 + (a − 1)·k_a), the value residual lerp.
 * The WKV reads r, w, k, v, −kk, kk·a.
 */
function rwkv7Inputs(
  b: OpBuilder,
  g: GatedDeltaNetSpec,
  tokens: number,
  h: number,
  k: number,
  v: number,
): number {
  tokenShift(b, 'time-shift', tokens, h, 6);
  b.gemm('r_proj', 'attentionProjections', tokens, k, h);
  b.gemm('k_proj', 'attentionProjections', tokens, k, h);
  b.gemm('v_proj', 'attentionProjections', tokens, v, h);
  lowRank(b, 'w_lora', tokens, h, g.decayRank ?? 0, k);
  lowRank(b, 'a_lora', tokens, h, g.learningRateRank ?? 0, k);
  if (g.valueRank !== undefined) lowRank(b, 'v_lora', tokens, h, g.valueRank, v);
  lowRank(b, 'g_lora', tokens, h, g.gateRank ?? 0, v);
  // w, a (and v's mix) through their sigmoids, kk = normalize(k·k_k), k's update: read k, w, a, write w, a, kk, k.
  const keyBytes = ACT_BYTES * tokens * k;
  b.memory('decay-key-update', 'activation', 3 * keyBytes, 4 * keyBytes);
  if (g.valueRank !== undefined) {
    const valueBytes = ACT_BYTES * tokens * v;
    b.memory('value-residual', 'activation', 3 * valueBytes, valueBytes);
  }
  return 5 * k + v;
}

/**
 * The time mix's inputs (above), the WKV (rwkvFlopsPerToken: RWKV-4 per channel, token by token, also
 * in training, `wkv_cuda.cu`; RWKV-6 `chunk_rwkv6`, RWKV-7 the chunked DPLR delta rule; recurrent at
 * decode), then the output: RWKV-4 r · wkv; RWKV-6 ln_x (a GroupNorm per head, so no TP all-reduce)
 * × SiLU(gate), the bonus being inside the WKV; RWKV-7 g_norm, the r·k·r_k bonus and the gate g (fla
 * `gate_output_correction`); the output projection. Then the channel mix's token shift (RWKV-4 and
 * RWKV-6: into k and r, with its receptance h → h and sigmoid(r) × value; RWKV-7: into k). Tensor
 * parallelism splits the heads (RWKV-4: the channels).
 */
export const rwkvOperations: MixerOperations = (spec, layer, request, b, tokens) => {
  const g: GatedDeltaNetSpec = need(spec.linearAttention, layer, 'linearAttention');
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const keyWidth = (g.numKeyHeads * g.keyHeadDim) / t;
  const valueWidth = (g.numValueHeads * g.valueHeadDim) / t;
  const variant = g.projections;
  const v7 = variant === 'rwkv7';
  // RWKV-5 runs RWKV-6's WKV with a decay that does not change from token to token.
  const finch = variant === 'rwkv5' || variant === 'rwkv6';
  const coreInputs =
    variant === 'rwkv6'
      ? rwkv6Inputs(b, g, tokens, h, keyWidth, valueWidth)
      : variant === 'rwkv5'
        ? rwkv5Inputs(b, tokens, h, keyWidth, valueWidth)
        : v7
          ? rwkv7Inputs(b, g, tokens, h, keyWidth, valueWidth)
          : rwkv4Inputs(b, tokens, h, keyWidth, valueWidth);
  const keyBytes = ACT_BYTES * tokens * keyWidth;
  const valueBytes = ACT_BYTES * tokens * valueWidth;
  const e = gatedDeltaNetStateElements(g);
  const state = e.state / t;
  const core = variant === 'rwkv5' ? 'wkv5' : variant === 'rwkv6' ? 'wkv6' : v7 ? 'wkv7' : 'wkv4';
  recurrentMixer(request, b, {
    conv: null,
    coreName: core,
    core,
    coreFlopsPerToken: (mode) => rwkvFlopsPerToken(g, mode) / t,
    coreReadBytesPerToken: ACT_BYTES * coreInputs,
    coreWriteBytesPerToken: ACT_BYTES * valueWidth,
    // The WKV state and the two token-shift vectors, this rank's share.
    stateBytes: g.stateBytesPerElement * state + (ACT_BYTES * e.conv) / t,
    // chunk_dplr_fwd_h (RWKV-7) and chunk_fwd_h (RWKV-6) write each chunk's state in FP32, read back
    // by the output kernel; RWKV-4 keeps none.
    chunkStateBytesPerToken: variant === 'rwkv4' ? 0 : (4 * state) / g.chunkTokens,
  });
  if (v7) {
    // g_norm: read o, write norm(o); the bonus (r·k·r_k summed per head)·v added and × g: read o, r, k, v, g, write.
    b.memory('output-norm', 'norm', valueBytes, valueBytes);
    b.memory('output-gate', 'activation', 3 * valueBytes + 2 * keyBytes, valueBytes);
  } else if (finch) {
    // ln_x: read o, write norm(o); × SiLU(gate): read both, write.
    b.memory('output-norm', 'norm', valueBytes, valueBytes);
    b.memory('output-gate', 'activation', 2 * valueBytes, valueBytes);
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
  mixerContextParallel(request, b, tokens, coreInputs, valueWidth);
};
