/**
 * LoRA-family adapters (Hu et al. 2021, Eq. 3: W + B·A with A ∈ R^{r×in}, B ∈ R^{out×r}): which
 * matrices a target list selects, and the exact number of trainable parameters, per module.
 * DoRA (Liu et al. 2024, Eq. 5) adds one magnitude per output feature of each adapted matrix.
 */
import { inputError } from '../errors.js';
import type { ModelSpec } from './spec.js';

/** Module names as in Hugging Face PEFT's target_modules, plus groups. */
export const TARGET_MODULES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'shared', 'experts'] as const;
export type TargetModule = (typeof TARGET_MODULES)[number];
export const TARGET_GROUPS: Readonly<Record<string, readonly TargetModule[]>> = {
  attn: ['q', 'k', 'v', 'o'],
  mlp: ['gate', 'up', 'down', 'shared'],
  all: ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'shared', 'experts'],
};

export type AdapterMethod = 'lora' | 'qlora' | 'dora';

export interface AdapterSpec {
  readonly method: AdapterMethod;
  readonly rank: number;
  readonly targets: readonly TargetModule[];
}

export interface AdaptedMatrix {
  /** Hugging Face module name(s), e.g. `q_proj`, `mlp.experts.*.down_proj`. */
  readonly module: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** How many such matrices the model has (layers × experts). */
  readonly count: number;
  readonly trainableParams: number;
}

/** Parses `attn,mlp` / `q,v` into target modules; unknown names are an InputError listing the allowed ones. */
export function parseTargets(text: string, field = '--targets'): TargetModule[] {
  const out = new Set<TargetModule>();
  for (const raw of text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const group = TARGET_GROUPS[raw];
    if (group) for (const t of group) out.add(t);
    else if ((TARGET_MODULES as readonly string[]).includes(raw)) out.add(raw as TargetModule);
    else {
      inputError(
        'invalid_value',
        [field],
        `unknown target module '${raw}'; allowed: ${[...Object.keys(TARGET_GROUPS), ...TARGET_MODULES].join(', ')}`,
      );
    }
  }
  if (out.size === 0) inputError('invalid_value', [field], 'give at least one target module, e.g. attn,mlp');
  return [...out];
}

/** Every adapted matrix with its shape and trainable parameters. */
export function adaptedMatrices(spec: ModelSpec, adapter: AdapterSpec): AdaptedMatrix[] {
  if (!Number.isInteger(adapter.rank) || adapter.rank < 1) {
    inputError('invalid_value', ['--rank'], `must be a whole number ≥ 1, got ${adapter.rank}`);
  }
  const r = adapter.rank;
  const h = spec.hiddenSize;
  const wants = (t: TargetModule) => adapter.targets.includes(t);
  const out: AdaptedMatrix[] = [];
  const add = (module: string, inFeatures: number, outFeatures: number, count: number) => {
    if (count <= 0) return;
    const perMatrix = r * (inFeatures + outFeatures) + (adapter.method === 'dora' ? outFeatures : 0);
    out.push({ module, inFeatures, outFeatures, count, trainableParams: perMatrix * count });
  };
  const L = spec.numLayers;
  const a = spec.attention;
  if (a.kind === 'mla') {
    const qHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
    if (wants('q')) {
      if (a.qLoraRank === null) add('q_proj', h, a.numHeads * qHead, L);
      else {
        add('q_a_proj', h, a.qLoraRank, L);
        add('q_b_proj', a.qLoraRank, a.numHeads * qHead, L);
      }
    }
    // MLA's keys and values come from one shared down-projection and one up-projection.
    if (wants('k') || wants('v')) {
      add('kv_a_proj_with_mqa', h, a.kvLoraRank + a.qkRopeHeadDim, L);
      add('kv_b_proj', a.kvLoraRank, a.numHeads * (a.qkNopeHeadDim + a.vHeadDim), L);
    }
    if (wants('o')) add('o_proj', a.numHeads * a.vHeadDim, h, L);
  } else {
    const q = a.numHeads * a.headDim;
    const kv = a.numKvHeads * a.headDim;
    if (wants('q')) add('q_proj', h, q, L);
    if (wants('k')) add('k_proj', h, kv, L);
    if (wants('v')) add('v_proj', h, kv, L);
    if (wants('o')) add('o_proj', q, h, L);
  }
  const moeLayers = spec.moe ? spec.layers.filter((l) => l.mlp === 'moe').length : 0;
  const denseLayers = L - moeLayers;
  const I = spec.mlp.intermediateSize;
  if (wants('gate') && spec.mlp.gated) add('mlp.gate_proj', h, I, denseLayers);
  if (wants('up')) add('mlp.up_proj', h, I, denseLayers);
  if (wants('down')) add('mlp.down_proj', I, h, denseLayers);
  const moe = spec.moe;
  if (moe && wants('shared') && moe.numSharedExperts > 0) {
    const Is = moe.numSharedExperts * moe.sharedIntermediateSize;
    if (moe.gated) add('mlp.shared_experts.gate_proj', h, Is, moeLayers);
    add('mlp.shared_experts.up_proj', h, Is, moeLayers);
    add('mlp.shared_experts.down_proj', Is, h, moeLayers);
  }
  if (moe && wants('experts')) {
    const Ie = moe.expertIntermediateSize;
    const experts = moeLayers * moe.numExperts;
    if (moe.gated) add('mlp.experts.*.gate_proj', h, Ie, experts);
    add('mlp.experts.*.up_proj', h, Ie, experts);
    add('mlp.experts.*.down_proj', Ie, h, experts);
  }
  if (out.length === 0) {
    inputError(
      'invalid_value',
      ['--targets'],
      `none of ${adapter.targets.join(', ')} exists in ${spec.name}`,
    );
  }
  return out;
}

