/**
 * Nemotron-H (Nemotron-H, Nemotron 3 Nano): a stack of single-mixer blocks given by
 * `hybrid_override_pattern` — `M` Mamba-2, `*` attention, `-` MLP, `E` MoE — each block one RMSNorm
 * and its mixer; MLPs and experts are ungated squared-ReLU (transformers
 * `models/nemotron_h/modeling_nemotron_h.py`: NemotronHBlock, NemotronHMamba2Mixer, NemotronHMLP, NemotronHMoE).
 */
import type { LayerSpec, StateSpaceSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { decoder, type Family, readStateDtypeBytes } from './readers.js';

const BLOCKS: Readonly<Record<string, LayerSpec>> = {
  M: { attention: 'mamba', mlp: 'none' },
  '*': { attention: 'full', mlp: 'none' },
  '-': { attention: 'none', mlp: 'dense' },
  E: { attention: 'none', mlp: 'moe' },
};

/** The config keys of a Mamba-2 mixer, and their defaults where the config class has one. */
export interface Mamba2Keys {
  readonly heads: string;
  readonly headDim: string;
  readonly state: string;
  readonly groups: string;
  readonly conv: string;
  readonly chunk: string;
  readonly chunkDefault: number;
  readonly projBias: string;
  readonly convBias: string;
}

/** NemotronHConfig's names. */
export const NEMOTRON_MAMBA_KEYS: Mamba2Keys = {
  heads: 'mamba_num_heads',
  headDim: 'mamba_head_dim',
  state: 'ssm_state_size',
  groups: 'n_groups',
  conv: 'conv_kernel',
  chunk: 'chunk_size',
  chunkDefault: 128,
  projBias: 'use_bias',
  convBias: 'use_conv_bias',
};

/** BambaMixer's names (GraniteMoeHybridConfig, FalconH1Config; mamba_chunk_size default 256). */
export const BAMBA_MAMBA_KEYS: Mamba2Keys = {
  heads: 'mamba_n_heads',
  headDim: 'mamba_d_head',
  state: 'mamba_d_state',
  groups: 'mamba_n_groups',
  conv: 'mamba_d_conv',
  chunk: 'mamba_chunk_size',
  chunkDefault: 256,
  projBias: 'mamba_proj_bias',
  convBias: 'mamba_conv_bias',
};

/** A Mamba-2 mixer; `headDim` overrides the head width when the config derives it (Granite's "auto"). */
export function readMamba2(
  f: Fields,
  keys: Mamba2Keys = NEMOTRON_MAMBA_KEYS,
  headDim?: number,
): StateSpaceSpec {
  const numHeads = f.positiveInt(keys.heads, { max: MAX.heads });
  const numGroups = f.positiveInt(keys.groups, { fallback: 1, max: MAX.heads });
  if (numHeads % numGroups !== 0)
    f.fail(keys.groups, `(${numGroups}) must divide ${keys.heads} (${numHeads})`);
  return {
    numHeads,
    headDim: headDim ?? f.positiveInt(keys.headDim, { max: MAX.headDim }),
    stateSize: f.positiveInt(keys.state, { max: MAX.headDim }),
    numGroups,
    convKernel: f.positiveInt(keys.conv, { fallback: 4, max: 1024 }),
    chunkTokens: f.positiveInt(keys.chunk, { fallback: keys.chunkDefault, max: MAX.positions }),
    projBias: f.bool(keys.projBias, false),
    convBias: f.bool(keys.convBias, true),
    stateBytesPerElement: readStateDtypeBytes(f, 'mamba_ssm_cache_dtype'),
  };
}

/**
 * `layers_block_type` (NemotronHConfig of transformers ≥ 5) names each block in words: today's
 * `linear_attention` (the Mamba-2 mixer) and `full_attention`, and the legacy `mamba` and `attention`
 * that `remap_legacy_layer_types` renames on load.
 */
const BLOCK_TYPES: Readonly<Record<string, LayerSpec>> = {
  linear_attention: BLOCKS.M!,
  full_attention: BLOCKS['*']!,
  mamba: BLOCKS.M!,
  attention: BLOCKS['*']!,
  mlp: BLOCKS['-']!,
  moe: BLOCKS.E!,
};

function readPattern(f: Fields, numLayers: number): LayerSpec[] {
  const pattern = f.string('hybrid_override_pattern', '');
  if (pattern.length !== numLayers) {
    f.fail(
      'hybrid_override_pattern',
      `must have one character per layer (${numLayers}), got ${pattern.length}`,
    );
  }
  return [...pattern].map(
    (ch, i) =>
      BLOCKS[ch] ??
      f.fail(
        'hybrid_override_pattern',
        `character ${i} is '${ch}'; allowed: M (Mamba-2), * (attention), - (MLP), E (MoE)`,
      ),
  );
}

/**
 * The blocks, from `layers_block_type` when given (its length is the depth; `num_hidden_layers` is
 * deprecated there and may be null), else `hybrid_override_pattern`; and the config with the depth
 * and the renamed Mamba keys (`mamba_n_groups`, `mamba_d_conv`) in the older spelling.
 */
function readBlocks(f: Fields): { readonly g: Fields; readonly layers: LayerSpec[] } {
  const list = f.raw('layers_block_type');
  if (list === undefined || list === null) {
    return { g: f, layers: readPattern(f, f.positiveInt('num_hidden_layers', { max: MAX.layers })) };
  }
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX.layers) {
    return f.fail('layers_block_type', `must be a list of 1 to ${MAX.layers} block types`);
  }
  const layers = list.map(
    (t, i) =>
      BLOCK_TYPES[String(t)] ??
      f.fail(
        'layers_block_type',
        `entry ${i} is ${shown(t)}; allowed: ${Object.keys(BLOCK_TYPES).join(', ')}`,
      ),
  );
  const renamed: Json = { num_hidden_layers: layers.length };
  if (!f.has('n_groups') && f.has('mamba_n_groups')) renamed.n_groups = f.raw('mamba_n_groups');
  if (!f.has('conv_kernel') && f.has('mamba_d_conv')) renamed.conv_kernel = f.raw('mamba_d_conv');
  return { g: f.with(renamed), layers };
}

