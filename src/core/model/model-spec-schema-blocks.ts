/**
 * The blocks of llmecon's hand-written spec (model-spec-schema.ts): attention (GQA, MLA, DeepSeek-V4's
 * compressed), the sparse indexer, linear attention, state-space and short-conv mixers, MLP and MoE.
 * Documented field by field in docs/model-spec.md.
 */
import { z } from 'zod';
import type { InputIssue } from '../errors.js';
import { MAX } from './families/fields.js';
import type { GatedDeltaNetSpec } from './spec.js';

/**
 * A whole number from `min` to `max`: the bounds are fields.ts's {@link MAX}, the one home of the
 * limits the Hugging Face reader applies too, so a spec can never ask for a layer list (or a count)
 * that exhausts memory or overflows; the message names the largest value allowed.
 */
function whole(min: 0 | 1, max: number) {
  const most = max.toLocaleString('en-US');
  return z
    .number()
    .int()
    .min(min, {
      error: (issue) =>
        `must be ${min === 0 ? 'a non-negative' : 'a positive'} integer up to ${most}, got ${issue.input}`,
    })
    .max(max, {
      error: (issue) => `must be at most ${most} (the largest supported value), got ${issue.input}`,
    });
}

/** A positive count at most `max`. */
export const countUpTo = (max: number) => whole(1, max);
/** A count that may be 0, at most `max`. */
export const wholeUpTo = (max: number) => whole(0, max);

/** A positive count without a tighter bound of its kind: a rank, a kernel width, a ratio. */
export const count = countUpTo(MAX.other);
export const layerCount = countUpTo(MAX.layers);
export const hiddenCount = countUpTo(MAX.hidden);
export const headCount = countUpTo(MAX.heads);
export const headDimCount = countUpTo(MAX.headDim);
export const intermediateCount = countUpTo(MAX.intermediate);
export const expertCount = countUpTo(MAX.experts);
export const tokenCount = countUpTo(MAX.positions);

export const gqa = z
  .object({
    kind: z.literal('gqa'),
    numHeads: headCount,
    numKvHeads: headCount.optional(),
    headDim: headDimCount.optional(),
    /** Value heads of their own width (MiMo-V2-Flash 128 beside q/k 192); default headDim. */
    valueHeadDim: headDimCount.optional(),
    qkvBias: z.boolean().default(false),
    outputBias: z.boolean().default(false),
    qkNorm: z.enum(['none', 'per-head', 'full']).default('none'),
    sinks: z.boolean().default(false),
    /** Sigmoid output gate from a doubled q projection (Qwen3-Next gated attention). */
    outputGate: z.boolean().default(false),
    /** One sigmoid gate per head from g_proj (h → numHeads) before o_proj (Step-3.5 head-wise gate). */
    headGate: z.boolean().default(false),
    gateProjection: z.boolean().optional(), // outputGate as its own g_proj (Laguna): LoRA on q adapts q_proj alone
    /** Rank of a low-rank query shared by the heads: q_proj h → r, RMSNorm(r), wq r → heads (Step3 MFA). */
    queryRank: hiddenCount.optional(),
    fusedQkv: z.boolean().optional(), // q/k/v as one matrix (query_key_value, c_attn): LoRA adapts it whole
  })
  .strict();

export const MIXERS = ['full', 'sliding', 'chunked', 'sparse', 'linear', 'mamba', 'conv', 'none'] as const;

export const shortConv = z
  .object({ convKernel: count.default(3), bias: z.boolean().default(false) })
  .strict();

export const sparseAttention = z
  .object({
    numHeads: headCount,
    headDim: headDimCount,
    topKTokens: tokenCount,
    blockTokens: tokenCount.optional(),
  })
  .strict();

