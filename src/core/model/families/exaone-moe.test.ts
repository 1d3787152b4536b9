/**
 * K-EXAONE (exaone-moe.ts), counted tensor by tensor from the modules transformers'
 * `modeling_exaone_moe.py` builds (ExaoneMoeAttention's q/k/v/o and per-head q_norm/k_norm,
 * ExaoneMoeMLP, ExaoneMoeTopkRouter's weight and e_score_correction_bias, ExaoneMoeExperts'
 * gate_up_proj/down_proj, the shared ExaoneMoeMLP, two RMSNorms a layer) and vLLM's
 * `exaone_moe_mtp.py` (the MTP block), against the release: the model card (236B total, 23B
 * active, 234B without embeddings; 48 main layers + 1 MTP layer) and the BF16 release's GGUF tensor
 * inventory (Baekpica/k-exaone-mixed-ds4 `manifests/tensor-inventory.json`: 237,099,669,632
 * parameters, its MTP group 528,513,280). The fixture holds the values of the release's config.json
 * at revision 61e6d578 (test/fixtures/hf-configs/README.md).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { exaoneMoe } from './exaone-moe.js';
import { Fields, type Json } from './fields.js';

const KEX: Json = hfFixture('hand-built/k-exaone-236b-a23b');
const read = (config: Json) => exaoneMoe(new Fields(config, 'exaone_moe'), 'k-exaone-236b-a23b');

// Shapes of the release.
const h = 6144;
const vocab = 153_600;
const heads = 64;
const kv = 8;
const d = 128;
const ffn = 18_432;
const experts = 128;
const expertFfn = 2048;
const topK = 8;
/** q_proj [64·128, h], k_proj and v_proj [8·128, h], o_proj [h, 64·128], q_norm and k_norm [128]. */
const attention = h * heads * d + 2 * h * kv * d + heads * d * h + 2 * d;
/** gate_proj, up_proj [I, h] and down_proj [h, I]. */
const mlp = (width: number) => 3 * h * width;
/** gate.weight [E, h] and e_score_correction_bias [E]. */
const router = experts * h + experts;
const moe = router + experts * mlp(expertFfn) + mlp(expertFfn);
const activeMoe = router + topK * mlp(expertFfn) + mlp(expertFfn);
/** input_layernorm and post_attention_layernorm. */
const norms = 2 * h;
const embedding = vocab * h;
const total = embedding + (attention + mlp(ffn) + norms) + 47 * (attention + moe + norms) + h + embedding;
/** mtp.fc [h, 2h], pre_fc_norm_embedding, pre_fc_norm_hidden, norm, and mtp.layers.0 with a dense MLP. */
const mtpBlock = 2 * h * h + 3 * h + (attention + norms + mlp(ffn));
const pattern = ['sliding', 'sliding', 'sliding', 'full'];

