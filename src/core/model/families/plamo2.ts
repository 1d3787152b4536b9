/**
 * Preferred Networks PLaMo 2 (`plamo2`: pfnet/plamo-2-1b, plamo-2-8b, plamo-2-translate; remote code
 * modeling_plamo.py / configuration_plamo.py on the Hub, ported in vLLM
 * `vllm/model_executor/models/plamo2.py` and mlx-lm `mlx_lm/models/plamo2.py`), the modules
 * Plamo2ForCausalLM builds:
 * - `num_hidden_layers` layers, each a mixer and a SwiGLU MLP; `is_mamba(i)`: with `mamba_enabled`,
 *   layer i is Mamba unless i % `mamba_step` == `mamba_step` // 2 (only the last layer attends when
 *   the model has at most `mamba_step` // 2 layers); without it every layer attends.
 * - Plamo2AttentionMixer: qkv_proj (h → (heads + 2·kv)·head_dim, one matrix), q_weight [heads,
 *   head_dim] and k_weight [kv, head_dim] (each head RMS-normed with its own weight: the parameters of
 *   a 'full' q/k norm), RoPE, o_proj; no biases; head_dim = `hidden_size_per_head`. The reference
 *   cache keeps the last `attention_window_size` keys of a layer not in `full_attention_idx`.
 * - Plamo2MambaMixer (d_in = `mamba_num_heads`·`hidden_size_per_head`, N = `mamba_d_state`, rank
 *   R = max(64, h // 16)): in_proj h → 2·d_in (gate, x), conv1d over x (d_in × `mamba_d_conv`, no
 *   bias), bcdt_proj d_in → R + 2N, dt_norm (R), B_norm and C_norm (N), dt_proj R → heads, A_log, D
 *   and dt_bias (heads each), the SSD scan with one B/C group and y·SiLU(gate) (no norm), out_proj
 *   d_in → h; no biases. vLLM keeps (K − 1)·d_in conv and heads·head_dim·N SSM elements per sequence.
 * - DenseMLP: gate_up_proj (h → 2·I, one matrix), down_proj; SiLU.
 * - pre_mixer_norm, post_mixer_norm, pre_mlp_norm, post_mlp_norm per layer (RMSNorm with offsets),
 *   the final norm; lm_head tied per `tie_word_embeddings` (default true).
 * The Mamba mixer is the state-space mixer's selective form with Δ per head (`selective.stepPerHead`):
 * Mamba-1's in_proj, conv over x and x_proj (here bcdt_proj) with its three norms, the SSD scan over
 * `mamba_num_heads` heads of `hidden_size_per_head` and one B/C group — exact in parameters and state.
 */
import type { LayerMixer, StateSpaceSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readStateDtypeBytes, withClassDefaults } from './readers.js';

/** PlamoConfig's defaults (configuration_plamo.py, as mlx-lm's ModelArgs mirrors them). */
const PLAMO2_DEFAULTS = {
  vocab_size: 32_000,
  hidden_size: 4096,
  intermediate_size: 13_312,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  hidden_size_per_head: 128,
  max_position_embeddings: 2048,
  attention_window_size: 2048,
  tie_word_embeddings: true,
  mamba_d_state: 64,
  mamba_d_conv: 4,
  mamba_num_heads: 64,
  mamba_step: 2,
  mamba_chunk_size: 256,
  mamba_enabled: true,
} as const;

const fmt = (n: number) => n.toLocaleString('en-US');

/** `is_mamba(config, i)` of modeling_plamo.py / vLLM plamo2.py, for every layer. */
function mambaLayers(f: Fields, numLayers: number): boolean[] {
  if (!f.bool('mamba_enabled', true)) return Array(numLayers).fill(false);
  const step = f.positiveInt('mamba_step', { max: MAX.layers });
  if (step < 2) f.fail('mamba_step', `must be at least 2 (one attention layer per step), got ${step}`);
  const half = Math.floor(step / 2);
  return Array.from({ length: numLayers }, (_, i) =>
    numLayers <= half ? i !== numLayers - 1 : i % step !== half,
  );
}

/** Plamo2MambaMixer: Mamba-1's projections with Δ per head, the SSD scan with one B/C group, no gated norm. */
function readMixer(f: Fields, headDim: number, hidden: number): StateSpaceSpec {
  return {
    numHeads: f.positiveInt('mamba_num_heads', { max: MAX.heads }),
    headDim,
    stateSize: f.positiveInt('mamba_d_state', { max: MAX.headDim }),
    numGroups: 1,
    convKernel: f.positiveInt('mamba_d_conv', { max: 1024 }),
    chunkTokens: f.positiveInt('mamba_chunk_size', { max: MAX.positions }),
    projBias: false,
    convBias: false,
    stateBytesPerElement: readStateDtypeBytes(f, 'mamba_ssm_cache_dtype'),
    gatedNorm: false,
    // Plamo2MambaMixer: dt_dim = max(64, hidden_size // 16); dt_norm, B_norm and C_norm weights.
    selective: { timeStepRank: Math.max(64, Math.floor(hidden / 16)), innerNorms: true, stepPerHead: true },
  };
}

export const plamo2: Family = (top, name) => {
  const f = withClassDefaults(top, PLAMO2_DEFAULTS);
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const isMamba = mambaLayers(f, numLayers);
  const full = new Set(f.intList('full_attention_idx', MAX.layers));
  for (const i of full) {
    if (i >= numLayers) f.fail('full_attention_idx', `names layer ${i}, beyond the ${numLayers} layers`);
  }
  const attends = isMamba.some((m) => !m);
  const window = attends ? f.positiveInt('attention_window_size', { max: MAX.positions }) : null;
  const headDim = f.positiveInt('hidden_size_per_head', { max: MAX.headDim });
  const kinds = isMamba.map((m, i): LayerMixer => (m ? 'mamba' : full.has(i) ? 'full' : 'sliding'));
  const spec = decoder(f, name, {
    attention: { headDim, qkvBias: false, outputBias: false, qkNorm: 'full' },
    layout: () => ({ window: kinds.includes('sliding') ? window : null, kinds }),
  });
  const windowWarning = kinds.includes('sliding')
    ? [
        `plamo2: attention layers not in full_attention_idx keep the last ${fmt(window ?? 0)} tokens (attention_window_size, as the reference cache does); vLLM allocates them a full-length KV cache`,
      ]
    : [];
  const base = {
    ...spec,
    attention: { ...spec.attention, fusedQkv: true },
    mlp: { ...spec.mlp, fusedGateUp: true },
    norm: { kind: 'rmsnorm', perLayer: 4 } as const,
  };
  if (!isMamba.some(Boolean)) return windowWarning.length > 0 ? { ...base, warnings: windowWarning } : base;

  const stateSpace = readMixer(f, headDim, spec.hiddenSize);
  return { ...base, stateSpace, ...(windowWarning.length > 0 ? { warnings: windowWarning } : {}) };
};
