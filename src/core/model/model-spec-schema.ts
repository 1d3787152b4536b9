/**
 * llmecon's own architecture spec, for hypothetical models (JSON or YAML). A compact form of
 * {@link ModelSpec}: layers are described by rules (`moe.firstDenseLayers`, `slidingWindow.pattern`)
 * rather than listed. Documented field by field in docs/model-spec.md.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { AttentionSpec, LayerSpec, ModelSpec } from './spec.js';

const count = z.number().int().positive();

const gqa = z
  .object({
    kind: z.literal('gqa'),
    numHeads: count,
    numKvHeads: count.optional(),
    headDim: count.optional(),
    qkvBias: z.boolean().default(false),
    outputBias: z.boolean().default(false),
    qkNorm: z.enum(['none', 'per-head', 'full']).default('none'),
    sinks: z.boolean().default(false),
  })
  .strict();

const mla = z
  .object({
    kind: z.literal('mla'),
    numHeads: count,
    qLoraRank: count.nullable().default(null),
    kvLoraRank: count,
    qkNopeHeadDim: count,
    qkRopeHeadDim: count,
    vHeadDim: count,
  })
  .strict();

const mlp = z
  .object({
    intermediateSize: count,
    gated: z.boolean().default(true),
    bias: z.boolean().default(false),
  })
  .strict();

const moe = z
  .object({
    numExperts: count,
    topK: count,
    expertIntermediateSize: count,
    gated: z.boolean().default(true),
    expertBias: z.boolean().default(false),
    numSharedExperts: z.number().int().nonnegative().default(0),
    sharedIntermediateSize: count.optional(),
    routerBias: z.boolean().default(false),
    sharedExpertGate: z.boolean().default(false),
    routingGroups: z.object({ groups: count, groupsPerToken: count }).strict().nullable().default(null),
    /** The first N layers keep a dense MLP (DeepSeek's first_k_dense_replace). */
    firstDenseLayers: z.number().int().nonnegative().default(0),
    /** Every Nth layer after those is MoE (1 = all). */
    layerFrequency: count.default(1),
  })
  .strict();

export const modelSpecInputSchema = z
  .object({
    name: z.string().min(1),
    vocabSize: count,
    hiddenSize: count,
    numLayers: count,
    maxContextTokens: count,
    tieWordEmbeddings: z.boolean().default(false),
    learnedPositionEmbeddings: z.number().int().nonnegative().default(0),
    norm: z.enum(['rmsnorm', 'layernorm']).default('rmsnorm'),
    normsPerLayer: z.number().int().nonnegative().default(2),
    attention: z.discriminatedUnion('kind', [gqa, mla]),
    slidingWindow: z
      .object({
        tokens: count,
        /** Which layers slide: all, or every other layer starting with the first ('alternate'). */
        pattern: z.enum(['all', 'alternate']).default('all'),
      })
      .strict()
      .nullable()
      .default(null),
    mlp,
    moe: moe.nullable().default(null),
    numMtpModules: z.number().int().nonnegative().default(0),
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
      parsed.error.issues.map((issue) => ({
        code: issue.code === 'unrecognized_keys' ? 'unknown_field' : 'invalid_value',
        path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: issue.message,
      })),
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
  if (s.moe && s.moe.firstDenseLayers >= s.numLayers) {
    issues.push({
      code: 'invalid_value' as const,
      path: ['moe', 'firstDenseLayers'],
      message: `firstDenseLayers (${s.moe.firstDenseLayers}) must be below numLayers (${s.numLayers})`,
    });
  }
  if (issues.length > 0) throw new InputError(issues);

  const layers: LayerSpec[] = Array.from({ length: s.numLayers }, (_, i) => ({
    attention: s.slidingWindow && (s.slidingWindow.pattern === 'all' || i % 2 === 0) ? 'sliding' : 'full',
    mlp:
      s.moe && i >= s.moe.firstDenseLayers && (i - s.moe.firstDenseLayers) % s.moe.layerFrequency === 0
        ? 'moe'
        : 'dense',
  }));
  return {
    name: s.name,
    modelType: 'llmecon',
    vocabSize: s.vocabSize,
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    maxContextTokens: s.maxContextTokens,
    tieWordEmbeddings: s.tieWordEmbeddings,
    learnedPositionEmbeddings: s.learnedPositionEmbeddings,
    norm: { kind: s.norm, perLayer: s.normsPerLayer },
    attention,
    slidingWindow: s.slidingWindow?.tokens ?? null,
    chunkedAttentionTokens: null,
    sparseAttention: null,
    linearAttention: null,
    stateSpace: null,
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
        }
      : null,
    layers,
    numMtpModules: s.numMtpModules,
    activation: s.activation,
  };
}
