/**
 * IEIT Yuan 2.0 (`yuan`: IEITYuan/Yuan2-2B-hf, Yuan2-51B-hf, Yuan2-102B-hf, and Yuan2.0-M32-hf, which
 * keeps model_type `yuan` and YuanConfig; Wu et al. 2023, "YUAN 2.0: A Large Language Model with
 * Localized Filtering-based Attention", arXiv:2311.15786; Yuan 2.0-M32, arXiv:2405.17976). Remote code
 * on the Hub, read from the copies in IEIT-Yuan/Yuan-2.0: 3rdparty/TensorRT-LLM/examples/yuan/
 * yuan_hf_model.py and 3rdparty/vllm/configuration_yuan.py (the dense models), and from the M32
 * yuan_hf_model.py as vendored in verl (ParallelAttention_router, YuanMoeLayer, GroupedMLP); the LF
 * cache from the vLLM ports (IEI-mjx/vllm-yuan vllm/model_executor/models/yuan.py: lf1/lf2 caches).
 * YuanForCausalLM builds embed_tokens (V × h), `num_hidden_layers` YuanDecoderLayer, a final RMSNorm
 * and lm_head (no bias), tied to the embedding (YuanConfig's tie_word_embeddings = True). Each layer:
 * - input_layernorm and post_attention_layernorm (RMSNorm h);
 * - YuanAttention (Localized Filtering-based Attention): lf_gate, a LocalizedFiltering over the
 *   attention input that feeds q and k only: conv1, a causal Conv2d h → h/2 of kernel (2, 1) with bias,
 *   conv2, a Conv2d h/2 → h of kernel (2, 1) with bias (both in `lf_conv2d_group` groups, 1 in every
 *   release) and output_layernorm (RMSNorm h over conv2's output plus the input); q_proj and k_proj
 *   (M32: one get_query_key h → 2·P) and v_proj h → P, o_proj P → h, all without bias, where P =
 *   `attention_projection_size` (M32), else h; `num_attention_heads` heads of P / heads, one KV head
 *   per query head; RoPE (M32: on `rotary_percent` of each head) has no weights;
 * - the MLP: YuanMLP, up_proj and gate_proj h → `intermediate_size`, down_proj back, no bias
 *   (down(gate(x) · act(up(x)))); or, when `moe_config.moe_num_experts` > 0 (M32), YuanMoeLayer:
 *   GroupedMLP experts, each w1 h → 2·`ffn_hidden_size` (gate and up, `gated_linear_unit`) and w2
 *   back, no bias, top-`moe_top_k` with softmax over the k logits; the router is
 *   ParallelAttention_router (`router_type` "attn_router", the release's): query_key_value h → 3E
 *   without bias, then per token an attention over the E experts (scores q_i·k_j, softmax, times v)
 *   whose output are the E logits; any other router_type is a Linear h → E (the vLLM port's else).
 * The convolutions (and the attention router's projection) are each layer's `extras`: their matmuls
 * run every token; the router's E × E scores and weighted sum (4E² FLOPs a token, no weights) are not
 * in the operation list. output_layernorm is a third norm a layer. `use_shareqk` (a shared q/k
 * projection with per-channel scales, no LF), which no release sets, is refused.
 * The cache holds each layer's K and V of every head, and per sequence LF's conv state: the last
 * input (h) and conv1 output (h/2), which ModelSpec has no field for (a warning).
 */
