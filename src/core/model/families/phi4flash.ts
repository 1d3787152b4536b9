/**
 * Phi-4-mini-flash-reasoning (`phi4flash`, microsoft/Phi-4-mini-flash-reasoning, 2025-07): SambaY, the
 * decoder-hybrid-decoder of arXiv:2507.06607. Shapes from the checkpoint's remote code
 * `modeling_phi4flash.py` and `configuration_phi4flash.py` (stored copy: franciskamande-ai/cloned_models,
 * Phi-4-mini-flash-reasoning/), checked against vLLM `vllm/model_executor/models/phi4flash.py`
 * (vllm-project/vllm 03356f8c; vLLM dropped the model in 0.10.2):
 * - Layout (SambaYDecoderLayer, which asserts L % 4 == 0): layer i runs Phi3Mamba when
 *   i % mb_per_layer == 0, else SambaYFlashAttention2; SambaYCache and Phi4FlashConfig's per-layer
 *   `sliding_window` list assume Mamba on even and attention on odd layers, so mb_per_layer must be 2.
 *   Self-decoder i < L/2: Mamba, and attention over the last `sliding_window` tokens (flash window
 *   w − 1 back). Layer L/2: Mamba whose scan output before its gate is the memory the GMUs read
 *   (yoco_kv). Layer L/2 + 1: full attention, the one KV cache the cross-decoder reuses (SambaYCache
 *   global_attn_idx; vLLM kv_sharing_target_layer_name). Cross-decoder i ≥ L/2 + 2 (yoco_cross): a GMU
 *   on even layers; on odd ones full attention with queries only over layer L/2 + 1's keys and values
 *   (`kvShared`: no k/v projections, no cache of its own).
 * - Phi3Mamba (Mamba-1): in_proj h → 2·D, depthwise conv1d of mamba_d_conv with bias, x_proj
 *   D → R + 2·N, dt_proj R → D with bias, A_log D × N, D (D), out_proj D → h, no norm; D =
 *   mamba_expand·h. SambaYDecoderLayer passes only d_conv, d_state and expand, so R = ⌈h / 16⌉ ("auto"),
 *   the conv has a bias and the projections none, whatever mamba_dt_rank, mamba_conv_bias and
 *   mamba_proj_bias say: a config asking otherwise is refused (`refuseUnread`).
 * - GMU (Phi3Mamba with yoco_cross): in_proj h → D, SiLU(in_proj x) ⊙ memory, out_proj D → h, no bias
 *   and no state: the layer's `extras` (two per-token GEMMs), its mixer 'none'.
 * - SambaYFlashAttention2: Wqkv h → (H + 2K)·d with bias (h → H·d on cross layers), out_proj H·d → h
 *   with bias, d = h / H (`head_dim` is not read), no positional encoding. FlashDiffCustomAttention is
 *   differential attention over head pairs (H and K even): lambda_q1, lambda_k1, lambda_q2, lambda_k2
 *   (d each) and subln, an RMSNorm of 2·d with weight: 6·d parameters, the layer's `extras`.
 * - SambaYMLP: fc1 h → 2·I (gate and up fused), fc2 I → h, no bias. input_layernorm,
 *   post_attention_layernorm and final_layernorm are nn.LayerNorm (weight and bias). embed_tokens V × h;
 *   lm_head without bias, tied per `tie_word_embeddings` (default true).
 * Said in a warning: FlashDiffCustomAttention's four flash-attention calls (each half of the query heads
 * against each half of the values) cost twice the attention-score FLOPs counted here for one call.
 * Not modelled, by choice: vLLM V0 ran the cross-decoder for the last prompt token only at prefill (the
 * remote code runs every token through every layer, as counted); llmecon replicates the GMU GEMMs on
 * every TP rank (vLLM shards them); LoRA counts the cross layers' Wqkv at the self layers' width.
 */
