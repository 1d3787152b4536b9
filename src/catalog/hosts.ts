/**
 * The host side of GPU servers (catalog/hosts.json): each GPU's link to its CPU and the host memory
 * it offloads model states to, as core HostSpecs; and the offload options a command passes.
 */
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import type { HardwareSpec } from '../core/hardware/hardware-spec.js';
import {
  type HostSpec,
  OFFLOAD_MODES,
  type OffloadMode,
  type OffloadOptions,
} from '../core/memory/offload.js';
import { toSi } from '../core/units.js';
import { HOSTS } from './data.js';
import { sourcedValue } from './schema.js';

export const hostsFileSchema = z
  .object({
    what: z.string().min(1),
    hosts: z.array(
      z
        .object({
          id: z.string().min(1),
          name: z.string().min(1),
          gpus: z.array(z.string().min(1)).min(1),
          linkPerDirection: sourcedValue,
          gpusPerHost: sourcedValue,
          memoryBandwidth: sourcedValue,
          memoryCapacity: sourcedValue,
        })
        .strict(),
    ),
  })
  .strict();

const si = (v: { value: number; unit: string }) => toSi(v.value, v.unit);

let byGpu: ReadonlyMap<string, HostSpec & { readonly id: string; readonly name: string }> | null = null;

/** Host data by GPU id (the catalog is validated once). */
function hosts(): NonNullable<typeof byGpu> {
  if (byGpu) return byGpu;
  const file = hostsFileSchema.parse(HOSTS);
  const map = new Map<string, HostSpec & { readonly id: string; readonly name: string }>();
  for (const h of file.hosts) {
    const spec = {
      id: h.id,
      name: h.name,
      linkBytesPerSecondPerDirection: si(h.linkPerDirection),
      gpusPerHost: h.gpusPerHost.value,
      memoryBytesPerSecond: si(h.memoryBandwidth),
      memoryBytes: si(h.memoryCapacity),
    };
    for (const gpu of h.gpus) map.set(gpu, spec);
  }
  byGpu = map;
  return map;
}

/** The host a GPU sits in, or null when the catalog has none for it. */
export function hostFor(gpuId: string): (HostSpec & { readonly id: string; readonly name: string }) | null {
  return hosts().get(gpuId) ?? null;
}

/** Parses an `--offload` value (none, optimizer, optimizer+params); exit 2 naming the values. */
export function parseOffloadMode(text: string, field = '--offload'): OffloadMode {
  const mode = text.trim().toLowerCase();
  if (!(OFFLOAD_MODES as readonly string[]).includes(mode))
    throw new InputError({
      code: 'invalid_value',
      path: [field],
      message: `'${text}' is not an offload mode; one of: ${OFFLOAD_MODES.join(', ')}`,
    });
  return mode as OffloadMode;
}

/** The host a GPU sits in, or an input error on `field` naming the GPUs that have host data. */
export function requireHost(gpu: Pick<HardwareSpec, 'id'>, field: string): HostSpec {
  const host = hostFor(gpu.id);
  if (!host)
    throw new InputError({
      code: 'infeasible',
      path: [field],
      message: `no host data for ${gpu.id} (the GPU's link to its CPU and the host memory, catalog/hosts.json); offload is costed on: ${[...hosts().keys()].join(', ')}`,
    });
  return host;
}

/**
 * The offload options for a mode on a GPU (undefined for none): its host from the catalog, or an
 * input error naming the GPUs that have host data.
 */
export function offloadOptions(
  mode: OffloadMode,
  gpu: Pick<HardwareSpec, 'id'>,
  field = '--offload',
): OffloadOptions | undefined {
  return mode === 'none' ? undefined : { mode, host: requireHost(gpu, field) };
}
