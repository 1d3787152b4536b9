/** The raw catalog as files on disk: `kind/name` → parsed JSON, plus sources.json. */
export interface RawCatalog {
  readonly files: Readonly<Record<string, unknown>>;
  readonly sources: Readonly<Record<string, unknown>>;
}

export interface LintIssue {
  readonly rule: string;
  readonly file: string;
  readonly message: string;
}

export type LintRule = (catalog: RawCatalog) => LintIssue[];
