/**
 * RWKV-5 "Eagle" (`rwkv5`; Peng et al. 2024, "Eagle and Finch", arXiv:2404.05892, Sec. 3) as the
 * Hub's remote code has it (RWKV/rwkv-5-world-1b5, -3b, -7b: `configuration_rwkv5.py` Rwkv5Config,
 * `modeling_rwkv5.py` Rwkv5ForCausalLM): Rwkv5Model (embeddings, blocks, ln_out) and an untied head
 * (h → V); each block pre_ln on block 0 (read as the embedding norm), ln1, ln2 (LayerNorms with
 * bias). RwkvSelfAttention: time_mix_key/value/receptance/gate (h each: a static token shift, where
 * RWKV-6 has its data-dependent LoRA), time_decay and time_faaaa (heads × head_size), receptance,
 * key, value, gate (h → A), output (A → h), ln_x (GroupNorm of the heads over h: weight and bias).
 * RwkvFeedForward: time_mix_key, time_mix_receptance (h each), key (h → I), squared ReLU, value
 * (I → h), receptance (h → h). A = `attention_hidden_size` (None = h), I = `intermediate_size`
 * (None = int(h · 3.5 // 32 · 32)), heads of `head_size`. Read as linear attention's `rwkv5`
 * variant (mixer-specs.ts `isRwkv`): spec.mlp is the channel mix's key and value; the WKV is timed
 * as RWKV-6's chunked kernel with a decay per channel (a modelling choice, see `chunkTokens`). The state per sequence: the WKV state (heads
 * × head_size², FP32) and two token-shift vectors per layer. Refused: A ≠ h.
 */

import type { GatedDeltaNetSpec } from '../spec.js';
import { type Json, MAX } from './fields.js';
import { type Family, HF_KEYS, readCommon, uniformLayers, withClassDefaults } from './readers.js';
import { hubHeadSize, rwkvSpec } from './rwkv.js';

/** Rwkv5Config's class defaults for the keys that shape the model. */
const DEFAULTS: Json = {
  vocab_size: 65_536,
  hidden_size: 768,
  num_hidden_layers: 24,
  head_size: 64,
  tie_word_embeddings: false,
};

export const rwkv5: Family = (top, name) => {
  const f = withClassDefaults(top, DEFAULTS);
  // No positional limit: Rwkv5Config has no context key.
  const c = readCommon(f, name, { ...HF_KEYS, defaultPositions: MAX.positions });
  const h = c.hiddenSize;
  const headSize = hubHeadSize(f, h);
  const heads = h / headSize;
  const mixer: GatedDeltaNetSpec = {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: headSize,
    valueHeadDim: headSize,
    convKernel: 0,
    // Timed as fla's chunked RWKV-6 kernel (64 tokens; what fla and the engines that serve RWKV run), a
    // modelling choice: the Hub code's own WKV5 CUDA kernel scans token by token at about half the FLOPs.
    chunkTokens: 64,
    stateBytesPerElement: 4,
    projections: 'rwkv5',
  };
  const intermediateSize =
    f.optionalPositiveInt('intermediate_size', MAX.intermediate) ?? Math.floor((h * 3.5) / 32) * 32;
  const layers = uniformLayers(c.numLayers, 'dense', 'linear');
  return rwkvSpec(f, c, mixer, intermediateSize, layers, { kind: 'layernorm', perLayer: 2, embedding: true });
};
