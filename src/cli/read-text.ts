/** Reading a user's file: a missing or unreadable file is a bad input naming the field and the reason. */
import { readFileSync } from 'node:fs';
import { inputError } from '../core/errors.js';

export function readText(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return inputError(
      'unknown_id',
      [field],
      `cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
