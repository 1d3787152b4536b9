/** Phi-3: fused qkv_proj and gate_up_proj, no biases (modeling_phi3.py). */
import { fused } from './fused-projections.js';
import { decoder, type Family, readAllSliding } from './readers.js';

export const phi3: Family = (f, name) =>
  fused(decoder(f, name, { attention: { qkvBias: false, outputBias: false }, layout: readAllSliding }), {
    qkv: true,
    gateUp: true,
  });
