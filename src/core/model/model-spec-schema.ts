/**
 * llmecon's own architecture spec, for hypothetical models (JSON or YAML). A compact form of
 * {@link ModelSpec}: layers are described by rules (`moe.firstDenseLayers`, `slidingWindow.pattern`)
 * rather than listed. Documented field by field in docs/model-spec.md.
 */
import { z } from 'zod';
import { InputError, type InputIssue } from '../errors.js';
import { objectKeysAt, unknownKeyIssues } from '../schema-keys.js';
import { compressedAttentionIssues } from './compressed-attention.js';
import { MAX } from './families/fields.js';
import {
  compressed,
  count,
  countUpTo,
  gqa,
  hiddenCount,
  hyperConnections,
  layerCount,
  linearAttention,
  linearAttentionIssues,
  linearAttentionSpec,
  MIXERS,
  mla,
  mlp,
  moe,
  shortConv,
  sparseAttention,
  stateSpace,
  tokenCount,
  wholeUpTo,
} from './model-spec-schema-blocks.js';
import type { AttentionSpec, LayerSpec, ModelSpec } from './spec.js';

export const modelSpecInputSchema = z
  .object({
    name: z.string().min(1),
    vocabSize: countUpTo(MAX.vocab),
    hiddenSize: hiddenCount,
    numLayers: layerCount,
    maxContextTokens: tokenCount,
    tieWordEmbeddings: z.boolean().default(false),
    /** A bias on the output head (vocabSize elements), as Phi-2's lm_head has. */
    headBias: z.boolean().default(false),
    learnedPositionEmbeddings: wholeUpTo(MAX.positions).default(0),
    norm: z.enum(['rmsnorm', 'layernorm']).default('rmsnorm'),
    normsPerLayer: wholeUpTo(MAX.other).default(2),
    attention: z.discriminatedUnion('kind', [gqa, mla, compressed]),
    slidingWindow: z
      .object({
        tokens: tokenCount,
        /** Which layers slide: all, or every other layer starting with the first ('alternate'). */
        pattern: z.enum(['all', 'alternate']).default('all'),
      })
      .strict()
      .nullable()
      .default(null),
    /** Mixer per layer, repeated over numLayers; overrides slidingWindow.pattern; each needs its block. */
    layerPattern: z.array(z.enum(MIXERS)).min(1).optional(),
    /** MLP per layer, repeated over numLayers; overrides moe.firstDenseLayers/layerFrequency. */
    mlpPattern: z
      .array(z.enum(['dense', 'moe', 'none']))
      .min(1)
      .optional(),
    chunkedAttention: z.object({ tokens: tokenCount }).strict().nullable().default(null),
    sparseAttention: sparseAttention.nullable().default(null),
    /**
     * Indexer per layer, repeated over numLayers: `full` runs its own, `shared` reuses the top-k of the
     * last earlier sparse layer that ran one (GLM-5.2, Hy4); only sparse layers may be `shared`.
     */
    indexerPattern: z
      .array(z.enum(['full', 'shared']))
      .min(1)
      .optional(),
    linearAttention: linearAttention.nullable().default(null),
    stateSpace: stateSpace.nullable().default(null),
    shortConv: shortConv.nullable().default(null),
    mlp,
    moe: moe.nullable().default(null),
    numMtpModules: wholeUpTo(MAX.layers).default(0),
    /** The MTP modules' layer and head when not DeepSeek-V3's (ModelSpec.mtpModule); its mixer needs its block. */
    mtpModule: z
      .object({
        attention: z.enum(['full', 'sliding', 'chunked', 'sparse']),
        mlp: z.enum(['dense', 'moe']),
        ownHead: z.boolean().default(false),
      })
      .strict()
      .nullable()
      .default(null),
    /** Attention Residuals (Kimi K3): a block residual kept every blockLayers layers. */
    attentionResiduals: z.object({ blockLayers: layerCount }).strict().nullable().default(null),
    /** AltUp (Gemma 3n): `streams` residual streams, the layer running on one. */
    altUp: z.object({ streams: count }).strict().nullable().default(null),
    /** LAuReL-LR (Gemma 3n): a rank-`rank` residual beside each layer's attention. */
    laurel: z.object({ rank: hiddenCount }).strict().nullable().default(null),
    /** mHC (DeepSeek-V4) or iHC (Hy4, `kind: 'ihc'`): `streams` residual streams mixed around each block. */
    hyperConnections: hyperConnections.nullable().default(null),
    activation: z.string().default('silu'),
  })
  .strict();

export type ModelSpecInput = z.input<typeof modelSpecInputSchema>;

/** True when `value` looks like an llmecon spec rather than a Hugging Face config. */
export function isLlmeconSpec(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'hiddenSize' in value && !('model_type' in value);
}