/**
 * Defaults by variant ({@link linearAttentionSpec}): Gated DeltaNet / KDA conv 4, chunk 64, FP32 state;
 * lightning no conv, 256, BF16; mLSTM no conv, 64 (xLSTMConfig `chunk_size`), FP32 (`inference_state_dtype`);
 * RWKV-4 no conv, 1 (its WKV scans token by token), FP32; RWKV-5 and RWKV-6 no conv, 64 (fla `chunk_rwkv6`), FP32;
 * RWKV-7 no conv, 16 (fla `chunk_dplr_delta_rule`), FP32; HGRN2 (`gla`) no conv unless `convKernel`
 * is given, 64 (fla `chunk_gla`), FP32; HGRN (`hgrn`) likewise, 1 (`fused_recurrent_hgrn`), BF16 (its
 * final state at the activations' dtype).
 */
export const linearAttention = z
  .object({
    numKeyHeads: headCount,
    numValueHeads: headCount,
    keyHeadDim: headDimCount,
    valueHeadDim: headDimCount,
    convKernel: count.optional(),
    chunkTokens: tokenCount.optional(),
    stateBytesPerElement: z.union([z.literal(2), z.literal(4)]).optional(),
    /**
     * `lightning`: MiniMax's lightning attention (qkv_proj, output_gate, out_proj; no conv). `mlstm`: xLSTM's.
     * `gla`: HGRN2's gated linear attention; `hgrn`: HGRN's per-channel recurrence (mixer-specs.ts `isHgrn`).
     */
    projections: z
      .enum([
        'fused',
        'split',
        'kda',
        'lightning',
        'mlstm',
        'rwkv4',
        'rwkv5',
        'rwkv6',
        'rwkv7',
        'gla',
        'hgrn',
      ])
      .optional(),
    /** KDA's low-rank gates; RWKV-7's g_lora. */
    gateRank: hiddenCount.optional(),
    /** RWKV-6 and RWKV-7: the decay LoRA's rank (RWKV-7 w_lora; RWKV-6 time_decay_w1/w2). */
    decayRank: hiddenCount.optional(),
    /** RWKV-7: the ranks of a_lora (in-context learning rate) and v_lora (value residual). */
    learningRateRank: hiddenCount.optional(),
    valueRank: hiddenCount.optional(),
    /** RWKV-6: m, the token-shift LoRA's rank per mix (time_maa_w1 h → 5·m, time_maa_w2 5 × m × h). */
    tokenShiftRank: hiddenCount.optional(),
    /** KDA: a full-rank output gate g_proj (h → v) instead of the low-rank pair (Kimi K3). */
    fullRankOutputGate: z.boolean().optional(),
    /** KDA: a full-rank forget gate f_proj (h → k) instead of the low-rank pair (Ling 3.0 no_kda_lora). */
    fullRankForgetGate: z.boolean().optional(),
    /** mLSTM: biases on query/key/value/ogate_preact, out_proj and multihead_norm (use_bias). */
    bias: z.boolean().optional(),
    /** mLSTM: qkv_opreact and ifgate_preact as one module each (weight_mode "fused"): LoRA adapts it whole. */
    fusedProjections: z.boolean().optional(),
    /** HGRN2 and HGRN: false when g_norm has no weight (fla `elementwise_affine: false`). */
    outputNormWeight: z.boolean().optional(),
  })
  .strict();

type LinearAttentionInput = z.output<typeof linearAttention>;

/** What a variant cannot have, each issue naming its field under `linearAttention`. */
export function linearAttentionIssues(linear: LinearAttentionInput | null, hiddenSize: number): InputIssue[] {
  if (!linear) return [];
  const issues: InputIssue[] = [];
  const fail = (key: string, message: string) =>
    issues.push({ code: 'invalid_value', path: ['linearAttention', key], message });
  const v = linear.projections;
  if (v === 'lightning' || v === 'mlstm') {
    // MiniMaxLightningAttention: q, k and v of the same heads and head_dim; xLSTMLayer: of the same
    // heads (d_qk and d_v free); neither has a conv.
    const name = v === 'lightning' ? 'lightning attention' : 'the mLSTM';
    if (linear.numValueHeads !== linear.numKeyHeads)
      fail(
        'numValueHeads',
        `${name} needs numValueHeads equal to numKeyHeads (${linear.numKeyHeads}), got ${linear.numValueHeads}`,
      );
    if (v === 'lightning' && linear.valueHeadDim !== linear.keyHeadDim)
      fail(
        'valueHeadDim',
        `${name} needs valueHeadDim equal to keyHeadDim (${linear.keyHeadDim}), got ${linear.valueHeadDim}`,
      );
    if (linear.convKernel !== undefined) fail('convKernel', `${name} has no conv: leave convKernel out`);
  }
  if (v === 'mlstm' && linear.gateRank !== undefined)
    fail('gateRank', 'the mLSTM has no low-rank gates: leave gateRank out');
  if (v !== 'kda')
    for (const key of ['fullRankOutputGate', 'fullRankForgetGate'] as const)
      if (linear[key] !== undefined) fail(key, `only KDA (projections 'kda') has ${key}`);
  if (v !== 'mlstm')
    for (const key of ['bias', 'fusedProjections'] as const)
      if (linear[key] !== undefined) fail(key, `only the mLSTM (projections 'mlstm') has ${key}`);
  rwkvIssues(linear, hiddenSize, fail);
  hgrnIssues(linear, fail);
  return issues;
}

