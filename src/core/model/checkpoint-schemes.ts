/**
 * `quantization_config` readers for AMD Quark, torchao and HQQ checkpoints (transformers' QuarkConfig,
 * TorchAoConfig and HqqConfig serialise them; vLLM and SGLang load Quark and torchao releases as such).
 */
import type { KvFormat, WeightFormat } from '../precision.js';
import {
  attentionFormat,
  attentionWords,
  count,
  leavesAttention,
  narrowest,
  object,
  text,
} from './checkpoint-fields.js';
import type { CheckpointFormat } from './checkpoint-format.js';
import type { Json } from './families/fields.js';

/**
 * A Quark QuantizationSpec's `dtype` (quark.torch.quantization.config.type.Dtype) as a weight format:
 * fp4 in groups of 16 is NVFP4, else OCP MXFP4 (groups of 32, E8M0 scales), costed as 4-bit float
 * storage that runs weight-only where the GPU has no FP4 tensor cores; a progressive spec (a list: FP8
 * then INT4) is stored as its last stage.
 */
function quarkWeights(spec: unknown): WeightFormat | null {
  const last = Array.isArray(spec) ? spec.at(-1) : spec;
  const s = object(last);
  const dtype = (text(s?.dtype) ?? '').toLowerCase();
  if (dtype.startsWith('fp8')) return 'fp8';
  if (dtype === 'int8' || dtype === 'uint8') return 'int8';
  if (dtype === 'int4' || dtype === 'uint4') return 'int4';
  if (dtype.startsWith('fp4') || dtype === 'mx_fp4') return count(s?.group_size) === 16 ? 'nvfp4' : 'fp4';
  return null;
}

/**
 * AMD Quark (`quant_method: quark`): the global spec's weight format, or per module pattern
 * (`layer_quant_config`, `layer_type_quant_config`: MXFP4 routed experts beside BF16 attention) costed
 * at the narrowest; `exclude` leaves modules 16-bit; an FP8 `kv_cache_quant_config` quantizes the KV cache.
 */
export function quark(q: Json): CheckpointFormat {
  const global = object(q.global_quant_config);
  const layers = [
    ...Object.entries(object(q.layer_quant_config) ?? {}),
    ...Object.entries(object(q.layer_type_quant_config) ?? {}),
  ].map(([pattern, c]) => ({ pattern, format: quarkWeights(object(c)?.weight) }));
  const known = layers.map((l) => l.format).filter((f): f is WeightFormat => f !== null);
  const own = quarkWeights(global?.weight);
  const weights = narrowest(own === null ? known : [own, ...known]);
  const attentionLayers = layers
    .filter((l) => l.format !== null && leavesAttention([l.pattern]))
    .map((l) => l.format as WeightFormat);
  const attentionWeights = attentionFormat(weights, q.exclude, attentionLayers);
  const kvSpecs = Object.values(object(q.kv_cache_quant_config) ?? {}).map(
    (c) => text(object(object(c)?.output_tensors)?.dtype) ?? '',
  );
  const kv: KvFormat | null = kvSpecs.some((d) => d.startsWith('fp8')) ? 'fp8' : null;
  const inputs = (text(object(global?.input_tensors)?.dtype) ?? '').toLowerCase();
  const w8a8 = weights === 'int8' && inputs === 'int8';
  return {
    weights,
    kv,
    attentionWeights,
    ...(w8a8 && { activations: 'int8' as const }),
    scheme: `quant_method quark (${own ?? 'global spec unstated'}${known.length > 0 ? `; per-module ${[...new Set(known)].join(', ')}` : ''}${w8a8 ? '; W8A8 INT8' : ''}${kv ? `; KV ${kv}` : ''}${attentionWords(attentionWeights)})`,
  };
}

/**
 * torchao (`quant_method: torchao`): `quant_type` as a string (`int4_weight_only`, transformers < 4.51) or
 * the config's class (`{ default: { _type: 'Int4WeightOnlyConfig', … } }`); the weights' datatype is the
 * last one the name gives (Int8DynamicActivationInt4WeightConfig stores INT4); INT8 activations with INT8
 * weights run INT8 GEMMs. `autoquant` picks per layer at run time: no format.
 */
export function torchao(q: Json): CheckpointFormat {
  const quantType = q.quant_type;
  const name =
    text(quantType) ??
    text(object(object(quantType)?.default)?._type) ??
    text(object(quantType)?._type) ??
    'unstated';
  const lower = name.toLowerCase();
  const weightPart = lower.replace(/^.*activation_?/, '');
  const weights: WeightFormat | null = /nvfp4/.test(lower)
    ? 'nvfp4'
    : /mxfp4/.test(lower)
      ? 'fp4'
      : /float8|fp8/.test(weightPart)
        ? 'fp8'
        : /int4/.test(weightPart)
          ? 'int4'
          : /int8/.test(weightPart)
            ? 'int8'
            : null;
  const w8a8 = weights === 'int8' && /int8_?dynamic_?activation_?int8|int8dynamicactivationint8/.test(lower);
  const attentionWeights = attentionFormat(weights, q.modules_to_not_convert, []);
  return {
    weights,
    kv: null,
    attentionWeights,
    ...(w8a8 && { activations: 'int8' as const }),
    scheme: `quant_method torchao (${name}${attentionWords(attentionWeights)})`,
  };
}

/** An HQQ BaseQuantizeConfig's bits (`weight_quant_params.nbits`), or a flat `nbits`/`bits`. */
const hqqBits = (c: Json | null): number | null =>
  c === null ? null : (count(object(c.weight_quant_params)?.nbits) ?? count(c.nbits) ?? count(c.bits));

/** HQQ bits as a weight format: 8 is int8; 1–4 int4 (an upper bound below 4); else none. */
const hqqFormat = (bits: number | null): WeightFormat | null =>
  bits === 8 ? 'int8' : bits !== null && bits >= 1 && bits <= 4 ? 'int4' : null;

/**
 * HQQ (`quant_method: hqq`): HqqConfig.to_dict's `quant_config` (one BaseQuantizeConfig, or one per layer
 * tag from `dynamic_config`: costed at the narrowest, an attention tag's own format kept for attention),
 * or flat `nbits`. 1–3 bits are costed as int4, an upper bound (llmecon has no narrower integer format).
 */
export function hqq(q: Json): CheckpointFormat {
  const config = object(q.quant_config);
  const single = hqqBits(config) ?? hqqBits(q);
  const tags = Object.entries(config ?? {})
    .map(([tag, c]) => ({ tag, bits: hqqBits(object(c)) }))
    .filter((t): t is { tag: string; bits: number } => t.bits !== null);
  const bits = single ?? (tags.length > 0 ? Math.min(...tags.map((t) => t.bits)) : null);
  const weights = hqqFormat(bits);
  const attentionTags = tags
    .filter((t) => single === null && leavesAttention([t.tag]))
    .map((t) => hqqFormat(t.bits))
    .filter((f): f is WeightFormat => f !== null);
  const attentionWeights = attentionFormat(weights, q.skip_modules, attentionTags);
  const bound = bits !== null && bits < 4 ? ', costed as int4: an upper bound' : '';
  return {
    weights,
    kv: null,
    attentionWeights,
    scheme: `quant_method hqq (${bits ?? '?'}-bit${bound}${attentionWords(attentionWeights)})`,
  };
}
