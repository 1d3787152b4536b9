/**
 * Scenario text (YAML or JSON) → a validated {@link Scenario}; every problem names its path and line,
 * what is allowed and, for a misspelled key or value, the nearest allowed one.
 * Pure (text in, value out), so the web app can use it too; `serializeScenario` round-trips.
 */
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isScalar,
  LineCounter,
  parseDocument,
  stringify,
  visit,
} from 'yaml';
import type { z } from 'zod';
import { InputError, type InputIssue } from '../core/errors.js';
import { objectKeysAt, unknownKeyIssues } from '../core/schema-keys.js';
import { nearMatches } from '../core/suggest.js';
import { compoundingIssues } from './bounds.js';
import { scenarioCatalogIssues } from './check.js';
import { type Scenario, type ScenarioInput, scenarioSchema } from './schema.js';

/** Alias expansions allowed in one document: enough for any real scenario, far below a "billion laughs". */
export const MAX_YAML_ALIASES = 100;

export function parseScenario(text: string, fileName = 'scenario'): Scenario {
  return parseScenarioLocated(text, fileName).scenario;
}

/** {@link parseScenario}, also returning where each path is in the text (for the engines' errors). */
export function parseScenarioLocated(
  text: string,
  fileName = 'scenario',
): { scenario: Scenario; locate: Locate } {
  const { value, locate } = parseYamlLocated(scenarioSchema, text, fileName, 'scenario');
  const issues = [...scenarioCatalogIssues(value), ...compoundingIssues(value)].map((issue) =>
    withLine(issue, locate(issue.path)),
  );
  if (issues.length > 0) throw new InputError(issues);
  return { scenario: value, locate };
}

/** YAML/JSON text validated by `schema`; unknown fields, wrong types and bad values name their path and line. */
export function parseYamlWith<S extends z.ZodType>(
  schema: S,
  text: string,
  fileName: string,
  what = 'file',
): z.output<S> {
  return parseYamlLocated(schema, text, fileName, what).value;
}

/** The line of the deepest node on `path` that exists in the document (null when none does). */
export type Locate = (path: readonly (string | number)[]) => number | null;

/** The issue with `line N: ` before its message (unchanged when the line is unknown). */
export const withLine = (issue: InputIssue, line: number | null): InputIssue =>
  line === null ? issue : { ...issue, message: `line ${line}: ${issue.message}` };

/** Like {@link parseYamlWith}, also returning where each path is in the text (for later checks). */
export function parseYamlLocated<S extends z.ZodType>(
  schema: S,
  text: string,
  fileName: string,
  what = 'file',
): { value: z.output<S>; locate: Locate } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => ({
        code: 'malformed' as const,
        path: [fileName],
        // The parser's own recursion limit (a document nested thousands of levels deep) surfaces as the engine's message.
        message: `line ${lineCounter.linePos(e.pos[0]).line}: ${/Maximum call stack size exceeded/.test(e.message) ? `nested too deeply (a resource-exhaustion document): a ${what} nests a few levels` : e.message.split('\n')[0]}`,
      })),
    );
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null))
    throw new InputError({
      code: 'malformed',
      path: [fileName],
      message: `the ${what} is empty: it needs a mapping of fields (see docs/${what === 'scenario' ? 'scenarios' : 'levers'}.md)`,
    });
  // A key that is a list or a mapping (`? [a, b]`) has no field name: refused before toJS would stringify it (with a warning on stderr).
  const collectionKey = collectionKeyLine(doc, lineCounter);
  if (collectionKey !== null)
    throw new InputError({
      code: 'malformed',
      path: [fileName],
      message: `line ${collectionKey}: a key must be a field name, not a list or a mapping`,
    });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    if (error instanceof ReferenceError)
      throw new InputError({
        code: 'malformed',
        path: [fileName],
        message: `too many YAML alias expansions (a resource-exhaustion document): at most ${MAX_YAML_ALIASES} are allowed`,
      });
    throw error;
  }
  const locate = locator(doc, lineCounter);
  const parsed = schema.safeParse(data, { reportInput: true });
  if (parsed.success) return { value: parsed.data, locate };
  const issues = parsed.error.issues
    .flatMap((issue) => describeIssue(issue as ZodIssue, [], schema, data))
    .map((issue) => (issue.path.length === 0 ? { ...issue, path: [fileName] } : issue));
  // A misspelled key also leaves its field missing: the did-you-mean says both, once.
  const meant = new Set(
    issues.flatMap((i) => {
      const near = i.code === 'unknown_field' ? /did you mean '([^']+)'/.exec(i.message) : null;
      return near ? [JSON.stringify([...i.path.slice(0, -1), near[1]])] : [];
    }),
  );
  const shownIssues = issues.filter(
    (i) => !(i.code === 'missing_field' && meant.has(JSON.stringify(i.path))),
  );
  throw new InputError(
    shownIssues.map((issue) => {
      if (issue.code !== 'unknown_field') return withLine(issue, locate(issue.path));
      // An unknown key: its own line.
      const key = issue.path[issue.path.length - 1];
      const map = issue.path.length === 1 ? doc.contents : doc.getIn(issue.path.slice(0, -1), true);
      let line: number | null = null;
      if (isMap(map)) {
        const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
        if (pair && isScalar(pair.key) && pair.key.range) line = lineCounter.linePos(pair.key.range[0]).line;
      }
      return withLine(issue, line ?? locate(issue.path));
    }),
  );
}

