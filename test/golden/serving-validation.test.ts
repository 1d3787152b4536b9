/**
 * Golden serving tests: every cited case in catalog/validation/serving.json stays within its stated
 * tolerance, TensorRT-LLM's rows meet issue 5's target, the held-out rows lie inside their bands, and the
 * committed report is current.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { heldOutBandCoverage } from '../../src/validation/serving-band-coverage.js';
import {
  errorStatistics,
  MEMORY_MEASURES,
  runAllServingCases,
  SERVING_TARGET,
} from '../../src/validation/serving-cases.js';
import { servingReportMarkdown } from '../../src/validation/serving-report.js';

const results = runAllServingCases();

describe('serving validation (catalog/validation/serving.json)', () => {
  for (const r of results) {
    it(`${r.case.id}: ${(100 * r.error).toFixed(1)}% within ±${100 * r.case.tolerance}%`, () => {
      expect(Number.isFinite(r.predicted)).toBe(true);
      // Maximum-load rows calibrate the engine's overheads; they are judged together below.
      if (r.case.role === 'validation') expect(Math.abs(r.error)).toBeLessThanOrEqual(r.case.tolerance);
    });
  }
  it('TensorRT-LLM H100 rows: median |error| ≤ 15%, none above 30% (calibration row excluded)', () => {
    const stats = errorStatistics(results.filter((r) => r.case.source === 'trtllm-performance-v0.6.1'));
    expect(stats.count).toBe(11);
    expect(stats.median).toBeLessThanOrEqual(SERVING_TARGET.medianError);
    expect(stats.max).toBeLessThanOrEqual(SERVING_TARGET.maxError);
  });
  // Regression guards just above today's errors (thirty-ninth pass, the engines' FP8 tiles above 64 rows on
  // the H200): the 1.2 rows 12.5% median (11.3% before), 3 outside ±40%, largest 108.2% (GPT-OSS 120B on H100
  // DEP4 is the gap); the 1.0 rows 8.2% median (8.7% before), 3 outside ±40%, largest 69.6% (Llama 4 Scout on
  // GB200 at 1k/1k, below the table's B200).
  for (const [version, count, median, outside, max] of [
    ['1.2', 60, 0.13, 3, 1.12],
    ['1.0', 140, 0.1, 3, 0.72],
  ] as const)
    it(`TensorRT-LLM ${version} maximum-load rows: all ${count} computed, each simulated as trtllm-bench ran it (its request count at t = 0); median |error| ≤ ${100 * median}%, at most ${outside} outside ±40%, none beyond ${100 * max}% (regression guards)`, () => {
      const rows = results.filter(
        (r) =>
          r.case.measure === 'maxLoadOutputTokensPerSecondPerGpu' &&
          r.case.source === `trtllm-perf-overview-${version}` &&
          r.case.role === 'calibration',
      );
      expect(rows.length).toBe(count);
      expect(rows.every((r) => r.case.requests !== undefined && r.case.engine === 'trt-llm')).toBe(true);
      const stats = errorStatistics(rows, ['validation', 'calibration']);
      expect(stats.median).toBeLessThanOrEqual(median);
      expect(stats.max).toBeLessThanOrEqual(max);
      expect(rows.filter((r) => Math.abs(r.error) > 0.4).length).toBeLessThanOrEqual(outside);
    });
  // Held out (thirty-fourth pass): TensorRT-LLM 1.0 on RTX PRO 6000 (PCIe), Llama 3.3 70B FP4 at TP1 × PP1/2/4/8
  // and Llama 3.1 405B FP4 at TP1 × PP8. Guards just above today's 10.1% median and 51.9% largest (12.9% and
  // 41.3% before the forty-second pass ran 4-bit GEMMs at the FP4 peak where no 4-bit rows calibrate a
  // ceiling: the prefill-heavy rows stopped running 25–41% slow, the decode-heavy PP8 ones went +35…+52%),
  // with at most one row beyond ±40% (four before); the pipeline's own share, throughput per GPU relative to
  // PP1 at the same workload, today 3.1% / 3.8% / 14.0% median |error| at PP2 / PP4 / PP8 (largest 6.3% /
  // 12.5% / 33.5%).
  it('TensorRT-LLM 1.0 pipeline-parallel rows on RTX PRO 6000, held out: all 46 computed; median |error| ≤ 11%, none beyond 55%, one beyond 40%; per-GPU throughput relative to PP1 within 6% / 8% / 18% median (regression guards)', () => {
    const rows = results.filter((r) => r.case.gpu === 'rtx-pro-6000' && r.case.role === 'validation');
    expect(rows.length).toBe(46);
    const stats = errorStatistics(rows, ['validation']);
    expect(stats.median).toBeLessThanOrEqual(0.11);
    expect(stats.max).toBeLessThanOrEqual(0.55);
    expect(rows.filter((r) => Math.abs(r.error) > 0.4).length).toBeLessThanOrEqual(1);
    const byId = new Map(rows.map((r) => [r.case.id, r]));
    for (const [pp, most] of [
      [2, 0.06],
      [4, 0.08],
      [8, 0.18],
    ] as const) {
      const errors = rows
        .filter((r) => r.case.model === 'llama-3.3-70b' && r.case.replica.pipelineParallel === pp)
        .map((r) => {
          const base = byId.get(r.case.id.replace(`-pp${pp}-`, '-pp1-'))!;
          return Math.abs(r.predicted / base.predicted / (r.case.published / base.case.published) - 1);
        })
        .sort((a, b) => a - b);
      expect(errors.length).toBe(10);
      expect((errors[4]! + errors[5]!) / 2).toBeLessThanOrEqual(most);
    }
  });
  // vLLM (the V1 profile): fitted on V1 rows, DeepSeek-R1 on 8 H200 with vLLM 0.8.4 at 50 prompts and
  // Llama 3.1 8B at one to four clients (vLLM 0.21.0 on H100, 0.23.0 on A100 40GB); held out: the
  // v0.6.0 rows (the V0 engine: A100 8B, H100 70B TP4, offline and 4 and 8 requests/s TPOT) and the
  // 200-prompt DeepSeek-R1 rows. SGLang: fitted on v0.3.0 (A100
  // 8B, H100 70B TP4) and v0.4 on H200 (DataCrunch, 70B TP4); held out: the 8 requests/s TPOT rows,
  // the H200 TP8 / 405B / longest- and shortest-prompt rows, DeepSeek-R1 with SGLang 0.4.5.post3, and one
  // long prompt's TTFT over SGLang's chunked pipeline on H20 (LMSYS 2026-01-15).
  for (const [engine, rows, heldOutRows, fitted, heldOutMedian, gpus] of [
    // Regression guards just above today's errors: vLLM fitted max 16.3%, held-out median 14.5% (19.7%
    // before the v0.6.0 rows ran V0's prefill-first steps, thirty-eighth pass; they stay −4% to −18%);
    // SGLang fitted max 31.7% (DataCrunch's random-length 4096/2048 offline row; 41.5% before SGLang's
    // prefill-first steps of the thirty-eighth pass), held-out median 15.7% (10.1% before them: the
    // H200 TP8 70B and 405B ShareGPT rows moved from −4.7% / −2.5% to +17.3% / −20.3%; 14.8% before the
    // thirty-ninth pass took the DeepSeek-R1 rows' final post3 figures; 10.5% over 29 with the eight decode
    // steps of SGLang's log, each within its own 20% guard). vLLM fitted max 16.7%; held-out median 15.8% over 18
    // rows with the eight GPT-OSS 120B H100 rows of the fortieth pass (14.5% over the 10 before). The KV-pool rows
    // are apart (below). Each held-out row also keeps its own tolerance (above).
    // Forty-eighth pass (the H200's norms, adds and activations without the GEMMs' launch intercept,
    // docs/kernels.md): vLLM fitted max 16.7% → 21.9% (DeepSeek-R1 10,000 / 500 at 50 prompts on H200, its
    // long prompts' prefill), held-out median 15.2% unchanged; SGLang fitted max 31.7% → 40.1% (the 4096/2048
    // row), held-out median 10.2% → 11.8%, its eight logged decode steps 7.3% → 2.9% median.
    // Fifty-third pass: GPUStack's Qwen3-8B TPOT rows at four clients held out (vLLM −9.5%; SGLang −25.5% BF16,
    // −4.9% FP8): vLLM held out 18 → 19 (median 14.5% → 14.4%), SGLang 34 → 36 (median 11.8%).
    ['vllm', 26, 19, 0.23, 0.17, ['a100-80gb', 'a100-40gb', 'h100-sxm', 'h200']],
    // SGLang's held out 29 → 34 with the large-scale-EP rows of the forty-fourth pass (median 10.5% → 10.2%).
    ['sglang', 45, 36, 0.42, 0.16, ['a100-80gb', 'h100-sxm', 'h200', 'h20']],
  ] as const)
    it(`${engine}: ${rows} rows on ${gpus.join(', ')} computed; fitted max |error| ≤ ${100 * fitted}%, ${heldOutRows} held out median ≤ ${100 * heldOutMedian}% (regression guards)`, () => {
      const mine = results.filter(
        (r) => r.case.engine === engine && !MEMORY_MEASURES.includes(r.case.measure),
      );
      expect(mine.length).toBe(rows);
      expect(new Set(mine.map((r) => r.case.gpu))).toEqual(new Set(gpus));
      expect(errorStatistics(mine, ['calibration']).max).toBeLessThanOrEqual(fitted);
      const held = errorStatistics(mine, ['validation']);
      expect(held.count).toBe(heldOutRows);
      expect(held.median).toBeLessThanOrEqual(heldOutMedian);
    });
  // Wide EP at full load, held out (forty-fourth pass): the SGLang team's DeepSeek-V3 prefill on 4 nodes of
  // H100 (EP32) and decode on 9 (EP72), and DeepSeek's own profile of the prefill step on H800. Guards just
  // above today's largest |error| (15.9%, the 4K default-EPLB row, whose residual imbalance the engine does
  // not price; −33% to −39% before a token crossed the network once per node it reaches).
  it('wide-EP DeepSeek-V3 at full load (SGLang large-scale EP, DeepSeek profile): all 6 rows within 17%', () => {
    const rows = results.filter((r) => r.case.source === 'lmsys-sglang-large-scale-ep');
    expect(rows.length).toBe(6);
    expect(errorStatistics(rows).max).toBeLessThanOrEqual(0.17);
  });
  // The engines' KV pools at startup from their logs (DeepSeek-R1 on 8 H200, llm-ie-benchmarks): SGLang within the
  // issue's 10% (the weights' 2.5 GiB); vLLM's is a regression guard above today's +25.7% (its profile run's
  // 11.3 GiB reserve is not modelled).
  it("KV pools at startup: computed from the memory model, SGLang's within 10%, vLLM's within 30% (regression guard)", () => {
    const pools = new Map(
      results.filter((r) => MEMORY_MEASURES.includes(r.case.measure)).map((r) => [r.case.engine, r.error]),
    );
    expect([...pools.keys()].sort()).toEqual(['sglang', 'vllm']);
    expect(Math.abs(pools.get('sglang')!)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(pools.get('vllm')!)).toBeLessThanOrEqual(0.3);
  });
  // The bands' honesty on rows never fitted (fifty-first pass): today 108 of 127 held-out rows (85%; 105 of 124
  // before the fifty-third pass's three Qwen3-8B TPOT rows, each inside) lie inside
  // the band `serve` reports for them, the same 108 when each band leaves the row's own residual out. Guard
  // just below today's count, above the 70% issue 16 asks of the training bands.
  it('held-out rows inside the P10–P90 band `serve` reports, each band without its own residual: at least 80% (regression guard)', () => {
    const c = heldOutBandCoverage(results);
    expect(c.rows).toBe(127);
    expect(c.insideWithoutOwn / c.rows).toBeGreaterThanOrEqual(0.8);
    // A row outside its band stays outside when its own residual leaves the percentiles; one inside at the
    // band's edge may fall out: the count without its own residual is the honest one, never the larger.
    expect(c.insideWithoutOwn).toBeLessThanOrEqual(c.inside);
  });
  it('docs/validation-serving.md is up to date (npm run validation-report)', () => {
    const committed = readFileSync(new URL('../../docs/validation-serving.md', import.meta.url), 'utf8');
    expect(committed).toBe(servingReportMarkdown(results));
  });
});
