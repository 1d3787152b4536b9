import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { fewestMeeting } from './search.js';

test.prop([
  fc.integer({ min: 1, max: 10_000 }),
  fc.integer({ min: 0, max: 20_000 }),
  fc.integer({ min: 1, max: 20_000 }),
])(
  'the least n in [from, most] a monotone condition holds at, as a scan finds it; null past most',
  (from, span, threshold) => {
    const most = from + span;
    let calls = 0;
    const meets = (n: number) => {
      calls += 1;
      return n >= threshold;
    };
    const scan = threshold <= from ? from : threshold <= most ? threshold : null;
    expect(fewestMeeting(from, most, meets)).toBe(scan);
    // Doubling then bisection: a few dozen tries, not the span.
    expect(calls).toBeLessThanOrEqual(2 * Math.log2(span + 2) + 3);
  },
);