/**
 * HGRN2 (`gla`): one head count for q/k and v (HGRN2Attention's num_heads), key and value widths
 * free; HGRN (`hgrn`): per channel (d_k = d_v = 1) and scanned token by token (chunk 1). Neither has
 * a low-rank gate; `outputNormWeight` is theirs alone.
 */
function hgrnIssues(linear: LinearAttentionInput, fail: (key: string, message: string) => void): void {
  const v = linear.projections;
  if (v !== 'gla' && v !== 'hgrn') {
    if (linear.outputNormWeight !== undefined)
      fail('outputNormWeight', "only HGRN2 and HGRN (projections 'gla', 'hgrn') have outputNormWeight");
    return;
  }
  const name = v === 'gla' ? 'HGRN2' : 'HGRN';
  if (linear.numValueHeads !== linear.numKeyHeads)
    fail(
      'numValueHeads',
      `${name} needs numValueHeads equal to numKeyHeads (${linear.numKeyHeads}), got ${linear.numValueHeads}`,
    );
  if (linear.gateRank !== undefined) fail('gateRank', `${name} has no low-rank gate: leave gateRank out`);
  if (v === 'gla') return;
  for (const key of ['keyHeadDim', 'valueHeadDim'] as const)
    if (linear[key] !== 1)
      fail(key, `HGRN's recurrence is per channel: ${key} must be 1, got ${linear[key]}`);
  if (linear.chunkTokens !== undefined && linear.chunkTokens !== 1)
    fail(
      'chunkTokens',
      `HGRN's recurrence is scanned token by token (fused_recurrent_hgrn): chunkTokens must be 1, got ${linear.chunkTokens}`,
    );
}

/** The ranks RWKV-6 and RWKV-7 need, with the LoRA each sizes (for the messages). */
const RWKV_RANKS = {
  rwkv6: { decayRank: 'time_decay_w1', tokenShiftRank: 'time_maa_w1' },
  rwkv7: { decayRank: 'w_lora', learningRateRank: 'a_lora', gateRank: 'g_lora' },
} as const;

/**
 * RWKV (mixer-specs.ts `isRwkv`): heads as wide as the hidden state (the token shift and the WKV
 * keys are h wide), no conv; RWKV-4 per channel (d_k = d_v = 1), RWKV-5 with values as wide as its keys
 * and no LoRA, RWKV-6 and RWKV-7 with their LoRA
 * ranks (RWKV-6: decay and token shift; its gate is full-rank).
 */
