/**
 * What a model adds to its residual stream beside each layer's mixer and MLP: per-layer input embeddings
 * (Gemma 3n, Gemma 4 E-models), AltUp streams and the LAuReL residual (Gemma 3n), hyper-connections
 * (DeepSeek-V4, Hy4). Their shapes as `ModelSpec` carries them; re-exported by spec.ts.
 */
/**
 * Per-layer input embeddings (Gemma 3n / Gemma 4 PLE, `Gemma4TextModel`): a table of
 * `vocabSize` rows × layers·`hiddenSize` looked up per token, plus per_layer_model_projection
 * (h → layers·p) and its RMSNorm(p); each layer gates its slice in (per_layer_input_gate h → p, GELU,
 * × the slice, per_layer_projection p → h, post_per_layer_input_norm).
 */
export interface PerLayerInputSpec {
  /** p, each layer's slice (`hidden_size_per_layer_input`). */
  readonly hiddenSize: number;
  /** Rows of the table (`vocab_size_per_layer_input`). */
  readonly vocabSize: number;
}

/**
 * Alternating Updates (Baykal et al. 2023, "Alternating Updates for Efficient Transformers",
 * NeurIPS, arXiv:2301.13310, Alg. 1; transformers `Gemma3nTextAltUp`): the residual stream is
 * `streams` vectors of h; each layer runs on one of them, predicts all from a learned mix (a router
 * h → n from an RMSNorm of the active stream, tanh, then n → n² coefficients) and corrects them with
 * the layer's innovation (the router again, n → n coefficients). The model widens its input with
 * n − 1 h × h projections of the embedding and narrows its output with n − 1 more before the mean.
 */
export interface AltUpSpec {
  /** n, the streams (`altup_num_inputs`). */
  readonly streams: number;
}

/**
 * Low-rank Learned Augmented Residual (Menghani et al. 2024, "LAuReL: Learned Augmented Residual
 * Layer", arXiv:2411.07501, Sec. 2.2 LAuReL-LR; transformers `Gemma3nTextLaurelBlock`): beside the
 * attention, x + RMSNorm(B·A·x) with A h → r and B r → h, on the layer's normed input.
 */
export interface LaurelSpec {
  /** r (`laurel_rank`). */
  readonly rank: number;
}

/**
 * Hyper-connections ({@link ModelSpec.hyperConnections}): `streams` residual vectors of h. `mhc` (DeepSeek-V4
 * `DeepseekV4HyperConnection`): fn (2 + n)·n × n·h (pre, post, comb), base (2 + n)·n, 3 scales a block. `ihc`
 * (Hy4 `HYV4HyperConnection`, no comb): fn 2n × n·h, base 2n, 2 scales; streams carried over unmixed. Both:
 * hc_head n × n·h, n, 1. Absent kind = `mhc`.
 */
export interface HyperConnectionsSpec {
  readonly streams: number;
  readonly kind?: 'mhc' | 'ihc';
}
