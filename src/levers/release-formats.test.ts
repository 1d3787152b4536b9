/**
 * A lever study's serving baseline serves a release as `llmecon serve` does: at the checkpoint's own format,
 * stated or defaulted, the modules it left unquantized keep their format (checkpoint-format.ts asReleased).
 */
import { describe, expect, it } from 'vitest';
import { baselineState, evaluateState, type LeverState } from './levers.js';
import { servingCandidates } from './outcome.js';
import { servingBaselineSchema } from './schema.js';

describe("a serving baseline's release formats", () => {
  it('gpt-oss as released (its own fp4, said or not) keeps its BF16 attention; requantized to int4 it does not', () => {
    const oss = (weights?: 'fp4' | 'int4') =>
      baselineState(
        servingBaselineSchema.parse({
          kind: 'serve',
          model: 'gpt-oss-120b',
          gpu: 'h100',
          inputTokens: 1000,
          outputTokens: 300,
          tokensPerDay: 2e9,
          usdPerGpuHour: 2,
          days: 30,
          ...(weights && { weights }),
        }),
      );
    const released = oss();
    expect(released.kind === 'serve' && released.release?.attentionWeights).toBe('bf16');
    expect(evaluateState(oss('fp4')).memoryPerGpuBytes).toBe(evaluateState(released).memoryPerGpuBytes);
    const attention = (st: LeverState) =>
      st.kind === 'serve'
        ? new Set(servingCandidates(st).map((c) => c.replica.attentionWeightFormat ?? c.replica.weightFormat))
        : null;
    expect(attention(released)).toEqual(new Set(['bf16']));
    expect(attention(oss('fp4'))).toEqual(new Set(['bf16']));
    expect(attention(oss('int4'))).toEqual(new Set(['int4']));
  });
});
