/**
 * Multimodal wrappers: a `text_config` holding a known text model, plus a vision tower counted
 * apart. The text model is read by the family of its own `model_type` when llmecon knows it (Mistral
 * Large 3 wraps a DeepSeek-V3 text model in `mistral3`), else by the wrapper's usual text family;
 * keys a sub-config omits take its class defaults (`sub-config-defaults.ts`). Settings the wrapper
 * keeps at its top level (e.g. `tie_word_embeddings` in Qwen3-VL) apply when the text config does
 * not give them; the top level's `tie_word_embeddings` wins over text_config's.
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, shown } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/** The sub-config `key` with its class defaults (by its `model_type`, else `defaultType`); null when absent. */
export function subConfig(top: Fields, key: string, defaultType: string): Fields | null {
  const plain = top.child(key);
  if (!plain) return null;
  return top.child(key, SUB_CONFIG_DEFAULTS[plain.string('model_type', defaultType)] ?? {});
}

export interface Wrapper {
  /** The text model's `model_type` when `text_config` names none. */
  readonly textType: string;
  /** The vision tower, from the wrapper's top-level fields, given the text model's width. */
  readonly vision?: (top: Fields, textHidden: number) => VisionTowerSpec | null;
  /** The family ties the head by its own rule (remote code): the text config's key, else the top level's. */
  readonly ownTie?: true;
}

/** A text family by its `model_type`, or undefined when llmecon reads none (the registry, index.ts). */
export type FamilyOf = (modelType: string) => Family | undefined;

/** The text family of `text_config`'s own `model_type`; an unknown one is refused (the wrapper class builds any). */
export function textFamilies(familyOf: FamilyOf, wrapperClass: string): FamilyOf {
  return (type) =>
    familyOf(type) ??
    ((f) =>
      f.fail(
        'model_type',
        `('${type}') is not a text model llmecon reads; ${wrapperClass} builds text_config by its model_type`,
      ));
}

/**
 * The sub-config `key` as its class builds it: the class defaults of its `model_type` (else `type`), then
 * `defaults`, under the keys it omits; all defaults when absent; anything but an object is refused.
 */
export function builtSubConfig(parent: Fields, key: string, type: string, defaults: Json): Fields {
  const f = subConfig(parent.has(key) ? parent : parent.with({ [key]: {} }), key, type);
  return withClassDefaults(f ?? parent.fail(key, 'must be an object'), defaults);
}

export function wrapped(familyOf: FamilyOf, w: Wrapper): Family {
  return (top, name) => {
    const t = subConfig(top, 'text_config', w.textType) ?? top;
    const textType = t === top ? w.textType : t.string('model_type', w.textType);
    const text = familyOf(textType) ?? familyOf(w.textType);
    if (!text) return top.fail('text_config', `has an unsupported model_type '${textType}'`);
    const spec = text(t, name);
    // The top level's key decides where both give one: transformers 5 ties a conditional-generation
    // model by its own config, and its re-saves write the text class's default into text_config.
    const textTie = t !== top && t.has('tie_word_embeddings');
    const tie =
      w.ownTie && textTie ? spec.tieWordEmbeddings : top.bool('tie_word_embeddings', spec.tieWordEmbeddings);
    const disagree = !w.ownTie && textTie && tie !== spec.tieWordEmbeddings;
    const vision = w.vision ? w.vision(top, spec.hiddenSize) : null;
    // A conditional-generation class holds a tower; a config without its vision_config cannot count it.
    const towerless =
      w.vision !== undefined &&
      vision === null &&
      /ForConditionalGeneration/.test(shown(top.raw('architectures') ?? ''));
    const warnings = [
      ...(spec.warnings ?? []),
      ...(towerless
        ? [
            `architectures ${shown(top.raw('architectures')).slice(0, 120)} holds a vision tower, but the config has no vision_config: the tower is not counted`,
          ]
        : []),
      ...(disagree
        ? [
            `tie_word_embeddings is ${tie} at the top level and ${spec.tieWordEmbeddings} in text_config: the output head is counted ${tie ? 'tied' : 'untied'}, as transformers 5 builds the model (transformers 4 read text_config)`,
          ]
        : []),
    ];
    return {
      ...spec,
      modelType: top.modelType,
      tieWordEmbeddings: tie,
      vision,
      ...(warnings.length > (spec.warnings ?? []).length ? { warnings } : {}),
    };
  };
}
