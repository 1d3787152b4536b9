/** Reading a user's file: a missing or unreadable file is a bad input naming the field and the reason. */
import { readFileSync } from 'node:fs';
import { inputError } from '../core/errors.js';

/** Why a file could not be read, in words (the system's code where there are none). */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory; give a file',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
};

/** The input error for a file that could not be read, at `field`. */
export function unreadable(path: string, field: string, error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = (code && REASONS[code]) ?? code ?? (error as Error).message;
  return inputError('unknown_id', [field], `cannot read '${path}': ${reason}`);
}

export function readText(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return unreadable(path, field, error);
  }
}
