/**
 * GigaChat 3.5 (`gigachat3_5`, GigaChat35ForCausalLM; ai-sage/GigaChat3.5-432B-A28B and its Reasoning
 * release). GigaChat 3 / 3.1 are DeepseekV3ForCausalLM checkpoints (`deepseek_v3`, deepseek.ts).
 * Sources: SGLang `python/sglang/srt/models/gigachat35.py`, `gigachat35_nextn.py` and
 * `configs/gigachat35.py`; vLLM `model_executor/models/gigachat3_5.py`, `gigachat3_5_mtp.py` and
 * `transformers_utils/configs/gigachat3_5.py`; llama.cpp `Gigachat35Model` (convert) and
 * `llama_model_gigachat35` (loader). The decoder, as all three build it:
 * - mixer: Qwen3-Next Gated DeltaNet (SGLang `GigaChat35GatedDeltaNet(Qwen3GatedDeltaNet)`; checkpoint
 *   in_proj_qkvz, in_proj_ba, conv1d, A_log, dt_bias, norm [v_head_dim], out_proj: 'fused'), or MLA on
 *   `full_attention_layers` / `layer_types` 'full_attention' (SGLang also 'attention');
 *   `GigaChat35AttentionMLA(DeepseekV2AttentionMLA)`: q_a_proj, q_a_layernorm, q_b_proj,
 *   kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj, all bias-free, and with `gated_attention`
 *   attn_gate / gate_proj (h → heads·v_head_dim, sigmoid before o_proj): MLA's output gate;
 * - MLP: SwiGLU of `intermediate_size` below `first_k_dense_replace`, else DeepSeek MoE (vLLM
 *   GigaChat35MoE: gate h → E with e_score_correction_bias always, experts of `moe_intermediate_size`,
 *   shared_experts of n_shared_experts × moe_intermediate_size, shared_expert_gate h → 1 when
 *   `use_shared_expert_sigmoid`, group routing by n_group / topk_group);
 * - norms (`build_norm` / `_build_norm`): `layernorm_type` pre_post → input_layernorm,
 *   post_self_attn_layernorm, post_attention_layernorm, post_feedforward_layernorm; pre or post → two
 *   (vLLM GigaChat35DecoderLayer). `norm_type` ZeroCenteredGatedNorm / GatedNorm: an RMSNorm weight plus
 *   gate_up_projection (d → 16) and gate_down_projection (16 → d), bias-free — every hidden-size norm,
 *   q_a_layernorm, kv_a_layernorm and model.norm (llama.cpp requires each gate tensor). ModelSpec has
 *   no gated norm: the gates are the layers' extras, model.norm's held with the last layer, which it
 *   follows on the same stage. LlamaRMSNorm / RMSNorm / ZeroCenteredRMSNorm: the weight alone.
 * The checkpoint's MTP heads (`num_nextn_predict_layers`, layers.{L+i}: enorm, hnorm, eh_proj 2h → h,
 * an MLA layer with a dense MLP unless `nextn_is_sparse`, shared_head.norm; vLLM
 * GigaChat35MultiTokenPredictorLayer) are MTP modules of that layer (`ModelSpec.mtpModule`), their gated
 * norms' gates among the layer's extras; counted apart from the total.
 * Defaults only where vLLM's and SGLang's GigaChat35Config agree; sizes they disagree on are required.
 */
import type {
  GatedDeltaNetSpec,
  LayerExtraGemm,
  LayerExtrasSpec,
  LayerMixer,
  LayerMlp,
  ModelSpec,
} from '../spec.js';
import { readMla } from './deepseek.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { readGatedDeltaNet } from './qwen3-next.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';

/** The gated norm's bottleneck: SGLang `_GATED_NORM_LOW_RANK`, vLLM `nn.Linear(hidden_size, 16)`. */
const GATE_RANK = 16;

/** GigaChat35Config defaults shared by vLLM's and SGLang's class (each key the same in both). */
const DEFAULTS: Json = {
  vocab_size: 128_256,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  q_lora_rank: 1536,
  kv_lora_rank: 512,
  qk_nope_head_dim: 128,
  qk_rope_head_dim: 64,
  v_head_dim: 128,
  n_group: 1,
  topk_group: 1,
  use_shared_expert_sigmoid: false,
  linear_attention_type: 'Qwen3NextGatedDeltaNet',
  linear_key_head_dim: 128,
  linear_value_head_dim: 128,
  linear_conv_kernel_dim: 4,
  norm_type: 'ZeroCenteredGatedNorm',
  layernorm_type: 'pre_post',
  gated_attention: true,
  num_nextn_predict_layers: 0,
};

const GATED_NORMS = ['ZeroCenteredGatedNorm', 'GatedNorm'];
const PLAIN_NORMS = ['LlamaRMSNorm', 'RMSNorm', 'ZeroCenteredRMSNorm'];

