/**
 * Granite 4.0 (`granitemoehybrid`, transformers `models/granitemoehybrid/modular_granitemoehybrid.py`):
 * each layer is a Mamba-2 mixer (BambaMixer) or attention (q/k/v/o, bias = attention_bias) by
 * `layer_types` (all Mamba when absent), two RMSNorms, then a gated shared MLP (GraniteMoeSharedMLP:
 * input_linear h → 2·shared_intermediate_size, output_linear back) plus, when num_local_experts > 0,
 * a top-k MoE of gated experts (input_linear [E, 2I, h], output_linear [E, h, I]) with a bias-free
 * router. The shared MLP is the MoE block's shared expert; with no experts it is the dense MLP.
 */
import { MAX } from './fields.js';
import { BAMBA_MAMBA_KEYS, readMamba2 } from './nemotron-h.js';
import { decoder, type Family, readGatedMlp } from './readers.js';

export const graniteMoeHybrid: Family = (f, name) => {
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const types = f.enumList('layer_types', numLayers, ['mamba', 'attention'] as const);
  const mixers = types ?? Array<'mamba'>(numLayers).fill('mamba');
  const experts = f.int('num_local_experts', { fallback: 8, max: MAX.experts });
  const spec = decoder(f, name, {
    layout: () => ({ window: null, kinds: mixers.map((t) => (t === 'mamba' ? 'mamba' : 'full')) }),
    mlp: readGatedMlp(f, 'shared_intermediate_size'),
    layerMlp: experts > 0 ? 'moe' : 'dense',
    moe: {
      experts: 'num_local_experts',
      expertSize: 'intermediate_size',
      shared: { sizeKey: 'shared_intermediate_size', count: 1 },
    },
  });
  // GraniteMoeHybridConfig: mamba_d_head "auto" = mamba_expand · hidden_size / mamba_n_heads.
  const headDim =
    f.raw('mamba_d_head') === 'auto' || !f.has('mamba_d_head')
      ? (f.positiveInt('mamba_expand', { fallback: 2, max: 64 }) * spec.hiddenSize) /
        f.positiveInt('mamba_n_heads', { fallback: 128, max: MAX.heads })
      : undefined;
  if (headDim !== undefined && !Number.isInteger(headDim)) {
    f.fail('mamba_n_heads', 'must divide mamba_expand · hidden_size');
  }
  return {
    ...spec,
    stateSpace: mixers.includes('mamba') ? readMamba2(f, BAMBA_MAMBA_KEYS, headDim) : null,
  };
};
