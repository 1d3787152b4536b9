import { describe, expect, it } from 'vitest';
import { objectMemo } from './memo.js';

describe('objectMemo', () => {
  it('computes once per (object, object, object, key), a new object or key anew', () => {
    const memo = objectMemo<object, object, object, number>();
    const [a, b, c] = [{}, {}, {}];
    let calls = 0;
    const compute = () => {
      calls += 1;
      return calls;
    };
    expect(memo(a, b, c, 'k', compute)).toBe(1);
    expect(memo(a, b, c, 'k', compute)).toBe(1);
    expect(memo(a, b, c, 'other', compute)).toBe(2);
    expect(memo(a, b, {}, 'k', compute)).toBe(3);
    expect(memo({}, b, c, 'k', compute)).toBe(4);
    expect(calls).toBe(4);
  });
});
