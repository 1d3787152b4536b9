/**
 * The number format a checkpoint's weights are published in, from its `config.json`
 * `quantization_config` (transformers' quantizers; vLLM and SGLang load the same field): what an
 * engine serving the model as released holds in memory and streams each step.
 */
import { formatSupportError, type KvFormat, type WeightFormat } from '../precision.js';
import {
  attentionFormat,
  attentionWords,
  count,
  leavesAttention,
  narrowest,
  object,
  text,
} from './checkpoint-fields.js';
import { hqq, quark, torchao } from './checkpoint-schemes.js';
import type { Json } from './families/fields.js';

/** The word that asks for the checkpoint's own format where a format is chosen (`--weights checkpoint,int4`, the web's lists). */
export const CHECKPOINT_FORMAT = 'checkpoint' as const;

export interface CheckpointFormat {
  /** The format its linear layers load in; null where llmecon has none for the scheme. */
  readonly weights: WeightFormat | null;
  /** A quantized KV cache the checkpoint asks for (compressed-tensors kv_cache_scheme, ModelOpt), else null. */
  readonly kv: KvFormat | null;
  /**
   * The attention projections' own format where the release ships them otherwise than `weights`, else
   * null: bf16 where its list of modules left out names them (transformers' `modules_to_not_convert`,
   * compressed-tensors' `ignore`, ModelOpt's `exclude_modules`; gpt-oss's), or the format of the group or
   * layer that targets them in a mixed checkpoint (FP8 attention beside NVFP4 experts).
   */
  readonly attentionWeights: WeightFormat | null;
  /** The scheme in the config's own words, e.g. "quant_method fp8 (e4m3, 128×128 blocks)". */
  readonly scheme: string;
  /**
   * 'int8' where INT8 weights meet INT8 activations (compressed-tensors W8A8: `input_activations` of 8-bit
   * ints in every INT8 group): the GEMMs run on the INT8 tensor cores, not weight-only. Absent otherwise.
   */
  readonly activations?: 'int8';
}

/**
 * One compressed-tensors quantization scheme (compressed_tensors.QuantizationArgs): num_bits and type
 * of its `weights`; the group format names the packing where it says more ("nvfp4-pack-quantized": E2M1
 * with an FP8 scale per 16, NVIDIA's NVFP4; "mxfp4-pack-quantized": OCP MXFP4).
 */
function compressedTensorsWeights(args: Json | null, format: string | null): WeightFormat | null {
  if (format?.startsWith('nvfp4')) return 'nvfp4';
  if (format?.startsWith('mxfp4')) return 'fp4';
  if (args === null) return null;
  const bits = count(args.num_bits);
  const type = text(args.type);
  if (bits === 8) return type === 'float' ? 'fp8' : 'int8';
  if (bits === 4) return type === 'float' ? (count(args.group_size) === 16 ? 'nvfp4' : 'fp4') : 'int4';
  return null;
}

function compressedTensors(q: Json): CheckpointFormat {
  const groups = Object.values(object(q.config_groups) ?? {})
    .map(object)
    .filter((g): g is Json => g !== null);
  const top = text(q.format);
  const formats = groups.map((g) => compressedTensorsWeights(object(g.weights), text(g.format) ?? top));
  const known = formats.filter((f): f is WeightFormat => f !== null);
  const weights = narrowest(known);
  const kvArgs = object(q.kv_cache_scheme);
  const kv = kvArgs && count(kvArgs.num_bits) === 8 ? (text(kvArgs.type) === 'int' ? 'int8' : 'fp8') : null;
  const distinct = [...new Set(known)];
  // A group whose `targets` name the attention projections gives them its format.
  const attentionGroups = formats.filter(
    (f, i): f is WeightFormat => f !== null && leavesAttention(groups[i]!.targets),
  );
  const attentionWeights = attentionFormat(weights, q.ignore, attentionGroups);
  // W8A8 INT8 (vLLM's CompressedTensorsW8A8Int8, CUTLASS INT8 GEMMs): every INT8 group quantizes its
  // input activations to 8-bit ints too.
  const int8Groups = groups.filter((_, i) => formats[i] === 'int8');
  const w8a8 =
    weights === 'int8' &&
    int8Groups.length > 0 &&
    int8Groups.every((g) => {
      const acts = object(g.input_activations);
      return acts !== null && count(acts.num_bits) === 8 && text(acts.type) === 'int';
    });
  // Other modules left unquantized beyond the head and embeddings (kept 16-bit here anyway): costed at
  // the groups' format.
  const ignored = (Array.isArray(q.ignore) ? q.ignore : []).filter(
    (m) => typeof m === 'string' && !/lm_head|embed/.test(m) && !leavesAttention([m]),
  ).length;
  return {
    weights,
    kv,
    attentionWeights,
    ...(w8a8 && { activations: 'int8' as const }),
    scheme: `quant_method compressed-tensors (${top ?? 'format unstated'}${w8a8 ? '; W8A8 INT8' : ''}${distinct.length > 1 ? `; groups ${distinct.join(', ')}` : ''}${kv ? `; KV ${kv}` : ''}${attentionWords(attentionWeights)}${ignored > 0 && weights ? `; ${ignored} other unquantized module pattern${ignored > 1 ? 's' : ''} costed as ${weights} too` : ''})`,
  };
}