function locator(doc: Document.Parsed, lineCounter: LineCounter): Locate {
  return (path) => {
    for (let k = path.length; k >= 0; k -= 1) {
      const node = k === 0 ? doc.contents : doc.getIn(path.slice(0, k), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return null;
  };
}

/** The parts of a zod 4 issue this module reads. */
interface ZodIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly input?: unknown;
  readonly expected?: string;
  readonly keys?: readonly string[];
  readonly values?: readonly unknown[];
  readonly options?: readonly unknown[];
  readonly discriminator?: string;
  readonly errors?: readonly (readonly ZodIssue[])[];
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
  readonly origin?: string;
}

/** The line of the first key that is a list or a mapping, else null. */
function collectionKeyLine(doc: Document, lineCounter: LineCounter): number | null {
  let line: number | null = null;
  visit(doc, {
    Pair(_, pair) {
      // An alias to a list or mapping (`? *a`) is one too.
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (!isCollection(key)) return undefined;
      line = isNode(pair.key) ? lineCounter.linePos(pair.key.range?.[0] ?? 0).line : 1;
      return visit.BREAK;
    },
  });
  return line;
}

/** `'abc'`, `1.5`, `a list`, `a mapping`, `nothing`. */
function shown(input: unknown): string {
  if (input === undefined || input === null) return 'nothing';
  if (typeof input === 'string') return `'${input.length > 60 ? `${input.slice(0, 60)}…` : input}'`;
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  // YAML's .nan and .inf, or a JSON number beyond a double: named in words, never echoed as NaN/Infinity.
  if (typeof input === 'number' && !Number.isFinite(input))
    return Number.isNaN(input)
      ? 'not a number (.nan)'
      : 'an infinite value (.inf, or beyond the range of a double)';
  return String(input);
}

const NUMBER_FORMS = 'a number such as 4096, 0.5, 2.788M or 15T';
const DISTRIBUTION_FORM = 'a distribution {dist: normal | lognormal | uniform | triangular | pert, …}';

/** What a zod `expected` type means to a user. */
function expectedText(expected: string | undefined): string {
  switch (expected) {
    case 'number':
      return NUMBER_FORMS;
    case 'int':
      return 'a whole number';
    case 'string':
      return 'text';
    case 'object':
      return 'a mapping of fields';
    case 'array':
      return 'a list';
    case 'boolean':
      return 'true or false';
    default:
      return expected ?? 'a value';
  }
}

/** The issue(s) a user should read for one zod issue: unions are resolved to the branch that was meant. */
function describeIssue(
  issue: ZodIssue,
  prefix: readonly (string | number)[],
  schema: z.ZodType,
  data: unknown,
): InputIssue[] {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))] as (
    | string
    | number
  )[];
  const at = (message: string, code: InputIssue['code'] = 'invalid_value'): InputIssue[] => [
    { code, path, message },
  ];
  switch (issue.code) {
    case 'unrecognized_keys':
      return unknownKeyIssues(issue.keys ?? [], path, objectKeysAt(schema, path, data));
    case 'invalid_type': {
      if (issue.input === undefined)
        return at(`missing: this field is required (${expectedText(issue.expected)})`, 'missing_field');
      if (issue.expected === 'int') return at(`must be a whole number, got ${shown(issue.input)}`);
      return at(`expected ${expectedText(issue.expected)}, got ${shown(issue.input)}`, 'invalid_type');
    }
    case 'invalid_value': {
      const values = (issue.values ?? []).map(String);
      const near = typeof issue.input === 'string' ? nearMatches(issue.input, values, 1) : [];
      return at(
        `must be ${values.length === 1 ? `'${values[0]}'` : `one of ${values.join(', ')}`}, got ${shown(issue.input)}${
          near.length > 0 ? `; did you mean '${near[0]}'?` : ''
        }`,
      );
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      if (issue.origin === 'array')
        return at(
          `needs ${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} ${Number(bound) === 1 ? 'entry' : 'entries'}`,
        );
      if (issue.origin === 'string')
        return at(
          issue.code === 'too_small' && Number(bound) <= 1
            ? 'must not be empty'
            : `must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} characters long`,
        );
      const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      return at(`must be ${op} ${bound}, got ${shown(issue.input)}`);
    }
    case 'invalid_union': {
      if (issue.discriminator !== undefined) {
        // A discriminated union (a phase `kind`, a distribution `dist`): the key is missing or wrong.
        const options = (issue.options ?? []).map(String);
        const given = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
        const near = typeof given === 'string' ? nearMatches(given, options, 1) : [];
        if (typeof issue.input !== 'object' || issue.input === null || Array.isArray(issue.input))
          return at(
            `expected a mapping with ${issue.discriminator}: ${options.join(' | ')}, got ${shown(issue.input)}`,
            'invalid_type',
          );
        const keyPath = path[path.length - 1] === issue.discriminator ? path : [...path, issue.discriminator];
        return [
          {
            code: given === undefined ? 'missing_field' : 'invalid_value',
            path: keyPath,
            message:
              given === undefined
                ? `missing: one of ${options.join(', ')}`
                : `must be one of ${options.join(', ')}, got ${shown(given)}${near.length > 0 ? `; did you mean '${near[0]}'?` : ''}`,
          },
        ];
      }
      // A number or a distribution (or another union): follow the branch the input's shape points to.
      const branches = issue.errors ?? [];
      const input = issue.input;
      const typeMismatch = (b: readonly ZodIssue[]) =>
        b.length === 1 && b[0]!.code === 'invalid_type' && b[0]!.path.length === 0;
      const meant = branches.filter((b) => !typeMismatch(b));
      // Mappings of different shapes (rent | reserve | buy): an unknown key is the problem in each.
      const unknownInAll =
        meant.length > 1 &&
        meant.every((b) => b.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0));
      if (unknownInAll)
        return meant[0]!
          .filter((i) => i.code === 'unrecognized_keys' && i.path.length === 0)
          .flatMap((inner) => describeIssue(inner, path, schema, data));
      if (meant.length >= 1) return meant[0]!.flatMap((inner) => describeIssue(inner, path, schema, data));
      const expected = [
        ...new Set(branches.map((b) => b[0]?.expected).filter((e): e is string => e !== undefined)),
      ];
      if (expected.includes('number') && expected.includes('object'))
        return at(`expected ${NUMBER_FORMS}, or ${DISTRIBUTION_FORM}; got ${shown(input)}`, 'invalid_type');
      // Mappings of different shapes (hardware: rent | reserve | buy): say which keys open one.
      const keys = expected.length === 1 && expected[0] === 'object' ? objectKeysAt(schema, path, data) : [];
      const wanted = `${expected.map(expectedText).join(' or ') || 'another value'}${keys.length > 0 ? ` with one of: ${keys.join(', ')}` : ''}`;
      if (input === undefined) return at(`missing: this field is required (${wanted})`, 'missing_field');
      return at(`expected ${wanted}, got ${shown(input)}`, 'invalid_type');
    }
    default:
      return at(issue.message);
  }
}

/** YAML text of a scenario; parsing it gives the same scenario. */
export function serializeScenario(s: Scenario | ScenarioInput): string {
  return stringify(s, { lineWidth: 0 });
}