import type { GqaAttention, LayerExtrasSpec, LayerSpec, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { JAMBA_KEYS, readMamba1 } from './mamba.js';
import { baseSpec, type Family, readCommon, readKvHeads, withClassDefaults } from './readers.js';

/** Phi4FlashConfig.__init__'s defaults for the keys read here (configuration_phi4flash.py). */
const PHI4FLASH_DEFAULTS: Json = {
  vocab_size: 51_200,
  hidden_size: 2560,
  intermediate_size: 9216,
  num_hidden_layers: 32,
  num_attention_heads: 40,
  num_key_value_heads: 4,
  hidden_act: 'silu',
  max_position_embeddings: 4096,
  tie_word_embeddings: true,
  sliding_window: 2047,
  mb_per_layer: 2,
  mamba_d_state: 16,
  mamba_d_conv: 4,
  mamba_expand: 2,
};

/** Boolean keys the remote code never passes to a module, with what it builds regardless and where. */
const UNREAD_FLAGS: readonly (readonly [key: string, built: boolean, module: string])[] = [
  ['mamba_conv_bias', true, 'Phi3Mamba builds conv1d with a bias (SambaYDecoderLayer does not pass the key)'],
  [
    'mamba_proj_bias',
    false,
    'Phi3Mamba builds in_proj and out_proj without bias (SambaYDecoderLayer does not pass the key)',
  ],
  ['mlp_bias', false, 'SambaYMLP builds fc1 and fc2 without bias'],
  ['lm_head_bias', false, 'Phi4FlashForCausalLM builds lm_head without bias'],
];

/** Refuses keys the remote code ignores (UNREAD_FLAGS, mamba_dt_rank) when they ask for another shape. */
function refuseUnread(f: Fields, hidden: number): void {
  for (const [key, built, module] of UNREAD_FLAGS) {
    if (f.bool(key, built) !== built) f.fail(key, `must be ${built} or absent: ${module}`);
  }
  const auto = Math.ceil(hidden / 16);
  const rank = f.raw('mamba_dt_rank');
  if (rank === undefined || rank === null || rank === 'auto') return;
  if (f.positiveInt('mamba_dt_rank', { max: MAX.hidden }) !== auto) {
    f.fail(
      'mamba_dt_rank',
      `must be "auto" or ${auto} (⌈hidden_size / 16⌉): SambaYDecoderLayer does not pass it, so Phi3Mamba's dt_rank is always "auto"`,
    );
  }
}

/** Checks num_hidden_layers (a multiple of 4) and mb_per_layer (2): the only layout the remote code builds. */
function checkLayout(f: Fields, n: number): void {
  if (n % 4 !== 0)
    f.fail('num_hidden_layers', `(${n}) must be divisible by 4: SambaYDecoderLayer asserts it`);
  const period = f.int('mb_per_layer', { max: MAX.layers });
  if (period !== 2) {
    f.fail(
      'mb_per_layer',
      `must be 2, got ${period}: SambaYCache and Phi4FlashConfig's sliding_window list put Mamba on even layers and attention on odd ones`,
    );
  }
}

/** SambaYFlashAttention2: fused Wqkv and out_proj with bias, d = h / H, heads paired by FlashDiffCustomAttention. */
function readAttention(f: Fields): GqaAttention {
  const numHeads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const headDim = f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const numKvHeads = readKvHeads(f, numHeads);
  for (const [key, heads] of [
    ['num_attention_heads', numHeads],
    ['num_key_value_heads', numKvHeads],
  ] as const) {
    if (heads % 2 !== 0)
      f.fail(key, `(${heads}) must be even: differential attention splits queries and keys into head pairs`);
  }
  if (f.has('head_dim') && f.positiveInt('head_dim', { max: MAX.headDim }) !== headDim) {
    f.fail(
      'head_dim',
      `must be hidden_size / num_attention_heads (${headDim}) or absent: SambaYFlashAttention2 does not read it`,
    );
  }
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads,
    headDim,
    qkvBias: true,
    outputBias: true,
    qkNorm: 'none',
    sinks: false,
    fusedQkv: true,
  };
}

/** The SambaY stack of `n` layers (see the module comment), with the GMU and differential-attention extras. */
function sambaYLayers(n: number, gmu: LayerExtrasSpec, diff: LayerExtrasSpec): LayerSpec[] {
  const half = n / 2;
  return Array.from({ length: n }, (_, i): LayerSpec => {
    if (i % 2 === 0)
      return i <= half
        ? { attention: 'mamba', mlp: 'dense' }
        : { attention: 'none', mlp: 'dense', extras: gmu };
    if (i < half) return { attention: 'sliding', mlp: 'dense', extras: diff };
    return i === half + 1
      ? { attention: 'full', mlp: 'dense', extras: diff }
      : { attention: 'full', mlp: 'dense', kvShared: true, extras: diff };
  });
}

export const phi4flash: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, PHI4FLASH_DEFAULTS);
  const common = readCommon(f, name);
  checkLayout(f, common.numLayers);
  refuseUnread(f, common.hiddenSize);
  const attention = readAttention(f);
  const window = f.optionalPositiveInt('sliding_window');
  if (window === null) {
    f.fail(
      'sliding_window',
      'must be a positive integer: SambaYCache sizes the self-decoder attention caches from it (null fails there)',
    );
  }
  const stateSpace = readMamba1(f, common.hiddenSize, JAMBA_KEYS, false);
  const inner = stateSpace.numHeads;
  const h = common.hiddenSize;
  const gmu: LayerExtrasSpec = {
    modules: 'attn.in_proj, attn.out_proj (gated memory unit)',
    params: 2 * h * inner,
    gemms: [
      { name: 'gmu.in_proj', n: inner, k: h },
      { name: 'gmu.out_proj', n: h, k: inner },
    ],
  };
  const diff: LayerExtrasSpec = {
    modules: 'inner_cross_attn.lambda_q1, lambda_k1, lambda_q2, lambda_k2, subln',
    params: 6 * attention.headDim,
    gemms: [],
  };
  const layers = sambaYLayers(common.numLayers, gmu, diff);
  const softmax = layers.filter((l) => l.attention === 'sliding' || l.attention === 'full').length;
  return {
    ...baseSpec(f, common, {
      attention,
      mlp: {
        intermediateSize: f.positiveInt('intermediate_size', { max: MAX.intermediate }),
        gated: true,
        bias: false,
        fusedGateUp: true,
      },
      layers,
    }),
    norm: { kind: 'layernorm', perLayer: 2 },
    slidingWindow: window,
    stateSpace,
    warnings: [
      `phi4flash: differential attention (FlashDiffCustomAttention) runs four flash-attention calls on each of the ${softmax} attention layers, each half of the ${attention.numHeads} query heads against each half of the values: twice the attention-score FLOPs (Q·Kᵀ and P·V) counted here for one standard call; the KV cache (${attention.numKvHeads} × ${attention.headDim} keys and values a caching layer) is standard`,
    ],
  };
};