export function trainableParams(spec: ModelSpec, adapter: AdapterSpec): number {
  return adaptedMatrices(spec, adapter).reduce((sum, m) => sum + m.trainableParams, 0);
}

/** What the memory and step-time models need to know about an adapter run. */
export interface AdapterRuntime {
  readonly method: AdapterMethod;
  readonly rank: number;
  /** Trainable adapter parameters of the whole model. */
  readonly trainableParams: number;
  /** Adapted matrices in one dense layer and one MoE layer (routed experts counted as tokens reach them). */
  readonly perLayer: {
    readonly dense: readonly { readonly inFeatures: number; readonly outFeatures: number }[];
    readonly moe: readonly {
      readonly inFeatures: number;
      readonly outFeatures: number;
      readonly routed: boolean;
    }[];
  };
  /** Bytes per frozen decoder-matrix parameter (BF16 2, FP8 1, NF4 with double quantisation 0.516). */
  readonly baseBytesPerParam: number;
  /**
   * QLoRA's paged optimizer (Dettmers et al. 2023, Sec. 3): states live in unified memory and are
   * evicted to CPU outside the optimizer step, so the forward/backward peak does not include them.
   */
  readonly pagedOptimizer: boolean;
}

export function adapterRuntime(
  spec: ModelSpec,
  adapter: AdapterSpec,
  baseBytesPerParam: number,
): AdapterRuntime {
  const matrices = adaptedMatrices(spec, adapter);
  const moeLayers = spec.moe ? spec.layers.filter((l) => l.mlp === 'moe').length : 0;
  const denseLayers = spec.numLayers - moeLayers;
  const dense: { inFeatures: number; outFeatures: number }[] = [];
  const moe: { inFeatures: number; outFeatures: number; routed: boolean }[] = [];
  for (const m of matrices) {
    const attention = !m.module.startsWith('mlp.');
    if (attention) {
      if (denseLayers > 0) dense.push(m);
      if (moeLayers > 0) moe.push({ ...m, routed: false });
    } else if (m.module.startsWith('mlp.experts')) moe.push({ ...m, routed: true });
    else if (m.module.startsWith('mlp.shared')) moe.push({ ...m, routed: false });
    else dense.push(m);
  }
  return {
    method: adapter.method,
    rank: adapter.rank,
    trainableParams: matrices.reduce((sum, m) => sum + m.trainableParams, 0),
    perLayer: { dense, moe },
    baseBytesPerParam,
    pagedOptimizer: adapter.method === 'qlora',
  };
}