/** `norm_type` (gated or not) and `layernorm_type` (null is vLLM's 'pre'): hidden norms per layer. */
function readNorms(f: Fields): { readonly gated: boolean; readonly perLayer: number } {
  const type = f.string('norm_type', 'ZeroCenteredGatedNorm');
  if (![...GATED_NORMS, ...PLAIN_NORMS].includes(type)) {
    f.fail('norm_type', `must be one of ${[...GATED_NORMS, ...PLAIN_NORMS].join(', ')}, got '${type}'`);
  }
  const placement = f.raw('layernorm_type') === null ? 'pre' : f.string('layernorm_type', 'pre_post');
  if (!['pre', 'post', 'pre_post'].includes(placement)) {
    f.fail('layernorm_type', `must be 'pre', 'post' or 'pre_post', got '${placement}'`);
  }
  return { gated: GATED_NORMS.includes(type), perLayer: placement === 'pre_post' ? 4 : 2 };
}

/** Layer indices of `full_attention_layers` (0-based, each once, below `n`); null when absent. */
function readFullLayerList(f: Fields, n: number): boolean[] | null {
  if (!f.has('full_attention_layers')) return null;
  const full: boolean[] = Array(n).fill(false);
  for (const i of f.intList('full_attention_layers', MAX.layers)) {
    if (i >= n) f.fail('full_attention_layers', `lists layer ${i}; layers are 0 to ${n - 1}`);
    if (full[i]) f.fail('full_attention_layers', `lists layer ${i} twice`);
    full[i] = true;
  }
  return full;
}

/**
 * Each layer's mixer: `layer_types` (SGLang reads it first) or `full_attention_layers` (vLLM reads it
 * first), which must agree when both are given; neither leaves every layer linear (both engines).
 */
function readMixers(f: Fields, n: number): LayerMixer[] {
  const types = f.enumList('layer_types', n, ['linear_attention', 'full_attention', 'attention'] as const);
  const fromTypes = types?.map((t) => t !== 'linear_attention') ?? null;
  const fromList = readFullLayerList(f, n);
  if (fromTypes && fromList && fromTypes.some((full, i) => full !== fromList[i])) {
    f.fail('full_attention_layers', 'disagrees with layer_types (SGLang reads layer_types, vLLM this list)');
  }
  const full = fromTypes ?? fromList ?? Array(n).fill(false);
  return full.map((isFull): LayerMixer => (isFull ? 'full' : 'linear'));
}

/** Gated DeltaNet as Qwen3-Next's (`linear_*` keys), after the keys that would change its tensors. */
function readLinear(f: Fields): GatedDeltaNetSpec {
  const type = f.raw('linear_attention_type');
  if (type !== 'Qwen3NextGatedDeltaNet') {
    f.fail(
      'linear_attention_type',
      `must be 'Qwen3NextGatedDeltaNet' (vLLM reads null as all-MLA, SGLang ignores the key), got ${shown(type)}`,
    );
  }
  // vLLM GigaChat35GatedDeltaNetAttention: 'sigmoid_gate' builds no norm; the gated_rmsnorm variants
  // hold one weight of v_head_dim, as Qwen3-Next's RMSNormGated.
  const gating = f.string('linear_gating_type', 'gated_rmsnorm_sigmoid_zero_centered');
  if (!['gated_rmsnorm', 'gated_rmsnorm_sigmoid', 'gated_rmsnorm_sigmoid_zero_centered'].includes(gating)) {
    f.fail(
      'linear_gating_type',
      `must be 'gated_rmsnorm', 'gated_rmsnorm_sigmoid' or 'gated_rmsnorm_sigmoid_zero_centered' (the output norm llmecon counts), got '${gating}'`,
    );
  }
  if (!f.bool('linear_use_short_conv', true)) {
    f.fail(
      'linear_use_short_conv',
      "must be true: llmecon's Gated DeltaNet has the causal conv over q, k, v",
    );
  }
  return readGatedDeltaNet(f, 'fused');
}

/**
 * MoE from layer `first_k_dense_replace` on when `n_routed_experts` is set (vLLM GigaChat35DecoderLayer;
 * SGLang also tests layer % moe_layer_freq, which vLLM ignores: only 1 is read the same by both).
 */
function readLayerMlp(f: Fields): (i: number) => LayerMlp {
  if (!f.has('n_routed_experts')) return () => 'dense';
  const freq = f.positiveInt('moe_layer_freq', { fallback: 1, max: MAX.layers });
  if (freq !== 1)
    f.fail('moe_layer_freq', `must be 1 (vLLM's GigaChat35DecoderLayer ignores it), got ${freq}`);
  const firstDense = f.int('first_k_dense_replace', { max: MAX.layers });
  return (i) => (i >= firstDense ? 'moe' : 'dense');
}

