/**
 * Pure state-space models and Jamba (transformers `models/mamba`, `falcon_mamba`, `mamba2`, `jamba`):
 * - Mamba (`mamba`, state-spaces/mamba-*-hf) and Falcon-Mamba (`falcon_mamba`): every block one
 *   RMSNorm and a Mamba-1 mixer (MambaMixer; Falcon-Mamba's RMS normalisation of Δ, B and C has no
 *   weights), no MLP, a final norm, embeddings tied per `tie_word_embeddings` (default true).
 * - Mamba-2 (`mamba2`, Mamba-Codestral): every block one RMSNorm and a Mamba-2 mixer (Mamba2Mixer,
 *   gated RMSNorm), no MLP.
 * - Jamba (`jamba`, AI21 Jamba 1.x): Mamba-1 layers (with RMSNorms on Δ, B, C) and GQA attention
 *   without positional encoding every `attn_layer_period` layers, each followed by a SwiGLU MLP or,
 *   every `expert_layer_period` layers, a top-k MoE of SwiGLU experts; two RMSNorms per layer.
 * None of them has a positional limit; `max_position_embeddings` (Jamba's trained context) is read
 * when given.
 */
import type { GqaAttention, LayerMixer, LayerSpec, StateSpaceSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { readMamba2 } from './nemotron-h.js';
import { baseSpec, decoder, type Family, HF_KEYS, readCommon, readStateDtypeBytes } from './readers.js';

/** The chunk of mamba_ssm's selective-scan kernel (kNThreads 128 × kNItems 16), its saved-state period. */
const SELECTIVE_SCAN_CHUNK_TOKENS = 2048;

/** `time_step_rank` / `mamba_dt_rank`: an integer, or "auto" = ⌈hidden / 16⌉ (MambaConfig, JambaConfig). */
function readTimeStepRank(f: Fields, key: string, hidden: number): number {
  const raw = f.raw(key);
  if (raw === undefined || raw === null || raw === 'auto') return Math.ceil(hidden / 16);
  return f.positiveInt(key, { max: MAX.hidden });
}

export interface Mamba1Keys {
  readonly inner: string | null;
  readonly expand: string;
  readonly state: string;
  readonly conv: string;
  readonly rank: string;
  readonly projBias: string;
  readonly convBias: string;
}

/** MambaConfig / FalconMambaConfig names. */
const MAMBA_KEYS: Mamba1Keys = {
  inner: 'intermediate_size',
  expand: 'expand',
  state: 'state_size',
  conv: 'conv_kernel',
  rank: 'time_step_rank',
  projBias: 'use_bias',
  convBias: 'use_conv_bias',
};

/** JambaConfig names (the MLP owns `intermediate_size`); ZambaConfig's too. */
export const JAMBA_KEYS: Mamba1Keys = {
  inner: null,
  expand: 'mamba_expand',
  state: 'mamba_d_state',
  conv: 'mamba_d_conv',
  rank: 'mamba_dt_rank',
  projBias: 'mamba_proj_bias',
  convBias: 'mamba_conv_bias',
};

/**
 * A Mamba-1 mixer: d_inner = `intermediate_size` when the config gives it (it overrides `expand` in
 * MambaConfig, e.g. Falcon-Mamba-7B's 8,192 beside `expand` 16), else `expand` × hidden.
 */
export function readMamba1(f: Fields, hidden: number, keys: Mamba1Keys, innerNorms: boolean): StateSpaceSpec {
  const inner =
    keys.inner !== null && f.has(keys.inner)
      ? f.positiveInt(keys.inner, { max: MAX.intermediate })
      : f.positiveInt(keys.expand, { fallback: 2, max: 1024 }) * hidden;
  if (inner > MAX.intermediate)
    f.fail(keys.expand, `× hidden_size gives ${inner} channels, above ${MAX.intermediate}`);
  return {
    numHeads: inner,
    headDim: 1,
    stateSize: f.positiveInt(keys.state, { fallback: 16, max: MAX.headDim }),
    numGroups: 1,
    convKernel: f.positiveInt(keys.conv, { fallback: 4, max: 1024 }),
    chunkTokens: SELECTIVE_SCAN_CHUNK_TOKENS,
    projBias: f.bool(keys.projBias, false),
    convBias: f.bool(keys.convBias, true),
    stateBytesPerElement: readStateDtypeBytes(f, 'mamba_ssm_cache_dtype'),
    gatedNorm: false,
    selective: { timeStepRank: readTimeStepRank(f, keys.rank, hidden), innerNorms },
  };
}

/**
 * Attention in a model without attention layers: no layer uses it. Its heads are the units tensor
 * parallelism splits in the mixer (Mamba-2 groups, whose count divides the heads; Mamba-1 channels),
 * so the layout checks that read attention heads hold for the mixer.
 */
function mixerSplitAttention(m: StateSpaceSpec): GqaAttention {
  const units = m.selective ? m.numHeads : m.numGroups;
  return {
    kind: 'gqa',
    numHeads: units,
    numKvHeads: units,
    headDim: m.headDim,
    qkvBias: false,
    outputBias: false,
    qkNorm: 'none',
    sinks: false,
  };
}

/** A stack of state-space blocks (one RMSNorm and a mixer each, no MLP). */
function stateSpaceStack(f: Fields, name: string, mixer: (hidden: number) => StateSpaceSpec, tied: boolean) {
  const c = readCommon(f, name, { ...HF_KEYS, defaultPositions: MAX.positions });
  const stateSpace = mixer(c.hiddenSize);
  const layers = Array.from({ length: c.numLayers }, (): LayerSpec => ({ attention: 'mamba', mlp: 'none' }));
  return {
    ...baseSpec(f, c, {
      attention: mixerSplitAttention(stateSpace),
      mlp: { intermediateSize: 0, gated: false, bias: false },
      layers,
    }),
    tieWordEmbeddings: f.bool('tie_word_embeddings', tied),
    norm: { kind: 'rmsnorm', perLayer: 1 } as const,
    stateSpace,
  };
}

/** Mamba and Falcon-Mamba (FalconMambaConfig has MambaConfig's keys and defaults). */
export const mamba: Family = (f, name) =>
  stateSpaceStack(f, name, (h) => readMamba1(f, h, MAMBA_KEYS, false), true);

/**
 * Mamba2Config: `num_heads` × `head_dim` must equal `expand` × hidden (Mamba2Mixer's
 * intermediate_size), else transformers' mixer would not build.
 */
export const mamba2: Family = (f, name) =>
  stateSpaceStack(
    f,
    name,
    (h) => {
      const m = readMamba2(f, {
        heads: 'num_heads',
        headDim: 'head_dim',
        state: 'state_size',
        groups: 'n_groups',
        conv: 'conv_kernel',
        chunk: 'chunk_size',
        chunkDefault: 256,
        projBias: 'use_bias',
        convBias: 'use_conv_bias',
      });
      const expand = f.positiveInt('expand', { fallback: 2, max: 1024 });
      if (m.numHeads * m.headDim !== expand * h) {
        f.fail(
          'num_heads',
          `× head_dim (${m.numHeads} × ${m.headDim}) must equal expand × hidden_size (${expand} × ${h})`,
        );
      }
      return { ...m, gatedNorm: f.bool('rms_norm', true) };
    },
    false,
  );

/** Jamba's layer kinds: `layers_block_type` when listed, else the periods and offsets of JambaConfig. */
function jambaMixers(f: Fields, numLayers: number): LayerMixer[] {
  const listed = f.enumList('layers_block_type', numLayers, ['attention', 'mamba'] as const);
  if (listed) return listed.map((t): LayerMixer => (t === 'attention' ? 'full' : 'mamba'));
  const period = f.positiveInt('attn_layer_period', { fallback: 8, max: MAX.layers });
  const offset = f.int('attn_layer_offset', { fallback: 4, max: MAX.layers });
  if (offset >= period)
    f.fail('attn_layer_offset', `(${offset}) must be below attn_layer_period (${period})`);
  return Array.from({ length: numLayers }, (_, i): LayerMixer => (i % period === offset ? 'full' : 'mamba'));
}

export const jamba: Family = (f, name) => {
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mixers = jambaMixers(f, numLayers);
  const experts = f.positiveInt('num_experts', { fallback: 16, max: MAX.experts });
  const period = f.positiveInt('expert_layer_period', { fallback: 2, max: MAX.layers });
  const offset = f.int('expert_layer_offset', { fallback: 1, max: MAX.layers });
  if (offset >= period)
    f.fail('expert_layer_offset', `(${offset}) must be below expert_layer_period (${period})`);
  const spec = decoder(f, name, {
    keys: { ...HF_KEYS, defaultPositions: 262_144 },
    // JambaAttention: q/k/v/o without bias, no rotary embedding.
    attention: { qkvBias: false, outputBias: false },
    layout: () => ({ window: null, kinds: mixers }),
    // JambaDecoderLayer: a JambaSparseMoeBlock on the expert layers when num_experts > 1, else JambaMLP.
    layerMlp: (i) => (experts > 1 && i % period === offset ? 'moe' : 'dense'),
    moe: { experts: 'num_experts', expertSize: 'intermediate_size' },
  });
  return {
    ...spec,
    stateSpace: mixers.includes('mamba') ? readMamba1(f, spec.hiddenSize, JAMBA_KEYS, true) : null,
  };
};