import type { LayerExtraGemm, LayerExtrasSpec, ModelSpec, MoeSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import {
  decoder,
  type Family,
  HF_KEYS,
  readGatedMlp,
  readMoe,
  readUnusedMlp,
  withClassDefaults,
} from './readers.js';

/** YuanConfig's `__init__` defaults (configuration_yuan.py), the Yuan2-2B shape. */
const YUAN_DEFAULTS = {
  vocab_size: 135_040,
  hidden_size: 2048,
  intermediate_size: 8192,
  num_hidden_layers: 24,
  num_attention_heads: 32,
  hidden_act: 'silu',
  model_max_length: 8192,
  tie_word_embeddings: true,
} as const;

const fmt = (n: number) => n.toLocaleString('en-US');

/** Each head's width: P / heads, P = attention_projection_size (M32) or hidden_size. */
function headDim(f: Fields): number {
  const key = f.has('attention_projection_size') ? 'attention_projection_size' : 'hidden_size';
  return f.divide(key, 'num_attention_heads', MAX.hidden);
}

/**
 * LocalizedFiltering's two convolutions of kernel 2 over the sequence as matmuls a token runs: per
 * group, conv1 maps the two taps of h/g inputs to h/(2g) outputs, conv2 the two taps of h/(2g) to h/g.
 */
function lfConvolutions(f: Fields, h: number): { gemms: LayerExtraGemm[]; biases: number } {
  const groups = f.positiveInt('lf_conv2d_group', { fallback: 1, max: MAX.hidden });
  if (h % (2 * groups) !== 0)
    f.fail('lf_conv2d_group', `(${groups}) must divide hidden_size / 2 (${h / 2}): conv1's h/2 outputs`);
  const per = h / groups;
  return {
    gemms: [
      { name: 'lf_gate.conv1', n: per / 2, k: 2 * per, count: groups },
      { name: 'lf_gate.conv2', n: per, k: per, count: groups },
    ],
    biases: h / 2 + h,
  };
}

/** Yuan2.0-M32's MoE block from `moe_config`; null for the dense models. */
function readYuanMoe(f: Fields): MoeSpec | null {
  const m = f.child('moe_config', { gated_linear_unit: true, router_type: 'attn_router' });
  if (m === null || m.int('moe_num_experts', { max: MAX.experts }) === 0) return null;
  // GroupedMLP sizes each expert by the top-level ffn_hidden_size, which moe_config repeats.
  const sized = f.has('ffn_hidden_size')
    ? m.with({ ffn_hidden_size: f.positiveInt('ffn_hidden_size', { max: MAX.intermediate }) })
    : m;
  const moe = readMoe(sized, {
    experts: 'moe_num_experts',
    topK: 'moe_top_k',
    expertSize: 'ffn_hidden_size',
    gated: m.bool('gated_linear_unit', true),
  });
  return {
    ...moe,
    fusedGateUp: true,
    routerInExtras: m.string('router_type', 'attn_router') === 'attn_router',
  };
}

/** Yuan 2.0: Localized Filtering-based Attention (MHA after two causal convolutions), SwiGLU or M32's MoE. */
export const yuan: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, YUAN_DEFAULTS);
  if (f.bool('use_shareqk', false))
    f.fail('use_shareqk', 'is not supported: no Yuan 2.0 release shares the q/k projection (it drops LF)');
  const moe = readYuanMoe(f);
  const spec = decoder(f, name, {
    keys: {
      ...HF_KEYS,
      positions: f.has('max_position_embeddings') ? HF_KEYS.positions : 'model_max_length',
    },
    attention: { qkvBias: false, outputBias: false, headDim: headDim(f) },
    layerMlp: moe === null ? 'dense' : 'moe',
    mlp: moe === null ? readGatedMlp(f) : readUnusedMlp(f),
  });
  const h = spec.hiddenSize;
  const conv = lfConvolutions(f, h);
  const router: LayerExtraGemm[] =
    moe?.routerInExtras === true ? [{ name: 'router.query_key_value', n: 3 * moe.numExperts, k: h }] : [];
  const gemms = [...conv.gemms, ...router];
  const extras: LayerExtrasSpec = {
    modules:
      router.length > 0
        ? 'lf_gate.conv1, lf_gate.conv2 (weights and biases), the attention router (query_key_value)'
        : 'lf_gate.conv1, lf_gate.conv2 (weights and biases)',
    params: gemms.reduce((sum, g) => sum + g.n * g.k * (g.count ?? 1), 0) + conv.biases,
    gemms,
  };
  return {
    ...spec,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: { kind: 'rmsnorm', perLayer: 3 },
    layers: spec.layers.map((layer) => ({ ...layer, extras })),
    moe,
    warnings: [
      `yuan: each layer also keeps ${fmt(h + h / 2)} elements of state per sequence beside its keys and values (the localized filtering's last input and conv1 output), not in the KV cache figures`,
    ],
  };
};
