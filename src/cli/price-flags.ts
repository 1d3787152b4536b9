/** `--purchase-price-per-gpu` / `--life-years` / `--utilization`: owned hardware, shared by train and serve. */
import { loadCatalog } from '../catalog/catalog.js';
import { inputError } from '../core/errors.js';
import type { OwnedHardware } from '../core/training/run-cost.js';
import { positiveNumber, refuseFlags } from './options.js';

export interface OwnedFlags {
  purchasePricePerGpu?: string;
  lifeYears?: string;
  utilization?: string;
  pricePerGpuHour?: string;
}

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
  if (owned.utilization > 1)
    inputError('invalid_value', ['--utilization'], `a fraction in (0, 1], got ${owned.utilization}`);
  if (o.pricePerGpuHour !== undefined) {
    inputError(
      'invalid_value',
      ['--purchase-price-per-gpu'],
      'give --price-per-gpu-hour (rent) or --purchase-price-per-gpu (own), not both',
    );
  }
  return owned;
}
