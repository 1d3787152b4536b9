/**
 * Zamba2 (`zamba2`, Zyphra Zamba2-1.2B / 2.7B / 7B): a Mamba-2 backbone with `num_mem_blocks`
 * shared transformer blocks called in turn by the "hybrid" layers. Shapes from transformers
 * `models/zamba2/modeling_zamba2.py` and `configuration_zamba2.py`:
 * - Zamba2MambaDecoderLayer (every layer): input_layernorm RMSNorm(h) and Zamba2MambaMixer — in_proj
 *   h → 2·d_in + 2·G·N + H (bias = add_bias_linear), depthwise conv1d over d_in + 2·G·N channels
 *   (its bias is built whatever `use_conv_bias` says), dt_bias, A_log and D (H each),
 *   Zamba2RMSNormGated(d_in), out_proj d_in → h; d_in = mamba_expand·h, H = n_mamba_heads, head
 *   d_in / H (`mamba_headdim` is derived), N = mamba_d_state, G = mamba_ngroups.
 * - Zamba2HybridLayer (`layers_block_type` "hybrid"): its own bias-free `linear` (h → h) on the
 *   output of a shared Zamba2AttentionDecoderLayer, added to the input of its Mamba layer.
 * - Zamba2AttentionDecoderLayer (`num_mem_blocks` of them, call c uses block c mod num_mem_blocks;
 *   blocks no layer calls are not built): input_layernorm RMSNorm(2h) over concat(hidden, embedding),
 *   Zamba2Attention — q/k/v from 2h to heads·d and kv_heads·d with d = 2h // heads
 *   (`attention_head_dim` is derived), o_proj heads·d → h, no biases, RoPE when `use_mem_rope` —,
 *   pre_ff_layernorm RMSNorm(h), Zamba2MLP: gate_up_proj h → 2·I and down_proj I → h (bias =
 *   add_bias_linear), gated `hidden_act`. Per call (in the block's adapter lists): a rank-r LoRA on
 *   gate_up_proj (h → r → 2·I, always built) and, with `use_shared_attention_adapter`, on q, k and v
 *   (2h → r → 2h each).
 * - Zamba2Model: embed_tokens (V × h), final_layernorm; Zamba2ForCausalLM's lm_head tied per
 *   `tie_word_embeddings` (default true).
 * The spec has one mixer per block, so a layer is read as blocks (as falcon-h1.ts does): Mamba-2;
 * before it, for a hybrid call, the per-call linear with its adapters folded into an MLP of the same
 * weights and FLOPs, and the call's shared block (attention, its 2h-wide
 * q/k/v input read as h-wide plus (q + 2·kv)/3 more MLP channels: same weights and FLOPs). Shared
 * weights are counted once, so the parameters are exact; the later calls of a shared block run its
 * weights (LayerSpec.reusesWeights): their compute, KV cache and activations are their own.
 */
