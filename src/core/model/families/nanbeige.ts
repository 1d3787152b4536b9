/**
 * Nanbeige 4.2 (`nanbeige`: Nanbeige/Nanbeige4.2-3B and its -Base), a looped transformer: its
 * `num_hidden_layers` decoder layers run several times per token on the same weights. Shapes from the
 * Hub remote code `modeling_nanbeige.py` and `configuration_nanbeige.py` (revision b82e54b, stored
 * copies) and Nanbeige's SGLang branch `nanbeige.py`:
 * - NanbeigeAttention: q/k/v/o (bias per `attention_bias`), `head_dim` (else h / heads), GQA by
 *   `num_key_value_heads`, RoPE; per-head RMSNorms of q and k when `qk_layernorm`.
 * - NanbeigeMLP: gate_proj, up_proj h → I, down_proj I → h (bias per `mlp_bias`), `hidden_act`.
 * - NanbeigeDecoderLayer: input_layernorm and post_attention_layernorm (RMSNorm of h).
 * - NanbeigeModel: embed_tokens, the layers and `norm`; NanbeigeForCausalLM's lm_head, untied by default.
 * - The loops: the whole stack runs `num_loops` times (`len(loop_loss_weights) + 1` when that list is
 *   non-empty), `norm` between loops unless `skip_loop_final_norm`; with `enable_double_loop_split`
 *   (LoopSplit) the first (n − m) // 2 layers run once, the middle `loop_middle_layers` m (default
 *   n / 2) run (n + m) // m times, and the rest once. Each call keeps its own keys and values (cache
 *   slot `layer_idx + loop_idx · num_hidden_layers`; in SGLang one attention per loop).
 * Read unrolled in call order, the first call of each layer holding its weights (families/looped.ts).
 * The research options the released checkpoints leave off — hyper-connections and mHC, depth
 * attention, hashed n-gram embeddings, KV shared across LoopSplit repeats — change the shapes and are
 * refused by name rather than read as a plain stack.
 */
import type { LayerSpec, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { loopedLayers, repeatedPasses } from './looped.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';

/** NanbeigeConfig's class defaults (a Llama-2-7B shape); save_pretrained leaves out keys equal to them. */
const NANBEIGE_DEFAULTS: Json = {
  vocab_size: 32_000,
  hidden_size: 4096,
  intermediate_size: 11_008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  hidden_act: 'silu',
  max_position_embeddings: 2048,
  tie_word_embeddings: false,
  attention_bias: false,
  mlp_bias: false,
  qk_layernorm: false,
  num_loops: 1,
};

/** Options that change the shapes in ways llmecon does not count, with what each would add. */
const REFUSED: readonly (readonly [key: string, what: string])[] = [
  [
    'enable_hyper_connection',
    'hyper-connections (several residual streams mixed by learned projections around every sublayer)',
  ],
  ['enable_mhc', 'manifold-constrained hyper-connections (Sinkhorn-normalised residual-stream mixing)'],
  ['enable_depth_attention', 'depth attention (each layer mixes value states cached at anchor depths)'],
  ['loop_share_kv', "LoopSplit repeats that reuse the first call's keys and values"],
  ['ngram_insert_all_layers', 'n-gram fusion in every decoder layer'],
];

const count = (n: number): string => n.toLocaleString('en-US');

/** The number of whole-stack passes: `len(loop_loss_weights) + 1` when that list is non-empty, else `num_loops`. */
function readLoops(f: Fields): { readonly loops: number; readonly key: string } {
  const weights = f.raw('loop_loss_weights');
  if (weights !== undefined && weights !== null) {
    if (!Array.isArray(weights) || !weights.every((w) => typeof w === 'number' && Number.isFinite(w)))
      f.fail('loop_loss_weights', 'must be a list of numbers (one weight per intermediate loop output)');
    if (weights.length > 0) return { loops: weights.length + 1, key: 'loop_loss_weights' };
  }
  return { loops: f.positiveInt('num_loops', { max: MAX.layers }), key: 'num_loops' };
}

/** LoopSplit's call order: the outer layers once, the middle block repeated (`_get_double_loop_split_layer_order`). */
function loopSplitOrder(
  f: Fields,
  n: number,
): { readonly order: number[]; readonly middle: number; readonly repeats: number } {
  let middle: number;
  if (f.has('loop_middle_layers') && f.raw('loop_middle_layers') !== null) {
    middle = f.positiveInt('loop_middle_layers', { max: MAX.layers });
    if (n % middle !== 0)
      f.fail('loop_middle_layers', `(${middle}) must be a factor of num_hidden_layers (${n})`);
  } else {
    if (n % 2 !== 0)
      f.fail(
        'num_hidden_layers',
        `(${n}) must be even for LoopSplit without loop_middle_layers (the middle block defaults to half the layers)`,
      );
    middle = n / 2;
  }
  const start = Math.floor((n - middle) / 2);
  const repeats = Math.floor((n + middle) / middle);
  const order = [
    ...repeatedPasses(start, 1),
    ...repeatedPasses(middle, repeats, start),
    ...repeatedPasses(n - start - middle, 1, start + middle),
  ];
  return { order, middle, repeats };
}

export const nanbeige: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, NANBEIGE_DEFAULTS);
  for (const [key, what] of REFUSED)
    if (f.bool(key, false))
      f.fail(key, `is true: Nanbeige's ${what} is not modelled; give a model spec (docs/model-spec.md)`);
  for (const key of ['emb_neighbor_num', 'insert_ngram_layer_idx'])
    if (f.raw(key) !== undefined && f.raw(key) !== null)
      f.fail(
        key,
        "is set: Nanbeige's hashed n-gram embeddings (extra embedding tables and their projections) are not modelled; give a model spec (docs/model-spec.md)",
      );

  const physical = decoder(f, name, {
    attention: { qkNorm: f.bool('qk_layernorm', false) ? 'per-head' : 'none' },
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
  });
  const n = physical.numLayers;
  const split = f.bool('enable_double_loop_split', false);
  let order: number[];
  let how: string;
  if (split) {
    const { order: splitOrder, middle, repeats } = loopSplitOrder(f, n);
    order = splitOrder;
    how = `LoopSplit: the middle ${middle} layers run ${repeats} times, the other ${n - middle} once`;
  } else {
    const { loops, key } = readLoops(f);
    order = repeatedPasses(n, loops);
    how = `${key === 'num_loops' ? `num_loops (${loops})` : `len(loop_loss_weights) + 1 (${loops})`} passes over the stack`;
  }
  if (order.length > MAX.layers)
    f.fail(
      split ? 'loop_middle_layers' : 'num_loops',
      `gives ${count(order.length)} layer calls, over ${count(MAX.layers)}`,
    );
  const layers: LayerSpec[] = loopedLayers(physical.layers, order);

  return {
    ...physical,
    numLayers: layers.length,
    layers,
    warnings: [
      `nanbeige: the ${n} layers are read unrolled as they run, ${how}, ${layers.length} layer calls in all; each layer's weights are counted at its first call and run by the later ones, whose compute, activations and KV cache are their own; ${f.bool('skip_loop_final_norm', false) ? 'the final norm runs after the last pass only (skip_loop_final_norm)' : 'the final norm also runs between passes (elementwise)'}`,
    ],
  };
};
