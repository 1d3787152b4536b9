/**
 * MiniMax-Text-01 and MiniMax-M1 (`minimax`, transformers `models/minimax/modular_minimax.py`; the
 * checkpoints' own files, `minimax_text_01` and `minimax_m1`, with their remote code
 * `modeling_minimax_text_01.py` / `modeling_minimax_m1.py`, which vLLM serves as one class,
 * MiniMaxText01ForCausalLM): every layer is Mixtral's decoder layer —
 * input_layernorm, a token mixer, post_attention_layernorm, a top-k MoE of `num_local_experts`
 * SwiGLU experts of `intermediate_size` behind a bias-free router — whose mixer is Mixtral's GQA
 * attention (q/k/v/o without bias, RoPE) on `full_attention` layers and MiniMaxLightningAttention on
 * `linear_attention` layers: qkv_proj (h → 3·H·d) and SiLU, linear attention with a fixed decay per
 * head (blocks of `block_size`), a d × d state per head, RMSNorm(H·d), a sigmoid output_gate
 * (h → H·d) and out_proj (H·d → h), all bias-free (`projections: 'lightning'`). The residual α/β
 * factors are scalars and the decay rates buffers: no parameters. The layer kinds come from
 * `layer_types` (the Hugging Face format), else the remote code's `attn_type_list` (1 = softmax,
 * 0 = lightning), else MiniMaxConfig's default (softmax on even layers, lightning on odd ones).
 */
import type { GatedDeltaNetSpec, LayerMixer } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { decoder, type Family, HF_KEYS, readHeadDim, readLayerTypes, withClassDefaults } from './readers.js';

/** MiniMaxConfig's `__init__` defaults that the shared readers lack or set otherwise. */
const MINIMAX_DEFAULTS: Json = {
  num_key_value_heads: 8,
  num_local_experts: 8,
  num_experts_per_tok: 2,
};

/** The remote code's `attn_type_list`: one 0 (lightning) or 1 (softmax) per layer; null when absent. */
function readAttnTypeList(f: Fields, numLayers: number): LayerMixer[] | null {
  if (!f.has('attn_type_list')) return null;
  const list = f.intList('attn_type_list', 1);
  if (list.length !== numLayers)
    f.fail('attn_type_list', `must list one entry per layer (${numLayers}), got ${list.length}`);
  return list.map((v) => (v === 1 ? 'full' : 'linear'));
}

/** `layer_types`, else `attn_type_list` (both given: they must agree), else MiniMaxConfig's alternation. */
function readMixers(f: Fields, numLayers: number): LayerMixer[] {
  const types = readLayerTypes(f, numLayers, ['full_attention', 'linear_attention']);
  const list = readAttnTypeList(f, numLayers);
  const differs = types && list ? types.findIndex((t, i) => t !== list[i]) : -1;
  if (differs >= 0) f.fail('attn_type_list', `disagrees with layer_types at layer ${differs}`);
  return (
    types ??
    list ??
    Array.from({ length: numLayers }, (_, i): LayerMixer => ((i + 1) % 2 === 1 ? 'full' : 'linear'))
  );
}

/**
 * The remote code's shared expert (`shared_intermediate_size` > 0: shared_mlp with a coefficient
 * gate) is not built by transformers' MiniMax and by no released checkpoint (0): refused, not dropped.
 */
function refuseSharedExpert(f: Fields): void {
  const value = f.raw('shared_intermediate_size');
  if (value === undefined || value === null) return;
  if ((Array.isArray(value) ? value : [value]).every((v) => v === 0)) return;
  f.fail(
    'shared_intermediate_size',
    `must be 0 (no shared expert: transformers' MiniMax builds none, and llmecon does not read the remote code's shared_mlp), got ${shown(value)}`,
  );
}

/** MiniMaxLightningAttention: H = num_attention_heads heads of head_dim (default hidden / heads). */
function readLightning(f: Fields): GatedDeltaNetSpec {
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const headDim = readHeadDim(f);
  return {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: headDim,
    valueHeadDim: headDim,
    convKernel: 0,
    // MiniMaxConfig.block_size (default 256): the intra/inter-block split of the chunked form.
    chunkTokens: f.positiveInt('block_size', { fallback: 256, max: MAX.positions }),
    // MiniMaxCache keeps the state at the activations' dtype (`.to(value_states)`), vLLM at the
    // model's (MambaStateDtypeCalculator.linear_attention_state_dtype): BF16.
    stateBytesPerElement: 2,
    projections: 'lightning',
  };
}

export const minimax: Family = (top, name) => {
  // MiniMaxConfig.attribute_map: num_experts → num_local_experts.
  const renamed =
    !top.has('num_local_experts') && top.has('num_experts')
      ? top.with({ num_local_experts: top.raw('num_experts') })
      : top;
  const f = withClassDefaults(renamed, MINIMAX_DEFAULTS);
  refuseSharedExpert(f);
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mixers = readMixers(f, numLayers);
  // MixtralAttention passes `sliding_window` to every softmax layer (null in the releases).
  const window = f.optionalPositiveInt('sliding_window', MAX.positions);
  const spec = decoder(f, name, {
    // MiniMaxConfig: max_position_embeddings defaults to 4096 · 32.
    keys: { ...HF_KEYS, defaultPositions: 131_072 },
    attention: { qkvBias: false, outputBias: false },
    layout: () => ({ window, kinds: mixers.map((m) => (m === 'full' && window !== null ? 'sliding' : m)) }),
    layerMlp: 'moe',
    moe: { experts: 'num_local_experts', expertSize: 'intermediate_size' },
  });
  return { ...spec, linearAttention: mixers.includes('linear') ? readLightning(f) : null };
};
