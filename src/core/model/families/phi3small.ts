/**
 * Phi-3-small (`phi3small`, Phi3SmallForCausalLM: microsoft/Phi-3-small-8k-instruct and
 * -128k-instruct, 2024). Read from the checkpoint's remote code, `modeling_phi3_small.py` and
 * `configuration_phi3_small.py` (stored copies: haddad9/KG- `configuration_phi3_small.py`; the
 * modelling file in a copy the index does not name), checked against vLLM
 * `vllm/model_executor/models/phi3_small.py` (vllm-project/vllm 00db0119) and mlx-lm
 * `mlx_lm/models/phi3small.py` (ml-explore/mlx-lm 2090daae):
 * - embed_tokens nn.Embedding(vocab_size, h): `vocab_size` rows as given (100352 = 392 × 256 in the
 *   release, tiktoken's ids plus the dummy rows the head masks; no further padding). lm_head
 *   nn.Linear(h, V, bias=False), tied through `_tied_weights_keys` when `tie_word_embeddings` (absent
 *   in the release: PretrainedConfig's default true; vLLM ties on the same key).
 * - Per layer: input_layernorm and post_attention_layernorm, nn.LayerNorm(h) with weight and bias;
 *   final_layernorm the same after the last layer.
 * - Phi3SmallSelfAttention: query_key_value nn.Linear(h, (H + 2K)·d) and dense nn.Linear(h, h), both
 *   with bias (nn.Linear's default; vLLM bias=True; mlx-lm loads them strictly); d = h // H, and dense
 *   reads H·d = h, so h must divide by H (`head_dim` is not read). The release's `attention_bias: false`
 *   is read by none of the three: the biases are in the checkpoint and counted.
 * - Layer i attends densely when `dense_attention_every_n_layers` is set and (i + 1) % n == 0, else
 *   block-sparsely (remote code and vLLM alike; mlx-lm's `layer_idx % n == 0` agrees only for n = 2).
 *   Block-sparse: keys in blocks of `blocksparse_block_size`; a query block reads its
 *   `blocksparse_num_local_blocks` latest blocks and, before them, every `blocksparse_vert_stride`-th
 *   block (offset per head unless `blocksparse_homo_head_pattern`). ModelSpec's `sparse` layers need a
 *   lightning indexer, which this pattern has not, so these layers are counted as full attention and a
 *   warning states the overstatement (up to vert_stride × their attention-score FLOPs); the KV cache
 *   keeps every key (vLLM's paged cache), as counted.
 * - Phi3SmallMLP (GeGeLU, `hidden_act` must be "gegelu"): up_proj nn.Linear(h, 2·I) with bias, its
 *   interleaved columns the GELU and linear halves (one fused matrix), down_proj nn.Linear(I, h) with
 *   bias. I = Phi3SmallConfig.intermediate_size: `ff_intermediate_size`, else `ff_dim_multiplier` ·
 *   (h // 3) · 2 rounded up to 256 when `gegelu_pad_to_256`; exactly one of the two must be set.
 * μP multipliers, RoPE scaling (LongRoPE in -128k) and dropout hold no weights.
 */
