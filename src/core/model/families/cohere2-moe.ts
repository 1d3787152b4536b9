/**
 * Cohere 2 MoE (`cohere2_moe`, Cohere2MoeForCausalLM). transformers `models/cohere2_moe/
 * configuration_cohere2_moe.py` (Cohere2MoeConfig) and `modular_cohere2_moe.py`: Cohere 2's parallel
 * block — one norm per layer (an RMSNorm when `rms_norm_eps` is set, else Cohere's weight-only
 * LayerNorm) feeding attention and the MLP side by side —, q/k/v/o with `attention_bias`, no q/k norm;
 * `layer_types` (else `sliding_window_pattern` over the layers past `first_k_dense_replace` and
 * `prefix_dense_sliding_window_pattern` over those before it) slide over `sliding_window`;
 * `mlp_layer_types` (else dense before `first_k_dense_replace`): a dense layer is a SwiGLU of
 * `prefix_dense_intermediate_size` (default `intermediate_size`), a sparse one a bias-free router
 * (h → `num_experts`), Mixtral's experts of `intermediate_size` with gate and up packed in one
 * parameter, and, with `num_shared_experts`, one shared SwiGLU of `intermediate_size` × that count.
 * A final norm of the same kind, embeddings tied by default; `logit_scale` has no parameters.
 */
import type { LayerMixer } from '../spec.js';
import { type Json, MAX } from './fields.js';
import {
  decoder,
  type Family,
  readGatedMlp,
  readLayerTypes,
  readMlpLayerTypes,
  withClassDefaults,
} from './readers.js';

/** Cohere2MoeConfig's defaults for the keys llmecon reads. */
const COHERE2_MOE_DEFAULTS: Json = {
  vocab_size: 256_000,
  hidden_size: 8192,
  intermediate_size: 22_528,
  num_hidden_layers: 40,
  num_attention_heads: 64,
  head_dim: 128,
  max_position_embeddings: 8192,
  sliding_window: 4096,
  num_experts_per_tok: 2,
  num_experts: 8,
  num_shared_experts: 0,
  tie_word_embeddings: true,
};

export const cohere2Moe: Family = (config, name) => {
  const f = withClassDefaults(config, COHERE2_MOE_DEFAULTS);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const firstDense = f.int('first_k_dense_replace', { fallback: 0, max: n });
  const pattern = f.positiveInt('sliding_window_pattern', { fallback: 4, max: MAX.layers });
  const prefixPattern = f.positiveInt('prefix_dense_sliding_window_pattern', {
    fallback: 1,
    max: MAX.layers,
  });
  // Cohere2MoeConfig.__post_init__: the dense prefix and the rest each count their own pattern from 1.
  const kinds: LayerMixer[] =
    readLayerTypes(f, n) ??
    Array.from({ length: n }, (_, i) =>
      i < firstDense
        ? (i + 1) % prefixPattern !== 0
          ? 'sliding'
          : 'full'
        : (i - firstDense + 1) % pattern !== 0
          ? 'sliding'
          : 'full',
    );
  const mlpTypes = readMlpLayerTypes(f, n);
  const window = kinds.includes('sliding') ? f.positiveInt('sliding_window', { max: 1 << 24 }) : null;
  const spec = decoder(f, name, {
    layout: () => ({ window, kinds }),
    mlp: readGatedMlp(
      f,
      f.has('prefix_dense_intermediate_size') ? 'prefix_dense_intermediate_size' : 'intermediate_size',
    ),
    layerMlp: (i) => mlpTypes?.[i] ?? (i < firstDense ? 'dense' : 'moe'),
    moe: {
      experts: 'num_experts',
      expertSize: 'intermediate_size',
      shared: { countKey: 'num_shared_experts', sizeKey: 'intermediate_size' },
    },
  });
  const rms = f.raw('rms_norm_eps') !== undefined && f.raw('rms_norm_eps') !== null;
  return {
    ...spec,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: rms ? { kind: 'rmsnorm', perLayer: 1 } : { kind: 'layernorm', perLayer: 1, bias: false },
    moe: spec.moe && { ...spec.moe, fusedGateUp: true },
  };
};
