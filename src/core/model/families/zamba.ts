/**
 * Zamba (`zamba`, Zyphra Zamba-7B-v1): a Mamba-1 backbone with one shared transformer block run by
 * the "hybrid" layers. Shapes from transformers `models/zamba/modeling_zamba.py` and
 * `configuration_zamba.py`:
 * - ZambaMambaDecoderLayer (every layer): input_layernorm RMSNorm(h) and ZambaMambaMixer, Mamba-1
 *   split into `n_mamba_heads` heads of d_in / H channels, each scanned on its own: in_proj
 *   h → 2·d_in (bias = mamba_proj_bias), depthwise conv1d over d_in (bias = mamba_conv_bias),
 *   x_proj_weight [H, R + 2N, d_in/H], dt_proj_weight [H, d_in/H, R] and dt_proj_bias [H, d_in/H],
 *   A_log [H, d_in/H, N], D [H, d_in/H], out_proj d_in → h; d_in = mamba_expand·h, R = mamba_dt_rank
 *   ("auto" = ⌈h / 16⌉), N = mamba_d_state. Per head it is MambaMixer's x_proj and dt_proj, so the
 *   weights, FLOPs and state (ssm_states [H, d_in/H, N]) are Mamba-1's over d_in channels; only B and
 *   C are per head (2N·H values a token, not 2N).
 * - ZambaHybridLayer (`layers_block_type` "hybrid"): its own bias-free `linear` (h → h) on the output
 *   of the shared ZambaAttentionDecoderLayer, added to the input of its Mamba layer.
 * - ZambaAttentionDecoderLayer (one, built in ZambaModel and tied into every hybrid layer):
 *   input_layernorm RMSNorm(2h) over concat(hidden, embedding), ZambaAttention — q/k/v from
 *   attention_hidden_size (2h) to heads·d and kv_heads·d, d = attention_head_dim (default
 *   2h // heads), o_proj heads·d → h, no biases, no positional encoding —, pre_ff_layernorm
 *   RMSNorm(h), ZambaMLP: gate_proj and up_proj h → I, down_proj I → h, no biases, gated `hidden_act`.
 * - ZambaModel: embed_tokens (V × h), final_layernorm; ZambaForCausalLM's lm_head tied per
 *   `tie_word_embeddings` (default true).
 * The spec has one mixer per block, so a layer is read as blocks (as zamba2.ts does): Mamba-1;
 * before it, for a hybrid layer, the per-call linear (a `projection` block) and the call of the
 * shared block (attention, its 2h-wide q/k/v input read as h-wide plus (q + 2·kv)/3 more MLP
 * channels: same weights and FLOPs). The shared weights are counted at the first call; the later
 * calls run them (LayerSpec.reusesWeights), with their own compute, activations and KV cache.
 */
import type { GqaAttention, LayerSpec, StateSpaceSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { JAMBA_KEYS, readMamba1 } from './mamba.js';
import { type Family, HF_KEYS, readCommon, readKvHeads, withClassDefaults } from './readers.js';
import { zambaSpec } from './zamba2.js';

/** ZambaConfig's `__init__` defaults (Zamba-7B-v1's shape); save_pretrained leaves out keys equal to them. */
const ZAMBA_DEFAULTS: Json = {
  vocab_size: 32_000,
  hidden_size: 3712,
  intermediate_size: 14_848,
  num_hidden_layers: 76,
  num_attention_heads: 16,
  num_key_value_heads: 16,
  n_mamba_heads: 2,
  hidden_act: 'gelu',
  max_position_embeddings: 4096,
  attn_layer_period: 6,
  attn_layer_offset: 4,
  mamba_d_state: 16,
  mamba_d_conv: 4,
  mamba_expand: 2,
  mamba_conv_bias: true,
  mamba_proj_bias: false,
  tie_word_embeddings: true,
};

/**
 * `layers_block_type` when listed, else ZambaConfig._layers_block_type: "mamba", "mamba", "hybrid",
 * then "hybrid" where (i − 3) % attn_layer_period == attn_layer_offset.
 */
function readBlockTypes(f: Fields, numLayers: number): readonly ('mamba' | 'hybrid')[] {
  const listed = f.enumList('layers_block_type', numLayers, ['mamba', 'hybrid'] as const);
  if (listed) return listed;
  if (numLayers < 3)
    f.fail(
      'num_hidden_layers',
      `(${numLayers}) must be at least 3 without layers_block_type: ZambaConfig's pattern starts "mamba", "mamba", "hybrid"`,
    );
  const period = f.positiveInt('attn_layer_period', { max: MAX.layers });
  const offset = f.int('attn_layer_offset', { max: MAX.layers });
  return Array.from({ length: numLayers }, (_, i) =>
    i < 3 ? (i === 2 ? 'hybrid' : 'mamba') : (i - 3) % period === offset ? 'hybrid' : 'mamba',
  );
}

/** ZambaAttention: heads of `attention_head_dim` over the 2h-wide concatenated input. */
function readAttention(f: Fields, hidden: number): GqaAttention {
  const width = f.positiveInt('attention_hidden_size', { fallback: 2 * hidden, max: 2 * MAX.hidden });
  if (width !== 2 * hidden)
    f.fail(
      'attention_hidden_size',
      `(${width}) must be 2 · hidden_size (${2 * hidden}): the shared block's input is concat(hidden, embedding)`,
    );
  const numHeads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const numKvHeads = readKvHeads(f, numHeads);
  const fallback = Math.floor((2 * hidden) / numHeads);
  if (fallback === 0 && !f.has('attention_head_dim'))
    f.fail('num_attention_heads', `(${numHeads}) exceeds 2 · hidden_size (${2 * hidden})`);
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads,
    headDim: f.positiveInt('attention_head_dim', { fallback, max: MAX.headDim }),
    qkvBias: false,
    outputBias: false,
    qkNorm: 'none',
    sinks: false,
  };
}

