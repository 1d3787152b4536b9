/**
 * StepFun Step-3.5-Flash (`step3p5`) and its vision wrapper Step-3.7-Flash (`step3p7`, a `text_config`
 * of model_type step3p5: Megatron-Bridge `examples/models/stepfun/step37/README.md`, "byte-identical
 * Step-3.5" text backbone).
 *
 * Shapes from StepFun's remote code `modeling_step3p5.py` (Step3p5Attention, Step3p5MoEMLP,
 * Step3p5DecoderLayer), vLLM `vllm/model_executor/models/step3p5.py` and `step3p5_mtp.py`, and
 * Megatron-Bridge `src/megatron/bridge/models/stepfun/step35_bridge.py` (its HF-name mapping):
 * - `layer_types[i]` full_attention: `num_attention_heads` query heads; sliding_attention: the heads of
 *   `attention_other_setting` (96 on Step-3.5-Flash), window `sliding_window`. Both take
 *   `num_attention_groups` KV heads of `head_dim`. The checkpoint's list also names its MTP layers after
 *   the decoder's (45 + 3 entries; vLLM Step3p5Config.validate_layer_type): only the first
 *   `num_hidden_layers` are the decoder's.
 * - q/k/v/o without bias; `use_qk_norm`: one RMSNorm of head_dim for q and one for k; the head-wise
 *   gate `use_head_wise_attn_gate`: g_proj (h → heads, no bias), sigmoid, one scalar per head before
 *   o_proj. Zero-centred norms, partial rotary and per-layer RoPE thetas have no parameters.
 * - `moe_layers_enum` (a comma-separated string, or a list) names the MoE layers; without it every
 *   layer but the first (HF and vLLM `range(1, num_hidden_layers)`). MoE: a router (h → experts, no
 *   bias), `router_bias` for top-k selection with `use_moe_router_bias`, `moe_num_experts` experts of
 *   `moe_intermediate_size`, top `moe_top_k`, one shared expert of `share_expert_dim`; other layers a
 *   SwiGLU MLP of `intermediate_size`. `swiglu_limits` clamp activations (no parameters).
 * - Untied lm_head (`tie_word_embeddings` false in the release).
 * The MTP layers (`num_nextn_predict_layers`, stored as model.layers.45–47) are counted as MTP modules
 * (outside the total): a block of the kind `layer_types` lists past the decoder (sliding in the release)
 * with a dense MLP, enorm, hnorm, eh_proj (2h → h) and their own shared_head (norm + a vocabulary
 * projection; `ModelSpec.mtpModule.ownHead`), the embedding shared (vLLM `step3p5_mtp.py`).
 * Totals checked against NVIDIA's Megatron-Bridge verification card of the release
 * (`examples/model_verification_cards/step35-flash/card.yaml`: 804 tensors, 398,768,626,944 bytes).
 */
import type { GqaAttention, LayerMixer } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
import { decoder, type Family, readKvHeads, readLayerTypes } from './readers.js';
import { wrapped } from './wrappers.js';

/** One attention kind of Step3p5Attention: its query heads, KV groups and head width. */
function readStepAttention(f: Fields, other: Fields | null): GqaAttention {
  const at = other ?? f;
  const numHeads = at.positiveInt('num_attention_heads', {
    max: MAX.heads,
    ...(other ? { fallback: f.positiveInt('num_attention_heads', { max: MAX.heads }) } : {}),
  });
  const groups = other?.has('num_attention_groups') ? other : f;
  // `num_attention_groups` (StepFun's config), else the `num_key_value_heads` other configs write.
  const kvKey = groups.has('num_attention_groups') ? 'num_attention_groups' : 'num_key_value_heads';
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads: readKvHeads(groups.with({ num_attention_heads: numHeads }), numHeads, kvKey),
    headDim: at.positiveInt('head_dim', {
      max: MAX.headDim,
      ...(other ? { fallback: f.positiveInt('head_dim', { max: MAX.headDim }) } : {}),
    }),
    qkvBias: false,
    outputBias: false,
    qkNorm: f.bool('use_qk_norm', true) ? 'per-head' : 'none',
    sinks: false,
    headGate: f.bool('use_head_wise_attn_gate', false),
  };
}

/** Each decoder layer's kind: `layer_types`, cut to the decoder when it also lists the MTP layers. */
function readStepLayerTypes(f: Fields, n: number, mtp: number): LayerMixer[] {
  const raw = f.raw('layer_types');
  const types =
    Array.isArray(raw) && mtp > 0 && raw.length === n + mtp
      ? readLayerTypes(f.with({ layer_types: raw.slice(0, n) }), n)
      : readLayerTypes(f, n);
  return types ?? Array(n).fill('full');
}

/**
 * The MoE layers' indices: `moe_layers_enum` ("3,4,…" or a list); else those from
 * `first_k_dense_replace` on (the DeepSeek-style key other configs of the model write); else every
 * layer but the first (HF and vLLM `range(1, num_hidden_layers)`).
 */
