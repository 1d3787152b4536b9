/**
 * Scenario text (YAML or JSON) → a validated {@link Scenario}; every problem names its path and line.
 * Pure (text in, value out), so the web app can use it too; `serializeScenario` round-trips.
 */
import { isMap, isNode, isScalar, LineCounter, parseDocument, stringify } from 'yaml';
import type { z } from 'zod';
import { InputError, type InputIssue } from '../core/errors.js';
import { type Scenario, type ScenarioInput, scenarioSchema } from './schema.js';

export function parseScenario(text: string, fileName = 'scenario'): Scenario {
  return parseYamlWith(scenarioSchema, text, fileName);
}

/** YAML/JSON text validated by `schema`; unknown fields, wrong types and bad values name their path and line. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string, fileName: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => ({
        code: 'malformed' as const,
        path: [fileName],
        message: `line ${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const issues: InputIssue[] = parsed.error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    // An unknown key: its own line. Otherwise the deepest node that exists in the document.
    let line: number | null = null;
    if (issue.code === 'unrecognized_keys') {
      const map = path.length === 0 ? doc.contents : doc.getIn(path, true);
      const key = issue.keys[0];
      if (isMap(map)) {
        const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
        if (pair && isScalar(pair.key) && pair.key.range) line = lineCounter.linePos(pair.key.range[0]).line;
      }
    }
    for (let k = path.length; k >= 0 && line === null; k -= 1) {
      const node = k === 0 ? doc.contents : doc.getIn(path.slice(0, k), true);
      if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
    }
    return {
      code: issue.code === 'unrecognized_keys' ? ('unknown_field' as const) : ('invalid_value' as const),
      path,
      message: `${line !== null ? `line ${line}: ` : ''}${issue.message}`,
    };
  });
  throw new InputError(issues);
}

/** YAML text of a scenario; parsing it gives the same scenario. */
export function serializeScenario(s: Scenario | ScenarioInput): string {
  return stringify(s, { lineWidth: 0 });
}
