/**
 * PLaMo 3 (`plamo3`: pfnet/plamo-3-nict-2b-base, -8b-base, -31b-base and their successors), Preferred
 * Networks' dense decoder. Shapes from vLLM `vllm/model_executor/models/plamo3.py` and the ports that
 * rebuild the Hub remote code module by module (SGLang, mlx-lm, candle, llama.cpp): Plamo3AttentionMixer
 * with one qkv_proj (no bias), per-head q and k RMSNorms of `head_dim`, o_proj; Plamo3DecoderLayer with
 * four RMSNorms (pre_mixer_norm, post_mixer_norm, pre_mlp_norm, post_mlp_norm); DenseMLP gate_up_proj
 * (h → 2·I) and down_proj, no bias; a final norm; lm_head tied by default. Layer i attends to everything
 * when (i + 1) % `sliding_window_pattern` is 0 (Plamo3Config `is_full_attn`) and to the last
 * `window_size` tokens otherwise; `sliding_window` (an int, or the per-layer list vLLM writes) is its
 * legacy name. The norm weights' offsets (+1, +1/5, +1/5^1.5 on load) change values, not counts.
 */
import type { ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { fused } from './fused-projections.js';
import { decoder, type Family, readLayerTypes, type SlidingLayout, withClassDefaults } from './readers.js';

/**
 * Plamo3Config's class defaults (the Hub configuration_plamo3.py as stored copies carry it: window_size
 * 128 there, 2048 in SGLang's older copy; released configs give their own).
 */
const PLAMO3_DEFAULTS: Json = {
  hidden_size: 4096,
  num_hidden_layers: 32,
  tie_word_embeddings: true,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  head_dim: 128,
  max_position_embeddings: 2048,
  sliding_window_pattern: 8,
  intermediate_size: 13_312,
  vocab_size: 32_000,
};

/** Plamo3Config's `window_size` default in the current configuration_plamo3.py (2048 in SGLang's older copy). */
const DEFAULT_WINDOW = 128;

/** `window_size`, else the legacy `sliding_window` (an int, or a per-layer list of windows and nulls). */
function readWindow(f: Fields): number {
  if (f.raw('window_size') !== undefined && f.raw('window_size') !== null)
    return f.positiveInt('window_size', { max: MAX.positions });
  const legacy = f.raw('sliding_window');
  if (Array.isArray(legacy)) {
    const windows = legacy.filter((w) => w !== null);
    if (!windows.every((w) => Number.isInteger(w) && (w as number) > 0))
      f.fail('sliding_window', 'as a list must hold positive window sizes or null (full attention)');
    if (windows.length > 0) return windows[0] as number;
  } else if (legacy !== undefined && legacy !== null) {
    return f.positiveInt('sliding_window', { max: MAX.positions });
  }
  return DEFAULT_WINDOW;
}

function plamo3Layout(f: Fields, n: number): SlidingLayout {
  const window = readWindow(f);
  const types = readLayerTypes(f, n);
  if (types) return { window, kinds: types };
  const pattern = f.positiveInt('sliding_window_pattern', { max: MAX.layers });
  return {
    window,
    kinds: Array.from({ length: n }, (_, i) => ((i + 1) % pattern === 0 ? 'full' : 'sliding')),
  };
}

export const plamo3: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, PLAMO3_DEFAULTS);
  const spec = decoder(f, name, {
    attention: { qkvBias: false, outputBias: false, qkNorm: 'per-head' },
    layout: plamo3Layout,
  });
  const given = (key: string) => f.raw(key) !== undefined && f.raw(key) !== null;
  const windowUnstated = !given('window_size') && !given('sliding_window') && spec.slidingWindow !== null;
  return {
    ...fused(spec, { qkv: true, gateUp: true }),
    // pre_mixer_norm, post_mixer_norm, pre_mlp_norm, post_mlp_norm.
    norm: { kind: 'rmsnorm', perLayer: 4 },
    ...(windowUnstated && {
      warnings: [
        `plamo3: the config gives no window_size (or sliding_window): the class default is read, ${spec.slidingWindow} tokens as the current configuration_plamo3.py has it — an older copy has 2048; a different window changes the sliding layers' KV cache and attention, not the parameters`,
      ],
    }),
  };
};
