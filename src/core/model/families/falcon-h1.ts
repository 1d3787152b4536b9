/**
 * Falcon-H1 (`falcon_h1`, transformers `models/falcon_h1/modular_falcon_h1.py`): every decoder layer
 * runs attention (LlamaAttention, q/k/v/o, bias = attention_bias) and a Mamba-2 mixer
 * (FalconH1Mixer: inner width `mamba_d_ssm`, gated RMSNorm only when `mamba_rms_norm`) side by side
 * on the same normed input, then a SwiGLU MLP (bias = mlp_bias); two RMSNorms per layer
 * (input_layernorm, pre_ff_layernorm). Each layer is read as two blocks — attention, then Mamba-2 +
 * MLP — with one RMSNorm each: the same parameters, FLOPs, KV cache and recurrent state; a step runs
 * the two mixers one after the other (the model's N layers become 2N blocks for pipeline splits).
 */
import type { LayerMixer, LayerMlp } from '../spec.js';
import { MAX } from './fields.js';
import { BAMBA_MAMBA_KEYS, readMamba2 } from './nemotron-h.js';
import { decoder, type Family, readGatedMlp } from './readers.js';

export const falconH1: Family = (top, name) => {
  const layers = top.positiveInt('num_hidden_layers', { max: MAX.layers / 2 });
  const f = top.with({ num_hidden_layers: 2 * layers });
  const spec = decoder(f, name, {
    layout: (_g, n) => ({
      window: null,
      kinds: Array.from({ length: n }, (_, i): LayerMixer => (i % 2 === 0 ? 'full' : 'mamba')),
    }),
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
    layerMlp: (i): LayerMlp => (i % 2 === 0 ? 'none' : 'dense'),
  });
  // FalconH1Config: the Mamba inner width is mamba_d_ssm, else mamba_expand · hidden_size;
  // mamba_d_head "auto" = inner / mamba_n_heads, and heads · head must equal the inner width.
  const heads = f.positiveInt('mamba_n_heads', { fallback: 128, max: MAX.heads });
  const inner = f.has('mamba_d_ssm')
    ? f.positiveInt('mamba_d_ssm', { max: MAX.hidden })
    : f.positiveInt('mamba_expand', { fallback: 2, max: 64 }) * spec.hiddenSize;
  const autoHead = f.raw('mamba_d_head') === 'auto' || !f.has('mamba_d_head');
  const headDim = autoHead ? inner / heads : f.positiveInt('mamba_d_head', { max: MAX.headDim });
  if (!Number.isInteger(headDim) || headDim * heads !== inner) {
    f.fail('mamba_d_head', `× mamba_n_heads (${heads}) must equal the Mamba inner width (${inner})`);
  }
  const mamba = readMamba2(f, BAMBA_MAMBA_KEYS, headDim);
  // in_proj carries mamba_proj_bias, out_proj projectors_bias: one flag covers both here.
  if (f.bool('projectors_bias', false) !== mamba.projBias) {
    f.fail('projectors_bias', `must equal mamba_proj_bias (${mamba.projBias}) to be read`);
  }
  return {
    ...spec,
    // One RMSNorm per block: input_layernorm before the attention block, pre_ff_layernorm before the MLP.
    norm: { kind: 'rmsnorm', perLayer: 1 },
    stateSpace: { ...mamba, gatedNorm: f.bool('mamba_rms_norm', false) },
    warnings: [
      `falcon_h1: each of the ${layers} layers runs attention and Mamba-2 in parallel; read as ${2 * layers} blocks (attention; Mamba-2 + MLP) — same parameters, FLOPs, KV and state, the two mixers timed one after the other`,
    ],
  };
};
