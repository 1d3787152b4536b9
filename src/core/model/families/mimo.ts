/**
 * Xiaomi MiMo (`mimo`) and MiMo-V2-Flash (`mimo_v2_flash`).
 *
 * MiMo-7B: Qwen2's decoder with multi-token-prediction layers (remote code `modeling_mimo.py` of
 * XiaomiMiMo/MiMo-7B-Base, which builds `MiMoModel(Qwen2Model)` and `mtp_layers`; vLLM
 * `vllm/model_executor/models/mimo.py`, whose MiMoForCausalLM is Qwen2ForCausalLM and skips
 * `model.mtp_layers.*`, and `mimo_mtp.py`). Qwen2Attention: q/k/v with bias, o_proj without;
 * Qwen2MLP; two RMSNorms; Qwen2's sliding rule. Each of the `num_nextn_predict_layers` MTP layers
 * (MiMoMultiTokenPredictorLayer) is token_layernorm, hidden_layernorm, input_proj (2h → h, no
 * bias), a Qwen2DecoderLayer and final_layernorm: llmecon's MTP module, counted apart from the total.
 *
 * MiMo-V2-Flash: vLLM `vllm/model_executor/models/mimo_v2_flash.py` (MiMoV2Attention,
 * MiMoV2FlashDecoderLayer, MiMoV2MoE) and SGLang `python/sglang/srt/models/mimo_v2_flash.py`,
 * `mimo_v2_flash_nextn.py`; transformers `models/mimo_v2_flash/modular_mimo_v2_flash.py` builds the
 * same shapes for the released checkpoint:
 * - `hybrid_layer_pattern[i]` 1: a sliding-window layer of `swa_num_attention_heads`,
 *   `swa_num_key_value_heads`, q/k heads of `swa_head_dim` and v heads of `swa_v_head_dim`, window
 *   `sliding_window_size`, one learned sink logit per head with `add_swa_attention_sink_bias`;
 *   0: a global layer of `num_attention_heads`, `num_key_value_heads`, `head_dim`, `v_head_dim`,
 *   sinks with `add_full_attention_sink_bias` (SGLang reads it; false in the released config);
 * - q/k/v bias per `attention_bias`, o_proj (heads · v_head_dim → h) without;
 * - `moe_layer_freq[i]` set: MiMoV2MoE — gate (h → n_routed_experts, no bias) with
 *   e_score_correction_bias (noaux_tc), experts of `moe_intermediate_size`, top
 *   `num_experts_per_tok`, no shared expert; else the SwiGLU MLP of `intermediate_size`;
 * - two RMSNorms per layer, a final one, untied head. `attention_value_scale`, partial rotary and the
 *   per-kind RoPE thetas have no parameters; the FP8 block scales of `quantization_config` are not
 *   parameters.
 * A layer whose q/k and v heads differ keeps both (GQA `valueHeadDim`). The checkpoint's MTP layers (`model.mtp.layers.*`: enorm, hnorm, eh_proj, a
 * sliding-window layer with a dense MLP, final_layernorm; SGLang MiMoV2MTPLayer) are MTP modules of that
 * layer (`ModelSpec.mtpModule`), counted when `num_nextn_predict_layers` says how many; the released
 * configs do not, so a warning gives each one's size.
 */
import { mtpParams } from '../param-count.js';
import type { GqaAttention, LayerMixer, LayerMlp, ModelSpec } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
import {
  decoder,
  type Family,
  readGatedMlp,
  readKvHeads,
  readLayerTypes,
  readMlpLayerTypes,
  readQwenSliding,
} from './readers.js';

/**
 * MiMo-7B: Qwen2 (q/k/v bias always, as Qwen2Attention builds it) plus `num_nextn_predict_layers`
 * MTP layers, each exactly DeepSeek-V3's module as llmecon counts it (three norms, 2h → h, one layer).
 */
export const mimo: Family = (f, name) =>
  decoder(f, name, {
    attention: { qkvBias: true, outputBias: false },
    layout: readQwenSliding,
    mlp: readGatedMlp(f),
    mtpKey: 'num_nextn_predict_layers',
  });

