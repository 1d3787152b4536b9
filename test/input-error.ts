import { InputError } from '../src/core/errors.js';

/** The InputError `fn` throws (any other outcome fails the test). */
export function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

/** The issues (`path: message`) a hand-written spec raises; none when it reads. */
export function specIssues(read: (value: object) => unknown, value: object): string[] {
  try {
    read(value);
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw e;
  }
  return [];
}
