import { describe, expect, it } from 'vitest';
import { oneFOneB } from '../../web/src/views/pipeline.js';

describe('1F1B timeline (the Train view)', () => {
  it('makespan (m + p − 1)·(t_f + t_b) and bubble (p − 1)/(m + p − 1), Narayanan et al. 2021', () => {
    for (const [p, m] of [
      [4, 8],
      [8, 16],
      [2, 1],
    ] as const) {
      const slots = oneFOneB(p, m);
      expect(slots).toHaveLength(2 * p * m);
      const makespan = Math.max(...slots.map((s) => s.end));
      expect(makespan).toBe(3 * (m + p - 1));
      const busy = slots.filter((s) => s.stage === 0).reduce((t, s) => t + s.end - s.start, 0);
      expect(1 - busy / makespan).toBeCloseTo((p - 1) / (m + p - 1), 10);
    }
  });
  it('a stage never runs two passes at once; a backward follows its forward', () => {
    const slots = oneFOneB(4, 8);
    for (let s = 0; s < 4; s += 1) {
      const mine = slots.filter((x) => x.stage === s).sort((a, b) => a.start - b.start);
      for (let i = 1; i < mine.length; i += 1)
        expect(mine[i]!.start).toBeGreaterThanOrEqual(mine[i - 1]!.end);
    }
    for (const b of slots.filter((x) => x.pass === 'backward'))
      expect(b.start).toBeGreaterThanOrEqual(
        slots.find((f) => f.pass === 'forward' && f.stage === b.stage && f.microbatch === b.microbatch)!.end,
      );
  });
});