export const nemotronH: Family = (top, name) => {
  const { g: f, layers } = readBlocks(top);
  const mtp = f.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers });
  const headDimKey = f.has('head_dim') ? 'head_dim' : 'attention_head_dim';
  const spec = decoder(f, name, {
    attention: f.has(headDimKey) ? { headDim: f.positiveInt(headDimKey, { max: MAX.headDim }) } : {},
    layout: () => ({ window: null, kinds: layers.map((l) => l.attention) }),
    // NemotronHMLP: up_proj and down_proj (bias = mlp_bias), relu².
    mlp: {
      intermediateSize: f.positiveInt('intermediate_size', { max: MAX.intermediate }),
      gated: false,
      bias: f.bool('mlp_bias', false),
    },
    layerMlp: (i) => layers[i]!.mlp,
    // NemotronHMoE: ungated experts, router weight [E, h] + e_score_correction_bias [E], one shared
    // expert NemotronHMLP(moe_shared_expert_intermediate_size).
    moe: {
      experts: 'n_routed_experts',
      expertSize: 'moe_intermediate_size',
      shared: { sizeKey: 'moe_shared_expert_intermediate_size', count: 1 },
      gated: false,
      routerBias: true,
      groupRouting: true,
    },
  });
  return {
    ...spec,
    // NemotronHBlock: one RMSNorm before its mixer.
    norm: { kind: 'rmsnorm', perLayer: 1 },
    stateSpace: layers.some((l) => l.attention === 'mamba') ? readMamba2(f) : null,
    // NemotronHMoE with moe_latent_size (Nemotron 3 Super): LatentMoE, experts in the latent.
    moe:
      spec.moe && f.has('moe_latent_size')
        ? { ...spec.moe, latentSize: f.positiveInt('moe_latent_size', { max: MAX.hidden }) }
        : spec.moe,
    activation: f.string('mlp_hidden_act', 'relu2'),
    ...(mtp > 0 && {
      warnings: [
        ...(spec.warnings ?? []),
        `nemotron_h: the checkpoint's ${mtp} MTP layer(s) (num_nextn_predict_layers; blocks ${shown(f.raw('mtp_layers_block_type') ?? f.raw('mtp_hybrid_override_pattern') ?? ['full_attention', 'moe'])}) are not counted: transformers' NemotronH builds no MTP and drops them on load`,
      ],
    }),
  };
};