describe('exaone_moe (K-EXAONE-236B-A23B)', () => {
  it('reads 12 × (3 sliding layers of window 128 + 1 global), a dense layer 0 then 47 MoE layers', () => {
    const spec = read(KEX);
    expect(spec.numLayers).toBe(48);
    expect(spec.layers.map((l) => l.attention)).toEqual(Array(12).fill(pattern).flat());
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(47).fill('moe')]);
    expect(spec.slidingWindow).toBe(128);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 64,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 18_432, gated: true, bias: false });
    expect(spec.moe).toEqual({
      numExperts: 128,
      topK: 8,
      expertIntermediateSize: 2048,
      gated: true,
      expertBias: false,
      numSharedExperts: 1,
      sharedIntermediateSize: 2048,
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: null,
    });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(262_144);
    expect(spec.vocabSize).toBe(153_600);
    expect(spec.numMtpModules).toBe(1);
    expect(spec.modelType).toBe('exaone_moe');
  });

  it('counts 236,571,156,352 parameters tensor by tensor (the card 236B; 237,099,669,632 with the MTP block, the release), 23.67B active (the card 23B)', () => {
    const p = paramCount(read(KEX));
    expect(p.totalParams).toBe(total);
    expect(total).toBe(236_571_156_352);
    // The release's tensors: the main model and the MTP block (the GGUF inventory's 237,099,669,632).
    expect(total + mtpBlock).toBe(237_099_669_632);
    expect(Math.floor(p.totalParams / 1e9)).toBe(236);
    // "234B without embeddings": both the embedding and the untied head left out.
    expect(p.totalParams - 2 * embedding).toBe(234_683_719_552);
    expect(Math.floor((p.totalParams - 2 * embedding) / 1e9)).toBe(234);
    expect(p.activeParams).toBe(total - 47 * moe + 47 * activeMoe);
    expect(p.activeParams).toBe(23_668_285_312);
    // The card's 23B: 23.67B with the embedding lookup, 22.72B without it.
    expect(Math.floor(p.activeParams / 1e9)).toBe(23);
    expect(p.activeParams - embedding).toBe(22_724_566_912);
    expect(p.breakdown).toMatchObject({
      embedding,
      head: embedding,
      attention: 48 * attention,
      denseMlp: mlp(ffn),
      routedExperts: 47 * experts * mlp(expertFfn),
      sharedExperts: 47 * mlp(expertFfn),
      router: 47 * router,
      norms: 48 * norms + h,
    });
    // The MTP block, counted apart: the release's 237,099,669,632 tensors are the total and it.
    expect(p.mtpParams).toBe(mtpBlock);
  });

  it('caches 4 KiB a token and layer: 12 global layers over the whole context, 36 sliding ones over 128 tokens', () => {
    const spec = read(KEX);
    const perLayerToken = 2 * kv * d * 2;
    expect(perLayerToken).toBe(4096);
    const at = 262_144;
    const kvc = kvCacheBytes(spec, at, 'bf16');
    expect(kvc.bytesPerToken).toBe(48 * perLayerToken);
    expect(kvc.bytesPerSequence).toBe(12 * perLayerToken * at + 36 * perLayerToken * 128);
    expect(kvc.bytesPerSequence).toBe(12_903_776_256);
    expect(kvc).toMatchObject({ fullLayers: 12, slidingLayers: 36 });
    expect(kvCacheBytes(spec, 100, 'bf16').bytesPerSequence).toBe(48 * perLayerToken * 100);
  });

  it('forward FLOPs: 2 per weight a token touches, 2·64·(128 + 128) per cached key', () => {
    const spec = read(KEX);
    const context = 4096;
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: context }).breakdown;
    expect(f.attentionProjections).toBe(2 * 48 * (attention - 2 * d));
    expect(f.attentionScores).toBe(12 * 2 * heads * 2 * d * context + 36 * 2 * heads * 2 * d * 128);
    expect(f.denseMlp).toBe(2 * mlp(ffn));
    expect(f.routedExperts).toBe(2 * 47 * topK * mlp(expertFfn));
    expect(f.sharedExperts).toBe(2 * 47 * mlp(expertFfn));
    expect(f.router).toBe(2 * 47 * experts * h);
    expect(f.head).toBe(2 * vocab * h);
  });

  it("counts the MTP block (528,513,280 parameters, the report's 0.52B dense layer) as one MTP module, without a warning", () => {
    expect(mtpBlock).toBe(528_513_280);
    const spec = read(KEX);
    expect(spec.warnings).toBeUndefined();
    expect(spec.numMtpModules).toBe(1);
    expect(spec.mtpModule).toEqual({ layer: { attention: 'full', mlp: 'dense' } });
  });

  it('several MTP layers share one fc and its norms: not llmecon modules, not counted, said with their size', () => {
    const spec = read({ ...KEX, mtp_layer_types: ['full_attention', 'full_attention'] });
    expect(spec.numMtpModules).toBe(0);
    expect(spec.warnings).toEqual([
      `exaone_moe: the checkpoint's MTP block (mtp.*: fc 2h → h, pre_fc_norm_embedding, pre_fc_norm_hidden and norm, shared by 2 full-attention decoder layers with a dense MLP of 18,432) holds ${(mtpBlock + attention + norms + mlp(ffn)).toLocaleString('en-US')} parameters; it is not counted and not used for speculative decoding: llmecon's MTP modules each hold their own fc and norms`,
    ]);
  });

  it('reads the same model from the keys transformers falls back on (sliding_window_pattern, first_k_dense_replace)', () => {
    const { layer_types: _t, sliding_windows: _w, mlp_layer_types: _m, is_moe_layer: _i, ...rest } = KEX;
    expect(read(rest)).toEqual(read(KEX));
    expect(read({ ...rest, sliding_window_pattern: 4 })).toEqual(read(KEX));
    // sliding_windows alone gives the kinds too (0 = global), as vLLM and Megatron-Bridge read it.
    expect(read({ ...rest, sliding_windows: KEX.sliding_windows })).toEqual(read(KEX));
    // ExaoneMoeConfig's defaults: a 4096 window, the first layer dense.
    const { sliding_window: _s, first_k_dense_replace: _k, ...bare } = rest;
    expect(read(bare).slidingWindow).toBe(4096);
    expect(read(bare).layers).toEqual(read(KEX).layers);
    // An explicit null window makes every layer global.
    expect(read({ ...rest, sliding_window: null }).layers.every((l) => l.attention === 'full')).toBe(true);
  });

  it('K-EXAONE 2.0 keys: windows of two sizes are read at the larger; a sliding MTP layer is a sliding module', () => {
    const windows = Array.from({ length: 48 }, (_, i) => (i % 4 === 3 ? 0 : i % 4 === 0 ? 4096 : 128));
    const spec = read({
      ...KEX,
      sliding_windows: windows,
      sliding_window: null,
      mtp_layer_types: ['sliding_attention'],
      mtp_sliding_windows: [128],
      mtp_num_speculative_steps: 4,
      swiglu_limits: Array(48).fill(7.0),
    });
    expect(spec.slidingWindow).toBe(4096);
    expect(spec.warnings).toHaveLength(1);
    expect(spec.warnings![0]).toBe(
      'exaone_moe: sliding_windows gives the sliding layers windows of 4,096 (12 layers) and 128 (24 layers); llmecon has one window per model, so all are read at 4,096: the KV cache and attention FLOPs of the narrower layers are overstated once the context passes their window',
    );
    expect(spec.mtpModule).toEqual({ layer: { attention: 'sliding', mlp: 'dense' } });
    expect(paramCount(spec).mtpParams).toBe(mtpBlock);
    expect(paramCount(spec).totalParams).toBe(total);
    expect(read({ ...KEX, sliding_window: 4096 }).warnings?.[0]).toMatch(
      /^exaone_moe: sliding_window \(4,096\) differs from the per-layer sliding_windows \(128\): read by sliding_windows/,
    );
  });

  it('says when the MLP keys disagree; several shared experts are one shared MLP as wide as all of them', () => {
    const flags = read({ ...KEX, is_moe_layer: Array(48).fill(true) });
    expect(flags.layers[0]!.mlp).toBe('dense');
    expect(flags.warnings?.[0]).toBe(
      'exaone_moe: is_moe_layer disagrees with mlp_layer_types, which is read (transformers reads mlp_layer_types, else first_k_dense_replace)',
    );
    expect(read({ ...KEX, num_shared_experts: 2 }).moe).toMatchObject({
      numSharedExperts: 1,
      sharedIntermediateSize: 4096,
    });
    expect(read({ ...KEX, num_shared_experts: 0 }).moe).toMatchObject({
      numSharedExperts: 0,
      sharedIntermediateSize: 0,
    });
    expect(read({ ...KEX, n_group: 8, topk_group: 4 }).moe?.routingGroups).toEqual({
      groups: 8,
      groupsPerToken: 4,
    });
  });

  it('a model without MoE layers: its one global MTP layer is an MTP module too, counted apart', () => {
    const dense = read({
      ...KEX,
      mlp_layer_types: Array(48).fill('dense'),
      is_moe_layer: null,
      first_k_dense_replace: 48,
    });
    expect(dense.moe).toBeNull();
    expect(dense.numMtpModules).toBe(1);
    expect(dense.warnings).toBeUndefined();
    expect(paramCount(dense).mtpParams).toBe(mtpBlock);
  });

  it('refuses malformed layer lists and sizes, naming the field', () => {
    const message = (config: Json) => inputErrorOf(() => read(config)).message;
    expect(message({ ...KEX, layer_types: ['sliding_attention'] })).toMatch(
      /'layer_types' must list one entry per layer \(48\), got 1/,
    );
    const types = [...(KEX.mlp_layer_types as string[])];
    types[3] = 'moe';
    expect(message({ ...KEX, mlp_layer_types: types })).toMatch(
      /mlp_layer_types\[3\]: must be one of 'dense', 'sparse', got "moe"/,
    );
    const windows = [...(KEX.sliding_windows as number[])];
    windows[1] = 0;
    expect(message({ ...KEX, sliding_windows: windows })).toMatch(
      /'sliding_windows' is 0 for layer 1, which layer_types makes sliding_attention/,
    );
    expect(message({ ...KEX, sliding_windows: [128, 0] })).toMatch(
      /'sliding_windows' must list one window per layer \(48; 0 for global attention\), got 2/,
    );
    const { mlp_layer_types: _m, ...noTypes } = KEX;
    expect(message({ ...noTypes, is_moe_layer: [false, true] })).toMatch(
      /'is_moe_layer' must list one true \(MoE\) or false \(dense MLP\) per layer \(48\)/,
    );
    expect(message({ ...KEX, n_group: 3 })).toMatch(/'n_group' \(3\) must divide num_experts \(128\)/);
    expect(message({ ...KEX, num_key_value_heads: 7 })).toMatch(/'num_key_value_heads' \(7\) must divide/);
    const { layer_types: _t, sliding_windows: _w, ...byPattern } = KEX;
    expect(message({ ...byPattern, sliding_window_pattern: 'LLXG' })).toMatch(
      /'sliding_window_pattern' must be a number or a string of L and G, got 'LLXG'/,
    );
    expect(message({ ...KEX, mtp_layer_types: 'full_attention' })).toMatch(/'mtp_layer_types' must list/);
    const { num_experts: _e, ...noExperts } = KEX;
    expect(message(noExperts)).toMatch(/missing field 'num_experts'/);
  });

  it('specFromHfConfig reads the model_type by this family, not as a lookalike', () => {
    expect(specFromHfConfig(KEX, 'k-exaone-236b-a23b')).toEqual(read(KEX));
  });
});
