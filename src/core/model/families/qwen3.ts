/**
 * Qwen3 and Qwen3-MoE (and the text model of Qwen3-VL): per-head q/k RMSNorms, head_dim default
 * 128 (modeling_qwen3.py, modeling_qwen3_moe.py).
 */
import type { LayerMlp } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readQwenSliding } from './readers.js';

/** Qwen3MoeDecoderLayer: sparse when not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0. */
export function readQwenSparseLayers(f: Fields): (i: number) => LayerMlp {
  const mlpOnly = new Set(f.intList('mlp_only_layers', MAX.layers));
  const step = f.positiveInt('decoder_sparse_step', { fallback: 1, max: MAX.layers });
  return (i) => (!mlpOnly.has(i) && (i + 1) % step === 0 ? 'moe' : 'dense');
}

function qwen3Family(moe: boolean): Family {
  return (f, name) =>
    decoder(f, name, {
      attention: { qkNorm: 'per-head', defaultHeadDim: 128 },
      layout: readQwenSliding,
      ...(moe
        ? {
            layerMlp: readQwenSparseLayers(f),
            moe: { experts: 'num_experts', expertSize: 'moe_intermediate_size' },
          }
        : {}),
    });
}

export const qwen3 = qwen3Family(false);
export const qwen3Moe = qwen3Family(true);