/** A ModelOpt `quant_algo` as a weight format. */
function modelOptAlgo(algo: string): WeightFormat | null {
  if (algo === 'FP8' || algo === 'FP8_PB_WO') return 'fp8';
  // 4-bit float storage whatever the activations (W4A16_NVFP4 experts beside FP8 attention, W4A8_NVFP4_FP8,
  // NVFP4_AWQ; W4A16_MXFP4, W4A8_MXFP4_FP8): the block format names the bytes.
  if (algo.includes('NVFP4')) return 'nvfp4';
  if (algo.includes('MXFP4')) return 'mxfp4';
  return algo.startsWith('W4A8') || algo.startsWith('W4A16') ? 'int4' : null;
}

/**
 * ModelOpt's `quant_algo` (TensorRT Model Optimizer; the field vLLM's ModelOptFp8Config/ModelOptNvFp4Config
 * read); MIXED_PRECISION names each layer's in `quantized_layers`, costed at the narrowest.
 */
function modelOpt(q: Json): CheckpointFormat {
  const algo = (text(q.quant_algo) ?? '').toUpperCase();
  const named = Object.entries(object(q.quantized_layers) ?? {}).map(([name, l]) => ({
    name,
    format: modelOptAlgo((text(object(l)?.quant_algo) ?? '').toUpperCase()),
  }));
  const layers = named.map((l) => l.format).filter((f): f is WeightFormat => f !== null);
  const weights = algo === 'MIXED_PRECISION' ? narrowest(layers) : modelOptAlgo(algo);
  const kvAlgo = (text(q.kv_cache_quant_algo) ?? '').toUpperCase();
  const kv: KvFormat | null = kvAlgo === 'FP8' ? 'fp8' : kvAlgo === 'NVFP4' ? 'nvfp4' : null;
  const mixed = [...new Set(layers)];
  const perLayer =
    algo === 'MIXED_PRECISION' ? `; layers ${mixed.length > 0 ? mixed.join(', ') : 'unstated'}` : '';
  const attentionLayers = named
    .filter((l) => leavesAttention([l.name]))
    .map((l) => l.format)
    .filter((f): f is WeightFormat => f !== null);
  const attentionWeights = attentionFormat(weights, q.exclude_modules, attentionLayers);
  return {
    weights,
    kv,
    attentionWeights,
    scheme: `quant_method modelopt (quant_algo ${algo || 'unstated'}${perLayer}${kv ? `, KV ${kv}` : ''}${attentionWords(attentionWeights)})`,
  };
}

/** Bits of a GPTQ/AWQ-style integer checkpoint (`bits` or `w_bit`). */
function integerBits(q: Json, method: string): CheckpointFormat {
  const bits = count(q.bits) ?? count(q.w_bit);
  const group = count(q.group_size) ?? count(q.q_group_size);
  const weights = bits === 4 ? 'int4' : bits === 8 ? 'int8' : null;
  const attentionWeights = attentionFormat(weights, q.modules_to_not_convert, []);
  return {
    weights,
    kv: null,
    attentionWeights,
    scheme: `quant_method ${method} (${bits ?? '?'}-bit${group ? `, group ${group}` : ''}${attentionWords(attentionWeights)})`,
  };
}

