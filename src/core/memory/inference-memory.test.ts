import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { findModel } from '../../catalog/catalog.js';
import { specFromHfConfig } from '../model/hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../model/kv-cache.js';
import { paramCount } from '../model/param-count.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { bytesPerElement } from '../precision.js';
import { inferenceMemory } from './inference-memory.js';

const qwen = specFromHfConfig(hfFixture('qwen3.5-397b-a17b'), 'qwen3.5-397b-a17b');
const nano = specFromHfConfig(hfFixture('nemotron-3-nano-30b-a3b'), 'nemotron-3-nano');
const scout = specFromHfConfig(hfFixture('llama-4-scout-17b-16e-instruct'), 'scout');

describe('inference memory of hybrid models', () => {
  test.prop([
    fc.integer({ min: 1, max: 1_000_000 }),
    fc.integer({ min: 1, max: 256 }),
    fc.constantFrom(1, 2, 4, 8),
  ])(
    'KV from attention layers only, plus a constant recurrent state per sequence split over TP',
    (context, batch, tp) => {
      for (const spec of [qwen, nano]) {
        const m = inferenceMemory(spec, {
          weightFormat: 'bf16',
          kvFormat: 'bf16',
          batchSize: batch,
          contextTokens: context,
          tensorParallel: tp,
        });
        const a = spec.attention;
        const kvShare = a.kind === 'gqa' ? Math.max(1, a.numKvHeads / tp) / a.numKvHeads : 1;
        expect(m.kvCacheBytes).toBeCloseTo(batch * kvCacheBytes(spec, context).bytesPerSequence * kvShare, 0);
        const heads = spec.linearAttention?.numValueHeads ?? spec.stateSpace?.numHeads ?? 1;
        expect(m.recurrentStateBytes).toBeCloseTo(
          (batch * recurrentStateBytes(spec).bytesPerSequence * Math.max(1, heads / tp)) / heads,
          0,
        );
        expect(m.totalBytes).toBeCloseTo(
          m.weightsBytes +
            m.encoderWeightsBytes +
            m.kvCacheBytes +
            m.recurrentStateBytes +
            m.workspaceBytes +
            m.frameworkOverheadBytes,
          0,
        );
      }
    },
  );

  test.prop([fc.integer({ min: 8192, max: 10_000_000 })])(
    'Llama 4 chunked layers stop growing past the chunk',
    (context) => {
      const at = (c: number) => kvCacheBytes(scout, c).bytesPerSequence;
      // Past one chunk only the 12 global (NoPE) layers grow: 12 × K,V × 8 heads × 128 × 2 B per token.
      expect(at(context + 1000) - at(context)).toBe(12 * 2 * 8 * 128 * 2 * 1000);
    },
  );
});

describe('a multimodal model serves its encoders beside the decoder', () => {
  const vl = specFromHfConfig(hfFixture('qwen3-vl-8b-instruct'), 'qwen3-vl-8b');
  const omni = specFromHfConfig(hfFixture('hand-built/qwen3-omni-30b-a3b-instruct'), 'qwen3-omni');
  test.prop([fc.constantFrom(1, 2, 4, 8), fc.constantFrom('bf16', 'fp8', 'int4')])(
    'the vision (and audio) tower in BF16, split over TP, in the total but not in the decoder weights a step streams',
    (tp, weightFormat) => {
      const options = {
        weightFormat,
        kvFormat: 'bf16',
        batchSize: 1,
        contextTokens: 4096,
        tensorParallel: tp,
      } as const;
      const textOnly = { ...vl, vision: null };
      const m = inferenceMemory(vl, options);
      const bare = inferenceMemory(textOnly, options);
      expect(m.encoderWeightsBytes).toBe((2 * paramCount(vl).visionParams) / tp);
      expect(m.weightsBytes).toBe(bare.weightsBytes);
      expect(m.totalBytes - bare.totalBytes).toBe(m.encoderWeightsBytes);
      expect(bare.encoderWeightsBytes).toBe(0);
      const p = paramCount(omni);
      expect(inferenceMemory(omni, options).encoderWeightsBytes).toBe(
        (2 * (p.visionParams + p.audioParams!)) / tp,
      );
    },
  );
});

describe('inference weights a TP rank holds whole', () => {
  test.prop([fc.constantFrom(2, 4, 8, 16)])(
    "DeepSeek-V3: MLA's q_a/kv_a and the router load whole on every rank (vLLM ReplicatedLinear)",
    (tp) => {
      const v3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
      const weights = (t: number) =>
        inferenceMemory(v3, {
          weightFormat: 'fp8',
          kvFormat: 'bf16',
          batchSize: 1,
          contextTokens: 1,
          tensorParallel: t,
        }).weightsBytes;
      // 61 layers of q_a (7168 → 1536) and kv_a (7168 → 512 + 64); 58 MoE routers (7168 → 256); FP8.
      const replicated = 61 * 7168 * (1536 + 576) + 58 * 7168 * 256;
      expect(weights(tp) - weights(1) / tp).toBeCloseTo(replicated * (1 - 1 / tp), 0);
    },
  );
});

