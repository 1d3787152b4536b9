/** Every lever kind by name: the engine's lookup table. */
import type { LeverKind, LeverName } from '../kind.js';
import { adapter } from './adapter.js';
import { batch } from './batch.js';
import { data } from './data.js';
import { distill } from './distill.js';
import { fp8 } from './fp8.js';
import { gpu } from './gpu.js';
import { layout } from './layout.js';
import { mla } from './mla.js';
import { moe } from './moe.js';
import { optimizer } from './optimizer.js';
import { quantize } from './quantize.js';
import { recompute } from './recompute.js';
import { schedule } from './schedule.js';
import { sparsity } from './sparsity.js';
import { speculative } from './speculative.js';
import { spot } from './spot.js';

export const LEVER_KINDS: { readonly [K in LeverName]: LeverKind<K> } = {
  moe,
  mla,
  fp8,
  quantize,
  sparsity,
  speculative,
  distill,
  adapter,
  recompute,
  optimizer,
  gpu,
  spot,
  data,
  layout,
  batch,
  schedule,
};
