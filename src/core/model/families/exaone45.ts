/**
 * EXAONE 4.5 (`exaone4_5`: LGAI-EXAONE/EXAONE-4.5-33B). transformers `models/exaone4_5/modular_exaone4_5.py`
 * (Exaone4_5_Config, Exaone4_5_VisionConfig): the text model of `text_config` is EXAONE 4.0's
 * (`exaone4`; the first release named it `exaone4_5_text`, which transformers and TensorRT-LLM read as
 * `exaone4`); the vision tower is Qwen2.5-VL's ViT (`exaone4_5_vision`) whose attention has
 * `num_key_value_heads` KV heads (default 8): its fused qkv is h → h + 2·kv·(h / num_heads), biased,
 * instead of h → 3h. The patch merger writes `out_hidden_size`, the text width. Counted apart.
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import type { Family } from './readers.js';
import { readQwen2Vision } from './vision.js';
import { type FamilyOf, subConfig, wrapped } from './wrappers.js';

/** Qwen2.5-VL's ViT with grouped key/value heads (see the file comment). */
function readExaone45Vision(v: Fields, textHidden: number): VisionTowerSpec {
  const base = readQwen2Vision(v, textHidden, '2.5');
  const w = v.positiveInt('hidden_size', { fallback: 1280, max: MAX.hidden });
  const depth = v.positiveInt('depth', { fallback: 32, max: MAX.layers });
  const heads = v.positiveInt('num_heads', { fallback: 16, max: MAX.heads });
  if (w % heads !== 0) v.fail('num_heads', `(${heads}) must divide hidden_size (${w})`);
  const kvHeads = v.positiveInt('num_key_value_heads', { fallback: 8, max: MAX.heads });
  if (heads % kvHeads !== 0) v.fail('num_key_value_heads', `(${kvHeads}) must divide num_heads (${heads})`);
  const qkv = w + 2 * kvHeads * (w / heads);
  // readQwen2Vision counts a fused h → 3h qkv with bias in every block; EXAONE 4.5's is h → qkv.
  const params = base.params - depth * (w * 3 * w + 3 * w) + depth * (w * qkv + qkv);
  return {
    ...base,
    description: `${base.description.replace('Qwen2.5-VL', 'EXAONE 4.5')}, ${kvHeads} KV heads`,
    params,
  };
}

/** The `exaone4_5` family: EXAONE 4.0's text model and the grouped-KV ViT counted apart. */
export function exaone45Wrapper(familyOf: FamilyOf): Family {
  // The first release's text type `exaone4_5_text` is EXAONE 4.0's decoder.
  const text: FamilyOf = (type) => familyOf(type === 'exaone4_5_text' ? 'exaone4' : type);
  const read = wrapped(text, {
    textType: 'exaone4',
    vision: (top, textHidden) => {
      const v = subConfig(top, 'vision_config', 'exaone4_5_vision');
      return v ? readExaone45Vision(v, textHidden) : null;
    },
  });
  // The release keeps vocab_size (153,600) at the top level only; its checkpoint's embedding has as many rows.
  return (top, name) => {
    const t = top.child('text_config');
    const vocab = top.raw('vocab_size');
    return read(
      t && !t.has('vocab_size') && vocab !== undefined
        ? top.with({ text_config: { ...(top.raw('text_config') as object), vocab_size: vocab } })
        : top,
      name,
    );
  };
}