function readMoeLayers(f: Fields, n: number, expertsKey: string): Set<number> {
  if (!f.bool('use_moe', f.has(expertsKey))) return new Set();
  const raw = f.raw('moe_layers_enum');
  if (raw === undefined || raw === null) {
    const first = f.int('first_k_dense_replace', { fallback: 1, max: MAX.layers });
    return new Set(Array.from({ length: Math.max(0, n - first) }, (_, i) => i + first));
  }
  const entries = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()) : raw;
  const indices = Array.isArray(entries)
    ? entries.map((e) => (typeof e === 'string' ? (e.trim() === '' ? Number.NaN : Number(e)) : e))
    : [];
  if (
    !Array.isArray(entries) ||
    !indices.every((i) => Number.isInteger(i) && (i as number) >= 0 && (i as number) < n)
  ) {
    return f.fail(
      'moe_layers_enum',
      `must list MoE layer indices from 0 to ${n - 1} (a comma-separated string such as "3,4,5" or a list), got ${shown(raw)}`,
    );
  }
  return new Set(indices as number[]);
}

/**
 * The MTP layers' mixer: Step3p5DecoderLayer at index 45 + i reads `layer_types[45 + i]` (a list that names
 * them), else the sliding window the release gives them; null when the listed kinds differ (one module shape).
 */
function readMtpMixer(f: Fields, n: number, mtp: number, kinds: readonly LayerMixer[]): LayerMixer | null {
  const raw = f.raw('layer_types');
  if (!Array.isArray(raw) || raw.length !== n + mtp) return kinds.includes('sliding') ? 'sliding' : 'full';
  const tail = readLayerTypes(f.with({ layer_types: raw.slice(n) }), mtp) ?? [];
  return new Set(tail).size === 1 ? tail[0]! : null;
}

/** Step-3.5: hybrid full/sliding GQA with per-kind head counts and head-wise gates, sigmoid-routed MoE with a shared expert. */
export const step3p5: Family = (f, name) => {
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mtp = f.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers });
  const kinds = readStepLayerTypes(f, n, mtp);
  // StepFun's keys, else the DeepSeek-style ones other configs of the model write (num_experts, top-k).
  const expertsKey = f.has('moe_num_experts') ? 'moe_num_experts' : 'num_experts';
  const moeLayers = readMoeLayers(f, n, expertsKey);
  const full = readStepAttention(f, null);
  const sliding = kinds.includes('sliding') ? readStepAttention(f, f.child('attention_other_setting')) : null;
  const window = sliding
    ? (f.optionalPositiveInt('sliding_window') ??
      f.fail('sliding_window', 'is required when layer_types has sliding_attention layers'))
    : null;
  const keys = f.has('max_position_embeddings')
    ? undefined
    : {
        vocab: 'vocab_size',
        hidden: 'hidden_size',
        layers: 'num_hidden_layers',
        positions: 'max_seq_len',
      };
  const spec = decoder(f, name, {
    ...(keys ? { keys } : {}),
    // Sliding layers take the model-wide attention; full layers their own when it differs (as Gemma 4).
    attention: () => sliding ?? full,
    layout: () => ({ window, kinds }),
    layerMlp: (i) => (moeLayers.has(i) ? 'moe' : 'dense'),
    moe: {
      experts: expertsKey,
      topK: f.has('moe_top_k') ? 'moe_top_k' : 'num_experts_per_tok',
      expertSize: 'moe_intermediate_size',
      shared: { sizeKey: 'share_expert_dim', count: 1 },
      routerBias: f.bool('use_moe_router_bias', false),
    },
  });
  const differs =
    sliding !== null &&
    (sliding.numHeads !== full.numHeads ||
      sliding.numKvHeads !== full.numKvHeads ||
      sliding.headDim !== full.headDim);
  const warnings = [
    ...(f.has('layer_types') ? [] : ['step3p5: no layer_types: every layer is read as full attention']),
    ...(kinds.includes('sliding') && !f.has('attention_other_setting')
      ? [
          `step3p5: no attention_other_setting: the sliding layers are read with the full layers' ${full.numHeads} query heads (Step-3.5-Flash's release gives them 96 of their own)`,
        ]
      : []),
  ];
  // The checkpoint's MTP layers (vLLM step3p5_mtp.py: enorm, hnorm, eh_proj, a Step3p5DecoderLayer with a dense MLP,
  // shared_head.norm and its own shared_head.output; the embedding is the model's).
  const mtpMixer = mtp > 0 ? readMtpMixer(f, n, mtp, kinds) : null;
  if (mtp > 0 && mtpMixer === null)
    warnings.push(
      `step3p5: the ${mtp} MTP layers' layer_types entries differ: llmecon's MTP modules share one layer kind, so they are not counted`,
    );
  return {
    ...spec,
    ...(mtpMixer === null
      ? {}
      : { numMtpModules: mtp, mtpModule: { layer: { attention: mtpMixer, mlp: 'dense' }, ownHead: true } }),
    ...(differs && kinds.includes('full') ? { fullAttention: full } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
};

/**
 * Step-3.7-Flash (`step3p7`): Step-3.5's text model in `text_config`, and a perception-encoder vision
 * tower (`vision_config`, with its downsamplers and projector) that llmecon does not read: not counted,
 * and said.
 */
export const step3p7Wrapper =
  (familyOf: (modelType: string) => Family | undefined): Family =>
  (top, name) => {
    const spec = wrapped(familyOf, { textType: 'step3p5' })(top, name);
    const tower = top.has('vision_config')
      ? [
          `step3p7: the vision tower (vision_config, model_type '${top.child('vision_config')!.string('model_type', 'perception_encoder')}') and its projector are not read: parameters, FLOPs and memory are the text model's`,
        ]
      : [];
    return tower.length > 0 ? { ...spec, warnings: [...(spec.warnings ?? []), ...tower] } : spec;
  };