import type { GqaAttention, LayerSpec, ModelSpec, StateSpaceSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { type Mamba2Keys, readMamba2 } from './nemotron-h.js';
import {
  baseSpec,
  type Common,
  type Family,
  HF_KEYS,
  readCommon,
  readKvHeads,
  withClassDefaults,
} from './readers.js';

/** Zamba2Config's `__init__` defaults that the shared readers lack (intermediate_size: 4·h, below). */
const ZAMBA2_DEFAULTS: Json = {
  mamba_d_state: 64,
  mamba_expand: 2,
  n_mamba_heads: 8,
  num_attention_heads: 32,
};

/** Zamba2Config's mixer names; the conv bias is overridden below (Zamba2MambaMixer always builds it). */
const ZAMBA2_MAMBA_KEYS: Mamba2Keys = {
  heads: 'n_mamba_heads',
  headDim: 'mamba_headdim',
  state: 'mamba_d_state',
  groups: 'mamba_ngroups',
  conv: 'mamba_d_conv',
  chunk: 'chunk_size',
  chunkDefault: 256,
  projBias: 'add_bias_linear',
  convBias: 'use_conv_bias',
};

/** Zamba2Config's default `layers_block_type` (54 layers, as Zamba2-2.7B). */
const DEFAULT_PATTERN: readonly ('mamba' | 'hybrid')[] = [
  'mamba',
  ...Array.from({ length: 7 }, () => [...Array<'mamba'>(5).fill('mamba'), 'hybrid' as const]).flat(),
  ...Array<'mamba'>(4).fill('mamba'),
  'hybrid',
  ...Array<'mamba'>(3).fill('mamba'),
  'hybrid',
  'mamba',
  'mamba',
];

/** `layers_block_type`: "mamba" or "hybrid" per layer; Zamba2Config's pattern when absent. */
function readBlockTypes(f: Fields, numLayers: number): readonly ('mamba' | 'hybrid')[] {
  const raw = f.raw('layers_block_type');
  if (Array.isArray(raw) && raw.some((t) => t === 'm' || t === 'g')) {
    f.fail(
      'layers_block_type',
      'uses the names of Zyphra\'s pre-transformers format ("m", "g"); transformers ≥ 4.48 reads "mamba" and "hybrid" (the Hub configs were re-saved with them)',
    );
  }
  const listed = f.enumList('layers_block_type', numLayers, ['mamba', 'hybrid'] as const);
  if (listed) return listed;
  if (numLayers !== DEFAULT_PATTERN.length) {
    f.fail(
      'layers_block_type',
      `is required: Zamba2Config's default pattern has ${DEFAULT_PATTERN.length} layers, num_hidden_layers is ${numLayers}`,
    );
  }
  return DEFAULT_PATTERN;
}

/** Zamba2Attention: heads of d = 2h // heads over the concatenated 2h input; checks the adapters' widths. */
function readAttention(f: Fields, hidden: number): GqaAttention {
  const numHeads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const numKvHeads = readKvHeads(f, numHeads);
  const headDim = Math.floor((2 * hidden) / numHeads);
  if (headDim === 0) f.fail('num_attention_heads', `(${numHeads}) exceeds 2 · hidden_size (${2 * hidden})`);
  if (f.bool('use_shared_attention_adapter', false)) {
    // The q/k/v adapters add 2h-wide outputs to q_proj, k_proj and v_proj.
    if (numHeads * headDim !== 2 * hidden)
      f.fail(
        'num_attention_heads',
        `(${numHeads}) must divide 2 · hidden_size (${2 * hidden}) with use_shared_attention_adapter`,
      );
    if (numKvHeads !== numHeads)
      f.fail(
        'num_key_value_heads',
        `(${numKvHeads}) must equal num_attention_heads (${numHeads}) with use_shared_attention_adapter: its k and v adapters output 2 · hidden_size`,
      );
  }
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads,
    headDim,
    qkvBias: false,
    outputBias: false,
    qkNorm: 'none',
    sinks: false,
  };
}

