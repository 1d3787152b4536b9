/**
 * Work → seconds. One record per operation (LLM-Viewer's idea): its FLOPs and the bytes it moves.
 * Where the GPU's efficiency profile has a fitted kernel model and the GPU's compute-unit count is
 * known, a GEMM's time comes from its shape (tiles, waves, K loop: kernel-model.ts); otherwise it is
 * the roofline (Williams et al. 2009) of compute at the size-dependent efficiency curve and memory at
 * the size-dependent bandwidth curve.
 */
import { type AttentionImplementation, curveEfficiency, gemmCurve, isFourBit } from './efficiency.js';
import type { Datatype, HardwareSpec } from './hardware-spec.js';
import {
  type GemmPrediction,
  gemmBytes,
  gemmKernelSeconds,
  gemmParameters,
  predictGemm,
} from './kernel-model.js';

/**
 * The dense peak of `datatype` (BF16's where the GPU lists none) times the share a multi-node run
 * sustains, and for a 4-bit type the family's FP4 ceiling: the rate every GEMM model divides by.
 */
function sustainedPeak(hw: HardwareSpec, datatype: Datatype): number {
  const ceiling = isFourBit(datatype) ? (hw.efficiency.fp4Ceiling ?? 1) : 1;
  return (
    (hw.peakFlopsPerSecond[datatype] ?? hw.peakFlopsPerSecond.bf16!) *
    hw.efficiency.sustainedComputeFraction *
    ceiling
  );
}

/**
 * The GEMM model's full answer for `count` GEMMs of shape (m×k)·(k×n) run as one batched launch, or
 * null where the hardware has no fitted kernel model (callers then use the curve).
 */
export function gemmPrediction(
  hw: HardwareSpec,
  datatype: Datatype,
  m: number,
  n: number,
  k: number,
  bytesPerElement: number,
  count = 1,
): GemmPrediction | null {
  const model = hw.efficiency.kernels;
  if (!model || !hw.computeUnits || m <= 0 || n <= 0 || k <= 0 || count <= 0) return null;
  const [params, rate, bw] = [
    gemmParameters(model, datatype),
    sustainedPeak(hw, datatype),
    hw.memoryBytesPerSecond,
  ];
  return predictGemm(model, params, hw.computeUnits, rate, bw, m, n, k, bytesPerElement, count);
}

/** Seconds for `count` GEMMs of shape (m×k)·(k×n) in `datatype` (inputs at `bytesPerElement`, BF16 output). */
export function gemmSeconds(
  hw: HardwareSpec,
  datatype: Datatype,
  m: number,
  n: number,
  k: number,
  bytesPerElement: number,
  count = 1,
  /** A serving engine's GEMM: its own kernels' small-M tiles where the profile has them. */
  serving = false,
): number {
  if (m <= 0 || n <= 0 || k <= 0 || count <= 0) return 0;
  const flops = 2 * m * n * k;
  const model = hw.efficiency.kernels;
  if (model && hw.computeUnits) {
    const params = gemmParameters(model, datatype, serving ? m : undefined);
    const rate = sustainedPeak(hw, datatype);
    const bw = hw.memoryBytesPerSecond;
    return gemmKernelSeconds(model, params, hw.computeUnits, rate, bw, m, n, k, bytesPerElement, count);
  }
  const computeSeconds =
    flops / (sustainedPeak(hw, datatype) * curveEfficiency(gemmCurve(hw.efficiency, datatype), flops));
  return count * Math.max(computeSeconds, memorySeconds(hw, gemmBytes(m, n, k, bytesPerElement)));
}

/**
 * Seconds for a memory-bound kernel moving `bytes` (elementwise, normalisation, an attention's K/V
 * stream). With a fitted kernel model: at the fitted sustained bandwidth, without the fitted launch
 * latency, which is the intercept of the measured GEMMs (cuBLAS at decode shapes, kernel-fit.ts) and
 * stays theirs: engines run these small kernels fused and replayed in CUDA graphs, and their host and
 * launch time per step is each engine's calibrated term, as on GPUs timed by the curves.
 */
export function memorySeconds(hw: HardwareSpec, bytes: number): number {
  if (bytes <= 0) return 0;
  const model = hw.efficiency.kernels;
  if (model) return bytes / (hw.memoryBytesPerSecond * model.bandwidthFraction);
  return bytes / (hw.memoryBytesPerSecond * curveEfficiency(hw.efficiency.memory, bytes));
}

/** Which attention kernel runs and at what sequence length (the tables are indexed by it). */
export interface AttentionKernel {
  readonly implementation: AttentionImplementation;
  readonly seqLen: number;
}

