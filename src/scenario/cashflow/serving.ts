/**
 * A serve phase month by month: demand (tokens/day growing monthly) sets the fleet of replicas, whose
 * GPUs are rented, held under reserved terms or bought as the fleet grows; token revenue and what the
 * compared API would charge for the same tokens.
 */
import { DAYS_PER_MONTH, HOURS_PER_MONTH, requestsPerSecondFor, tokensPerDayAt } from '../../core/units.js';
import { fleetGpus, tokensPerDayInMonth } from '../bounds.js';
import type { PreparedPhase } from '../prepare.js';
import { bookEnergy, bookHardware, type PurchaseDefaults } from './hardware.js';
import { type Ledger, spread } from './ledger.js';

export function bookServing(
  l: Ledger,
  d: PurchaseDefaults,
  ph: Extract<PreparedPhase, { kind: 'serve' }>,
): void {
  const { v, n, cost, revenue } = l;
  const x = ph.phase;
  const hw = x.hardware;
  const perRequest = x.inputTokens + x.outputTokens;
  const first = v(x.tokensPerDay);
  const growth = v(x.growthPerMonth);
  // A replica's capacity over the band's draw: a slower engine than estimated needs more replicas (and,
  // disaggregated, more prefill replicas).
  const draw = l.band(ph.band);
  const replicaRequestsPerSecond = ph.replicaRequestsPerSecond / draw;
  const prefill = ph.prefillPool && {
    gpus: ph.prefillPool.gpus,
    requestsPerSecond: ph.prefillPool.requestsPerSecond / draw,
  };
  let phaseUsd = 0;
  let fleet = 0;
  const commitments: { gpus: number; endMonth: number }[] = [];
  for (let k = 0; k < x.months; k += 1) {
    const m = x.startMonth + k;
    // A draw that grows past the bound of tokensPerDay is truncated to it (bounds.ts; at central values
    // such growth is refused).
    const tokensPerDay = tokensPerDayInMonth(first, growth, k);
    const rps = requestsPerSecondFor(tokensPerDay, perRequest);
    const gpus = fleetGpus(tokensPerDay, perRequest, replicaRequestsPerSecond, ph.replicaGpus, prefill);
    const gpuHours = gpus * HOURS_PER_MONTH;
    if ('rent' in hw) phaseUsd += bookHardware(l, d, hw, ph.energy, { gpus, gpuHours, start: m, months: 1 });
    else if ('reserve' in hw) {
      // GPUs still under an earlier commitment are paid whether busy or not; GPUs beyond them are
      // committed for a new term from this month.
      let committed = 0;
      for (const c of commitments) if (c.endMonth > m) committed += c.gpus;
      if (gpus > committed) {
        commitments.push({ gpus: gpus - committed, endMonth: m + hw.reserve.termMonths });
        committed = gpus;
      }
      bookEnergy(l, hw, ph.energy, gpuHours);
      const usd = committed * HOURS_PER_MONTH * v(hw.reserve.usdPerGpuHour);
      if (m < n) cost.compute[m]! += usd;
      phaseUsd += usd;
    } else {
      // Buy as the fleet grows; energy for the GPUs in use.
      const added = Math.max(0, gpus - fleet);
      fleet = Math.max(fleet, gpus);
      phaseUsd += bookHardware(l, d, hw, ph.energy, { gpus: added, gpuHours, start: m, months: 1 });
    }
    const output = tokensPerDayAt(rps, x.outputTokens) * DAYS_PER_MONTH;
    const input = tokensPerDayAt(rps, x.inputTokens) * DAYS_PER_MONTH;
    l.outputTokens += output;
    if (ph.api)
      l.apiUsd[x.name] =
        (l.apiUsd[x.name] ?? 0) +
        (input * ph.api.inputUsdPerMillion + output * ph.api.outputUsdPerMillion) / 1e6;
    if (x.revenue) {
      const usd = (input * v(x.revenue.inputUsdPerMillion) + output * v(x.revenue.outputUsdPerMillion)) / 1e6;
      revenue[m]! += usd;
      l.tokenRevenueUsd += usd;
    }
  }
  // Commitments that outlast the phase are owed to their term's end, as a training reservation is
  // (bookHardware): booked from the phase's end, their months past the horizon in the last month.
  if ('reserve' in hw) {
    const end = x.startMonth + x.months;
    for (const c of commitments)
      if (c.endMonth > end) {
        const usd = c.gpus * HOURS_PER_MONTH * (c.endMonth - end) * v(hw.reserve.usdPerGpuHour);
        spread(cost.compute, Math.min(end, n - 1), c.endMonth - end, usd);
        phaseUsd += usd;
      }
  }
  l.byPhase[x.name] = (l.byPhase[x.name] ?? 0) + phaseUsd;
  l.servingCostUsd += phaseUsd;
}