function rwkvIssues(
  linear: LinearAttentionInput,
  hiddenSize: number,
  fail: (key: string, message: string) => void,
): void {
  const v = linear.projections;
  if (v !== 'rwkv7')
    for (const key of ['learningRateRank', 'valueRank'] as const)
      if (linear[key] !== undefined) fail(key, `only RWKV-7 (projections 'rwkv7') has ${key}`);
  if (v !== 'rwkv6' && v !== 'rwkv7' && linear.decayRank !== undefined)
    fail('decayRank', "only RWKV-6 and RWKV-7 (projections 'rwkv6', 'rwkv7') have decayRank");
  if (v !== 'rwkv6' && linear.tokenShiftRank !== undefined)
    fail('tokenShiftRank', "only RWKV-6 (projections 'rwkv6') has tokenShiftRank");
  if (v !== 'rwkv4' && v !== 'rwkv5' && v !== 'rwkv6' && v !== 'rwkv7') return;
  const name = { rwkv4: 'RWKV-4', rwkv5: 'RWKV-5', rwkv6: 'RWKV-6', rwkv7: 'RWKV-7' }[v];
  if (linear.convKernel !== undefined) fail('convKernel', `${name} has no conv: leave convKernel out`);
  if (linear.numValueHeads !== linear.numKeyHeads)
    fail(
      'numValueHeads',
      `${name} needs numValueHeads equal to numKeyHeads (${linear.numKeyHeads}), got ${linear.numValueHeads}`,
    );
  const keyWidth = linear.numKeyHeads * linear.keyHeadDim;
  if (keyWidth !== hiddenSize)
    fail(
      'numKeyHeads',
      `${name} needs numKeyHeads × keyHeadDim equal to hiddenSize (${hiddenSize}), got ${keyWidth}`,
    );
  if (v === 'rwkv5') {
    // RwkvSelfAttention: key, value, gate all attention_hidden_size = h wide, heads of head_size.
    if (linear.valueHeadDim !== linear.keyHeadDim)
      fail(
        'valueHeadDim',
        `RWKV-5's values are as wide as its keys: valueHeadDim must be ${linear.keyHeadDim}, got ${linear.valueHeadDim}`,
      );
    if (linear.gateRank !== undefined)
      fail('gateRank', "RWKV-5's gate is full-rank (h → h): leave gateRank out");
    return;
  }
  if (v === 'rwkv4') {
    for (const key of ['keyHeadDim', 'valueHeadDim'] as const)
      if (linear[key] !== 1) fail(key, `RWKV-4's WKV is per channel: ${key} must be 1, got ${linear[key]}`);
    if (linear.gateRank !== undefined) fail('gateRank', 'RWKV-4 has no low-rank gate: leave gateRank out');
    return;
  }
  if (v === 'rwkv6' && linear.gateRank !== undefined)
    fail('gateRank', "RWKV-6's gate is full-rank (h → v): leave gateRank out");
  for (const [key, lora] of Object.entries(RWKV_RANKS[v]))
    if (linear[key as keyof typeof linear] === undefined)
      fail(key, `${name} needs ${key} (its ${lora} rank)`);
}

/** The {@link GatedDeltaNetSpec} of a valid `linearAttention` block, its variant's defaults filled in. */
export function linearAttentionSpec(linear: LinearAttentionInput): GatedDeltaNetSpec {
  const v = linear.projections;
  const convless =
    v === 'lightning' || v === 'mlstm' || v === 'rwkv4' || v === 'rwkv5' || v === 'rwkv6' || v === 'rwkv7';
  // HGRN2's and HGRN's short convs are optional (use_short_conv): none unless convKernel is given.
  const optionalConv = v === 'gla' || v === 'hgrn';
  return {
    ...linear,
    convKernel: convless ? 0 : (linear.convKernel ?? (optionalConv ? 0 : 4)),
    // 64 otherwise: chunk_gated_delta_rule's, the mLSTM's, RWKV-6's chunk_rwkv6 and HGRN2's chunk_gla chunk_size.
    chunkTokens:
      linear.chunkTokens ??
      (v === 'lightning' ? 256 : v === 'rwkv4' || v === 'hgrn' ? 1 : v === 'rwkv7' ? 16 : 64),
    stateBytesPerElement: linear.stateBytesPerElement ?? (v === 'lightning' || v === 'hgrn' ? 2 : 4),
  };
}

