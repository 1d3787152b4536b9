/**
 * RecurrentGemma (`recurrent_gemma`, Google's Griffin: De et al. 2024, "Griffin: Mixing Gated Linear
 * Recurrences with Local Attention", arXiv:2402.19427; transformers
 * `models/recurrent_gemma/configuration_recurrent_gemma.py`, `modeling_recurrent_gemma.py`). Every
 * RecurrentGemmaDecoderLayer holds temporal_pre_norm, a temporal block, channel_pre_norm (Gemma
 * RMSNorms of h) and RecurrentGemmaMlp, a GeGLU (gate_proj, up_proj, down_proj, all with bias) of
 * `intermediate_size // 2`; the temporal blocks follow `block_types` (the released config.json spells
 * it `_block_types`) repeated over the layers (`layers_block_type`):
 * - `attention`: RecurrentGemmaSdpaAttention, local MQA/GQA over the last `attention_window_size`
 *   tokens (its cache is that window), partial rotary (`partial_rotary_factor`, no parameters),
 *   q/k/v with bias per `attention_bias`, o_proj always with bias;
 * - `recurrent`: RecurrentGemmaRecurrentBlock: linear_y and linear_x (h → lru_width, bias), a
 *   depthwise conv_1d of `conv1d_width` (bias), RecurrentGemmaRglru (input and recurrence gates as
 *   block-diagonal weights of `num_attention_heads` blocks with biases, recurrent_param of lru_width),
 *   linear_out (lru_width → h, bias). Its state per sequence: the last conv1d_width − 1 inputs of the
 *   conv (activation dtype) and recurrent_states of lru_width (always float32).
 * The embedding is scaled by √h (a buffer) and tied to lm_head; logits are soft-capped (no parameters);
 * final_norm after the last layer. No positional limit: the attention is local and the rotary
 * embedding is computed per position.
 *
 * The RG-LRU block is read as llmecon's Mamba-1 mixer (`mamba`, `stateSpace.selective`) with state
 * size 1 and Δ rank w − 1 (w = lru_width / heads): in_proj (h → 2·D, bias) = linear_x + linear_y;
 * the conv alike; x_proj (D → w + 1) and dt_proj (w − 1 → D, bias D) = the two block-diagonal gates
 * (2·D·w weights, 2·D biases) exactly in parameters and matmul FLOPs; A_log (D × 1) = recurrent_param,
 * the D skip = the remaining D; out_proj (D → h, bias). The state is D FP32 and (k − 1)·D conv
 * inputs, exactly the block's. The scan's elementwise FLOPs (7·D against the RG-LRU's gating,
 * softplus, exp and √ per channel) and x_proj's tensor-parallel all-reduce are approximations.
 */
import type { LayerMixer, StateSpaceSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, HF_KEYS, readGqa, withClassDefaults } from './readers.js';

/**
 * RecurrentGemmaConfig.__init__ defaults for the sizes a config.json may omit: the shape the conversion
 * script calls "7B" (the released 2B sets intermediate_size 15360 and num_key_value_heads 1);
 * num_key_value_heads defaults to the heads, lru_width to hidden_size.
 */
const CLASS_DEFAULTS = {
  num_hidden_layers: 26,
  vocab_size: 256_000,
  hidden_size: 2560,
  intermediate_size: 3 * 2560,
  num_attention_heads: 10,
  attention_window_size: 2048,
  conv1d_width: 4,
};

const BLOCK_TYPES = ['recurrent', 'attention'] as const;

/** mamba_ssm's selective-scan chunk (families/mamba.ts), at which the Mamba-1 reading saves states. */
const SELECTIVE_SCAN_CHUNK_TOKENS = 2048;