import type { ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { fused } from './fused-projections.js';
import { decoder, type Family, withClassDefaults } from './readers.js';

/** Phi3SmallConfig.__init__'s defaults for the keys read here, and PretrainedConfig's tying default. */
const PHI3SMALL_DEFAULTS: Json = {
  vocab_size: 100_352,
  max_position_embeddings: 8192,
  hidden_size: 4096,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  hidden_act: 'gegelu',
  gegelu_pad_to_256: true,
  ff_intermediate_size: 14_336,
  blocksparse_block_size: 64,
  blocksparse_num_local_blocks: 16,
  blocksparse_vert_stride: 8,
  blocksparse_triton_kernel_block_size: 64,
  dense_attention_every_n_layers: 2,
  tie_word_embeddings: true,
};

/** Phi3SmallConfig.intermediate_size from `ff_intermediate_size` or `ff_dim_multiplier` (configuration_phi3_small.py). */
function readIntermediateSize(f: Fields): number {
  const direct = f.has('ff_intermediate_size');
  const multiplied = f.has('ff_dim_multiplier');
  if (direct && multiplied) {
    f.fail(
      'ff_dim_multiplier',
      'must be null while ff_intermediate_size is set (absent, it defaults to 14336): Phi3SmallConfig takes one of the two',
    );
  }
  if (direct) return f.positiveInt('ff_intermediate_size', { max: MAX.intermediate });
  if (!multiplied) {
    f.fail('ff_intermediate_size', 'or ff_dim_multiplier must be set (Phi3SmallConfig takes one of the two)');
  }
  const width =
    f.positiveInt('ff_dim_multiplier', { max: MAX.intermediate }) *
    Math.floor(f.positiveInt('hidden_size', { max: MAX.hidden }) / 3) *
    2;
  const size = f.bool('gegelu_pad_to_256', true) ? Math.ceil(width / 256) * 256 : width;
  if (size > MAX.intermediate) {
    f.fail(
      'ff_dim_multiplier',
      `gives an intermediate size of ${size}, above ${MAX.intermediate.toLocaleString('en-US')}`,
    );
  }
  return size;
}

/** The block-sparse layers' count and rule from `dense_attention_every_n_layers` (Phi3SmallSelfAttention). */
function blockSparseLayers(f: Fields, numLayers: number): { readonly count: number; readonly which: string } {
  const every = f.int('dense_attention_every_n_layers', { fallback: 0, max: MAX.layers });
  if (every === 0) return { count: numLayers, which: 'every layer' };
  const dense = Math.floor(numLayers / every);
  return { count: numLayers - dense, which: `layers i with (i + 1) % ${every} ≠ 0` };
}

/** The warning for block-sparse layers counted as full, from the `blocksparse_*` keys (vLLM asserts the kernel block size). */
function blockSparseWarning(f: Fields, sparse: { readonly count: number; readonly which: string }): string {
  const block = f.positiveInt('blocksparse_block_size', { max: MAX.positions });
  const kernel = f.positiveInt('blocksparse_triton_kernel_block_size', { max: MAX.positions });
  if (kernel !== block) {
    f.fail(
      'blocksparse_triton_kernel_block_size',
      `(${kernel}) must equal blocksparse_block_size (${block}): vLLM Phi3SmallSelfAttention asserts it`,
    );
  }
  const local = f.positiveInt('blocksparse_num_local_blocks', { max: MAX.positions });
  const stride = f.positiveInt('blocksparse_vert_stride', { max: MAX.positions });
  return (
    `phi3small: the ${sparse.count} block-sparse attention layers (${sparse.which}) are counted as full attention: ` +
    `there a query reads its ${local} latest blocks of ${block} tokens (${(local * block).toLocaleString('en-US')} tokens) ` +
    `and, before them, one block in ${stride} (blocksparse_vert_stride), so their attention-score FLOPs are ` +
    `overstated up to ${stride}× at long context; their KV cache keeps every key, as counted`
  );
}

/** Phi3SmallForCausalLM (see the file comment). */
export const phi3small: Family = (top, name) => {
  const f = withClassDefaults(top, PHI3SMALL_DEFAULTS);
  const act = f.string('hidden_act', 'gegelu');
  if (act !== 'gegelu') f.fail('hidden_act', `must be "gegelu" (Phi3SmallMLP asserts it), got ${shown(act)}`);
  const spec: ModelSpec = fused(
    decoder(f, name, {
      attention: {
        qkvBias: true,
        outputBias: true,
        headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden),
      },
      mlp: { intermediateSize: readIntermediateSize(f), gated: true, bias: true },
    }),
    { qkv: true, gateUp: true },
  );
  const sparse = blockSparseLayers(f, spec.numLayers);
  return {
    ...spec,
    norm: { kind: 'layernorm', perLayer: 2 },
    ...(sparse.count > 0 ? { warnings: [blockSparseWarning(f, sparse)] } : {}),
  };
};