/** Validates a hand-written spec and expands it into a {@link ModelSpec}. */
export function specFromInput(input: unknown): ModelSpec {
  const parsed = modelSpecInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues.flatMap((issue) => {
        const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
        return issue.code === 'unrecognized_keys'
          ? unknownKeyIssues(issue.keys, path, objectKeysAt(modelSpecInputSchema, path, input))
          : [{ code: 'invalid_value' as const, path, message: issue.message }];
      }),
    );
  }
  const s = parsed.data;
  const a = s.attention;
  const issues = [];
  let attention: AttentionSpec;
  if (a.kind === 'gqa') {
    const headDim = a.headDim ?? s.hiddenSize / a.numHeads;
    const numKvHeads = a.numKvHeads ?? a.numHeads;
    if (!Number.isInteger(headDim)) {
      issues.push({
        code: 'invalid_value' as const,
        path: ['attention', 'headDim'],
        message: `hiddenSize (${s.hiddenSize}) is not divisible by numHeads (${a.numHeads}); give headDim explicitly`,
      });
    }
    if (a.numHeads % numKvHeads !== 0) {
      issues.push({
        code: 'invalid_value' as const,
        path: ['attention', 'numKvHeads'],
        message: `numKvHeads (${numKvHeads}) must divide numHeads (${a.numHeads})`,
      });
    }
    attention = { ...a, headDim, numKvHeads };
  } else if (a.kind === 'compressed') {
    const { csaRatio: _c, hcaRatio: _h, ...shape } = a;
    issues.push(...compressedAttentionIssues(shape, s.slidingWindow !== null, s.layerPattern ?? []));
    attention = shape;
  } else {
    attention = a;
  }
  if (s.moe && s.moe.topK > s.moe.numExperts) {
    issues.push({
      code: 'invalid_value' as const,
      path: ['moe', 'topK'],
      message: `topK (${s.moe.topK}) exceeds numExperts (${s.moe.numExperts})`,
    });
  }
  const modality = s.moe?.modalityExperts; // ERNIE-4.5-VL: one gate (Ernie4_5_VLGate) sizes both groups
  if (s.moe && modality && modality.numExperts !== s.moe.numExperts) {
    const message = `must equal numExperts (${s.moe.numExperts}), as one gate sizes both groups; got ${modality.numExperts}`;
    issues.push({ code: 'invalid_value' as const, path: ['moe', 'modalityExperts', 'numExperts'], message });
  }
  if (s.moe && s.moe.firstDenseLayers >= s.numLayers) {
    issues.push({
      code: 'invalid_value' as const,
      path: ['moe', 'firstDenseLayers'],
      message: `firstDenseLayers (${s.moe.firstDenseLayers}) must be below numLayers (${s.numLayers})`,
    });
  }
  const mixerBlocks: Record<(typeof MIXERS)[number], { field: string; present: boolean } | null> = {
    full: null,
    none: null,
    sliding: { field: 'slidingWindow', present: s.slidingWindow !== null },
    chunked: { field: 'chunkedAttention', present: s.chunkedAttention !== null },
    sparse: { field: 'sparseAttention', present: s.sparseAttention !== null },
    linear: { field: 'linearAttention', present: s.linearAttention !== null },
    mamba: { field: 'stateSpace', present: s.stateSpace !== null },
    conv: { field: 'shortConv', present: s.shortConv !== null },
  };
  for (const kind of new Set(s.layerPattern ?? [])) {
    const block = mixerBlocks[kind];
    if (block && !block.present) {
      issues.push({
        code: 'missing_field' as const,
        path: [block.field],
        message: `layerPattern uses '${kind}' layers, which need '${block.field}'`,
      });
    }
  }
  const mtpBlock = s.mtpModule && mixerBlocks[s.mtpModule.attention];
  if (mtpBlock && !mtpBlock.present)
    issues.push({
      code: 'missing_field' as const,
      path: [mtpBlock.field],
      message: `mtpModule.attention '${s.mtpModule!.attention}' needs '${mtpBlock.field}'`,
    });
  if (s.mtpModule?.mlp === 'moe' && !s.moe)
    issues.push({
      code: 'missing_field' as const,
      path: ['moe'],
      message: "mtpModule.mlp 'moe' needs 'moe'",
    });
  const blockTokens = s.sparseAttention?.blockTokens;
  if (s.sparseAttention && blockTokens === undefined && a.kind === 'gqa') {
    issues.push({
      code: 'invalid_value' as const,
      path: ['sparseAttention'],
      message:
        'sparse attention with a DSA indexer needs attention.kind mla or compressed (block selection, blockTokens, works with gqa)',
    });
  }
  if (s.sparseAttention && blockTokens !== undefined) {
    if (a.kind !== 'gqa') {
      issues.push({
        code: 'invalid_value' as const,
        path: ['sparseAttention', 'blockTokens'],
        message: 'block-sparse attention (blockTokens) needs attention.kind gqa',
      });
    } else if (s.sparseAttention.topKTokens % blockTokens !== 0) {
      issues.push({
        code: 'invalid_value' as const,
        path: ['sparseAttention', 'topKTokens'],
        message: `topKTokens (${s.sparseAttention.topKTokens}) must be a whole number of blocks of blockTokens (${blockTokens})`,
      });
    }
  }
  const linear = s.linearAttention;
  issues.push(...linearAttentionIssues(linear, s.hiddenSize));
  if (s.mlpPattern?.includes('moe') && !s.moe) {
    issues.push({
      code: 'missing_field' as const,
      path: ['moe'],
      message: "mlpPattern uses 'moe' layers, which need 'moe'",
    });
  }
  const mixers = Array.from({ length: s.numLayers }, (_, i) =>
    s.layerPattern
      ? s.layerPattern[i % s.layerPattern.length]!
      : s.slidingWindow && (s.slidingWindow.pattern === 'all' || i % 2 === 0)
        ? 'sliding'
        : 'full',
  );
  const indexerShared = sharedIndexerLayers(s.indexerPattern, mixers, issues);
  if (issues.length > 0) throw new InputError(issues);

  const layers: LayerSpec[] = Array.from({ length: s.numLayers }, (_, i) => {
    const mixer = mixers[i]!;
    // DeepSeek-V4: CSA (sparse) and HCA (full) layers compress their KV beside the window.
    const ratio =
      a.kind === 'compressed'
        ? mixer === 'sparse'
          ? a.csaRatio
          : mixer === 'full'
            ? a.hcaRatio
            : null
        : null;
    return {
      attention: mixer,
      mlp: s.mlpPattern
        ? s.mlpPattern[i % s.mlpPattern.length]!
        : s.moe && i >= s.moe.firstDenseLayers && (i - s.moe.firstDenseLayers) % s.moe.layerFrequency === 0
          ? 'moe'
          : 'dense',
      ...(ratio === null ? {} : { compressRatio: ratio }),
      ...(indexerShared[i] ? { indexerShared: true } : {}),
    };
  });
  return {
    name: s.name,
    modelType: 'llmecon',
    vocabSize: s.vocabSize,
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    maxContextTokens: s.maxContextTokens,
    tieWordEmbeddings: s.tieWordEmbeddings,
    ...(s.headBias ? { headBias: true } : {}),
    learnedPositionEmbeddings: s.learnedPositionEmbeddings,
    norm: { kind: s.norm, perLayer: s.normsPerLayer },
    attention,
    slidingWindow: s.slidingWindow?.tokens ?? null,
    chunkedAttentionTokens: s.chunkedAttention?.tokens ?? null,
    sparseAttention: s.sparseAttention,
    linearAttention: linear && linearAttentionSpec(linear),
    stateSpace: s.stateSpace,
    shortConv: s.shortConv,
    vision: null,
    mlp: s.mlp,
    moe: s.moe
      ? {
          numExperts: s.moe.numExperts,
          topK: s.moe.topK,
          expertIntermediateSize: s.moe.expertIntermediateSize,
          gated: s.moe.gated,
          expertBias: s.moe.expertBias,
          numSharedExperts: s.moe.numSharedExperts,
          sharedIntermediateSize: s.moe.sharedIntermediateSize ?? s.moe.expertIntermediateSize,
          routerBias: s.moe.routerBias,
          sharedExpertGate: s.moe.sharedExpertGate,
          routingGroups: s.moe.routingGroups,
          ...(s.moe.modalityExperts === undefined ? {} : { modalityExperts: s.moe.modalityExperts }),
          ...(s.moe.latentSize === undefined ? {} : { latentSize: s.moe.latentSize }),
          ...(s.moe.latentNorm === undefined ? {} : { latentNorm: s.moe.latentNorm }),
        }
      : null,
    layers,
    numMtpModules: s.numMtpModules,
    mtpModule: s.mtpModule && {
      layer: { attention: s.mtpModule.attention, mlp: s.mtpModule.mlp },
      ...(s.mtpModule.ownHead ? { ownHead: true } : {}),
    },
    activation: s.activation,
    attentionResiduals: s.attentionResiduals,
    altUp: s.altUp,
    laurel: s.laurel,
    hyperConnections: s.hyperConnections,
  };
}

/**
 * Which layers reuse an earlier layer's indexer (`indexerPattern`, repeated over the layers): only
 * sparse layers, and never the first (GlmMoeDsaAttention raises "Shared DSA layers require top-k
 * indices from a previous full indexer layer"); issues name `indexerPattern`.
 */
function sharedIndexerLayers(
  pattern: readonly ('full' | 'shared')[] | undefined,
  mixers: readonly string[],
  issues: InputIssue[],
): boolean[] {
  const shared = mixers.map((_, i) => pattern?.[i % pattern.length] === 'shared');
  const misplaced = mixers.findIndex((m, i) => shared[i] && m !== 'sparse');
  if (misplaced >= 0) {
    const message = `layer ${misplaced} is '${mixers[misplaced]}', not 'sparse': only sparse layers can share an indexer`;
    issues.push({ code: 'invalid_value', path: ['indexerPattern'], message });
  }
  const first = mixers.indexOf('sparse');
  if (first >= 0 && shared[first]) {
    const message = `the first sparse layer (layer ${first}) is 'shared': there is no earlier indexer to reuse`;
    issues.push({ code: 'invalid_value', path: ['indexerPattern'], message });
  }
  return shared;
}
