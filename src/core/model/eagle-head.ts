/**
 * EAGLE draft heads (Li et al. 2024, EAGLE, Sec. 3; Li et al. 2025, EAGLE-3, Sec. 3): a decoder layer (or a
 * few) fed the target model's hidden states, read from the head's config.json as vLLM builds it
 * (`llama_eagle.py`, `llama_eagle3.py`; SGLang's `llama_eagle3.py` alike):
 * - EAGLE (1/2), architectures `EagleLlamaForCausalLM` / `LlamaForCausalLMEagle`: `fc` (2h → h, a
 *   ReplicatedLinear, whole on every TP rank) fuses the token embedding with the previous feature on every
 *   pass; the output head and the embedding are the target's (no weights of their own).
 * - EAGLE-3, `Eagle3LlamaForCausalLM` / `LlamaForCausalLMEagle3`: `fc` (3 · target hidden → h, replicated)
 *   fuses three of the target's hidden states once per step (the first pass; later passes feed the head's
 *   own feature); the first layer's q/k/v read the embedding and the feature side by side (2h inputs); its
 *   own head scores `draft_vocab_size` tokens (32,000 of Llama 3's 128,256), mapped to the target's ids;
 *   the embedding is the target's (SpecForge's Llama 3.1 8B head: 424,685,568 parameters, 849 MB in FP16).
 * Conventions: operations.ts.
 */
import { inputError } from '../errors.js';
import { Fields, MAX } from './families/fields.js';
import { layerKinds } from './flops.js';
import { OpBuilder } from './op-builder.js';
import { type Operation, type OperationRequest, tokensOnGpu } from './operation-types.js';
import { layerOperations } from './operations.js';
import { headOperations } from './operations-head.js';
import { paramCount } from './param-count.js';
import { gqaWidths, type ModelSpec } from './spec.js';

export interface EagleHead {
  readonly version: 1 | 3;
  /** The head's decoder layers, read from its config as the family its model_type names. */
  readonly spec: ModelSpec;
  /** Input width of `fc`: 3 × the target's hidden size (EAGLE-3), 2 × hidden (EAGLE); 0 without one. */
  readonly fcInputSize: number;
  /** Tokens its output head scores: EAGLE-3's draft vocabulary (its own head), else the target's (shared). */
  readonly headVocabSize: number;
}

type Json = Record<string, unknown>;

/** 3 for an EAGLE-3 head, 1 for an EAGLE (1/2) head, null for any other config, by its `architectures`. */
export function eagleVersion(config: unknown): 1 | 3 | null {
  if (typeof config !== 'object' || config === null) return null;
  const listed = (config as Json).architectures;
  const names = Array.isArray(listed) ? listed.filter((a): a is string => typeof a === 'string') : [];
  if (names.some((a) => /eagle3/i.test(a))) return 3;
  return names.some((a) => /eagle/i.test(a)) ? 1 : null;
}

/**
 * The EAGLE head a config describes (with `spec`, the config read as a model), or null when it is not
 * one. Refuses a head whose layers are not the GQA attention and dense MLP every EAGLE head of vLLM and
 * SGLang builds, naming the field.
 */
export function eagleHeadFrom(config: unknown, spec: ModelSpec): EagleHead | null {
  const version = eagleVersion(config);
  if (version === null) return null;
  const json = config as Json;
  if (spec.attention.kind !== 'gqa' || spec.moe !== null || spec.layers.some((l) => l.attention !== 'full'))
    inputError(
      'unsupported',
      ['architectures'],
      `an EAGLE head with ${spec.moe ? 'mixture-of-experts' : `${spec.attention.kind} attention or non-full`} layers is not modelled: llmecon costs heads of GQA attention and dense MLP layers (vLLM's and SGLang's Llama EAGLE heads)`,
    );
  if (version === 1)
    return { version, spec, fcInputSize: 2 * spec.hiddenSize, headVocabSize: spec.vocabSize };
  const eagleConfig = json.eagle_config as Json | undefined;
  // `use_aux_hidden_state: false` (vLLM): no fused target states, no fc.
  const fused = !(typeof eagleConfig === 'object' && eagleConfig?.use_aux_hidden_state === false);
  const f = new Fields(json, spec.modelType);
  const targetHidden = f.optionalPositiveInt('target_hidden_size', MAX.hidden) ?? spec.hiddenSize;
  // The draft vocabulary is a subset of the target's (d2t maps each draft id to a target id).
  const draftVocab = f.optionalPositiveInt('draft_vocab_size', spec.vocabSize) ?? spec.vocabSize;
  return { version, spec, fcInputSize: fused ? 3 * targetHidden : 0, headVocabSize: draftVocab };
}

/** The first layer's q/k/v weights over the embedding half of its 2h input (EAGLE-3), per token. */
const embeddingQkvWidth = (head: EagleHead): number => {
  if (head.version !== 3 || head.spec.attention.kind !== 'gqa') return 0;
  const w = gqaWidths(head.spec.attention);
  return w.query + w.key + w.value;
};

/**
 * Parameters an EAGLE head loads: `sharded` over TP (its layers, the first layer's embedding-half q/k/v,
 * EAGLE-3's own head), `replicated` whole on every rank (`fc`). The embedding is the target's.
 */
export function eagleHeadParams(head: EagleHead): { sharded: number; replicated: number } {
  const p = paramCount(head.spec);
  const h = head.spec.hiddenSize;
  const layers = p.totalParams - p.breakdown.embedding - p.breakdown.head - p.breakdown.positionEmbedding;
  const ownHead = head.version === 3 ? head.headVocabSize * h : 0;
  return { sharded: layers + embeddingQkvWidth(head) * h + ownHead, replicated: head.fcInputSize * h };
}

/**
 * One pass of an EAGLE head over `request`, its head scoring `sampled`'s tokens. `fusesTarget`: the pass
 * that reads the target's hidden states (EAGLE-3's fc runs on it alone; EAGLE's fc on every pass).
 */
export function eagleHeadOperations(
  head: EagleHead,
  request: OperationRequest,
  sampled: OperationRequest,
  fusesTarget: boolean,
): Operation[] {
  const b = new OpBuilder(request, false);
  const tokens = tokensOnGpu(request);
  const h = head.spec.hiddenSize;
  if (head.version === 1 || fusesTarget)
    b.gemm('eagle.fc', 'attentionProjections', tokens, h, head.fcInputSize, { replicated: true });
  b.gemm(
    'eagle.qkvEmbedding',
    'attentionProjections',
    tokens,
    embeddingQkvWidth(head) / request.layout.tensorParallel,
    h,
  );
  const layers = layerKinds(head.spec).flatMap(({ layer, count }) =>
    Array.from({ length: count }, () => layerOperations(head.spec, layer, request)).flat(),
  );
  return [...b.ops, ...layers, ...headOperations({ ...head.spec, vocabSize: head.headVocabSize }, sampled)];
}