/** `numerator / 3h` as whole gated-MLP channels (3·h weights each) and the weights left over. */
function asMlpChannels(numerator: number, hidden: number): { readonly width: number; readonly rest: number } {
  const width = Math.floor(numerator / (3 * hidden));
  return { width, rest: numerator - 3 * hidden * width };
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The spec of a Zamba model read as blocks (zamba.ts, zamba2.ts): each decoder layer's
 * input_layernorm one RMSNorm a block (the shared blocks' three h-wide norm weights — input_layernorm
 * over 2h, pre_ff_layernorm — and the linear's none are per-block `norms`), embeddings tied unless
 * said, GELU unless said.
 */
export function zambaSpec(
  g: Fields,
  common: Common,
  parts: {
    readonly attention: GqaAttention;
    readonly intermediate: number;
    readonly layers: LayerSpec[];
    readonly stateSpace: StateSpaceSpec;
    readonly warnings: string[];
  },
): ModelSpec {
  return {
    ...baseSpec(g, common, {
      attention: parts.attention,
      mlp: { intermediateSize: parts.intermediate, gated: true, bias: false },
      layers: parts.layers,
    }),
    tieWordEmbeddings: g.bool('tie_word_embeddings', true),
    norm: { kind: 'rmsnorm', perLayer: 1 },
    stateSpace: parts.stateSpace,
    activation: g.string('hidden_act', 'gelu'),
    warnings: parts.warnings,
  };
}

export const zamba2: Family = (top, name) => {
  const f = withClassDefaults(top, ZAMBA2_DEFAULTS);
  const numLayers = f.positiveInt('num_hidden_layers', { max: Math.floor(MAX.layers / 3) });
  const types = readBlockTypes(f, numLayers);
  const hidden = f.positiveInt('hidden_size', { max: MAX.hidden });
  const attention = readAttention(f, hidden);
  const intermediate = f.positiveInt('intermediate_size', { fallback: 4 * hidden, max: MAX.intermediate });
  const rank = f.positiveInt('adapter_rank', { fallback: 128, max: MAX.hidden });
  const attentionAdapters = f.bool('use_shared_attention_adapter', false);
  const memBlocks = f.positiveInt('num_mem_blocks', { fallback: 1, max: MAX.layers });

  // Zamba2MambaMixer: d_in = mamba_expand · h, head = d_in / n_mamba_heads (Zamba2Config derives it).
  const inner = f.positiveInt('mamba_expand', { max: 64 }) * hidden;
  if (inner > MAX.intermediate)
    f.fail('mamba_expand', `× hidden_size gives ${inner} channels, above ${MAX.intermediate}`);
  const mambaHeads = f.positiveInt('n_mamba_heads', { max: MAX.heads });
  if (inner % mambaHeads !== 0)
    f.fail('n_mamba_heads', `(${mambaHeads}) must divide mamba_expand · hidden_size (${inner})`);
  const mamba = { ...readMamba2(f, ZAMBA2_MAMBA_KEYS, inner / mambaHeads), convBias: true };

  // The shared block's q/k/v read 2h: the second h of their input as gated-MLP channels.
  const qWidth = attention.numHeads * attention.headDim;
  const kvWidth = attention.numKvHeads * attention.headDim;
  const widen = asMlpChannels(hidden * (qWidth + 2 * kvWidth), hidden);
  // Per call: the gate_up_proj LoRA (h·r + r·2I) and the q/k/v LoRAs (3 · (2h·r + r·2h)).
  const adapters = asMlpChannels(
    rank * (hidden + 2 * intermediate) + (attentionAdapters ? 12 * hidden * rank : 0),
    hidden,
  );

  const calls = types.filter((t) => t === 'hybrid').length;
  const built = Math.min(memBlocks, calls);
  const layers: LayerSpec[] = [];
  // The index of each shared block's first call: the layer that holds its weights.
  const owners: number[] = [];
  let call = 0;
  for (const type of types) {
    if (type === 'hybrid') {
      // The shared block of this call (call c runs block c mod num_mem_blocks): its weights at its
      // first call, reused at the later ones.
      if (call < built) owners.push(layers.length);
      layers.push({
        attention: 'full',
        mlp: 'dense',
        intermediateSize: intermediate + widen.width,
        norms: 3,
        ...(call >= built ? { reusesWeights: owners[call % built]! } : {}),
      });
      layers.push(
        adapters.width > 0
          ? { attention: 'projection', mlp: 'dense', intermediateSize: adapters.width, norms: 0 }
          : { attention: 'projection', mlp: 'none', norms: 0 },
      );
      call += 1;
    }
    layers.push({ attention: 'mamba', mlp: 'none' });
  }

  const longContext = f.bool('use_long_context', false);
  const g = f.with({
    num_hidden_layers: layers.length,
    // Zamba2Config: use_long_context sets max_position_embeddings to 16384.
    ...(longContext ? { max_position_embeddings: 16_384 } : {}),
  });
  const common = readCommon(g, name, { ...HF_KEYS, defaultPositions: 4096 });

  const warnings: string[] = [
    `zamba2: each of the ${numLayers} layers is read as blocks, ${layers.length} in all — Mamba-2 (RMSNorm and mixer); before it, on the ${calls} hybrid layers, the per-call ${hidden}×${hidden} linear with its rank-${rank} LoRA adapters as an MLP of width ${adapters.width}, and the call's shared attention + MLP block (its weights counted at the first call of each of the ${built} shared blocks, reused by the other ${calls - built} calls, whose compute, activations and KV cache are their own), its 2·hidden_size-wide q/k/v input read as hidden_size-wide plus ${widen.width} MLP channels (same weights and matmul FLOPs; per-component breakdowns, LoRA targets and pipeline splits follow the blocks)`,
  ];
  if (widen.rest + adapters.rest > 0)
    warnings.push(
      `zamba2: ${count(built * widen.rest + calls * adapters.rest)} parameters (q/k/v input or LoRA weights not a whole number of MLP channels) are not counted`,
    );
  const addBias = f.bool('add_bias_linear', false);
  if (addBias && built > 0)
    warnings.push(
      `zamba2: add_bias_linear — the shared MLPs' biases (${count(built * (2 * intermediate + hidden))} parameters) are not counted; the Mamba in_proj and out_proj biases are`,
    );

  return zambaSpec(g, common, { attention, intermediate, layers, stateSpace: mamba, warnings });
};
