/**
 * MiniMax-Text-01 / MiniMax-M1 (`minimax`): the layer mix from `layer_types` or the remote code's
 * `attn_type_list`, lightning attention counted tensor by tensor against the card (456B total,
 * 45.9B activated), its KV cache and state, its operation list, LoRA targets and refusals.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { InputError } from '../../errors.js';
import { parseTargets, trainableParams } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { describeLayerMix } from '../layer-mix.js';
import { specFromInput } from '../model-spec-schema.js';
import { layerOperations, type Operation, type OperationRequest, operationFlops } from '../operations.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const base = (): Cfg => structuredClone(hfFixture('hand-built/minimax-text-01-hf')) as Cfg;

/** The same model as the remote code writes it: `attn_type_list` (1 = softmax, 0 = lightning). */
function remoteCode(): Cfg {
  const { layer_types: types, ...rest } = base();
  return {
    ...rest,
    model_type: 'minimax',
    attn_type_list: (types as string[]).map((t) => (t === 'full_attention' ? 1 : 0)),
  };
}

const h = 6144;
const vocab = 200_064;
const heads = 64;
const d = 128;
const p = heads * d; // 8192, H·d
const kv = 8 * d; // 1024
const experts = 32;
const I = 9216;

function request(phase: 'forward' | 'decode', context: number, tp = 1): OperationRequest {
  return {
    phase,
    shape: { sequences: 1, tokensPerSequence: phase === 'decode' ? 1 : context, contextTokens: context },
    layout: { tensorParallel: tp, contextParallel: 1, expertParallel: 1, sequenceParallel: tp > 1 },
    datatype: 'bf16',
    gemmInputBytes: 2,
  };
}

const flops = (ops: Operation[], pick: (op: Operation) => boolean) =>
  ops.filter(pick).reduce((sum, op) => sum + operationFlops(op), 0);