/** ZambaMambaMixer as Mamba-1 over d_in channels (its heads split them without changing a count). */
function readMixer(f: Fields, hidden: number, heads: number): StateSpaceSpec {
  const mixer = readMamba1(f, hidden, JAMBA_KEYS, false);
  if (mixer.numHeads % heads !== 0)
    f.fail('n_mamba_heads', `(${heads}) must divide mamba_expand · hidden_size (${mixer.numHeads})`);
  // ZambaHybridDynamicCache holds conv_states and ssm_states in the model's dtype.
  return { ...mixer, stateBytesPerElement: 2 };
}

const count = (n: number): string => n.toLocaleString('en-US');

export const zamba: Family = (top, name) => {
  const f = withClassDefaults(top, ZAMBA_DEFAULTS);
  const numLayers = f.positiveInt('num_hidden_layers', { max: Math.floor(MAX.layers / 3) });
  const types = readBlockTypes(f, numLayers);
  const hidden = f.positiveInt('hidden_size', { max: MAX.hidden });
  const attention = readAttention(f, hidden);
  const intermediate = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const mambaHeads = f.positiveInt('n_mamba_heads', { max: MAX.heads });
  const stateSpace = readMixer(f, hidden, mambaHeads);

  // The q/k/v read 2h: the second h of their input as gated-MLP channels (3·h weights each).
  const qkvOut = (attention.numHeads + 2 * attention.numKvHeads) * attention.headDim;
  const widen = Math.floor(qkvOut / 3);
  const rest = hidden * (qkvOut - 3 * widen);

  const layers: LayerSpec[] = [];
  let owner: number | undefined;
  for (const type of types) {
    if (type === 'hybrid') {
      // The shared block: its weights at the first call, reused by the later ones.
      layers.push({
        attention: 'full',
        mlp: 'dense',
        intermediateSize: intermediate + widen,
        norms: 3,
        ...(owner === undefined ? {} : { reusesWeights: owner }),
      });
      owner ??= layers.length - 1;
      layers.push({ attention: 'projection', mlp: 'none', norms: 0 });
    }
    layers.push({ attention: 'mamba', mlp: 'none' });
  }
  const calls = types.filter((t) => t === 'hybrid').length;

  const g = f.with({ num_hidden_layers: layers.length });
  const common = readCommon(g, name, { ...HF_KEYS, defaultPositions: 4096 });

  const warnings: string[] = [
    `zamba: each of the ${numLayers} layers is read as blocks, ${layers.length} in all — Mamba-1 (RMSNorm and mixer; its ${mambaHeads} heads split the channels with Mamba-1's weights and FLOPs); before it, on the ${calls} hybrid layers, the per-call ${hidden}×${hidden} linear and the call of the one shared attention + MLP block (its weights counted at the first call, reused by the other ${Math.max(calls - 1, 0)}, whose compute, activations and KV cache are their own), its 2·hidden_size-wide q/k/v input read as hidden_size-wide plus ${widen} MLP channels (same weights and matmul FLOPs; per-component breakdowns, LoRA targets and pipeline splits follow the blocks)`,
  ];
  if (rest > 0 && calls > 0)
    warnings.push(
      `zamba: ${count(rest)} parameters (q/k/v input weights not a whole number of MLP channels) are not counted`,
    );
  if (calls === 0) {
    // input_layernorm (2h), q/k/v (2h in), o_proj, pre_ff_layernorm, the gated MLP.
    const block =
      3 * hidden +
      2 * hidden * qkvOut +
      attention.numHeads * attention.headDim * hidden +
      3 * hidden * intermediate;
    warnings.push(
      `zamba: no layer is "hybrid": the shared block ZambaModel still builds (${count(block)} parameters) runs nowhere and is not counted`,
    );
  }

  return zambaSpec(g, common, { attention, intermediate, layers, stateSpace, warnings });
};
