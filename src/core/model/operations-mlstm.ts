/**
 * The mLSTM layer of xLSTM (transformers `xLSTMLayer`, the native twin of NX-AI's
 * `xlstm.xlstm_large.model.mLSTMLayer`; Beck et al. 2024, "xLSTM", arXiv:2405.04517, Sec. 2.3).
 * Conventions: operations.ts.
 */

import { gatedDeltaNetStateElements } from './kv-cache.js';
import { mlstmFlopsPerToken } from './layer-kinds.js';
import { ACT_BYTES } from './operation-types.js';
import { type MixerOperations, mixerContextParallel, recurrentMixer } from './operations-recurrent.js';
import { need } from './operations-token-groups.js';
import type { GatedDeltaNetSpec } from './spec.js';

/**
 * query, key (h → H·d_qk), value and ogate_preact (h → H·d_v), igate_preact and fgate_preact (h → H;
 * weight_mode "fused": qkv_opreact and ifgate_preact, the same GEMM FLOPs), the gates' soft cap,
 * the mLSTM cell (chunkwise in a sequence, the step at decode: mlstmFlopsPerToken), multihead_norm
 * (a LayerNorm per head, so no TP all-reduce), sigmoid(ogate) × the normed output, out_proj
 * (H·d_v → h). No conv and no activation on q, k, v. Tensor parallelism splits the heads.
 */
export const mlstmOperations: MixerOperations = (spec, layer, request, b, tokens) => {
  const g: GatedDeltaNetSpec = need(spec.linearAttention, layer, 'linearAttention');
  const t = request.layout.tensorParallel;
  const h = spec.hiddenSize;
  const keyWidth = (g.numKeyHeads * g.keyHeadDim) / t;
  const valueWidth = (g.numValueHeads * g.valueHeadDim) / t;
  const heads = g.numValueHeads / t;
  if (g.fusedProjections) {
    b.gemm('qkv_opreact', 'attentionProjections', tokens, 2 * keyWidth + 2 * valueWidth, h);
    b.gemm('ifgate_preact', 'attentionProjections', tokens, 2 * heads, h);
  } else {
    b.gemm('query', 'attentionProjections', tokens, keyWidth, h);
    b.gemm('key', 'attentionProjections', tokens, keyWidth, h);
    b.gemm('value', 'attentionProjections', tokens, valueWidth, h);
    b.gemm('ogate_preact', 'attentionProjections', tokens, valueWidth, h);
    b.gemm('igate_preact', 'attentionProjections', tokens, heads, h);
    b.gemm('fgate_preact', 'attentionProjections', tokens, heads, h);
  }
  // soft_cap(i, f) = cap · tanh(· / cap) (xLSTMLayer.forward): read the preactivations, write FP32 gates.
  b.memory('gates', 'activation', ACT_BYTES * 2 * heads * tokens, 4 * 2 * heads * tokens);
  // Per head C (d_qk × d_v), n (d_qk) and m (1): xLSTMCache.rnn_state, this rank's heads.
  const stateElements = gatedDeltaNetStateElements(g).state / t;
  recurrentMixer(request, b, {
    conv: null,
    coreName: 'mlstm',
    core: 'mlstm',
    coreFlopsPerToken: (mode) => mlstmFlopsPerToken(g, mode) / t,
    // q, k, v (BF16, autocast_kernel_dtype) and the i, f gates (FP32) in; h out.
    coreReadBytesPerToken: ACT_BYTES * (2 * keyWidth + valueWidth) + 4 * 2 * heads,
    coreWriteBytesPerToken: ACT_BYTES * valueWidth,
    stateBytes: g.stateBytesPerElement * stateElements,
    // mlstm_chunkwise_recurrent_fw_C writes C, n, m at every chunk boundary (FP32), read back by _fw_H.
    chunkStateBytesPerToken: (4 * stateElements) / g.chunkTokens,
  });
  const valueBytes = ACT_BYTES * tokens * valueWidth;
  // xLSTMMultiHeadLayerNorm: read h, write norm(h)·weight (per head, whole on each TP rank).
  b.memory('output-norm', 'norm', valueBytes, valueBytes);
  // sigmoid(ogate_preact) · norm(h): read both, write the product.
  b.memory('output-gate', 'activation', 2 * valueBytes, valueBytes);
  b.gemm('out_proj', 'attentionProjections', tokens, h, valueWidth);
  // The sequence-to-head exchange carries q, k, v and the two gates; ogate stays with its tokens.
  mixerContextParallel(request, b, tokens, 2 * keyWidth + valueWidth + 2 * heads, valueWidth);
};