/** The config keys of one attention kind of MiMo-V2-Flash (MiMoV2FlashDecoderLayer). */
interface AttentionKeys {
  readonly heads: string;
  readonly kvHeads: string;
  readonly headDim: string;
  readonly vHeadDim: string;
  readonly sinks: string;
  /** MiMoV2FlashConfig's default for the sink flag (transformers: sliding true, global false). */
  readonly sinksDefault: boolean;
}

const SLIDING: AttentionKeys = {
  heads: 'swa_num_attention_heads',
  kvHeads: 'swa_num_key_value_heads',
  headDim: 'swa_head_dim',
  vHeadDim: 'swa_v_head_dim',
  sinks: 'add_swa_attention_sink_bias',
  sinksDefault: true,
};

const GLOBAL: AttentionKeys = {
  heads: 'num_attention_heads',
  kvHeads: 'num_key_value_heads',
  headDim: 'head_dim',
  vHeadDim: 'v_head_dim',
  sinks: 'add_full_attention_sink_bias',
  sinksDefault: false,
};

/** MiMoV2Attention of one kind; v_head_dim defaults to the q/k head width (vLLM, SGLang). */
function readMimoAttention(f: Fields, keys: AttentionKeys): GqaAttention {
  const heads = f.positiveInt(keys.heads, { max: MAX.heads });
  // vLLM and SGLang read every one of these keys (no default): absent is an error, not MHA.
  f.positiveInt(keys.kvHeads, { max: MAX.heads });
  const qk = f.positiveInt(keys.headDim, { max: MAX.headDim });
  const v = f.positiveInt(keys.vHeadDim, { fallback: qk, max: MAX.headDim });
  return {
    kind: 'gqa',
    numHeads: heads,
    numKvHeads: readKvHeads(f, heads, keys.kvHeads),
    headDim: qk,
    // o_proj reads heads · v_head_dim; the cache holds keys of qk and values of v.
    ...(v === qk ? {} : { valueHeadDim: v }),
    qkvBias: f.bool('attention_bias', false),
    outputBias: false,
    qkNorm: 'none',
    sinks: f.bool(keys.sinks, keys.sinksDefault),
  };
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Each layer's mixer: `hybrid_layer_pattern` (1 sliding, 0 global; vLLM and SGLang read it), or
 * transformers' `layer_types` spelling of it.
 */
function readHybridPattern(f: Fields, n: number): LayerMixer[] {
  if (!f.has('hybrid_layer_pattern')) {
    const types = readLayerTypes(f, n);
    if (types) return types;
  }
  const pattern = f.intList('hybrid_layer_pattern', 1);
  if (pattern.length !== n) {
    f.fail(
      'hybrid_layer_pattern',
      `must list one entry per layer (${n}: 1 for sliding-window, 0 for global attention), got ${pattern.length}`,
    );
  }
  return pattern.map((p) => (p === 1 ? 'sliding' : 'full'));
}

/**
 * Each layer's MLP: `moe_layer_freq` as a per-layer list (MiMoV2FlashDecoderLayer.is_moe_layer; an
 * integer makes no layer MoE there, which no checkpoint is), or transformers' `mlp_layer_types`.
 */
function readMoeLayers(f: Fields, n: number): LayerMlp[] {
  if (!f.has('moe_layer_freq')) {
    const kinds = readMlpLayerTypes(f, n);
    if (kinds) return kinds;
  }
  const raw = f.raw('moe_layer_freq');
  if (!Array.isArray(raw)) {
    return f.fail(
      'moe_layer_freq',
      `must list one entry per layer (${n}: 1 for MoE, 0 for the dense MLP), got ${shown(raw ?? null)}`,
    );
  }
  const flags = f.intList('moe_layer_freq', 1);
  if (flags.length !== n) {
    f.fail('moe_layer_freq', `must list one entry per layer (${n}), got ${flags.length}`);
  }
  return flags.map((x) => (x === 1 ? 'moe' : 'dense'));
}

/** The window of sliding layers: `sliding_window_size` (vLLM, SGLang), else `sliding_window` (transformers). */
function readWindow(f: Fields): number {
  const window = f.optionalPositiveInt('sliding_window_size') ?? f.optionalPositiveInt('sliding_window');
  return window ?? f.fail('sliding_window_size', 'is required when hybrid_layer_pattern has sliding layers');
}

const sameShape = (a: GqaAttention, b: GqaAttention) =>
  a.numHeads === b.numHeads &&
  a.numKvHeads === b.numKvHeads &&
  a.headDim === b.headDim &&
  a.valueHeadDim === b.valueHeadDim &&
  a.qkvBias === b.qkvBias &&
  a.sinks === b.sinks;

/**
 * The checkpoint's MTP layers (SGLang MiMoV2ModelNextN, vLLM MiMoV2FlashMTPLayer): enorm, hnorm and
 * final_layernorm, eh_proj (2h → h, no bias), and a block of sliding-window attention (the `swa_*` heads
 * and sinks), input and post-attention RMSNorms and a dense MLP of `intermediate_size`.
 */
const MTP_MODULE: NonNullable<ModelSpec['mtpModule']> = { layer: { attention: 'sliding', mlp: 'dense' } };

/**
 * Why the MTP layers are not counted, or null when they are: without `num_nextn_predict_layers` the count is
 * unknown (the releases hold 3; the warning gives each one's size); without sliding layers, their `swa_*`
 * attention is not read.
 */
function mtpNote(spec: ModelSpec, mtp: number | null, sliding: boolean): string | null {
  if (mtp === 0 || (mtp !== null && sliding)) return null;
  const layers =
    "the checkpoint's MTP layers (model.mtp.layers.*: a sliding-window layer with a dense MLP, eh_proj 2h → h and three norms)";
  if (!sliding) return `${layers} are not counted: no layer slides, so their swa_* attention is not read`;
  const each = mtpParams({ ...spec, numMtpModules: 1, mtpModule: MTP_MODULE });
  return `${layers} of ${count(each)} parameters each are not counted: the config does not say how many (num_nextn_predict_layers)`;
}

/**
 * The MiMo-V2 decoder (MiMo-V2-Flash's, and MiMo-V2.5's `mimo_v2` text model): hybrid sliding-window/global
 * GQA with sinks, DeepSeek-V3-style routing without shared experts; `label` prefixes the warnings.
 */
export function readMimoV2Text(f: Fields, name: string, label: string): ModelSpec {
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const kinds = readHybridPattern(f, n);
  const mlps = readMoeLayers(f, n);
  const sliding = kinds.includes('sliding') ? readMimoAttention(f, SLIDING) : null;
  const global = kinds.includes('full') ? readMimoAttention(f, GLOBAL) : null;
  // Sliding layers take the model-wide attention; global layers their own when it differs.
  const main = (sliding ?? global)!;
  const spec = decoder(f, name, {
    attention: () => main,
    layout: () => ({ window: sliding ? readWindow(f) : null, kinds }),
    layerMlp: (i) => mlps[i]!,
    moe: {
      experts: 'n_routed_experts',
      expertSize: 'moe_intermediate_size',
      // MiMoV2MoE: gate.e_score_correction_bias (vLLM always; SGLang with topk_method noaux_tc).
      routerBias: f.string('topk_method', 'noaux_tc') === 'noaux_tc',
      groupRouting: true,
    },
  });
  const mtp = f.has('num_nextn_predict_layers')
    ? f.int('num_nextn_predict_layers', { max: MAX.layers })
    : null;
  const mtpWarning = mtpNote(spec, mtp, sliding !== null);
  const notes = [
    ...(mtpWarning ? [mtpWarning] : []),
    ...(spec.moe && f.int('n_shared_experts', { fallback: 0, max: MAX.experts }) > 0
      ? ['n_shared_experts is ignored: MiMoV2MoE builds no shared expert']
      : []),
  ];
  return {
    ...spec,
    ...(sliding && global && !sameShape(sliding, global) ? { fullAttention: global } : {}),
    ...(mtp && sliding ? { numMtpModules: mtp, mtpModule: MTP_MODULE } : {}),
    ...(notes.length > 0 ? { warnings: notes.map((note) => `${label}: ${note}`) } : {}),
  };
}

/** MiMo-V2-Flash: {@link readMimoV2Text} under its own model_type. */
export const mimoV2Flash: Family = (f, name) => readMimoV2Text(f, name, 'mimo_v2_flash');
