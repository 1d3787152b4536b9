/**
 * MTP modules unlike DeepSeek-V3's (`ModelSpec.mtpModule`, `mtpModule` in an llmecon spec): their layer's
 * mixer and MLP, and a vocabulary projection of their own, counted apart from the total and run where MTP runs.
 */
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../test/input-error.js';
import { trainingFlopsPerToken } from './flops.js';
import { specFromInput } from './model-spec-schema.js';
import { mtpLayer, mtpParams, paramCount } from './param-count.js';

const input = {
  name: 'mtp-by-hand',
  vocabSize: 1000,
  hiddenSize: 512,
  numLayers: 4,
  maxContextTokens: 4096,
  attention: { kind: 'gqa', numHeads: 8, numKvHeads: 2 },
  slidingWindow: { tokens: 128, pattern: 'alternate' },
  mlp: { intermediateSize: 1024 },
  moe: { numExperts: 8, topK: 2, expertIntermediateSize: 256 },
  numMtpModules: 2,
};
const h = 512;

describe('MTP modules of their own shape', () => {
  it("default: DeepSeek-V3's module, a full-attention layer with the model's MoE and the shared head", () => {
    const spec = specFromInput(input);
    expect(spec.mtpModule).toBeNull();
    expect(mtpLayer(spec)).toEqual({ attention: 'full', mlp: 'moe' });
  });
  it('a sliding layer with a dense MLP and a head of its own: the head adds vocab × h a module', () => {
    const dense = specFromInput({ ...input, mtpModule: { attention: 'sliding', mlp: 'dense' } });
    const ownHead = specFromInput({
      ...input,
      mtpModule: { attention: 'sliding', mlp: 'dense', ownHead: true },
    });
    expect(mtpLayer(dense)).toEqual({ attention: 'sliding', mlp: 'dense' });
    expect(mtpParams(ownHead) - mtpParams(dense)).toBe(2 * 1000 * h);
    // A module: three norms, eh_proj 2h → h, the layer (GQA q/k/v/o, two norms, the SwiGLU of 1024).
    const attention = 2 * h * 8 * 64 + 2 * h * 2 * 64;
    expect(mtpParams(dense)).toBe(2 * (3 * h + 2 * h * h + attention + 2 * h + 3 * h * 1024));
    // Outside the total, as every MTP module is.
    expect(paramCount(ownHead).totalParams).toBe(paramCount(specFromInput(input)).totalParams);
  });
  it('trains with its own FLOPs: a dense SwiGLU of 1,024 in place of two routed experts of 256 and the router', () => {
    const flops = (extra: object) =>
      trainingFlopsPerToken(specFromInput({ ...input, ...extra }), 4096, { includeMtp: true }).causal
        .flopsPerToken;
    const perModule = 2 * (3 * h * 1024) - 2 * (2 * 3 * h * 256 + h * 8);
    expect(flops({ mtpModule: { attention: 'full', mlp: 'dense' } }) - flops({})).toBe(3 * 2 * perModule);
  });
  it('names what a module needs', () => {
    const { slidingWindow: _w, ...noWindow } = input;
    expect(
      inputErrorOf(() => specFromInput({ ...noWindow, mtpModule: { attention: 'sliding', mlp: 'dense' } }))
        .message,
    ).toMatch(/mtpModule.attention 'sliding' needs 'slidingWindow'/);
    const { moe: _m, ...dense } = input;
    expect(
      inputErrorOf(() => specFromInput({ ...dense, mtpModule: { attention: 'full', mlp: 'moe' } })).message,
    ).toMatch(/mtpModule.mlp 'moe' needs 'moe'/);
    expect(
      inputErrorOf(() => specFromInput({ ...input, mtpModule: { attention: 'mamba', mlp: 'dense' } }))
        .message,
    ).toMatch(/mtpModule/);
  });
});
