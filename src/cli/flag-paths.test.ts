import { describe, expect, it } from 'vitest';
import { asFlagIssue } from './flag-paths.js';

describe('asFlagIssue', () => {
  it('names the flag of a domain path, and leaves any other path as it is', () => {
    const issue = (path: string[]) => ({ code: 'invalid_value' as const, path, message: 'm' });
    expect(asFlagIssue(issue(['layout', 'tensorParallel'])).path).toEqual(['--tp']);
    expect(asFlagIssue(issue(['phases'])).path).toEqual(['phases']);
    // A scenario's own keys that plain objects inherit are no flags (they printed "[object Object]").
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty'])
      expect(asFlagIssue(issue([key])).path).toEqual([key]);
  });
});
