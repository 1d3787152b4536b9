/**
 * Multimodal wrappers: a `text_config` holding a known text model, plus a vision tower counted
 * apart. Settings the wrapper keeps at its top level (e.g. `tie_word_embeddings` in Qwen3-VL)
 * apply when the text config does not give them.
 */
import type { VisionTowerSpec } from '../spec.js';
import type { Fields } from './fields.js';
import type { Family } from './readers.js';

export function wrapped(
  text: Family,
  vision?: (top: Fields, textHidden: number) => VisionTowerSpec | null,
): Family {
  return (top, name) => {
    const t = top.child('text_config') ?? top;
    const spec = text(t, name);
    const tie = t.has('tie_word_embeddings')
      ? spec.tieWordEmbeddings
      : top.bool('tie_word_embeddings', spec.tieWordEmbeddings);
    return {
      ...spec,
      modelType: top.modelType,
      tieWordEmbeddings: tie,
      vision: vision ? vision(top, spec.hiddenSize) : null,
    };
  };
}
