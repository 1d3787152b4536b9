/**
 * Nemotron-NAS (`nemotron-nas`, DeciLM: Llama-3.3-Nemotron-Super-49B, Llama-3.1-Nemotron-Ultra-253B,
 * Llama-3.1-Nemotron-51B): a Llama derived by neural architecture search, whose `block_configs` give
 * each layer its own attention and FFN (Hugging Face remote code `modeling_decilm.py` /
 * `block_config.py`; vLLM `models/nemotron_nas.py` DeciLMDecoderLayer):
 * - attention: GQA with `num_attention_heads / n_heads_in_group` KV heads, `no_op` (no attention, no
 *   input_layernorm) or `replace_with_linear` (one bias-free hidden×hidden Linear after the norm);
 * - ffn: a SwiGLU MLP of `_ffn_mult_to_intermediate_size(ffn_mult)`, `no_op` (no MLP, no
 *   post_attention_layernorm) or `replace_with_linear` (one bias-free hidden×hidden Linear).
 * Sink attention and `sparsify` are refused by name; so are sub-blocks this reader does not know.
 */
import type { LayerMixer, LayerMlp, LayerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { baseSpec, type Family, readCommon, readGqa } from './readers.js';

/**
 * DeciLM's `_ffn_mult_to_intermediate_size` (modeling_decilm.py; vLLM nemotron_nas.py):
 * int(2·ffn_mult·h/3) rounded up to a multiple of 256. `BlockConfig` first rounds ffn_mult to 6
 * decimals (block_config.py FFNConfig.__post_init__).
 */
export function ffnMultToIntermediateSize(ffnMult: number, hiddenSize: number): number {
  const mult = Number(ffnMult.toFixed(6));
  const size = Math.trunc((2 * mult * hiddenSize) / 3);
  return size % 256 === 0 ? size : size + 256 - (size % 256);
}

/** Keys of a block's attention and ffn sub-configs this reader models (block_config.py, vLLM). */
const ATTENTION_KEYS = new Set([
  'no_op',
  'replace_with_linear',
  'n_heads_in_group',
  'num_key_value_heads',
  'window_length',
  'num_sink_tokens',
  'use_prefill_window_in_sink_attention',
  'unshifted_sink',
  'sparsify',
]);
const FFN_KEYS = new Set([
  'no_op',
  'replace_with_linear',
  'ffn_mult',
  'intermediate_size',
  'sparsify',
  'hidden_act',
]);

interface Block {
  readonly attention: LayerMixer;
  /** KV heads of a GQA attention sub-block; null without one. */
  readonly kvHeads: number | null;
  readonly window: number | null;
  readonly mlp: LayerMlp;
  /** Intermediate size of a SwiGLU FFN; null without one. */
  readonly intermediateSize: number | null;
}

/** A set key this reader does not model, named so that it is never silently ignored. */
function refuseUnknown(f: Fields, known: ReadonlySet<string>, where: string): void {
  for (const key of f.keys()) {
    if (!known.has(key) && f.raw(key) !== false)
      f.fail(
        key,
        `is not supported in a nemotron-nas ${where} sub-block (supported: ${[...known].join(', ')})`,
      );
  }
}

/** The no_op / replace_with_linear flags of a sub-block; both set is an error, as in SubblockConfig. */
function subBlockKind(f: Fields): 'no_op' | 'linear' | 'block' {
  const noOp = f.bool('no_op', false);
  const linear = f.bool('replace_with_linear', false);
  if (noOp && linear) f.fail('replace_with_linear', 'cannot be true together with no_op');
  if (f.has('sparsify'))
    f.fail('sparsify', 'is not supported: sparsified sub-blocks are not modelled (expected null)');
  return noOp ? 'no_op' : linear ? 'linear' : 'block';
}

function readAttentionBlock(f: Fields, heads: number): Pick<Block, 'attention' | 'kvHeads' | 'window'> {
  refuseUnknown(f, ATTENTION_KEYS, 'attention');
  const kind = subBlockKind(f);
  if (kind === 'no_op') return { attention: 'none', kvHeads: null, window: null };
  if (kind === 'linear') return { attention: 'projection', kvHeads: null, window: null };
  if (f.has('num_sink_tokens') || f.bool('unshifted_sink', false))
    f.fail(
      f.has('num_sink_tokens') ? 'num_sink_tokens' : 'unshifted_sink',
      'is not supported: sink attention is not modelled (expected null / false)',
    );
  let kvHeads: number;
  if (f.has('num_key_value_heads') && !f.has('n_heads_in_group')) {
    kvHeads = f.positiveInt('num_key_value_heads', { max: MAX.heads });
    if (heads % kvHeads !== 0)
      f.fail('num_key_value_heads', `(${kvHeads}) must divide num_attention_heads (${heads})`);
  } else {
    // DeciLMAttention: num_key_value_heads = num_attention_heads // n_heads_in_group.
    const group = f.positiveInt('n_heads_in_group', { max: MAX.heads });
    if (heads % group !== 0)
      f.fail('n_heads_in_group', `(${group}) must divide num_attention_heads (${heads})`);
    kvHeads = heads / group;
  }
  const window = f.optionalPositiveInt('window_length', MAX.positions);
  return { attention: window === null ? 'full' : 'sliding', kvHeads, window };
}

function readFfnBlock(f: Fields, hidden: number): Pick<Block, 'mlp' | 'intermediateSize'> {
  refuseUnknown(f, FFN_KEYS, 'ffn');
  const kind = subBlockKind(f);
  if (kind === 'no_op') return { mlp: 'none', intermediateSize: null };
  if (kind === 'linear') return { mlp: 'projection', intermediateSize: null };
  // vLLM DeciLMDecoderLayer: ffn_mult when present, else the block's intermediate_size.
  const intermediateSize =
    f.has('ffn_mult') || !f.has('intermediate_size')
      ? ffnMultToIntermediateSize(f.positiveNumber('ffn_mult', 1000), hidden)
      : f.positiveInt('intermediate_size', { max: MAX.intermediate });
  return { mlp: 'dense', intermediateSize };
}

/** The most common value, ties to the larger (the model-wide size; layers that differ carry their own). */
function modal(values: readonly number[]): number | null {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | null = null;
  for (const [v, n] of counts) {
    const bestCount = best === null ? 0 : counts.get(best)!;
    if (n > bestCount || (n === bestCount && v > best!)) best = v;
  }
  return best;
}

export const nemotronNas: Family = (f, name) => {
  const c = readCommon(f, name);
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const blocks: Block[] = f.objectList('block_configs', c.numLayers).map((b) => {
    const attention = b.child('attention') ?? b.fail('attention', 'must be an object (missing)');
    const ffn = b.child('ffn') ?? b.fail('ffn', 'must be an object (missing)');
    return { ...readAttentionBlock(attention, heads), ...readFfnBlock(ffn, c.hiddenSize) };
  });
  const windows = new Set(blocks.flatMap((b) => (b.window === null ? [] : [b.window])));
  if (windows.size > 1)
    f.fail(
      'block_configs',
      `sets ${windows.size} different attention window_length values (${[...windows].join(', ')}); one window per model is supported`,
    );
  // The model-wide sizes are the most common ones; layers that differ carry their own (layerView).
  const kvHeads = modal(blocks.flatMap((b) => (b.kvHeads === null ? [] : [b.kvHeads]))) ?? heads;
  const intermediate = modal(
    blocks.flatMap((b) => (b.intermediateSize === null ? [] : [b.intermediateSize])),
  );
  const attention = { ...readGqa(f.with({ num_key_value_heads: heads })), numKvHeads: kvHeads };
  const layers = blocks.map((b): LayerSpec => {
    // DeciLMDecoderLayer: input_layernorm unless the attention is a no-op, post_attention_layernorm
    // unless the FFN is.
    const norms = (b.attention === 'none' ? 0 : 1) + (b.mlp === 'none' ? 0 : 1);
    return {
      attention: b.attention,
      mlp: b.mlp,
      ...(b.kvHeads !== null && b.kvHeads !== kvHeads ? { numKvHeads: b.kvHeads } : {}),
      ...(b.intermediateSize !== null && b.intermediateSize !== intermediate
        ? { intermediateSize: b.intermediateSize }
        : {}),
      ...(norms === 2 ? {} : { norms }),
    };
  });
  return {
    ...baseSpec(f, c, {
      attention,
      // LlamaMLP: gate, up and down projections with bias = mlp_bias.
      mlp: { intermediateSize: intermediate ?? 0, gated: true, bias: f.bool('mlp_bias', false) },
      layers,
    }),
    slidingWindow: windows.size === 1 ? [...windows][0]! : null,
  };
};
