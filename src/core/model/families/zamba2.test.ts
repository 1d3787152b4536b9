/**
 * Zamba2 (`zamba2`), read by calling the family directly: counts tensor by tensor from the modules
 * of transformers `models/zamba2/modeling_zamba2.py` (Zamba2MambaMixer, Zamba2MambaDecoderLayer,
 * Zamba2HybridLayer, Zamba2AttentionDecoderLayer, Zamba2Attention, Zamba2MLP, Zamba2Model), the
 * layers read as blocks, KV and recurrent state, the shared blocks' later calls (their weights reused,
 * their compute and KV their own), and errors that name the field.
 *
 * Fixture: `hand-built/zamba2-2.7b-instruct-v2.json` (README there): Zyphra/Zamba2-2.7B-Instruct-v2's
 * config.json as far as a stored copy of its Hub page shows it (through `n_mamba_heads`), the rest
 * Zamba2Config's keys at the 2.7B's values; not a verbatim copy. The 1.2B and 7B shapes below are
 * written from their released (pre-transformers) configs and the values other projects quote.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { trainingMemory } from '../../memory/training-memory.js';
import { DEFAULT_LAYOUT } from '../../parallelism/layout.js';
import { adapterRuntime, layerAdapterMatrices, trainableParams } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { zamba2 } from './zamba2.js';

const Z2_7B: Json = hfFixture('hand-built/zamba2-2.7b-instruct-v2');

const read = (config: Json) => zamba2(new Fields(config, 'zamba2'), 'zamba2');

/** A Zamba2 shape, as Zamba2Config derives it. */
interface Shape {
  readonly h: number;
  readonly vocab: number;
  readonly layers: number;
  readonly hybrid: number;
  readonly memBlocks: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly mambaHeads: number;
  readonly state: number;
  readonly groups: number;
  readonly rank: number;
  readonly attentionAdapters: boolean;
}

/** Every tensor of Zamba2ForCausalLM (tied lm_head), from the modules' shapes. */
function tensors(s: Shape): number {
  const { h, rank: r } = s;
  const inner = 2 * h; // Zamba2MambaMixer.intermediate_size = mamba_expand · h
  const convDim = inner + 2 * s.groups * s.state;
  const mambaLayer =
    h * (inner + convDim + s.mambaHeads) + // mamba.in_proj.weight (add_bias_linear false)
    convDim * 4 + // mamba.conv1d.weight [conv_dim, 1, d_conv]
    convDim + // mamba.conv1d.bias (bias=True)
    s.mambaHeads + // mamba.dt_bias
    s.mambaHeads + // mamba.A_log
    s.mambaHeads + // mamba.D
    inner + // mamba.norm.weight (Zamba2RMSNormGated)
    inner * h + // mamba.out_proj.weight
    h; // input_layernorm.weight
  const d = Math.floor((2 * h) / s.heads); // attention_head_dim
  const sharedBlock =
    2 * h + // input_layernorm.weight over concat(hidden, embedding)
    3 * (2 * h) * (s.heads * d) + // self_attn.q_proj, k_proj, v_proj (kv heads = heads)
    s.heads * d * h + // self_attn.o_proj
    h + // pre_ff_layernorm.weight
    h * 2 * s.intermediate + // feed_forward.gate_up_proj
    s.intermediate * h; // feed_forward.down_proj
  const perCall =
    h * h + // Zamba2HybridLayer.linear
    h * r + // gate_up_proj_adapter_list.{c}.0
    r * 2 * s.intermediate + // gate_up_proj_adapter_list.{c}.1
    (s.attentionAdapters ? 3 * (2 * h * r + r * 2 * h) : 0); // linear_{q,k,v}_adapter_list.{c}
  return (
    s.layers * mambaLayer +
    Math.min(s.memBlocks, s.hybrid) * sharedBlock +
    s.hybrid * perCall +
    s.vocab * h + // embed_tokens (lm_head tied)
    h // final_layernorm
  );
}

