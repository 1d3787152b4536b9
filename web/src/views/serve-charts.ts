/** The Serve view's charts: batching, API break-even, the frontier and a simulated replica's timeline. */
import * as Plot from '@observablehq/plot';
import { html } from 'lit-html';
import { formatMilliseconds } from '../../../src/core/format.js';
import type { BreakEven } from '../../../src/core/inference/api-break-even.js';
import { tokensPerSecondPerUser } from '../../../src/core/inference/serving.js';
import type { FrontierRow, Served, Simulated } from '../serving.js';
import { formatUsd, labelled } from './common.js';

/** Seconds as milliseconds, one decimal under 100 ms. */
export const ms = (seconds: number) => `${formatMilliseconds(seconds)} ms`;

/** Throughput per GPU and time per output token as the running batch grows, with the SLO. */
export function batchingChart(v: Served, tpotSlo: number) {
  const y = (d: { tpotSeconds: number }) => 1000 * d.tpotSeconds;
  const ends = v.batching.filter(
    (d) => d.concurrency === v.batching[v.batching.length - 1]!.concurrency || d.concurrency === 1,
  );
  return labelled(
    Plot.plot({
      height: 260,
      x: { type: 'log', label: 'output tokens/s per GPU', grid: true },
      y: { label: 'time per output token (ms)', grid: true },
      marks: [
        Plot.line(v.batching, { x: 'outputTokensPerSecondPerGpu', y }),
        Plot.dot(v.batching, {
          x: 'outputTokensPerSecondPerGpu',
          y,
          title: (d: { concurrency: number }) => `${d.concurrency} sequences`,
        }),
        Plot.ruleY([1000 * tpotSlo], { stroke: 'firebrick', strokeDasharray: '4 3' }),
        Plot.text(ends, {
          x: 'outputTokensPerSecondPerGpu',
          y,
          text: (d: { concurrency: number }) => `batch ${d.concurrency}`,
          dy: -10,
          textAnchor: 'end',
        }),
      ],
    }),
    'Throughput per GPU against time per output token as the batch grows',
  );
}

/** Self-hosting vs the API, $ per day by daily volume. */
export function apiChart(c: BreakEven, api: string) {
  const points = c.series.flatMap((p) => [
    ...(p.selfHostUsdPerDay === null
      ? []
      : [{ tokensPerDay: p.tokensPerDay, usdPerDay: p.selfHostUsdPerDay, who: 'self-hosted' }]),
    { tokensPerDay: p.tokensPerDay, usdPerDay: p.apiUsdPerDay, who: api },
  ]);
  return labelled(
    Plot.plot({
      height: 280,
      x: { type: 'log', label: 'tokens per day (input + output)', grid: true },
      y: { type: 'log', label: '$ per day', grid: true },
      color: { legend: true },
      marks: [
        Plot.line(points, { x: 'tokensPerDay', y: 'usdPerDay', stroke: 'who', strokeWidth: 2 }),
        ...(c.breakEvenTokensPerDay === null
          ? []
          : [Plot.ruleX([c.breakEvenTokensPerDay], { strokeDasharray: '4 3' })]),
      ],
    }),
    `Self-hosting vs ${api}, dollars per day by daily volume`,
  );
}

const modeOf = (f: FrontierRow) => (f.disaggregated ? 'disaggregated prefill' : 'aggregated');

/**
 * The frontier of output tokens/s per GPU vs tokens/s per user for each mode, $/M tokens (blended)
 * written along it, and the deployment the view plans ringed.
 */
