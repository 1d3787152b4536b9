/**
 * HGRN2's gated linear attention (`projections: 'gla'`; fla `fla/layers/hgrn2.py` HGRN2Attention) and
 * HGRN's element-wise recurrence (`projections: 'hgrn'`; fla `fla/layers/hgrn.py` HGRNAttention, the
 * MatMul-free LM's `mmfreelm/layers/hgrn_bit.py` HGRNBitAttention): mixer-specs.ts `isHgrn`.
 * Conventions: operations.ts.
 */

import { linearInputProjections } from './adapters-linear.js';
import { gatedDeltaNetStateElements } from './kv-cache.js';
import { gatedDeltaNetConvFlopsPerToken, hgrnCoreFlopsPerToken, linearConvChannels } from './layer-kinds.js';
import { ACT_BYTES } from './operation-types.js';
import { type MixerOperations, mixerContextParallel, recurrentMixer } from './operations-recurrent.js';
import { need } from './operations-token-groups.js';
import type { GatedDeltaNetSpec } from './spec.js';

/**
 * The input projections (as LoRA names them, adapters-linear.ts), the optional short convs (causal_conv1d over q, f, i — HGRN: i, f), the
 * gates, the recurrence (hgrnCoreFlopsPerToken: HGRN2 `chunk_gla` in a sequence, `fused_recurrent_gla`
 * at decode; HGRN `fused_recurrent_hgrn` token by token in both), g_norm, o_proj (v → h). g_norm
 * normalises all v channels at once (HGRN2 RMSNorm(hidden_size) fused with o_proj in
 * `rms_norm_linear`; HGRN FusedRMSNormSwishGate(D)), so under TP its variance is all-reduced, one FP32
 * per token, as lightning attention's norm. Tensor parallelism splits the heads (HGRN: the channels).
 */
export const hgrnOperations: MixerOperations = (spec, layer, request, b, tokens) => {
  const g: GatedDeltaNetSpec = need(spec.linearAttention, layer, 'linearAttention');
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const gla = g.projections === 'gla';
  const keyWidth = (g.numKeyHeads * g.keyHeadDim) / t;
  const valueWidth = (g.numValueHeads * g.valueHeadDim) / t;
  // q_proj, f_proj (h → k), i_proj (h → v) for HGRN2; i_proj, f_proj, g_proj for HGRN: column-parallel.
  let inputColumns = 0;
  for (const [module, width] of linearInputProjections(g)) {
    b.gemm(module.slice(module.lastIndexOf('.') + 1), 'attentionProjections', tokens, width / t, h);
    inputColumns += width / t;
  }
  const channels = linearConvChannels(g) / t;
  const keyBytes = ACT_BYTES * tokens * keyWidth;
  const valueBytes = ACT_BYTES * tokens * valueWidth;
  if (gla) {
    // swish(q), g = logsigmoid(f) raised by the lower bound, k = 1 − exp(g): read q, f, write q, k, g.
    b.memory('gates', 'activation', 2 * keyBytes, 3 * keyBytes);
  } else {
    // f = sigmoid(f) raised by the lower bound, i = swish(i)·(1 − f): read i, f, write both.
    b.memory('gates', 'activation', keyBytes + valueBytes, keyBytes + valueBytes);
  }
  const state = gatedDeltaNetStateElements(g).state / t;
  recurrentMixer(request, b, {
    conv:
      g.convKernel > 0
        ? {
            flopsPerToken: gatedDeltaNetConvFlopsPerToken(g) / t,
            channels,
            stateBytes: ACT_BYTES * (g.convKernel - 1) * channels,
          }
        : null,
    coreName: gla ? 'gla' : 'hgrn',
    core: gla ? 'gla' : 'hgrn',
    coreFlopsPerToken: (mode) => hgrnCoreFlopsPerToken(g, mode) / t,
    // HGRN2: q, k, g and v in; HGRN: x and g. The output out.
    coreReadBytesPerToken: ACT_BYTES * (gla ? 3 * keyWidth + valueWidth : keyWidth + valueWidth),
    coreWriteBytesPerToken: ACT_BYTES * valueWidth,
    stateBytes: g.stateBytesPerElement * state,
    // chunk_gla's chunk_fwd_h writes each chunk's d_k × d_v state (states_in_fp32=False: BF16), read
    // back by chunk_gla_fwd_o_gk; fused_recurrent_hgrn keeps none.
    chunkStateBytesPerToken: gla ? (ACT_BYTES * state) / g.chunkTokens : 0,
  });
  // HGRN2: read o, write norm(o); HGRN: read o and g, write norm · swish gate.
  b.memory('output-norm', 'norm', gla ? valueBytes : 2 * valueBytes, valueBytes);
  if (t > 1) b.collective('output-norm.all-reduce', 'tensorParallel', 'all-reduce', 4 * tokens, t, 1);
  b.gemm('o_proj', 'attentionProjections', tokens, h, valueWidth);
  mixerContextParallel(request, b, tokens, inputColumns, valueWidth);
};