const SHAPE_2_7B: Shape = {
  h: 2560,
  vocab: 32_000,
  layers: 54,
  hybrid: 9,
  memBlocks: 2,
  heads: 32,
  intermediate: 10_240,
  mambaHeads: 80,
  state: 64,
  groups: 1,
  rank: 128,
  attentionAdapters: false,
};

/** `layers_block_type` with "hybrid" at `at`. */
const pattern = (layers: number, at: readonly number[]) =>
  Array.from({ length: layers }, (_, i) => (at.includes(i) ? 'hybrid' : 'mamba'));

/**
 * Zamba2-7B: 81 layers of 3584, 13 hybrid (its released layers_block_type as quoted in NX-AI's
 * mlstm_kernels HF benchmark config), 112 Mamba heads of 64, 2 groups, state 64, I 14336 (as a
 * third-party registry reads them off Zyphra/Zamba2-7B-Instruct's config.json), two shared blocks,
 * MLP adapters only (use_shared_attention_lora false). Checked against the report's 7.4B and the
 * Instruct repo's safetensors shards (4.81 + 4.97 + 4.93 GB on its Hub file list).
 */
const Z7B: Json = {
  ...Z2_7B,
  hidden_size: 3584,
  num_hidden_layers: 81,
  layers_block_type: pattern(81, [6, 11, 17, 23, 29, 35, 41, 47, 53, 59, 65, 71, 77]),
  hybrid_layer_ids: [6, 11, 17, 23, 29, 35, 41, 47, 53, 59, 65, 71, 77],
  intermediate_size: 14_336,
  n_mamba_heads: 112,
  mamba_ngroups: 2,
  use_mem_rope: true,
};

/**
 * Zamba2-1.2B: its pre-transformers config.json (huggingface.co/Zyphra/Zamba2-1.2B, revision
 * 4f8e85cd: 38 layers of 2048, "g" every sixth from 5, ffn 8192, state 128, one shared block,
 * use_shared_attention_lora and use_mem_rope true, mamba_headdim 64, so 64 Mamba heads), checked
 * against its one model.safetensors of 2.43 GB on the Hub file list.
 */
const Z1_2B: Json = {
  ...Z2_7B,
  hidden_size: 2048,
  num_hidden_layers: 38,
  layers_block_type: pattern(38, [5, 11, 17, 23, 29, 35]),
  intermediate_size: 8192,
  n_mamba_heads: 64,
  mamba_d_state: 128,
  num_mem_blocks: 1,
  use_shared_attention_adapter: true,
  use_mem_rope: true,
};

