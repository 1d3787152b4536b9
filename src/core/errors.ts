/**
 * Errors raised by the core. Invalid input is an {@link InputError} carrying one issue per problem,
 * each with a machine-readable `code`, the `path` of the offending field and a human `message`
 * (zod's shape, so the CLI and the web app can show each issue next to its field).
 * A broken invariant is an {@link InternalError}: a bug, never the user's fault.
 */

export type IssueCode =
  | 'invalid_value'
  | 'invalid_type'
  | 'missing_field'
  | 'unknown_field'
  | 'unknown_id'
  | 'unsupported'
  | 'malformed'
  | 'infeasible';

export interface InputIssue {
  readonly code: IssueCode;
  /**
   * Where the problem is, as a domain path (`['layout', 'tensorParallel']`, `['attention', 'numHeads']`);
   * the CLI names the flag and the scenario loader the YAML path for it.
   */
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Which check failed, for callers that act on it (never match on the message text). */
  readonly rule?: string;
}

export class InputError extends Error {
  readonly issues: readonly InputIssue[];
  constructor(issues: readonly InputIssue[] | InputIssue) {
    const list = Array.isArray(issues) ? issues : [issues as InputIssue];
    super(list.map(formatIssue).join('\n'));
    this.name = 'InputError';
    this.issues = list;
  }
}

/** Valid input whose result does not fit (memory): the CLI exits 3, not 2. */
export class DoesNotFitError extends InputError {
  constructor(issues: readonly InputIssue[] | InputIssue) {
    super(issues);
    this.name = 'DoesNotFitError';
  }
}

export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

/** Throws an {@link InternalError} when an invariant does not hold. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InternalError(message);
}

/** `path: message`, or just the message when the path is empty. */
export function formatIssue(issue: InputIssue): string {
  return issue.path.length > 0 ? `${formatPath(issue.path)}: ${issue.message}` : issue.message;
}

/** `a.b[2].c` */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' || part.startsWith('-') ? part : `.${part}`;
  }
  return out;
}

/** Convenience: throw a single-issue {@link InputError}. */
export function inputError(code: IssueCode, path: readonly (string | number)[], message: string): never {
  throw new InputError({ code, path, message });
}

/**
 * `read()`, with every issue of an input error it throws re-pathed by `repath` (a flag or a wrapper key
 * named before the fields of what it read: `--levers[0].lever`, `--draft-model.vocab_size`). A layout that
 * does not fit passes through unchanged.
 */
export function withIssuePaths<T>(
  read: () => T,
  repath: (path: InputIssue['path']) => InputIssue['path'],
): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof InputError) || error instanceof DoesNotFitError) throw error;
    throw new InputError(error.issues.map((i) => ({ ...i, path: repath(i.path) })));
  }
}