/** Each layer's temporal block: `(block_types × 100)[:num_hidden_layers]` (RecurrentGemmaConfig). */
function readTemporalBlocks(f: Fields, numLayers: number): LayerMixer[] {
  const key = f.has('block_types') || !f.has('_block_types') ? 'block_types' : '_block_types';
  const raw = f.raw(key) ?? ['recurrent', 'recurrent', 'attention'];
  if (!Array.isArray(raw) || raw.length === 0 || raw.length * 100 < numLayers) {
    f.fail(key, `must list 'recurrent' / 'attention', at least ${Math.ceil(numLayers / 100)} of them`);
  }
  const cycle = f.with({ [key]: raw }).enumList(key, raw.length, BLOCK_TYPES)!;
  return Array.from({ length: numLayers }, (_, i) =>
    cycle[i % cycle.length] === 'attention' ? 'sliding' : 'mamba',
  );
}

/** The RG-LRU recurrent block as a Mamba-1 mixer of the same parameters and state (see the file comment). */
function readRgLru(f: Fields, hidden: number, heads: number): StateSpaceSpec {
  const lru = f.positiveInt('lru_width', { fallback: hidden, max: MAX.hidden });
  if (lru % heads !== 0) f.fail('lru_width', `(${lru}) must be divisible by num_attention_heads (${heads})`);
  const block = lru / heads;
  if (block < 2) {
    f.fail(
      'lru_width',
      `/ num_attention_heads gives RG-LRU gate blocks of width ${block}; at least 2 are read`,
    );
  }
  return {
    numHeads: lru,
    headDim: 1,
    stateSize: 1,
    numGroups: 1,
    convKernel: f.positiveInt('conv1d_width', { max: 1024 }),
    chunkTokens: SELECTIVE_SCAN_CHUNK_TOKENS,
    projBias: true,
    convBias: true,
    // RecurrentGemmaRecurrentBlock._setup_cache: "recurrent_states always computed in full precision".
    stateBytesPerElement: 4,
    gatedNorm: false,
    selective: { timeStepRank: block - 1, innerNorms: false },
  };
}

export const recurrentGemma: Family = (top, name) => {
  const f = withClassDefaults(top, CLASS_DEFAULTS);
  const mixers = readTemporalBlocks(f, f.positiveInt('num_hidden_layers', { max: MAX.layers }));
  // RecurrentGemmaMlp: intermediate_size // 2 per projection.
  const intermediate = Math.floor(f.positiveInt('intermediate_size', { max: MAX.intermediate }) / 2);
  if (intermediate === 0)
    f.fail('intermediate_size', 'must be at least 2 (the MLP is intermediate_size // 2 wide)');
  const attention = readGqa(f, { qkvBias: f.bool('attention_bias', false), outputBias: true });
  const hidden = f.positiveInt('hidden_size', { max: MAX.hidden });
  // The attention output is viewed as (…, hidden_size) before o_proj.
  if (attention.numHeads * attention.headDim !== hidden) {
    f.fail(
      'head_dim',
      `(${attention.headDim}) × num_attention_heads (${attention.numHeads}) must equal hidden_size (${hidden})`,
    );
  }
  const rgLru = readRgLru(f, hidden, attention.numHeads);
  const spec = decoder(f, name, {
    keys: { ...HF_KEYS, defaultPositions: MAX.positions },
    attention: () => attention,
    mlp: { intermediateSize: intermediate, gated: true, bias: true },
    layout: () => ({
      window: mixers.includes('sliding')
        ? f.positiveInt('attention_window_size', { max: MAX.positions })
        : null,
      kinds: mixers,
    }),
  });
  const recurrent = mixers.filter((m) => m === 'mamba').length;
  return {
    ...spec,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    activation: f.string('hidden_activation', 'gelu_pytorch_tanh'),
    stateSpace: recurrent > 0 ? rgLru : null,
    ...(recurrent > 0
      ? {
          warnings: [
            `recurrent_gemma: the ${recurrent} RG-LRU recurrent blocks are read as Mamba-1 mixers with state size 1 and Δ rank ${rgLru.selective?.timeStepRank} (lru_width / heads − 1) — the same parameters, matmul FLOPs and recurrent state (lru_width FP32 + conv window); the scan's elementwise FLOPs and a tensor-parallel all-reduce after the gates are approximate`,
          ],
        }
      : {}),
  };
};