export const stateSpace = z
  .object({
    numHeads: intermediateCount, // Mamba-1 (selective): d_inner
    headDim: headDimCount,
    stateSize: headDimCount,
    numGroups: headCount.default(1),
    convKernel: count.default(4),
    chunkTokens: tokenCount.default(128),
    projBias: z.boolean().default(false),
    gatedNorm: z.boolean().optional(),
    convBias: z.boolean().default(true),
    stateBytesPerElement: z.union([z.literal(2), z.literal(4)]).default(4),
    /** Mamba-1: numHeads = d_inner, headDim 1, numGroups 1; the Δ projection's rank. */
    selective: z
      .object({ timeStepRank: hiddenCount, innerNorms: z.boolean().default(false) })
      .strict()
      .optional(),
    /** false: no out_proj of its own; the attention's o_proj projects the scan's output too (Hymba). */
    outputProjection: z.boolean().optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!m.selective) return;
    for (const key of ['headDim', 'numGroups'] as const) {
      if (m[key] !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `must be 1 with selective (Mamba-1: numHeads is d_inner, one SSM per channel, B and C shared), got ${m[key]}`,
        });
      }
    }
  });

export const mla = z
  .object({
    kind: z.literal('mla'),
    numHeads: headCount,
    qLoraRank: hiddenCount.nullable().default(null),
    kvLoraRank: hiddenCount,
    qkNopeHeadDim: headDimCount,
    qkRopeHeadDim: headDimCount,
    vHeadDim: headDimCount,
    /** Sigmoid output gate g_proj (h → heads·vHeadDim) before o_proj (Kimi K3). */
    outputGate: z.boolean().optional(),
    /** A learned attention-sink logit per head (Hy4). */
    sinks: z.boolean().optional(),
  })
  .strict();

/**
 * DeepSeek-V4's attention (spec.ts `CompressedAttention`): `sliding` layers attend over the window
 * only, `sparse` layers (CSA) also over the indexer's top-k entries of `csaRatio` tokens, `full`
 * layers (HCA) over every entry of `hcaRatio` tokens. Needs `slidingWindow` (every layer's window).
 */
export const compressed = z
  .object({
    kind: z.literal('compressed'),
    numHeads: headCount,
    headDim: headDimCount,
    ropeHeadDim: headDimCount,
    qLoraRank: hiddenCount,
    outputGroups: headCount,
    outputLoraRank: hiddenCount,
    csaRatio: tokenCount.default(4),
    hcaRatio: tokenCount.default(128),
  })
  .strict();

export const mlp = z
  .object({
    intermediateSize: intermediateCount,
    gated: z.boolean().default(true),
    bias: z.boolean().default(false),
    fusedGateUp: z.boolean().optional(), // gate and up as one matrix (gate_up_proj): LoRA adapts it whole
  })
  .strict();

export const moe = z
  .object({
    numExperts: expertCount,
    topK: expertCount,
    expertIntermediateSize: intermediateCount,
    gated: z.boolean().default(true),
    expertBias: z.boolean().default(false),
    numSharedExperts: wholeUpTo(MAX.experts).default(0),
    sharedIntermediateSize: intermediateCount.optional(),
    routerBias: z.boolean().default(false),
    sharedExpertGate: z.boolean().default(false),
    routingGroups: z
      .object({ groups: expertCount, groupsPerToken: expertCount })
      .strict()
      .nullable()
      .default(null),
    /** A second expert group no text token runs (ERNIE-4.5-VL's vision experts): held and idle. */
    modalityExperts: z
      .object({ numExperts: expertCount, expertIntermediateSize: intermediateCount })
      .strict()
      .optional(),
    latentSize: hiddenCount.optional(),
    /** LatentMoE: an RMSNorm of the latent before the up-projection (Kimi K3). */
    latentNorm: z.boolean().optional(),
    /** The first N layers keep a dense MLP (DeepSeek's first_k_dense_replace). */
    firstDenseLayers: wholeUpTo(MAX.layers).default(0),
    /** Every Nth layer after those is MoE (1 = all). */
    layerFrequency: layerCount.default(1),
  })
  .strict();

/**
 * Hyper-connections (spec.ts `HyperConnectionsSpec`): `streams` residual streams mixed around each
 * block, by DeepSeek-V4's mHC (pre, post and comb) or Hy4's iHC (pre and post); absent kind = mHC.
 */
export const hyperConnections = z
  .object({ streams: count, kind: z.enum(['mhc', 'ihc']).optional() })
  .strict();