describe("a release's own attention format", () => {
  test.prop([fc.constantFrom(1, 2, 4, 8)])(
    'gpt-oss-120b as released: its BF16 attention projections beside MXFP4 experts (modules_to_not_convert)',
    (tp) => {
      const spec = modelSpecFrom(findModel('gpt-oss-120b').config, 'gpt-oss-120b');
      const weights = (attentionWeightFormat?: 'bf16') =>
        inferenceMemory(spec, {
          weightFormat: 'fp4',
          ...(attentionWeightFormat && { attentionWeightFormat }),
          kvFormat: 'bf16',
          batchSize: 1,
          contextTokens: 1,
          tensorParallel: tp,
        }).weightsBytes;
      // 36 layers of q (2880 → 64 × 64), k and v (2880 → 8 × 64 each), o (4096 → 2880), their biases and sinks.
      const attention = paramCount(spec).breakdown.attention;
      expect(attention).toBeGreaterThan(36 * 2880 * (4096 + 1024 + 4096));
      // The routers (2880 → 128, BF16 too) load whole on every rank (vLLM ReplicatedLinear).
      const router = 36 * 2880 * 128;
      const wider = 2 - bytesPerElement('fp4');
      expect(weights('bf16') - weights()).toBeCloseTo(
        (attention * wider) / tp + router * wider * (1 - 1 / tp),
        -3,
      );
    },
  );
});

describe("an engine's padded expert layout", () => {
  it("gpt-oss-120b on one H100 as vLLM's Marlin MoE pads it (intermediate to 128, hidden to 256): within 1% of its logged 65.97 GiB", () => {
    const spec = modelSpecFrom(findModel('gpt-oss-120b').config, 'gpt-oss-120b');
    const weights = (expertAlignment?: { intermediate: number; hidden: number }) =>
      inferenceMemory(spec, {
        weightFormat: 'fp4',
        attentionWeightFormat: 'bf16',
        ...(expertAlignment && { expertAlignment }),
        kvFormat: 'bf16',
        batchSize: 1,
        contextTokens: 1,
        tensorParallel: 1,
      }).weightsBytes;
    // vLLM issue #23278: 'Model loading took 65.9651 GiB' (Marlin backend, H100).
    expect(Math.abs(weights({ intermediate: 128, hidden: 256 }) / 2 ** 30 / 65.9651 - 1)).toBeLessThan(0.01);
    // 2,880 → 2,944 and 3,072: the experts 9% larger; a multiple already (alignment 64, 64 on 2,880 × 2,880) pads nothing.
    expect(weights({ intermediate: 64, hidden: 64 })).toBe(weights());
    // At TP 2 each GPU pads its 1,440-wide slice to 1,536 (+6.7%); with the experts whole on each GPU (EP inside TP), 2,880 to 2,944 (+2.2%).
    const experts = (epInTp: boolean) =>
      inferenceMemory(spec, {
        weightFormat: 'fp4',
        expertAlignment: { intermediate: 128, hidden: 1 },
        kvFormat: 'bf16',
        batchSize: 1,
        contextTokens: 1,
        tensorParallel: 2,
        epInTp,
      }).weightsBytes -
      inferenceMemory(spec, {
        weightFormat: 'fp4',
        kvFormat: 'bf16',
        batchSize: 1,
        contextTokens: 1,
        tensorParallel: 2,
      }).weightsBytes;
    const routed = (paramCount(spec).breakdown.routedExperts * bytesPerElement('fp4')) / 2;
    expect(experts(false) / routed).toBeCloseTo(1536 / 1440 - 1, 6);
    expect(experts(true) / routed).toBeCloseTo(2944 / 2880 - 1, 6);
  });
});

describe("an engine's sampler logits in the workspace", () => {
  const llama = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
  const at = (tp: number, logits?: { copies: number; onEveryRank: boolean; afterForward: boolean }) =>
    inferenceMemory(llama, {
      weightFormat: 'bf16',
      kvFormat: 'bf16',
      batchSize: 1024,
      contextTokens: 8192,
      tensorParallel: tp,
      prefillChunkTokens: 8192,
      ...(logits && { logits }),
    }).workspaceBytes;
  const logitBytes = 4 * 1024 * 128_256;

  it('by default one FP32 copy of the 1/TP vocabulary slice beside the forward', () => {
    expect(at(1) - at(1, { copies: 2, onEveryRank: false, afterForward: false })).toBeCloseTo(-logitBytes, 0);
    // Each rank's slice shrinks with TP; gathered, it does not.
    const sliced = at(4, { copies: 3.86, onEveryRank: false, afterForward: true });
    const gathered = at(4, { copies: 3.86, onEveryRank: true, afterForward: true });
    expect(gathered).toBeGreaterThan(sliced);
    expect(gathered).toBeCloseTo(3.86 * logitBytes, 0);
  });

  it('after the forward: the larger of the two, as vLLM 0.19 logs it (Llama 3.1 8B: 1.89 GiB at TP 1, 2 and 4)', () => {
    const held = { copies: 3.86, onEveryRank: true, afterForward: true };
    for (const tp of [1, 2, 4]) expect(at(tp, held) / 2 ** 30).toBeCloseTo(1.89, 1);
    // A 32K vocabulary is below the 8,192-token forward: the forward sets the peak.
    const small = { ...llama, vocabSize: 32_000 };
    const m = inferenceMemory(small, {
      weightFormat: 'bf16',
      kvFormat: 'bf16',
      batchSize: 1024,
      contextTokens: 8192,
      tensorParallel: 1,
      prefillChunkTokens: 8192,
      logits: held,
    });
    expect(m.workspaceBytes).toBeCloseTo(2 * 8192 * (4 * 4096 + 3 * 14_336), 0);
  });
});
