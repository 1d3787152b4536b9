/**
 * Dense decoders of 2025 that differ from Llama in one or two settings: SmolLM3 (tied embeddings,
 * NoPE on some layers, which has no parameters; modeling_smollm3.py), Seed-OSS (q/k/v bias apart
 * from the o_proj bias; modeling_seed_oss.py) and EXAONE 4.0 (per-head q/k RMSNorms, OLMo 2's
 * post-norms, three sliding layers to one global; modeling_exaone4.py) and Apertus (per-head q/k
 * RMSNorms, an ungated xIELU MLP; modeling_apertus.py).
 */
import { MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, readPatternSliding, readQwenSliding } from './readers.js';

// SmolLM3Config: tie_word_embeddings defaults to True; LlamaMLP with mlp_bias; Qwen2-style sliding.
export const smollm3: Family = (f, name) => ({
  ...decoder(f, name, {
    layout: readQwenSliding,
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
  }),
  tieWordEmbeddings: f.bool('tie_word_embeddings', true),
});

// SeedOssAttention: q/k/v bias = attention_bias (default True), o_proj bias = attention_out_bias
// (default False); SeedOssMLP with mlp_bias.
export const seedOss: Family = (f, name) =>
  decoder(f, name, {
    attention: { qkvBias: f.bool('attention_bias', true), outputBias: f.bool('attention_out_bias', false) },
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
  });

// Exaone4Attention: q/k/v/o without bias, q_norm/k_norm RMSNorm(head_dim); Exaone4DecoderLayer:
// post_attention_layernorm and post_feedforward_layernorm. Exaone4Config: layer i slides unless
// (i + 1) % sliding_window_pattern == 0 (default 4), window default 4096, unless layer_types lists them.
// Released EXAONE 4.0 files may spell the pattern as a string of L (local) and G (global) per layer.
export const exaone4: Family = (f, name) => {
  const raw = f.raw('sliding_window_pattern');
  let slides: (i: number) => boolean;
  if (typeof raw === 'string') {
    if (!/^[LG]+$/.test(raw))
      f.fail('sliding_window_pattern', `must be a number or a string of L and G, got '${raw}'`);
    slides = (i) => raw[i % raw.length] === 'L';
  } else {
    const pattern = f.positiveInt('sliding_window_pattern', { fallback: 4, max: MAX.layers });
    slides = (i) => (i + 1) % pattern !== 0;
  }
  return decoder(f, name, {
    attention: { qkvBias: false, outputBias: false, qkNorm: 'per-head' },
    layout: (g, n) => readPatternSliding(g, n, slides, 4096),
  });
};

// ApertusAttention: q/k/v/o with attention_bias, q_norm/k_norm RMSNorm(head_dim); ApertusMLP:
// up_proj and down_proj (bias = mlp_bias) around xIELU, no gate; attention_layernorm and
// feedforward_layernorm. xIELU's two learned scalars per layer (alpha_p, alpha_n) are not counted.
export const apertus: Family = (f, name) =>
  decoder(f, name, {
    attention: { qkNorm: 'per-head' },
    mlp: {
      intermediateSize: f.positiveInt('intermediate_size', { max: MAX.intermediate }),
      gated: false,
      bias: f.bool('mlp_bias', false),
    },
  });