/**
 * The checkpoint's own weight (and KV) format from a Hugging Face config's `quantization_config`
 * (also a multimodal wrapper's `text_config`, and compressed-tensors' older `compression_config`);
 * null when it has none (a BF16/FP16 release).
 *
 * @example checkpointFormat({ quantization_config: { quant_method: 'fp8' } })?.weights // 'fp8'
 */
export function checkpointFormat(config: unknown): CheckpointFormat | null {
  const top = object(config);
  if (top === null) return null;
  const q =
    object(top.quantization_config) ??
    object(top.compression_config) ??
    object(object(top.text_config)?.quantization_config);
  if (q === null) return null;
  const method = (text(q.quant_method) ?? '').toLowerCase();
  switch (method) {
    case 'fp8':
    case 'fbgemm_fp8': {
      // DeepSeek-V3's block-wise FP8 (fmt e4m3, weight_block_size [128, 128]); Qwen3-FP8 the same.
      const fmt = text(q.fmt);
      const block = Array.isArray(q.weight_block_size) ? q.weight_block_size.join('×') : null;
      const attentionWeights = attentionFormat('fp8', q.modules_to_not_convert, []);
      const detail = [fmt, block && `${block} blocks`, attentionWeights && 'attention projections BF16']
        .filter(Boolean)
        .join(', ');
      return {
        weights: 'fp8',
        kv: null,
        attentionWeights,
        scheme: `quant_method ${method}${detail ? ` (${detail})` : ''}`,
      };
    }
    case 'mxfp4': {
      // gpt-oss: MXFP4 routed experts, the attention and router BF16 (modules_to_not_convert).
      const attentionWeights = attentionFormat('fp4', q.modules_to_not_convert, []);
      return {
        weights: 'fp4',
        kv: null,
        attentionWeights,
        scheme: `quant_method mxfp4 (MXFP4 routed experts${attentionWords(attentionWeights)})`,
      };
    }
    case 'compressed-tensors':
      return compressedTensors(q);
    case 'modelopt':
      return modelOpt(q);
    case 'awq':
    case 'gptq':
    case 'auto-round':
      return integerBits(q, method);
    case 'quark':
      return quark(q);
    case 'torchao':
      return torchao(q);
    case 'hqq':
      return hqq(q);
    case 'bitsandbytes':
      return {
        weights: q.load_in_4bit === true ? 'nf4' : q.load_in_8bit === true ? 'int8' : null,
        kv: null,
        attentionWeights: null,
        scheme: `quant_method bitsandbytes (${q.load_in_4bit === true ? `4-bit ${text(q.bnb_4bit_quant_type) ?? 'fp4'}` : q.load_in_8bit === true ? '8-bit' : 'bits unstated'})`,
      };
    default:
      return {
        weights: null,
        kv: null,
        attentionWeights: null,
        scheme: `quant_method ${method || 'unstated'}`,
      };
  }
}

/** A checkpoint's formats as one GPU serves them, and what was put in their place. */
export interface ServedFormat {
  readonly weights: WeightFormat;
  readonly kv: KvFormat;
  /** The attention projections' format where the release leaves them unquantized (bf16), else null: `weights`. */
  readonly attentionWeights: WeightFormat | null;
  /** 'int8' where the GEMMs run W8A8 on the GPU's INT8 tensor cores (CheckpointFormat.activations); absent: weight-only. */
  readonly gemmDatatype?: 'int8';
  /** The weights' format and where it comes from, in words; null for a BF16 release. */
  readonly weightsNote: string | null;
  /** The KV cache's, where the checkpoint names one; else null. */
  readonly kvNote: string | null;
}

type GpuPeaks = Parameters<typeof formatSupportError>[1];

/**
 * What an engine loads `checkpoint` as on `gpu`: its own formats where the GPU runs them. NVFP4 weights
 * on a GPU without FP4 tensor cores run weight-only (vLLM's and SGLang's W4A16 FP4 Marlin schemes on
 * Hopper and Ampere), costed as `fp4` (4-bit storage, 4.25 bits against NVFP4's 4.5); a scheme llmecon
 * has no format for, and an NVFP4 KV cache without FP4 tensor cores, fall back to BF16 and say so.
 * Without a GPU (`null`): the formats as released.
 */