/** Exponentials per FP32 FLOP on an NVIDIA SM: 16 special-function units beside 128 FP32 lanes of 2 FLOPs (FMA). */
const EXPONENTIALS_PER_FP32_FLOP = 16 / (128 * 2);

/**
 * Efficiency of an attention pass as a fraction of the BF16 peak. Without a kernel (or where the
 * profile has no table for it): the profile's FlashAttention scalars. With one: the implementation's
 * published forward curve at `seqLen`; its backward is that times the profile's backward/forward
 * ratio (an estimate: the tables are forward-only). A fused kernel's shortfall from the peak is its
 * softmax, whose exponentials run on the SM's special-function units beside the tensor cores (Shah et
 * al. 2024, FlashAttention-3, Sec. 3: 989 TFLOP/s of matmul against 3.9 TFLOP/s of exponentials on an
 * H100): on a GPU whose tensor peak stands lower against its vector units than on the GPU the family
 * was measured on (the H20: BF16 / FP32 = 3.4 against the H100's 14.8) that share shrinks in proportion,
 * 1/η − 1 scaling with the ratio. The exponentials are one per score, the matmuls 4·d FLOPs per score
 * (d the mean of the q·k and v head dims), so below the head dim the profile was measured at
 * (`attentionHeadDim`) the softmax's time per FLOP grows as d_ref / d. Of 1/η − 1 the share
 * s = min(1/η − 1, r / (4·d_ref · 16/256)) = min(1/η − 1, 4r / d_ref), r the BF16 / FP32 ratio of the GPU
 * measured (the profile's reference ratio; a profile without one: this GPU's) — its exponential time over
 * its matmul time per score; ÷ 2.5 backward, whose matmuls are 2.5× the forward's against one recomputed
 * exponential per score; all of 1/η − 1 where neither ratio is known — becomes s · d_ref / d. Above d_ref no gain: the tiles shrink (FlashAttention-3 Fig. 5,
 * head dim 256: 642 against 616 TFLOP/s causal at 16k). docs/formulas.md lists the check against the
 * figure's head-dim-64 panel.
 */
export function attentionEfficiency(
  hw: HardwareSpec,
  pass: 'forward' | 'backward',
  kernel?: AttentionKernel,
  headDim?: number,
): number {
  const e = hw.efficiency;
  const table = kernel ? e.attentionImplementations?.[kernel.implementation] : undefined;
  let measured: number;
  if (!table || !kernel) measured = pass === 'forward' ? e.attentionForward : e.attentionBackward;
  else {
    const forward = curveEfficiency(table.forward, kernel.seqLen);
    measured = pass === 'forward' ? forward : (forward * e.attentionBackward) / e.attentionForward;
  }
  if (kernel?.implementation === 'unfused') return measured;
  const { bf16, fp32 } = hw.peakFlopsPerSecond;
  const ratio = bf16 && fp32 ? bf16 / fp32 : undefined;
  const reference = e.attentionTensorToVectorRatio;
  const overhead = 1 / measured - 1;
  const referenceHeadDim = e.attentionHeadDim;
  const measuredRatio = reference ?? ratio;
  let softmaxGrowth = 0;
  if (headDim !== undefined && referenceHeadDim !== undefined && headDim < referenceHeadDim) {
    // Exponential time over matmul time per score: (1 / (FP32 rate · 16/256)) / (4·d_ref / BF16 rate);
    // no ratio known (a profile without a reference, a GPU without an FP32 peak): all of the shortfall.
    const exponentialOverMatmul =
      measuredRatio === undefined
        ? overhead
        : measuredRatio /
          (EXPONENTIALS_PER_FP32_FLOP * 4 * referenceHeadDim) /
          (pass === 'forward' ? 1 : 2.5);
    softmaxGrowth = Math.min(overhead, exponentialOverMatmul) * (referenceHeadDim / headDim - 1);
  }
  const balance = reference !== undefined && ratio !== undefined ? ratio / reference : 1;
  return 1 / (1 + (overhead + softmaxGrowth) * balance);
}

/** Seconds for an attention kernel doing `flops` (BF16), forward or backward, at `headDim` (absent: the profile's). */
export function attentionSeconds(
  hw: HardwareSpec,
  flops: number,
  pass: 'forward' | 'backward',
  kernel?: AttentionKernel,
  headDim?: number,
): number {
  if (flops <= 0) return 0;
  return (
    flops /
    (hw.peakFlopsPerSecond.bf16! *
      attentionEfficiency(hw, pass, kernel, headDim) *
      hw.efficiency.sustainedComputeFraction)
  );
}
