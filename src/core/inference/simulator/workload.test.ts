import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import { syntheticRequests } from './workload.js';

describe('syntheticRequests', () => {
  it('bounds a drawn length as a trace line is: a lognormal with a P90 of 10⁸ never draws more than 10⁸ tokens', () => {
    const requests = syntheticRequests({
      requests: 200,
      inputTokens: { dist: 'lognormal', median: 1000, p90: 100_000_000 },
      outputTokens: 100,
      arrival: { kind: 'burst' },
      seed: 1,
    });
    const longest = Math.max(...requests.map((r) => r.inputTokens));
    expect(longest).toBe(100_000_000);
    expect(requests.every((r) => Number.isInteger(r.inputTokens) && r.inputTokens >= 1)).toBe(true);
  });

  it('a Poisson rate too slow for the clock is an input error naming the field the rate came from', () => {
    let error: unknown;
    try {
      syntheticRequests({
        requests: 10,
        inputTokens: 100,
        outputTokens: 10,
        arrival: { kind: 'poisson', requestsPerSecond: 1e-320, rateField: '--tokens-per-day' },
        seed: 1,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues[0]!.path).toEqual(['--tokens-per-day']);
    expect((error as InputError).message).toMatch(/over more than 1e9 s .*simulate fewer requests/);
    const slow = syntheticRequests({
      requests: 10,
      inputTokens: 100,
      outputTokens: 10,
      arrival: { kind: 'poisson', requestsPerSecond: 1e-6 },
      seed: 1,
    });
    expect(slow.every((r) => Number.isFinite(r.arrivalSeconds))).toBe(true);
  });
});