describe('zamba2', () => {
  it('Zamba2-2.7B: every tensor once, 2,662,214,560 — the card’s and report’s 2.7B', () => {
    const total = paramCount(read(Z2_7B)).totalParams;
    expect(total).toBe(tensors(SHAPE_2_7B));
    expect(total).toBe(2_662_214_560);
    expect(Math.abs(total - 2.7e9) / 2.7e9).toBeLessThan(0.02);
  });

  it('Zamba2-7B: 7,356,749,648 — the report’s 7.4B, the Instruct checkpoint’s 14.71 GB of bf16', () => {
    const total = paramCount(read(Z7B)).totalParams;
    expect(total).toBe(
      tensors({
        ...SHAPE_2_7B,
        h: 3584,
        layers: 81,
        hybrid: 13,
        intermediate: 14_336,
        mambaHeads: 112,
        groups: 2,
      }),
    );
    expect(total).toBe(7_356_749_648);
    expect(Math.abs(2 * total - (4.81 + 4.97 + 4.93) * 1e9)).toBeLessThan(0.015e9);
  });

  it('Zamba2-1.2B: q/k/v adapters on the one shared block, 1,215,064,704 — its 2.43 GB model.safetensors', () => {
    const total = paramCount(read(Z1_2B)).totalParams;
    expect(total).toBe(
      tensors({
        ...SHAPE_2_7B,
        h: 2048,
        layers: 38,
        hybrid: 6,
        memBlocks: 1,
        intermediate: 8192,
        mambaHeads: 64,
        state: 128,
        attentionAdapters: true,
      }),
    );
    expect(total).toBe(1_215_064_704);
    expect(Math.abs(2 * total - 2.43e9)).toBeLessThan(0.005e9);
  });

  it('layers as blocks: the call’s shared attention + MLP (reused weights after each block’s first call), linear + adapters, Mamba-2', () => {
    const spec = read(Z2_7B);
    expect(spec.layers).toHaveLength(54 + 9 + 9);
    expect(spec.numLayers).toBe(72);
    const kinds = spec.layers.map((l) => l.attention);
    expect(kinds.filter((k) => k === 'mamba')).toHaveLength(54);
    expect(kinds.filter((k) => k === 'projection')).toHaveLength(9);
    expect(kinds.filter((k) => k === 'full')).toHaveLength(9);
    const block = { attention: 'full', mlp: 'dense', intermediateSize: 10_240 + 5120, norms: 3 };
    // Layer 6 (call 0, block 0): its block, the linear + adapters, the Mamba-2 mixer.
    expect(spec.layers.slice(6, 9)).toEqual([
      block,
      { attention: 'projection', mlp: 'dense', intermediateSize: 384, norms: 0 },
      { attention: 'mamba', mlp: 'none' },
    ]);
    // Calls 0 and 1 hold the two blocks' weights; calls 2–8 run them again.
    const shared = spec.layers.filter((l) => l.attention === 'full');
    expect(shared.slice(0, 2)).toEqual([block, block]);
    // Call c runs block c mod 2: the layer holding block 0's weights is 6, block 1's 14.
    expect(spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []))[1]).toBe(14);
    expect(shared.slice(2).map((l) => l.reusesWeights)).toEqual([6, 14, 6, 14, 6, 14, 6]);
    expect(shared.slice(2).map(({ reusesWeights: _r, ...l }) => l)).toEqual(Array(7).fill(block));
    expect(spec.attention).toMatchObject({ numHeads: 32, numKvHeads: 32, headDim: 160 });
    expect(spec.stateSpace).toMatchObject({
      numHeads: 80,
      headDim: 64,
      stateSize: 64,
      numGroups: 1,
      convBias: true,
    });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(4096);
  });

  it('KV for all nine attention calls, state for the 54 Mamba-2 mixers', () => {
    const spec = read(Z2_7B);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(9 * 2 * 32 * 160 * 2);
    const state = recurrentStateBytes(spec);
    expect(state.mambaLayers).toBe(54);
    expect(state.stateBytesPerSequence).toBe(54 * 80 * 64 * 64 * 2); // ssm_states [H, P, N] at bf16
    expect(state.convBytesPerSequence).toBe(54 * (5120 + 2 * 64) * 3 * 2); // last d_conv − 1 inputs
  });

  it('a call that reuses a shared block costs its compute and KV, not its weights: as nine unshared blocks less 7 blocks of weights', () => {
    const spec = read(Z2_7B);
    expect(spec.warnings).toHaveLength(1);
    expect(spec.warnings![0]).toMatch(
      /reused by the other 7 calls, whose compute, activations and KV cache are their own/,
    );
    // Nine unshared blocks (one per call): exactly 7 blocks' weights more, the same compute and KV.
    const unshared = read({ ...Z2_7B, num_mem_blocks: 9 });
    const block = 2 * 2560 + 3 * 5120 * 5120 + 5120 * 2560 + 2560 + 3 * 2560 * 10_240;
    expect(paramCount(unshared).totalParams - paramCount(spec).totalParams).toBe(7 * block);
    const decode = (s: typeof spec) =>
      forwardFlopsPerToken(s, { attentionMode: 'decode', contextTokens: 4096 }).flopsPerToken;
    expect(decode(unshared)).toBe(decode(spec));
    expect(kvCacheBytes(unshared, 1, 'bf16').bytesPerToken).toBe(kvCacheBytes(spec, 1, 'bf16').bytesPerToken);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(184_320);
    // Split over two pipeline stages, each holds a copy of the shared blocks its calls run (stage 1
    // holds no first call, so both blocks' weights are copied there); one stage holds them once.
    const stages = (pp: number) =>
      trainingMemory(
        spec,
        { ...DEFAULT_LAYOUT, pipelineParallel: pp, dataParallel: 1 },
        {
          seqLen: 4096,
          globalBatchSize: 8,
          precision: 'bf16',
          optimizer: 'adamw',
        },
      ).stages.map((st) => st.paramsPerGpu);
    const [first, second] = stages(2);
    expect(stages(1)).toEqual([paramCount(spec).totalParams]);
    // The tied embedding also has a copy on the last stage (its head), as for any tied model under PP.
    expect(first! + second!).toBe(paramCount(spec).totalParams + 2 * block + 32_000 * 2560);
    // LoRA on the shared blocks' q: PEFT wraps each module once, so two blocks' worth, not nine.
    const lora = (s: typeof spec) => trainableParams(s, { method: 'lora', rank: 8, targets: ['q'] });
    expect(lora(spec)).toBe(2 * 8 * (2560 + 5120));
    expect(lora(unshared)).toBe(9 * 8 * (2560 + 5120));
    // …but every call runs them: a reused call's adapted matrices are its owner's.
    const runtime = adapterRuntime(spec, { method: 'lora', rank: 8, targets: ['q'] }, 2);
    const reused = spec.layers.find((l) => l.reusesWeights !== undefined)!;
    expect(layerAdapterMatrices(spec, runtime, reused)).toEqual(
      layerAdapterMatrices(spec, runtime, spec.layers[reused.reusesWeights!]!),
    );
    expect(layerAdapterMatrices(spec, runtime, reused)).toHaveLength(1);
  });

  it('Zamba2Config defaults: the 54-layer pattern, 4·h MLP, use_long_context’s 16384 positions', () => {
    const { layers_block_type: _l, hybrid_layer_ids: _i, intermediate_size: _m, ...bare } = Z2_7B;
    expect(paramCount(read(bare)).totalParams).toBe(2_662_214_560);
    expect(read({ ...Z2_7B, use_long_context: true }).maxContextTokens).toBe(16_384);
    const e = inputErrorOf(() => read({ ...bare, num_hidden_layers: 40 }));
    expect(e.issues[0]?.path).toEqual(['layers_block_type']);
    expect(e.message).toMatch(/default pattern has 54 layers, num_hidden_layers is 40/);
  });

  it('errors name the field', () => {
    const old = inputErrorOf(() => read({ ...Z2_7B, layers_block_type: pattern(54, [6]).map((t) => t[0]) }));
    expect(old.issues[0]?.path).toEqual(['layers_block_type']);
    expect(old.message).toMatch(/"m", "g".*"mamba" and "hybrid"/);
    const heads = inputErrorOf(() => read({ ...Z2_7B, n_mamba_heads: 48 }));
    expect(heads.issues[0]?.path).toEqual(['n_mamba_heads']);
    expect(heads.message).toMatch(/\(48\) must divide mamba_expand · hidden_size \(5120\)/);
    const kv = inputErrorOf(() =>
      read({ ...Z2_7B, use_shared_attention_adapter: true, num_key_value_heads: 8 }),
    );
    expect(kv.issues[0]?.path).toEqual(['num_key_value_heads']);
    expect(kv.message).toMatch(/must equal num_attention_heads \(32\) with use_shared_attention_adapter/);
    const groups = inputErrorOf(() => read({ ...Z2_7B, mamba_ngroups: 3 }));
    expect(groups.issues[0]?.path).toEqual(['mamba_ngroups']);
  });

  it('specFromHfConfig reads the model_type by this family, not as a lookalike', () => {
    expect(specFromHfConfig(Z2_7B, 'zamba2')).toEqual(read(Z2_7B));
  });
});
