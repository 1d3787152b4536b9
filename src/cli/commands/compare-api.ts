import { readFileSync } from 'node:fs';
import { findApi } from '../../catalog/catalog.js';
import { liteLlmPrice } from '../../catalog/litellm.js';
import { selfHostVsApiBand, servingScale } from '../../catalog/serving-band.js';
import { inputError } from '../../core/errors.js';
import { type ApiPrice, selfHostVsApi, volumeGrid } from '../../core/inference/api-break-even.js';
import { candidateLabel, planDeployments } from '../../core/inference/deployment.js';
import { requestsPerSecondFor } from '../../core/units.js';
import { formatCount, table, toJson, formatUsd as usd } from '../format.js';
import { oneOf, positiveNumber } from '../options.js';
import { planJson } from '../plan-json.js';
import { priceBasis, type ServingFlags, servingSetup } from '../serving-flags.js';
import { whyNot } from './serve.js';

/** A price per million tokens as quoted, to 4 significant digits (a per-token file's 1e-7 × 1e6 is 0.1, not 0.09999999999999999). */
const perMillion = (usd: number): number => Number(usd.toPrecision(4));

export interface CompareApiFlags extends ServingFlags {
  api?: string;
  apiPrices?: string;
  tokensPerDay?: string;
  tier?: string;
  json?: boolean;
}

interface ApiChoice {
  readonly id: string;
  readonly label: string;
  readonly price: ApiPrice;
  readonly basis: string;
  /** The longest prompt the API takes (a price file's max_input_tokens); null where not stated. */
  readonly maxInputTokens: number | null;
}

function apiChoice(o: CompareApiFlags): ApiChoice {
  if (!o.api)
    inputError('missing_field', ['--api'], 'give --api <id> (a catalog API, or a key of --api-prices)');
  const tier = oneOf(o.tier, '--tier', ['standard', 'batch'] as const, 'standard');
  if (o.apiPrices === undefined) {
    const api = findApi(o.api);
    const p = api.prices;
    if (tier === 'batch') {
      if (!p.batchInput || !p.batchOutput)
        inputError('unsupported', ['--tier'], `the catalog has no batch prices for ${api.id}`);
      return {
        id: api.id,
        label: `${api.name} (${api.provider}, batch)`,
        price: { inputUsdPerMillion: p.batchInput.value, outputUsdPerMillion: p.batchOutput.value },
        basis: `${p.batchInput.source}, ${p.batchInput.asOf}`,
        maxInputTokens: null,
      };
    }
    return {
      id: api.id,
      label: `${api.name} (${api.provider})`,
      price: {
        inputUsdPerMillion: p.input.value,
        cachedInputUsdPerMillion: p.cachedInput?.value,
        outputUsdPerMillion: p.output.value,
      },
      basis: `${p.input.source}, ${p.input.asOf}`,
      maxInputTokens: null,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(o.apiPrices, 'utf8'));
  } catch (error) {
    inputError(
      'malformed',
      ['--api-prices'],
      `cannot read '${o.apiPrices}' as JSON: ${(error as Error).message}`,
    );
  }
  if (tier === 'batch')
    inputError(
      'unsupported',
      ['--tier'],
      'a LiteLLM price file lists standard prices only: batch is for catalog APIs',
    );
  const price = liteLlmPrice(json, o.api);
  return {
    id: price.key,
    label: `${price.key}${price.provider ? ` (${price.provider})` : ''}`,
    price,
    basis: o.apiPrices,
    maxInputTokens: price.maxInputTokens,
  };
}

const volumeText = (tokensPerDay: number | null) =>
  tokensPerDay === null ? 'none up to 1T' : formatCount(tokensPerDay);
/** Both ends of the band at one volume (to the bisection's precision): the band does not move it. */
const sameVolume = (p10: number | null, p90: number | null) =>
  p10 !== null && p90 !== null && Math.abs(p10 - p90) <= 1e-6 * Math.max(p10, p90);
const dayText = (usdPerDay: number | null | undefined) =>
  usdPerDay === null || usdPerDay === undefined ? 'cannot serve it' : usd(usdPerDay);

