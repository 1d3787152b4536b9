/** Reading and writing a user's file: one that cannot be is a bad input naming the field and the reason. */
import { readFileSync, writeFileSync } from 'node:fs';
import { inputError } from '../core/errors.js';

/** Why a file could not be read, in words (the system's code where there are none). */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory; give a file',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
};

/** Why a file could not be written, where it differs from reading. */
const WRITE_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such directory',
  EROFS: 'a read-only file system',
  ENOSPC: 'no space left on the device',
};

const reasonOf = (error: unknown, words: Readonly<Record<string, string>>): string => {
  const code = (error as NodeJS.ErrnoException).code;
  return (code && (words[code] ?? REASONS[code])) ?? code ?? (error as Error).message;
};

/** The input error for a file that could not be read, at `field`. */
export function unreadable(path: string, field: string, error: unknown): never {
  return inputError('unknown_id', [field], `cannot read '${path}': ${reasonOf(error, {})}`);
}

/** Writes `text` to `path`; where it cannot, an input error at `field` saying why in words. */
export function writeText(path: string, field: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    inputError('invalid_value', [field], `cannot write '${path}': ${reasonOf(error, WRITE_REASONS)}`);
  }
}

export function readText(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return unreadable(path, field, error);
  }
}