describe('minimax (MiniMax-Text-01, MiniMax-M1)', () => {
  it('reads layer_types: a softmax layer every 8th, lightning attention on the other 70', () => {
    const spec = specFromHfConfig(base(), 'minimax-text-01');
    const softmax = spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []));
    expect(softmax).toEqual([7, 15, 23, 31, 39, 47, 55, 63, 71, 79]);
    expect(spec.layers.filter((l) => l.attention === 'linear')).toHaveLength(70);
    expect(spec.layers.every((l) => l.mlp === 'moe')).toBe(true);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 64,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.linearAttention).toEqual({
      numKeyHeads: 64,
      numValueHeads: 64,
      keyHeadDim: 128,
      valueHeadDim: 128,
      convKernel: 0,
      chunkTokens: 256,
      stateBytesPerElement: 2,
      projections: 'lightning',
    });
    expect(spec.moe).toMatchObject({
      numExperts: 32,
      topK: 2,
      expertIntermediateSize: 9216,
      numSharedExperts: 0,
    });
    expect(spec.moe?.routerBias).toBe(false);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(10_240_000);
    expect(describeLayerMix(spec)).toBe(
      '80 layers: 10 full attention, 70 linear (Lightning Attention); MoE 32 experts top-2 on 80 layers',
    );
  });

  it('reads the remote code’s attn_type_list to the same model; without either, MiniMaxConfig alternates', () => {
    const fromTypes = specFromHfConfig(base(), 'hf');
    const fromList = specFromHfConfig(remoteCode(), 'remote');
    expect(fromList.layers).toEqual(fromTypes.layers);
    expect(paramCount(fromList)).toEqual(paramCount(fromTypes));
    // Both spellings given must agree.
    const both = { ...base(), attn_type_list: remoteCode().attn_type_list };
    expect(specFromHfConfig(both, 'both').layers).toEqual(fromTypes.layers);
    // MiniMaxConfig.__post_init__: "full_attention" if (i + 1) % 2 else "linear_attention".
    const { layer_types: _, ...bare } = base();
    const alternating = specFromHfConfig({ ...bare, num_hidden_layers: 4 }, 'alt');
    expect(alternating.layers.map((l) => l.attention)).toEqual(['full', 'linear', 'full', 'linear']);
  });

  it('counts 456.09B parameters tensor by tensor, 45.9B active without the embedding and head (the card’s)', () => {
    const spec = specFromHfConfig(base(), 'minimax-text-01');
    // MixtralAttention: q_proj (h → H·d), k_proj and v_proj (h → 8·d), o_proj (H·d → h), no bias.
    const softmax = h * p + h * kv + h * kv + p * h;
    // MiniMaxLightningAttention: qkv_proj (h → 3·H·d), output_gate (h → H·d), norm (H·d), out_proj (H·d → h).
    const lightning = h * 3 * p + h * p + p + p * h;
    // MiniMaxSparseMoeBlock: gate (h → 32, no bias), 32 experts of gate_proj, up_proj (h → I), down_proj (I → h).
    const expert = h * I + h * I + I * h;
    const moe = h * experts + experts * expert;
    const norms = 2 * h; // input_layernorm, post_attention_layernorm
    const total = vocab * h + 10 * softmax + 70 * lightning + 80 * (moe + norms) + h + vocab * h;
    const c = paramCount(spec);
    expect(c.totalParams).toBe(total);
    expect(c.totalParams).toBe(456_089_655_296);
    expect(c.breakdown.linearAttention).toBe(70 * lightning);
    // One token reaches 2 of the 32 experts.
    expect(c.activeParams).toBe(total - 80 * (experts - 2) * expert);
    // The card's "456B total parameters, 45.9B activated per token": the activated figure is without
    // the input embedding and the output head (with them 48.40B).
    expect(c.totalParams / 1e9).toBeCloseTo(456.09, 2);
    expect((c.activeParams - c.embeddingParams) / 1e9).toBeCloseTo(45.94, 2);
    expect(Math.abs((c.activeParams - c.embeddingParams) / 1e9 - 45.9)).toBeLessThan(0.05);
  });

  it('KV cache on the 10 softmax layers only; the lightning state is H·d·d per layer at BF16, no conv', () => {
    const spec = specFromHfConfig(base(), 'minimax-text-01');
    const perToken = 10 * 2 * kv * 2;
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(perToken);
    expect(kvCacheBytes(spec, 1_000_000, 'bf16').bytesPerToken).toBe(perToken);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(4096 * perToken);
    const state = recurrentStateBytes(spec);
    expect(state).toEqual({
      bytesPerSequence: 70 * heads * d * d * 2,
      convBytesPerSequence: 0,
      stateBytesPerSequence: 70 * heads * d * d * 2,
      linearLayers: 70,
      mambaLayers: 0,
      convLayers: 0,
    });
  });

  it('a lightning layer’s operations: qkv_proj, SiLU, the lightning kernel, norm, gate, out_proj; no conv, no gating', () => {
    const spec = specFromHfConfig(base(), 'minimax-text-01');
    const layer = { attention: 'linear', mlp: 'none' } as const;
    const names = layerOperations(spec, layer, request('forward', 4096))
      .filter((op) => op.component !== 'residual' && op.name !== 'norm')
      .map((op) => op.name);
    expect(names).toEqual([
      'qkv_proj',
      'qkv-silu',
      'lightning-attention',
      'output-norm',
      'output_gate',
      'output-gate',
      'out_proj',
    ]);
    // Under TP the RMSNorm over H·d all-reduces its variance (one FP32 per token).
    const tp8 = layerOperations(spec, layer, request('forward', 4096, 8));
    expect(tp8.find((op) => op.name === 'output-norm.all-reduce')).toMatchObject({ type: 'collective' });
    expect(tp8.find((op) => op.name === 'qkv_proj')).toMatchObject({ n: (3 * p) / 8, k: h });
    // Lightning Attention-2 Alg. 1 per token and head: B·(d + d) + 2·d² multiply-adds in a sequence,
    // 2·d² at decode; the decode op reads and writes the state once.
    const kernel = (op: Operation) => op.type === 'mixer';
    const forward = flops(layerOperations(spec, layer, request('forward', 4096)), kernel);
    expect(forward / 4096).toBe(heads * 2 * (256 * 2 * d + 2 * d * d));
    const decodeOps = layerOperations(spec, layer, request('decode', 65_536));
    expect(flops(decodeOps, kernel)).toBe(heads * 2 * 2 * d * d);
    const core = decodeOps.find((op) => op.type === 'mixer');
    expect(core).toMatchObject({ kernel: 'lightning-attention', recurrent: true });
    if (core?.type !== 'mixer') throw new Error('no mixer op');
    expect(core.bytesRead).toBe(2 * 3 * p + heads * d * d * 2);
    expect(core.bytesWritten).toBe(2 * p + heads * d * d * 2);
  });

  it('FLOPs from the operation list equal 2 × the matmul parameters a token touches, plus the mixing', () => {
    const spec = specFromHfConfig(base(), 'minimax-text-01');
    const c = paramCount(spec);
    const decode = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 8192 });
    // Every active parameter multiplies except the embedding lookup, the norms and lightning's RMSNorm.
    const matmulParams = c.activeParams - c.breakdown.embedding - c.breakdown.norms - 70 * p;
    expect(decode.flopsPerToken - decode.breakdown.attentionScores).toBe(2 * matmulParams);
    const prefill = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 8192 });
    expect(prefill.breakdown.attentionProjections).toBe(
      2 * (10 * (h * p + 2 * h * kv + p * h) + 70 * (h * 3 * p + h * p + p * h)),
    );
    // Softmax layers: 2·H·(d + d) per (query, key) pair, causal s/2 keys; lightning: its blocks.
    const softmaxScores = 10 * 2 * heads * 2 * d * (8192 / 2);
    const lightningScores = 70 * heads * 2 * (256 * 2 * d + 2 * d * d);
    expect(prefill.breakdown.attentionScores).toBe(softmaxScores + lightningScores);
  });

  it('LoRA on the mixer targets qkv_proj and output_gate (in_proj) and out_proj on the 70 lightning layers', () => {
    const spec = specFromHfConfig(base(), 'minimax-text-01');
    const r = 8;
    const m = (i: number, o: number) => r * (i + o);
    const lora = (targets: string) => ({ method: 'lora' as const, rank: r, targets: parseTargets(targets) });
    expect(trainableParams(spec, lora('mixer'))).toBe(70 * (m(h, 3 * p) + m(h, p) + m(p, h)));
    expect(trainableParams(spec, lora('attn'))).toBe(10 * (m(h, p) + 2 * m(h, kv) + m(p, h)));
  });

  it('refuses malformed fields, naming them', () => {
    const list = remoteCode().attn_type_list as number[];
    const cases: [Cfg, RegExp][] = [
      [
        { ...remoteCode(), attn_type_list: list.slice(1) },
        /attn_type_list.*one entry per layer \(80\), got 79/,
      ],
      [{ ...remoteCode(), attn_type_list: [2, ...list.slice(1)] }, /attn_type_list.*between 0 and 1/],
      [
        { ...base(), attn_type_list: [1, ...list.slice(1)] },
        /attn_type_list.*disagrees with layer_types at layer 0/,
      ],
      [
        { ...base(), layer_types: ['sliding_attention', ...base().layer_types.slice(1)] },
        /layer_types\[0\].*sliding_attention/,
      ],
      [{ ...base(), shared_intermediate_size: 1024 }, /shared_intermediate_size.*must be 0/],
      [{ ...base(), block_size: 0 }, /block_size.*at least 1/],
      [{ ...base(), num_key_value_heads: 7 }, /num_key_value_heads.*must divide/],
    ];
    for (const [config, message] of cases) {
      expect(() => specFromHfConfig(config, 'bad')).toThrow(InputError);
      expect(() => specFromHfConfig(config, 'bad')).toThrow(message);
    }
  });

  it("reads the checkpoints' own files (minimax_m1, minimax_text_01) as the Hugging Face format", () => {
    const m1 = hfFixture('hand-built/minimax-m1-80k') as Cfg;
    expect(m1.model_type).toBe('minimax_m1');
    const hf = paramCount(specFromHfConfig(base(), 'hf'));
    const counted = paramCount(specFromHfConfig(m1, 'm1'));
    expect(counted.totalParams).toBe(456_089_655_296);
    expect(counted.activeParams).toBe(hf.activeParams);
    expect(counted.breakdown).toEqual(hf.breakdown);
    const text01 = specFromHfConfig({ ...remoteCode(), model_type: 'minimax_text_01' }, 't01');
    expect(paramCount(text01).totalParams).toBe(hf.totalParams);
    // MiniMax-M1's 80 layers: a softmax layer every 8th, as attn_type_list gives them.
    const spec = specFromHfConfig(m1, 'm1');
    expect(spec.layers.filter((l) => l.attention === 'full')).toHaveLength(10);
    expect(spec.maxContextTokens).toBe(10_240_000);
  });

  it('MiniMax-VL-01 (minimax_vl_01): the text model as Text-01, a CLIP ViT-L/14-336 tower, projector and newline apart', () => {
    const vl = specFromHfConfig(hfFixture('hand-built/minimax-vl-01'), 'vl');
    const counted = paramCount(vl);
    expect(counted.totalParams).toBe(456_089_655_296);
    // CLIPVisionModel: patch conv 3·14²·1024, class token, 577 positions, pre/post LayerNorms, 24 blocks of
    // q/k/v/o with bias, two LayerNorms, fc1/fc2 with bias: the card's 303M ViT.
    const [vh, vi] = [1024, 4096];
    const block = 4 * (vh * vh + vh) + 2 * 2 * vh + (vh * vi + vi) + (vi * vh + vh);
    const tower = 3 * 14 * 14 * vh + vh + 577 * vh + 2 * 2 * vh + 24 * block;
    expect(tower).toBe(303_507_456);
    // multi_modal_projector linear_1 (1024 → 6144) and linear_2 (6144 → 6144) with bias, image_newline [6144].
    const projector = vh * h + h + h * h + h;
    expect(counted.visionParams).toBe(tower + projector + h);
    const asText = specFromHfConfig((hfFixture('hand-built/minimax-vl-01') as Cfg).text_config, 't');
    expect(paramCount(asText).totalParams).toBe(counted.totalParams);
  });

  it('written as an llmecon spec (projections: lightning) it counts as its config does', () => {
    const read = specFromHfConfig(base(), 'hf');
    const input = {
      name: 'minimax-by-hand',
      vocabSize: vocab,
      hiddenSize: h,
      numLayers: 80,
      maxContextTokens: 10_240_000,
      attention: { kind: 'gqa', numHeads: 64, numKvHeads: 8, headDim: 128 },
      layerPattern: [...Array(7).fill('linear'), 'full'],
      linearAttention: {
        numKeyHeads: 64,
        numValueHeads: 64,
        keyHeadDim: 128,
        valueHeadDim: 128,
        projections: 'lightning',
      },
      mlp: { intermediateSize: I },
      moe: { numExperts: 32, topK: 2, expertIntermediateSize: I },
    };
    const byHand = specFromInput(input);
    expect(byHand.linearAttention).toEqual(read.linearAttention);
    expect(paramCount(byHand)).toEqual(paramCount(read));
    const bad = (linearAttention: Cfg) => () => specFromInput({ ...input, linearAttention });
    expect(bad({ ...input.linearAttention, convKernel: 4 })).toThrow(/no conv: leave convKernel out/);
    expect(bad({ ...input.linearAttention, numValueHeads: 32 })).toThrow(
      /numValueHeads equal to numKeyHeads/,
    );
  });
});