export function compareApiCommand(o: CompareApiFlags): { output: string; exitCode: number } {
  const api = apiChoice(o);
  const setup = servingSetup(o);
  const { spec, workload: w, slo, candidates, warnings } = setup;
  // A price file's context limit (LiteLLM max_input_tokens): a longer prompt is not one the API takes.
  const maxInput = api.maxInputTokens;
  if (maxInput !== null && w.inputTokens > maxInput)
    inputError(
      'infeasible',
      ['--input-tokens'],
      `${api.id} takes at most ${maxInput.toLocaleString('en-US')} input tokens (the price file's max_input_tokens)`,
    );
  const perRequest = w.inputTokens + w.outputTokens;
  const volume =
    o.tokensPerDay === undefined ? undefined : positiveNumber(o.tokensPerDay, '--tokens-per-day', 1);
  const grid = volumeGrid(1e6, 1e12);
  const result = selfHostVsApi(spec, candidates, w, api.price, slo, grid);
  const scale = servingScale(spec, w);
  const { slow, fast, basis } = selfHostVsApiBand(
    candidates,
    (r) => selfHostVsApi(spec, candidates, w, api.price, slo, grid, r),
    scale,
  );
  if (result.series.every((p) => p.selfHostUsdPerDay === null)) {
    const rps = volume === undefined ? null : requestsPerSecondFor(volume, perRequest);
    return { output: `cannot serve ${spec.name}: ${whyNot(setup, rps, undefined)}`, exitCode: 3 };
  }
  const here =
    volume === undefined
      ? null
      : (planDeployments(spec, candidates, w, requestsPerSecondFor(volume, perRequest), slo)[0] ?? null);
  // The self-host bill at the stated volume at both ends of the band.
  const hereBand =
    volume === undefined
      ? null
      : selfHostVsApiBand(
          candidates,
          (r) => selfHostVsApi(spec, candidates, w, api.price, slo, [volume], r),
          scale,
        );
  const apiHere = volume === undefined ? null : (result.series[0]!.apiUsdPerDay / grid[0]!) * volume;
  const out = {
    model: spec.name,
    speculation: setup.speculation,
    warnings,
    /** The checkpoint's formats taken where --weights or --kv is not given, in words. */
    formats: setup.formats,
    api: { id: api.id, name: api.label, ...api.price, priceBasis: api.basis },
    workload: w,
    breakEvenTokensPerDay: result.breakEvenTokensPerDay,
    /**
     * P10–P90 from the serving bands (each candidate's engine × GPU family): the break-even volume
     * (a null end: self-hosting never cheaper within 1M–1T tokens/day at that end of the band).
     */
    range: {
      basis,
      breakEvenTokensPerDay: { p10: fast.breakEvenTokensPerDay, p90: slow.breakEvenTokensPerDay },
      ...(hereBand && {
        selfHostUsdPerDay: {
          p10: hereBand.fast.series[0]!.selfHostUsdPerDay,
          p90: hereBand.slow.series[0]!.selfHostUsdPerDay,
        },
      }),
    },
    atVolume:
      volume === undefined
        ? null
        : {
            tokensPerDay: volume,
            apiUsdPerDay: apiHere,
            selfHostUsdPerDay: here?.usdPerDay ?? null,
            selfHost: here ? planJson(here, priceBasis(o, here.candidate.gpuId), setup, scale) : null,
          },
    series: result.series,
  };
  if (o.json) return { output: toJson(out), exitCode: 0 };
  const lines = [
    ...warnings.map((t) => `warning: ${t}`),
    `Self-hosting ${spec.name} vs ${api.label}: $${perMillion(api.price.inputUsdPerMillion)}/M input, $${perMillion(api.price.outputUsdPerMillion)}/M output (${api.basis})`,
    `${w.inputTokens} in / ${w.outputTokens} out tokens per request${w.cacheHitRate ? `, ${(100 * w.cacheHitRate).toFixed(0)}% cache hits` : ''}`,
    ...setup.formats.map((t) => `formats: ${t}`),
    ...(setup.speculation ? [`speculative decoding: ${setup.speculation.text}`] : []),
    '',
    result.breakEvenTokensPerDay === null
      ? `self-hosting never costs less than the API between 1M and 1T tokens/day (P10 ${volumeText(out.range.breakEvenTokensPerDay.p10)} – P90 ${volumeText(out.range.breakEvenTokensPerDay.p90)})`
      : `break-even: ${formatCount(result.breakEvenTokensPerDay)} tokens/day (${requestsPerSecondFor(result.breakEvenTokensPerDay, perRequest).toFixed(2)} req/s; ${
          sameVolume(out.range.breakEvenTokensPerDay.p10, out.range.breakEvenTokensPerDay.p90)
            ? 'the same at P10 and P90: the fleet that serves it is the same at either end of the throughput band, so only the prices move it'
            : `P10 ${volumeText(out.range.breakEvenTokensPerDay.p10)} – P90 ${volumeText(out.range.breakEvenTokensPerDay.p90)}`
        }); above it self-hosting is cheaper`,
  ];
  if (out.atVolume && here && apiHere !== null) {
    lines.push(
      `at ${formatCount(volume!)} tokens/day: API ${usd(apiHere)}/day · self-host ${usd(here.usdPerDay)}/day (P10 ${dayText(out.range.selfHostUsdPerDay?.p10)} – P90 ${dayText(out.range.selfHostUsdPerDay?.p90)}) on ${here.gpus} × ${candidateLabel(here.candidate)} (utilisation ${(100 * here.utilization).toFixed(0)}%)`,
    );
  } else if (out.atVolume && apiHere !== null) {
    // The stated volume is beyond what self-hosting carries here (a fixed fleet, or the SLO): said, not dropped.
    const rps = requestsPerSecondFor(volume!, perRequest);
    lines.push(
      `at ${formatCount(volume!)} tokens/day: API ${usd(apiHere)}/day · self-hosting cannot serve it: ${whyNot(setup, rps, undefined)}`,
    );
  }
  lines.push(
    `  P10–P90 from ${basis}`,
    '',
    table(
      ['tokens/day', 'API/day', 'self-host/day', 'cheaper'],
      result.series.map((p) => [
        formatCount(p.tokensPerDay),
        usd(p.apiUsdPerDay),
        p.selfHostUsdPerDay === null ? '—' : usd(p.selfHostUsdPerDay),
        p.selfHostUsdPerDay === null
          ? 'API (self-hosting cannot serve it)'
          : p.selfHostUsdPerDay <= p.apiUsdPerDay
            ? 'self-host'
            : 'API',
      ]),
    ),
  );
  return { output: lines.join('\n'), exitCode: 0 };
}