export function frontierChart(v: Served) {
  const rows = v.frontier.map((f) => ({ ...f, mode: modeOf(f) }));
  // About five $/M labels per mode, so they do not overlap.
  const labels = rows.filter((f, i) => {
    const same = rows.filter((g) => g.mode === f.mode);
    const k = same.indexOf(f);
    return k % Math.max(1, Math.ceil(same.length / 5)) === 0 || (i > 0 && k === same.length - 1);
  });
  const chosen = [
    {
      tokensPerSecondPerUser: tokensPerSecondPerUser(v.plan),
      outputTokensPerSecondPerGpu: v.plan.outputTokensPerSecondPerGpu,
    },
  ];
  return labelled(
    Plot.plot({
      height: 320,
      marginRight: 20,
      x: { label: 'tokens/s per user (1 / TPOT; 1 / TTFT for one-token answers)', grid: true },
      y: { type: 'log', label: 'output tokens/s per GPU', grid: true },
      color: { legend: true, domain: ['aggregated', 'disaggregated prefill'] },
      marks: [
        Plot.line(rows, { x: 'tokensPerSecondPerUser', y: 'outputTokensPerSecondPerGpu', stroke: 'mode' }),
        Plot.dot(rows, {
          x: 'tokensPerSecondPerUser',
          y: 'outputTokensPerSecondPerGpu',
          fill: 'mode',
          r: 3,
          title: (f: FrontierRow) =>
            `${f.label}${f.disaggregated ? ' + prefill GPUs' : ''}, ${f.concurrency} sequences: ${formatUsd(f.costPerMillionBlendedTokensUsd)}/M tokens blended, ${formatUsd(f.costPerMillionOutputTokensUsd)}/M output, TTFT ${ms(f.ttftSeconds)}`,
        }),
        // Disaggregated labels above their curve, aggregated below, so the two sets do not collide.
        ...[true, false].map((disaggregated) =>
          Plot.text(
            labels.filter((f) => f.disaggregated === disaggregated),
            {
              x: 'tokensPerSecondPerUser',
              y: 'outputTokensPerSecondPerGpu',
              text: (f: FrontierRow) => `${formatUsd(f.costPerMillionBlendedTokensUsd)}/M`,
              dy: disaggregated ? -9 : 11,
              fontSize: 10,
            },
          ),
        ),
        Plot.dot(chosen, {
          x: 'tokensPerSecondPerUser',
          y: 'outputTokensPerSecondPerGpu',
          r: 8,
          stroke: 'firebrick',
          strokeWidth: 2.5,
        }),
        Plot.text(chosen, {
          x: 'tokensPerSecondPerUser',
          y: 'outputTokensPerSecondPerGpu',
          text: () => 'plan',
          dy: 16,
          fill: 'firebrick',
          fontWeight: 'bold',
        }),
      ],
    }),
    `Frontier: output tokens per second per GPU against tokens per second per user, ${v.frontier.length} points`,
  );
}

/** The simulated replica over time: running and waiting requests; KV cache use with the preemptions. */
export function timelineCharts(sim: Simulated) {
  const t = sim.result.timeline;
  const counts = t.flatMap((p) => [
    { seconds: p.seconds, n: p.runningSequences, what: 'running sequences (batch)' },
    { seconds: p.seconds, n: p.waitingRequests, what: 'waiting requests' },
  ]);
  const preempted = t.filter((p, i) => i > 0 && p.preemptions > t[i - 1]!.preemptions);
  return html`${labelled(
    Plot.plot({
      height: 220,
      x: { label: 'seconds', grid: true },
      y: { label: 'requests', grid: true },
      color: { legend: true, domain: ['running sequences (batch)', 'waiting requests'] },
      marks: [
        Plot.areaY(
          counts.filter((c) => c.what.startsWith('running')),
          { x: 'seconds', y: 'n', fill: 'what', fillOpacity: 0.3, curve: 'step-after' },
        ),
        Plot.line(counts, { x: 'seconds', y: 'n', stroke: 'what', curve: 'step-after' }),
        Plot.ruleY([0]),
      ],
    }),
    'Timeline of one replica: running and waiting requests',
  )}
  ${labelled(
    Plot.plot({
      height: 160,
      x: { label: 'seconds', grid: true },
      y: { label: 'KV cache used (%)', domain: [0, 100], grid: true },
      marks: [
        Plot.ruleX(preempted, { x: 'seconds', stroke: 'firebrick', strokeOpacity: 0.5 }),
        Plot.areaY(t, {
          x: 'seconds',
          y: (p: { kvUsedFraction: number }) => 100 * p.kvUsedFraction,
          fill: 'steelblue',
          fillOpacity: 0.35,
          curve: 'step-after',
        }),
        Plot.ruleY([0]),
      ],
    }),
    'Timeline of one replica: KV cache use and preemptions',
  )}`;
}
