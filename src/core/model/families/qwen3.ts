/**
 * Qwen3 and Qwen3-MoE (and the text model of Qwen3-VL): per-head q/k RMSNorms, head_dim default
 * 128 (modeling_qwen3.py, modeling_qwen3_moe.py).
 */
import type { LayerSpec } from '../spec.js';
import { MAX } from './fields.js';
import {
  baseSpec,
  type Family,
  readAttentionBias,
  readCommon,
  readGatedMlp,
  readGqa,
  readMoe,
  readQwenSliding,
  readUnusedMlp,
  uniformLayers,
  withMixers,
} from './readers.js';

function qwen3Family(moe: boolean): Family {
  return (f, name) => {
    const c = readCommon(f, name);
    const layout = readQwenSliding(f, c.numLayers);
    const bias = readAttentionBias(f);
    const attention = readGqa(f, {
      qkvBias: bias,
      outputBias: bias,
      qkNorm: 'per-head',
      headDim: f.positiveInt('head_dim', { fallback: 128, max: MAX.headDim }),
    });
    let layers: LayerSpec[] = uniformLayers(c.numLayers, 'dense');
    if (moe) {
      // Qwen3MoeDecoderLayer: sparse when not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0.
      const mlpOnly = new Set(f.intList('mlp_only_layers', MAX.layers));
      const step = f.positiveInt('decoder_sparse_step', { fallback: 1, max: MAX.layers });
      layers = layers.map((l, i) => ({
        ...l,
        mlp: !mlpOnly.has(i) && (i + 1) % step === 0 ? 'moe' : 'dense',
      }));
    }
    return {
      ...baseSpec(f, c, {
        attention,
        mlp: moe && !layers.some((l) => l.mlp === 'dense') ? readUnusedMlp(f) : readGatedMlp(f),
        layers: withMixers(layers, layout.kinds),
      }),
      slidingWindow: layout.window,
      moe: moe ? readMoe(f, { experts: 'num_experts', expertSize: 'moe_intermediate_size' }) : null,
    };
  };
}

export const qwen3 = qwen3Family(false);
export const qwen3Moe = qwen3Family(true);
