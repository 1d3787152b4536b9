/**
 * The project's flows outside its phases: research and ablation runs, staff, object storage, data
 * purchases (costs) and subscriptions (revenue).
 */
import { MAX_USERS } from '../bounds.js';
import type { Scenario } from '../schema.js';
import { type Ledger, spread, spreadWithin } from './ledger.js';

/** A final training run: its cost, GPU-hours, when it ran, and the paid GPU-hours its GPUs leave idle. */
export interface FinalRun {
  readonly start: number;
  readonly months: number;
  readonly usd: number;
  readonly gpuHours: number;
  readonly idle: { readonly gpuHours: number; readonly usdPerGpuHour: number };
}

/**
 * Experiments and ablations: (research compute ratio − 1) × each final run's GPU-hours (Epoch AI,
 * Cottier et al. 2024, Sec. 2.3), run first on the GPU-hours its reserved or bought GPUs stand paid for
 * idle (at their electricity), the rest at the run's own $ per GPU-hour; spent over the run's months.
 */
export function bookResearch(l: Ledger, ratio: number, finalRuns: readonly FinalRun[]): void {
  const overhead = Math.max(0, ratio - 1);
  if (overhead <= 0 || finalRuns.length === 0) return;
  let total = 0;
  for (const run of finalRuns) {
    const hours = overhead * run.gpuHours;
    const onIdle = Math.min(hours, run.idle.gpuHours);
    const usdPerGpuHour = run.gpuHours > 0 ? run.usd / run.gpuHours : 0;
    const usd = onIdle * run.idle.usdPerGpuHour + (hours - onIdle) * usdPerGpuHour;
    spread(l.cost.research, run.start, run.months, usd);
    total += usd;
  }
  l.byPhase.research = total;
}

/** Salaries within the horizon: headcount × $/year / 12 a month. */
export function bookStaff(l: Ledger, staff: Scenario['staff']): void {
  for (const st of staff) {
    const monthly = (l.v(st.headcount) * l.v(st.usdPerYear)) / 12;
    spreadWithin(l.cost.staff, st.startMonth, st.months, monthly * st.months);
  }
}

/** Object storage within the horizon: TB × 1000 × $/GB-month (the scenario's price or the catalog's). */
export function bookStorage(l: Ledger, storage: Scenario['storage'], defaultUsdPerGbMonth: number): void {
  for (const st of storage) {
    const usdPerGbMonth = st.usdPerGbMonth === undefined ? defaultUsdPerGbMonth : l.v(st.usdPerGbMonth);
    const monthly = l.v(st.terabytes) * 1000 * usdPerGbMonth;
    const months = Math.min(st.months, l.n - st.startMonth);
    if (months > 0) spreadWithin(l.cost.storage, st.startMonth, months, monthly * months);
  }
}

/** Data purchases, each paid in its month (the horizon's last month at the latest). */
export function bookData(l: Ledger, data: Scenario['data']): void {
  for (const d of data) l.cost.data[Math.min(l.n - 1, d.month)]! += l.v(d.usd);
}

/** Subscription revenue: users × price a month, users growing and churning monthly. */
export function bookSubscriptions(l: Ledger, subscriptions: Scenario['subscriptions']): void {
  for (const sub of subscriptions) {
    let users = l.v(sub.users);
    const net = 1 + l.v(sub.growthPerMonth) - Math.min(1, l.v(sub.churnPerMonth));
    const price = l.v(sub.usdPerUserMonth);
    for (let m = sub.startMonth; m < Math.min(l.n, sub.startMonth + sub.months); m += 1) {
      l.revenue[m]! += users * price;
      // A draw that grows past the bound of users is truncated to it (bounds.ts; refused at central values).
      users = Math.min(MAX_USERS, users * Math.max(0, net));
    }
  }
}
