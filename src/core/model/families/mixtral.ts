/** Mixtral: Mistral attention, every layer a top-k MoE of SwiGLU experts (modeling_mixtral.py). */
import { decoder, type Family, readAllSliding } from './readers.js';

export const mixtral: Family = (f, name) =>
  decoder(f, name, {
    // MixtralAttention: q/k/v/o without bias.
    attention: { qkvBias: false, outputBias: false },
    layout: readAllSliding,
    layerMlp: 'moe',
    moe: { experts: 'num_local_experts', expertSize: 'intermediate_size' },
  });
