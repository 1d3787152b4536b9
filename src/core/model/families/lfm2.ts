/**
 * LFM2 (`lfm2`, Liquid AI; transformers `models/lfm2/modeling_lfm2.py`): gated short-convolution
 * blocks (Lfm2ShortConv) with GQA attention blocks (q/k RMSNorm per head, out_proj) at
 * `layer_types` "full_attention" (or the 0-based `full_attn_idxs`), every block two RMSNorms
 * (operator_norm, ffn_norm) and a SwiGLU MLP whose width Lfm2MLP derives from `intermediate_size`
 * (`block_ff_dim`); embeddings tied by default (`tie_embedding`). LFM2-MoE (`lfm2_moe`,
 * `models/lfm2_moe/modular_lfm2_moe.py`, LFM2-8B-A1B): the same blocks, the first
 * `num_dense_layers` with a SwiGLU MLP of `intermediate_size` as given, the rest a sparse MoE block
 * (a bias-free router h → E with sigmoid scores, `num_experts` SwiGLU experts of
 * `moe_intermediate_size`, top `num_experts_per_tok`; its `expert_bias` is a buffer, not a parameter).
 */
import type { LayerMixer, MlpSpec, ModelSpec } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
import { type DecoderOptions, decoder, type Family } from './readers.js';

/**
 * Lfm2MLP: with block_auto_adjust_ff_dim, ff = int(2·ff/3), then int(block_ffn_dim_multiplier·ff),
 * rounded up to a multiple of block_multiple_of (the Llama FeedForward rule).
 */
function readLfm2Mlp(f: Fields): MlpSpec {
  // Lfm2Config: `intermediate_size = kwargs.get("block_ff_dim", intermediate_size)`: block_ff_dim wins.
  const key = f.has('block_ff_dim') ? 'block_ff_dim' : 'intermediate_size';
  let ff = f.positiveInt(key, { max: MAX.intermediate });
  if (f.bool('block_auto_adjust_ff_dim', true)) {
    ff = Math.floor((2 * ff) / 3);
    const multiplier = f.raw('block_ffn_dim_multiplier');
    if (multiplier !== undefined && multiplier !== null) {
      if (typeof multiplier !== 'number' || !(multiplier > 0) || multiplier > 1000) {
        f.fail('block_ffn_dim_multiplier', `must be a positive number up to 1000, got ${shown(multiplier)}`);
      }
      ff = Math.floor(multiplier * ff);
    }
    const multipleOf = f.positiveInt('block_multiple_of', { fallback: 256, max: MAX.intermediate });
    ff = multipleOf * Math.ceil(ff / multipleOf);
    if (ff === 0 || ff > MAX.intermediate)
      f.fail(key, `gives an MLP width of ${ff} after Lfm2MLP's adjustment`);
  }
  return { intermediateSize: ff, gated: true, bias: false };
}

/** `layer_types` ("conv" / "full_attention"), else `full_attn_idxs` (0-based), else all attention. */
function readLfm2Mixers(f: Fields, numLayers: number): LayerMixer[] {
  const types = f.enumList('layer_types', numLayers, ['conv', 'full_attention'] as const);
  if (types) return types.map((t) => (t === 'conv' ? 'conv' : 'full'));
  if (!f.has('full_attn_idxs')) return Array(numLayers).fill('full');
  const attention = new Set(f.intList('full_attn_idxs', MAX.layers));
  for (const i of attention) {
    if (i >= numLayers) f.fail('full_attn_idxs', `lists layer ${i}; layers are 0 to ${numLayers - 1}`);
  }
  return Array.from({ length: numLayers }, (_, i) => (attention.has(i) ? 'full' : 'conv'));
}

/** The LFM2 blocks with the MLPs `mlps` gives (Lfm2's adjusted SwiGLU, or LFM2-MoE's dense and MoE blocks). */
function lfm2Blocks(
  top: Fields,
  name: string,
  mlps: (f: Fields) => Pick<DecoderOptions, 'mlp' | 'layerMlp' | 'moe'>,
): ModelSpec {
  // Lfm2Config: tie_embedding (the checkpoint's key) overrides tie_word_embeddings, default true.
  const f = top.with({
    tie_word_embeddings: top.raw('tie_embedding') ?? top.raw('tie_word_embeddings') ?? true,
    max_position_embeddings: top.raw('max_position_embeddings') ?? 128_000,
  });
  const mixers = readLfm2Mixers(f, f.positiveInt('num_hidden_layers', { max: MAX.layers }));
  const spec = decoder(f, name, {
    // Lfm2Attention: q_proj, k_proj, v_proj, out_proj without bias; q_layernorm, k_layernorm (head_dim).
    attention: { qkvBias: false, outputBias: false, qkNorm: 'per-head' },
    layout: () => ({ window: null, kinds: mixers }),
    ...mlps(f),
  });
  return {
    ...spec,
    shortConv: mixers.includes('conv')
      ? {
          convKernel: f.positiveInt('conv_L_cache', { fallback: 3, max: 1024 }),
          bias: f.bool('conv_bias', false),
        }
      : null,
  };
}

export const lfm2: Family = (top, name) => lfm2Blocks(top, name, (f) => ({ mlp: readLfm2Mlp(f) }));

export const lfm2Moe: Family = (top, name) =>
  lfm2Blocks(top, name, (f) => {
    const dense = f.int('num_dense_layers', { fallback: 2, max: MAX.layers });
    return {
      layerMlp: (i: number) => (i < dense ? 'dense' : 'moe'),
      moe: { experts: 'num_experts', topK: 'num_experts_per_tok', expertSize: 'moe_intermediate_size' },
      // Lfm2MoeMLP takes intermediate_size as it is (no Lfm2MLP adjustment).
      ...(dense > 0
        ? {
            mlp: {
              intermediateSize: f.positiveInt('intermediate_size', { max: MAX.intermediate }),
              gated: true,
              bias: false,
            },
          }
        : {}),
    };
  });
