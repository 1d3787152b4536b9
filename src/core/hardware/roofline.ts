/**
 * Work → seconds. One record per operation (LLM-Viewer's idea): its FLOPs and the bytes it moves;
 * the time is the larger of compute time at the size-dependent GEMM efficiency and memory time at
 * the size-dependent bandwidth efficiency (the roofline, Williams et al. 2009).
 */
import { curveEfficiency, gemmCurve } from './efficiency.js';
import type { Datatype, HardwareSpec } from './hardware-spec.js';

/** Seconds for `count` GEMMs of shape (m×k)·(k×n) in `datatype` (inputs at `bytesPerElement`, BF16 output). */
export function gemmSeconds(
  hw: HardwareSpec,
  datatype: Datatype,
  m: number,
  n: number,
  k: number,
  bytesPerElement: number,
  count = 1,
): number {
  if (m <= 0 || n <= 0 || k <= 0 || count <= 0) return 0;
  const flops = 2 * m * n * k;
  const peak = hw.peakFlopsPerSecond[datatype] ?? hw.peakFlopsPerSecond.bf16!;
  const computeSeconds =
    flops /
    (peak *
      curveEfficiency(gemmCurve(hw.efficiency, datatype), flops) *
      hw.efficiency.sustainedComputeFraction);
  const bytes = (m * k + k * n) * bytesPerElement + m * n * 2;
  return count * Math.max(computeSeconds, memorySeconds(hw, bytes));
}

/** Seconds for a memory-bound kernel moving `bytes`. */
export function memorySeconds(hw: HardwareSpec, bytes: number): number {
  if (bytes <= 0) return 0;
  return bytes / (hw.memoryBytesPerSecond * curveEfficiency(hw.efficiency.memory, bytes));
}

/** Seconds for FlashAttention doing `flops` (BF16), forward or backward. */
export function attentionSeconds(hw: HardwareSpec, flops: number, pass: 'forward' | 'backward'): number {
  if (flops <= 0) return 0;
  const efficiency = pass === 'forward' ? hw.efficiency.attentionForward : hw.efficiency.attentionBackward;
  return flops / (hw.peakFlopsPerSecond.bf16! * efficiency * hw.efficiency.sustainedComputeFraction);
}
