/**
 * Number formats and their storage cost. Quantized formats include their scale/zero-point overhead,
 * so "4-bit" weights cost slightly more than half a byte.
 */

import type { Datatype } from './hardware/hardware-spec.js';

export const WEIGHT_FORMATS = [
  'fp32',
  'bf16',
  'fp16',
  'fp8',
  'int8',
  'int4',
  'nf4',
  'fp4',
  'nvfp4',
  'mxfp4',
  'mxfp8',
] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];

/** Weight formats that only run as the tensor cores' own datatype (no weight-only dequantising kernel). */
export const NATIVE_ONLY_FORMATS: readonly WeightFormat[] = ['nvfp4', 'mxfp8'];

export const KV_FORMATS = ['bf16', 'fp16', 'fp8', 'int8', 'int4', 'nvfp4'] as const;
export type KvFormat = (typeof KV_FORMATS)[number];

export interface FormatInfo {
  /** Bytes per element, including quantization constants amortized per element. */
  readonly bytesPerElement: number;
  readonly description: string;
}

/** NVFP4: 4-bit E2M1 values plus one FP8 E4M3 scale per 16 (NVIDIA, "Introducing NVFP4", 2025): 4.5 bits. */
const NVFP4_BYTES = (4 + 8 / 16) / 8;
/** MXFP4: 4-bit E2M1 values plus one E8M0 scale per 32 (OCP Microscaling Formats v1.0, Sec. 5): 4.25 bits. */
const MXFP4_BYTES = (4 + 8 / 32) / 8;
/** MXFP8: 8-bit E4M3 values plus one E8M0 scale per 32 (OCP MX v1.0, Sec. 5): 8.25 bits. */
const MXFP8_BYTES = (8 + 8 / 32) / 8;

/**
 * Bytes per element of each tensor-core datatype as a GEMM reads it, block scales included (the
 * datasheet `fp4` peak is unscaled E2M1).
 */
export const DATATYPE_BYTES: Readonly<Record<Datatype, number>> = {
  fp32: 4,
  tf32: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  fp4: 0.5,
  nvfp4: NVFP4_BYTES,
  mxfp4: MXFP4_BYTES,
  mxfp8: MXFP8_BYTES,
  int8: 1,
  int4: 0.5,
};

/**
 * Bytes per element by format.
 * - int4: AWQ/GPTQ with group size 128 and an FP16 scale + 4-bit zero point per group:
 *   4 + (16 + 4)/128 = 4.156 bits (Lin et al. 2024, AWQ, Sec. 3; Frantar et al. 2023, GPTQ, Sec. 4).
 * - nf4: QLoRA NF4 with double quantization: 4 + 0.127 bits (Dettmers et al. 2023, QLoRA, Sec. 3).
 * - fp4 (= mxfp4): MXFP4, one 8-bit shared scale per 32 elements: 4 + 8/32 = 4.25 bits (OCP
 *   Microscaling Formats MX v1.0, Sec. 5; the format of gpt-oss's released weights).
 * - nvfp4: one FP8 scale per 16 elements: 4.5 bits; mxfp8: one E8M0 scale per 32: 8.25 bits.
 * - fp8 / int8: per-tensor or per-channel scales are negligible; DeepSeek-V3's 128×128 block scales
 *   add 4 bytes per 16,384 weights (DeepSeek-V3 report Sec. 3.3.1), also below 0.03%.
 */
export const FORMAT_INFO: Readonly<Record<WeightFormat, FormatInfo>> = {
  fp32: { bytesPerElement: 4, description: 'IEEE single precision' },
  bf16: { bytesPerElement: 2, description: 'bfloat16' },
  fp16: { bytesPerElement: 2, description: 'IEEE half precision' },
  fp8: { bytesPerElement: 1, description: 'FP8 (E4M3/E5M2)' },
  int8: { bytesPerElement: 1, description: 'INT8 with per-channel scales' },
  int4: { bytesPerElement: (4 + 20 / 128) / 8, description: 'INT4, group size 128 (AWQ/GPTQ)' },
  nf4: { bytesPerElement: (4 + 0.127) / 8, description: 'NF4 with double quantization (QLoRA)' },
  fp4: { bytesPerElement: MXFP4_BYTES, description: 'MXFP4, 8-bit scale per 32 elements' },
  nvfp4: { bytesPerElement: NVFP4_BYTES, description: 'NVFP4, FP8 E4M3 scale per 16 elements' },
  mxfp4: { bytesPerElement: MXFP4_BYTES, description: 'MXFP4 (OCP MX), E8M0 scale per 32 elements' },
  mxfp8: { bytesPerElement: MXFP8_BYTES, description: 'MXFP8 (OCP MX), E8M0 scale per 32 elements' },
};

/**
 * Weight sparsity a serving replica may use. `2:4`: two of every four weights kept, each with a 2-bit
 * position index (NVIDIA Ampere sparse tensor cores; Mishra et al. 2021, "Accelerating Sparse Deep
 * Neural Networks", Sec. 2); `unstructured`: zeros anywhere — dense kernels neither skip nor drop them.
 */
export const WEIGHT_SPARSITY = ['none', '2:4', 'unstructured'] as const;
export type WeightSparsity = (typeof WEIGHT_SPARSITY)[number];

/** Stored bytes per original weight under `sparsity`: 2:4 keeps half the values plus 2 bits each. */
export function sparseWeightBytes(bytes: number, sparsity: WeightSparsity = 'none'): number {
  return sparsity === '2:4' ? 0.5 * bytes + 0.5 * (2 / 8) : bytes;
}

/** Bytes per element of `format`. */
export function bytesPerElement(format: WeightFormat | KvFormat): number {
  return FORMAT_INFO[format].bytesPerElement;
}

/**
 * Why a GPU with these dense peaks cannot run `format` (weights or KV cache), or null. NVFP4, MXFP4 and
 * MXFP8 run only as the tensor cores' own block-scaled datatypes (Blackwell, CDNA 4), so a GPU whose
 * datasheet lists no peak for them is refused. `fp4` weights (MXFP4 storage, the gpt-oss release) run
 * anywhere: dequantised into BF16 GEMMs where there is no native FP4 (serving-step.ts computeType).
 */
export function formatSupportError(
  format: WeightFormat | KvFormat,
  gpu: { readonly id: string; readonly peakFlopsPerSecond: Readonly<Partial<Record<Datatype, number>>> },
  role: 'weights' | 'kv' = 'weights',
): string | null {
  if (format !== 'nvfp4' && format !== 'mxfp4' && format !== 'mxfp8') return null;
  if (gpu.peakFlopsPerSecond[format] !== undefined) return null;
  const listed = (['nvfp4', 'mxfp4', 'mxfp8', 'fp8'] as const).filter(
    (d) => gpu.peakFlopsPerSecond[d] !== undefined,
  );
  return `${gpu.id} has no ${format.toUpperCase()} tensor cores (its datasheet lists ${listed.length > 0 ? listed.join(', ') : 'none of nvfp4, mxfp4, mxfp8, fp8'}); use ${format === 'mxfp8' || role === 'kv' ? `fp8${role === 'kv' ? ' or bf16' : ''}` : 'fp4 (MXFP4 weights dequantised into BF16 GEMMs, W4A16) or int4'}`;
}
