/** `--purchase-price-per-gpu` / `--life-years` / `--utilization`: owned hardware, shared by train and serve. */
import { loadCatalog } from '../catalog/catalog.js';
import { DOMAINS } from '../core/domain.js';
import { inputError } from '../core/errors.js';
import { type OwnedHardware, ownedUsdPerGpuHour } from '../core/training/run-cost.js';
import { positiveNumber, refuseFlags } from './options.js';

export interface OwnedFlags {
  purchasePricePerGpu?: string;
  lifeYears?: string;
  utilization?: string;
  pricePerGpuHour?: string;
}

/** Owned hardware may cost no more per GPU-hour than a rented GPU may (`--price-per-gpu-hour`). */
const MAX_USD_PER_GPU_HOUR = DOMAINS.usdPerGpuHour.max;

/** The owned-hardware terms, or undefined when renting; rejects giving both a rent and a purchase price. */
export function ownedHardware(o: OwnedFlags): OwnedHardware | undefined {
  if (o.purchasePricePerGpu === undefined) {
    refuseFlags(
      o,
      { lifeYears: '--life-years', utilization: '--utilization' },
      'to owned hardware: give --purchase-price-per-gpu too',
    );
    return undefined;
  }
  const assumptions = loadCatalog().assumptions;
  const owned = {
    purchaseUsdPerGpu: positiveNumber(o.purchasePricePerGpu, '--purchase-price-per-gpu', 1),
    serverCostOverGpuCost: assumptions.serverCostOverGpuCost.value,
    lifeYears: positiveNumber(o.lifeYears, '--life-years', assumptions.hardwareLifeYears.value),
    utilization: positiveNumber(o.utilization, '--utilization', 1),
  };
  if (o.pricePerGpuHour !== undefined) {
    inputError(
      'invalid_value',
      ['--purchase-price-per-gpu'],
      'give --price-per-gpu-hour (rent) or --purchase-price-per-gpu (own), not both',
    );
  }
  const usdPerGpuHour = ownedUsdPerGpuHour(owned);
  if (usdPerGpuHour > MAX_USD_PER_GPU_HOUR)
    inputError(
      'invalid_value',
      ['--purchase-price-per-gpu'],
      `a $${Math.round(owned.purchaseUsdPerGpu).toLocaleString('en-US')} GPU and its server (×${owned.serverCostOverGpuCost}) amortised over ${owned.lifeYears} years at ${owned.utilization} utilization cost $${Math.round(usdPerGpuHour).toLocaleString('en-US')} per GPU-hour, above the $${MAX_USD_PER_GPU_HOUR.toLocaleString('en-US')} a GPU-hour may cost (--price-per-gpu-hour's maximum): lower the price or raise --life-years or --utilization`,
    );
  return owned;
}