export function servedFormat(checkpoint: CheckpointFormat | null, gpu: GpuPeaks | null): ServedFormat {
  if (checkpoint === null)
    return { weights: 'bf16', kv: 'bf16', attentionWeights: null, weightsNote: null, kvNote: null };
  const runs = (format: WeightFormat | KvFormat) => gpu === null || formatSupportError(format, gpu) === null;
  const own = checkpoint.weights;
  const weights: WeightFormat = own === null ? 'bf16' : asRun(own, runs);
  const kv: KvFormat = checkpoint.kv !== null && runs(checkpoint.kv) ? checkpoint.kv : 'bf16';
  const of = `the checkpoint's ${checkpoint.scheme}`;
  // W8A8 on INT8 tensor cores where the GPU lists an INT8 peak (Ampere, Hopper, B200; not B300 or GB300).
  const int8Gemms =
    weights === 'int8' &&
    checkpoint.activations === 'int8' &&
    (gpu === null || gpu.peakFlopsPerSecond.int8 !== undefined);
  return {
    weights,
    kv,
    ...(int8Gemms && { gemmDatatype: 'int8' as const }),
    attentionWeights:
      own === null || weights === 'bf16' || checkpoint.attentionWeights === null
        ? null
        : asRun(checkpoint.attentionWeights, runs),
    weightsNote:
      own === null
        ? `weights bf16: llmecon has no format for ${of}`
        : weights === own
          ? `weights ${own}${int8Gemms ? ' with INT8 activations (INT8 GEMMs)' : checkpoint.activations === 'int8' ? ` weight-only (${gpu?.id} lists no INT8 peak)` : ''}, ${of}`
          : `weights ${weights}: ${of} runs weight-only on ${gpu?.id}, which has no FP4 tensor cores`,
    kvNote:
      checkpoint.kv === null
        ? null
        : kv === checkpoint.kv
          ? `KV ${kv}, ${of}`
          : `KV bf16: ${of} asks for ${checkpoint.kv}, which ${gpu?.id} has no tensor cores for`,
  };
}

/** A released format as a GPU runs it: itself, NVFP4 weight-only as fp4 without FP4 tensor cores, else BF16. */
const asRun = (own: WeightFormat, runs: (format: WeightFormat) => boolean): WeightFormat =>
  runs(own) ? own : own === 'nvfp4' ? 'fp4' : 'bf16';

/**
 * What `served` took from the checkpoint for the formats not `given`, in one line ('' where nothing); where the
 * stated weights include the release's own format, that its attention keeps the format it ships in.
 */
export function formatsTaken(
  served: ServedFormat,
  given: { readonly weights: boolean; readonly kv: boolean; readonly statedWeights?: readonly string[] },
): string {
  const kept =
    given.weights && served.attentionWeights !== null && given.statedWeights?.includes(served.weights)
      ? `attention ${served.attentionWeights} at weights ${served.weights}, as the checkpoint releases it`
      : null;
  return [given.weights ? kept : served.weightsNote, given.kv ? null : served.kvNote]
    .filter((n): n is string => n !== null)
    .join('; ');
}

/**
 * A replica as the release is served: at the checkpoint's own weight format, the modules it left
 * unquantized stay so (gpt-oss's BF16 attention beside its MXFP4 experts); at any other format (a
 * requantized model, or `served` null) every matrix takes that format.
 */
export function asReleased<R extends { readonly weightFormat: WeightFormat }>(
  replica: R,
  served: Pick<ServedFormat, 'weights' | 'attentionWeights' | 'gemmDatatype'> | null,
): R & { readonly attentionWeightFormat?: WeightFormat; readonly gemmDatatype?: 'int8' } {
  if (served === null || replica.weightFormat !== served.weights) return replica;
  return {
    ...replica,
    ...(served.attentionWeights !== null && { attentionWeightFormat: served.attentionWeights }),
    // W8A8: the release's INT8 activations (CheckpointFormat.activations) run its GEMMs in INT8.
    ...(served.gemmDatatype !== undefined && { gemmDatatype: served.gemmDatatype }),
  };
}
