/**
 * Number formats and their storage cost. Quantized formats include their scale/zero-point overhead,
 * so "4-bit" weights cost slightly more than half a byte.
 */

export const WEIGHT_FORMATS = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'nf4', 'fp4'] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];

export const KV_FORMATS = ['bf16', 'fp16', 'fp8', 'int8', 'int4'] as const;
export type KvFormat = (typeof KV_FORMATS)[number];

export interface FormatInfo {
  /** Bytes per element, including quantization constants amortized per element. */
  readonly bytesPerElement: number;
  readonly description: string;
}

/**
 * Bytes per element by format.
 * - int4: AWQ/GPTQ with group size 128 and an FP16 scale + 4-bit zero point per group:
 *   4 + (16 + 4)/128 = 4.156 bits (Lin et al. 2024, AWQ, Sec. 3; Frantar et al. 2023, GPTQ, Sec. 4).
 * - nf4: QLoRA NF4 with double quantization: 4 + 0.127 bits (Dettmers et al. 2023, QLoRA, Sec. 3).
 * - fp4: MXFP4, one 8-bit shared scale per 32 elements: 4 + 8/32 = 4.25 bits (OCP Microscaling
 *   Formats MX v1.0, Sec. 5; the format of gpt-oss's released weights).
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
  fp4: { bytesPerElement: 4.25 / 8, description: 'MXFP4, 8-bit scale per 32 elements' },
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
