/**
 * Bamba (`bamba`, transformers `models/bamba/modeling_bamba.py`, IBM Bamba-9B): each
 * BambaDecoderLayer is input_layernorm, one mixer — BambaAttention (q/k/v/o, bias = attention_bias,
 * RoPE on half of each head) on the layers listed in `attn_layer_indices`, a Mamba-2 BambaMixer
 * (in_proj, depthwise conv1d, dt_bias, A_log, D, gated RMSNorm, out_proj; inner width
 * mamba_expand · hidden = mamba_n_heads · mamba_d_head) on every other — then pre_ff_layernorm and a
 * SwiGLU BambaMLP (gate/up/down, bias = mlp_bias) on every layer; final_layernorm and an lm_head
 * tied per `tie_word_embeddings` (default false).
 */
import type { LayerMixer } from '../spec.js';
import { type Json, MAX } from './fields.js';
import { BAMBA_MAMBA_KEYS, readMamba2 } from './nemotron-h.js';
import { decoder, type Family, HF_KEYS, readGatedMlp, withClassDefaults } from './readers.js';

/**
 * BambaConfig's `__init__` defaults that the shared readers lack or set otherwise (num_key_value_heads
 * 8, not one per query head); mamba_d_head "auto" is derived below, and the other mamba_* defaults
 * (n_groups 1, d_conv 4, chunk_size 256, conv_bias true, proj_bias false) are the readers' own.
 */
const BAMBA_DEFAULTS: Json = {
  num_key_value_heads: 8,
  mamba_n_heads: 128,
  mamba_d_state: 256,
  mamba_expand: 2,
};

export const bamba: Family = (top, name) => {
  const f = withClassDefaults(top, BAMBA_DEFAULTS);
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  // BambaConfig.layers_block_type: "attention" at the attn_layer_indices, "mamba" elsewhere (all
  // Mamba when absent or empty). An index past the last layer names no layer: refused as a typo.
  const attentionLayers = new Set(f.intList('attn_layer_indices', numLayers - 1));
  const kinds = Array.from(
    { length: numLayers },
    (_, i): LayerMixer => (attentionLayers.has(i) ? 'full' : 'mamba'),
  );
  const spec = decoder(f, name, {
    // BambaConfig: max_position_embeddings defaults to 262144.
    keys: { ...HF_KEYS, defaultPositions: 262_144 },
    layout: () => ({ window: null, kinds }),
    // BambaMLP: gate_proj, up_proj, down_proj with bias = mlp_bias (BambaConfig sets false).
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
  });
  // BambaMixer.intermediate_size = mamba_expand · hidden_size; BambaConfig requires mamba_n_heads to
  // divide it and mamba_d_head ("auto" = intermediate / mamba_n_heads) × mamba_n_heads to equal it.
  const inner = f.positiveInt('mamba_expand', { max: 64 }) * spec.hiddenSize;
  const heads = f.positiveInt('mamba_n_heads', { max: MAX.heads });
  if (inner % heads !== 0) {
    f.fail('mamba_n_heads', `(${heads}) must divide mamba_expand · hidden_size (${inner})`);
  }
  const autoHead = f.raw('mamba_d_head') === 'auto' || !f.has('mamba_d_head');
  const headDim = autoHead ? inner / heads : f.positiveInt('mamba_d_head', { max: MAX.headDim });
  if (headDim * heads !== inner) {
    f.fail('mamba_d_head', `× mamba_n_heads (${heads}) must equal mamba_expand · hidden_size (${inner})`);
  }
  // BambaMixer: conv1d over x, B, C with bias = mamba_conv_bias; in_proj/out_proj bias = mamba_proj_bias.
  const mamba = readMamba2(f, BAMBA_MAMBA_KEYS, headDim);
  return { ...spec, stateSpace: kinds.includes('mamba') ? mamba : null };
};
