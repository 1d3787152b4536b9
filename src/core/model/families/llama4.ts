/**
 * Llama 4 text model (`llama4_text`, inside the `llama4` wrapper): MoE layers every
 * `interleave_moe_layer_step` layers with one shared expert, dense layers of `intermediate_size_mlp`,
 * chunked attention (iRoPE) on the RoPE layers and global NoPE attention every
 * `no_rope_layer_interval`-th layer (transformers `models/llama4/modeling_llama4.py`,
 * `configuration_llama4.py`). The q/k norm is a weightless L2 norm.
 */
import { MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, readLayerTypes } from './readers.js';

export const llama4Text: Family = (f, name) => {
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  // Llama4TextConfig: moe_layers = range(step - 1, num_layers, step) unless listed.
  const step = f.positiveInt('interleave_moe_layer_step', { fallback: 1, max: MAX.layers });
  const moeLayers = new Set(
    f.has('moe_layers')
      ? f.intList('moe_layers', MAX.layers)
      : Array.from({ length: numLayers }, (_, i) => i).filter((i) => (i + 1) % step === 0),
  );
  // no_rope_layers[i] = (i + 1) % no_rope_layer_interval != 0; RoPE layers are chunked when
  // attention_chunk_size is set, NoPE layers attend globally.
  const noRopeInterval = f.positiveInt('no_rope_layer_interval', { fallback: 4, max: MAX.layers });
  const explicitNoRope = f.intList('no_rope_layers', 1);
  const usesRope = (i: number) =>
    explicitNoRope.length === numLayers ? explicitNoRope[i] === 1 : (i + 1) % noRopeInterval !== 0;
  const chunk = f.optionalPositiveInt('attention_chunk_size', MAX.positions);
  return {
    ...decoder(f, name, {
      // Llama4TextConfig.layer_types when given, else chunked on the RoPE layers.
      layout: (g, n) => {
        const types = readLayerTypes(g, n, ['full_attention', 'chunked_attention']);
        const chunked = (i: number) => (types ? types[i] === 'chunked' : usesRope(i));
        return {
          window: null,
          kinds: Array.from({ length: n }, (_, i) => (chunk !== null && chunked(i) ? 'chunked' : 'full')),
        };
      },
      // Llama4TextMLP of the dense layers: intermediate_size_mlp.
      mlp: readGatedMlp(f, 'intermediate_size_mlp'),
      layerMlp: (i) => (moeLayers.has(i) ? 'moe' : 'dense'),
      // Llama4TextMoe: experts gate_up [E, h, 2I] and down [E, I, h], router h → E without bias,
      // shared_expert = Llama4TextMLP(intermediate_size).
      moe: {
        experts: 'num_local_experts',
        expertSize: 'intermediate_size',
        shared: { sizeKey: 'intermediate_size', count: 1 },
      },
    }),
    chunkedAttentionTokens: chunk,
  };
};
