/**
 * Aya Vision (`aya_vision`, vlm-2025.ts): the cohere2 text model and a SigLIP tower with Command A
 * Vision's pixel-shuffle SwiGLU projector behind a LayerNorm (AyaVisionMultiModalProjector), counted
 * from the modules, not through the reader; Aya Vision 8B sums to the card's 8.63B.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;
const aya = (): Cfg => structuredClone(hfFixture('hand-built/aya-vision-8b')) as Cfg;

describe('aya_vision (Aya Vision 8B)', () => {
  it('SigLIP without its head, LayerNorm, linear_1 to 28,672 and linear_2 from its half: 8,631,842,032 in all', () => {
    const spec = specFromHfConfig(aya(), 'aya-vision-8b');
    const [h, I, side] = [1152, 4304, 26];
    const tower =
      3 * 14 * 14 * h + h + side * side * h + 27 * (4 * (h * h + h) + 2 * 2 * h + 2 * h * I + I + h) + 2 * h;
    const shuffled = 4 * h;
    const projector = 2 * shuffled + (shuffled * 28_672 + 28_672) + (14_336 * 4096 + 4096);
    expect(spec.vision?.params).toBe(tower + projector);
    expect(paramCount(spec).totalParams + (spec.vision?.params ?? 0)).toBe(8_631_842_032);
    expect(spec.vision?.description).toMatch(/676 patches → 169 tokens per tile/);
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('without alignment_intermediate_size the projector is the text width wide (getattr default)', () => {
    const { alignment_intermediate_size: _, ...rest } = aya();
    const spec = specFromHfConfig(rest, 'aya');
    const shuffled = 4 * 1152;
    const full = specFromHfConfig(aya(), 'aya').vision!.params;
    const wide = (a: number) => shuffled * a + a + (a / 2) * 4096 + 4096;
    expect(spec.vision!.params - full).toBe(wide(4096) - wide(28_672));
  });
});