/** gate_up_projection (d → 16) and gate_down_projection (16 → d) of `count` gated norms of width d. */
const gateGemms = (norm: string, width: number, count: number): LayerExtraGemm[] => [
  { name: `${norm}.gate_up_projection`, n: GATE_RANK, k: width, count },
  { name: `${norm}.gate_down_projection`, n: width, k: GATE_RANK, count },
];

/** The gates of a layer's gated norms (hidden-size ones, q_a/kv_a on MLA layers, model.norm on the last). */
function gateExtras(spec: ModelSpec, perLayer: number, mla: boolean, finalNorm: boolean): LayerExtrasSpec {
  const h = spec.hiddenSize;
  const gemms = gateGemms('layernorms', h, perLayer + (finalNorm ? 1 : 0));
  const a = spec.attention;
  if (mla && a.kind === 'mla') {
    if (a.qLoraRank !== null) gemms.push(...gateGemms('q_a_layernorm', a.qLoraRank, 1));
    gemms.push(...gateGemms('kv_a_layernorm', a.kvLoraRank, 1));
  }
  const names = [
    perLayer === 4
      ? 'input_layernorm, post_self_attn_layernorm, post_attention_layernorm, post_feedforward_layernorm'
      : 'the two layer norms',
    ...(mla
      ? [a.kind === 'mla' && a.qLoraRank !== null ? 'q_a_layernorm, kv_a_layernorm' : 'kv_a_layernorm']
      : []),
    ...(finalNorm ? ['model.norm'] : []),
  ];
  return {
    modules: `gate_up_projection and gate_down_projection of ${names.join(', ')}`,
    params: gemms.reduce((sum, g) => sum + g.n * g.k * (g.count ?? 1), 0),
    gemms,
  };
}

/**
 * The checkpoint's MTP heads (vLLM GigaChat35MultiTokenPredictorLayer) as MTP modules: an MLA layer with a
 * dense MLP unless `nextn_is_sparse`, its gated norms' gates — the layer's two, enorm, hnorm and
 * shared_head.norm — as the layer's extras (as model.norm's ride with the last layer); null when none.
 */
function readMtpModule(f: Fields, spec: ModelSpec, gated: boolean): ModelSpec['mtpModule'] {
  if (f.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers }) === 0) return null;
  const mlp = f.bool('nextn_is_sparse', false) && spec.moe ? 'moe' : 'dense';
  const extras = gated ? gateExtras(spec, spec.norm.perLayer + 3, true, false) : undefined;
  return { layer: { attention: 'full', mlp, ...(extras ? { extras } : {}) } };
}

/** GigaChat35ForCausalLM: the hybrid GDN / MLA decoder with DeepSeek MoE and gated sandwich norms. */
export const gigachat35: Family = (top, name) => {
  const f = withClassDefaults(top, DEFAULTS);
  const act = f.string('hidden_act', 'silu');
  if (act !== 'silu') f.fail('hidden_act', `must be 'silu' (GigaChat35MLP and GigaChat35MoE), got '${act}'`);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mixers = readMixers(f, n);
  const layerMlp = readLayerMlp(f);
  const norms = readNorms(f);
  const hasMoe = Array.from({ length: n }, (_, i) => layerMlp(i)).includes('moe');
  // vLLM's and SGLang's class defaults differ (1 and 2): the release states it.
  if (hasMoe) f.int('n_shared_experts', { max: MAX.experts });
  const spec = decoder(f, name, {
    attention: (g) => (g.bool('gated_attention', true) ? { ...readMla(g), outputGate: true } : readMla(g)),
    mlp: readGatedMlp(f),
    layout: () => ({ window: null, kinds: mixers }),
    layerMlp,
    moe: {
      experts: 'n_routed_experts',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'n_shared_experts' },
      routerBias: true,
      sharedExpertGate: f.bool('use_shared_expert_sigmoid', false),
      groupRouting: true,
    },
  });
  const shaped: ModelSpec = {
    ...spec,
    norm: { kind: 'rmsnorm', perLayer: norms.perLayer },
    linearAttention: mixers.includes('linear') ? readLinear(f) : null,
  };
  const layers = norms.gated
    ? shaped.layers.map((l, i) => ({
        ...l,
        extras: gateExtras(shaped, norms.perLayer, l.attention === 'full', i === n - 1),
      }))
    : shaped.layers;
  const mtpModule = readMtpModule(f, shaped, norms.gated);
  return {
    ...shaped,
    layers,
    ...(mtpModule
      ? { numMtpModules: f.int('num_nextn_predict_layers', { max: MAX.layers }), mtpModule }
      : { numMtpModules: 0 }),
  };
};
