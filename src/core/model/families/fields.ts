/**
 * Typed, bounded reads of a Hugging Face `config.json`, shared by every model family. Every error
 * names the field and what is allowed; every count has a domain bound, so a config can never turn
 * into NaN, Infinity or a layer list that exhausts memory.
 */
import { inputError } from '../../errors.js';

export type Json = Record<string, unknown>;

/** Whether a parsed JSON value is an object (not null, not an array). */
export const isJsonObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A config value as an error message shows it: its JSON, where a number too large for a double
 * (JSON.parse gives Infinity, which JSON would print as null) is named as such.
 */
export const shown = (value: unknown): string =>
  typeof value === 'number' && !Number.isFinite(value)
    ? 'a number beyond the range of a double'
    : (JSON.stringify(value, (_key, v: unknown) =>
        typeof v === 'number' && !Number.isFinite(v) ? 'beyond a double' : v,
      ) ?? String(value));

/** Largest value each kind of count may take (far above any real model, far below overflow). */
export const MAX = {
  layers: 10_000,
  hidden: 1_000_000,
  vocab: 100_000_000,
  heads: 100_000,
  headDim: 100_000,
  intermediate: 10_000_000,
  experts: 100_000,
  positions: 1_000_000_000,
  /** Anything else: a rank, a kernel width, a window. */
  other: 1_000_000_000,
} as const satisfies Record<string, number>;

export interface IntOptions {
  /** Used when the field is absent or null. */
  readonly fallback?: number;
  /** Upper bound (inclusive); defaults to {@link MAX.other}. */
  readonly max?: number;
}

/**
 * Keys transformers 5 writes under another name than transformers 4 did: a class's `attribute_map`
 * (Qwen3MoeConfig, Qwen3OmniMoeTalkerTextConfig, MiniMaxM3VLTextConfig: `num_experts` →
 * `num_local_experts`) makes the mapped name the stored one, so `save_pretrained` under 5.x writes it.
 * The 4.x name → the 5.x one; the families read the 4.x names, which every Hub release carries.
 */
const V5_NAMES: Readonly<Record<string, string>> = { num_experts: 'num_local_experts' };

const savedByTransformers5 = (config: Json): boolean => {
  const version = config.transformers_version;
  return typeof version === 'string' && Number.parseInt(version, 10) >= 5;
};

/** A transformers-5 config with each renamed key also under its 4.x name, where only the 5.x one is set. */
function withV4Names(config: Json): Json {
  const missing = Object.entries(V5_NAMES).filter(
    ([v4, v5]) => (config[v4] === undefined || config[v4] === null) && config[v5] != null,
  );
  return missing.length === 0
    ? config
    : { ...config, ...Object.fromEntries(missing.map(([v4, v5]) => [v4, config[v5]])) };
}

/** Reads typed fields from a config object, naming the field in every error. */

/**
 * Layer types transformers ≥ 5 writes in place of legacy ones (configuration_utils
 * `_LEGACY_LAYER_TYPE_REMAP`: mamba → linear_attention, attention → full_attention,
 * deepseek_sparse_attention and qwen_sparse_attention → indexed_attention), by current name.
 */
const CURRENT_LAYER_TYPES: Readonly<Record<string, readonly string[]>> = {
  linear_attention: ['mamba'],
  full_attention: ['attention'],
  indexed_attention: ['deepseek_sparse_attention', 'qwen_sparse_attention'],
};

/** Other families' names for a field (DeepSeek's, GPT-2's, Mixtral's), for the hint of a missing key. */
const KEY_ALIASES: Readonly<Record<string, readonly string[]>> = {
  num_experts: ['n_routed_experts', 'num_local_experts', 'moe_num_experts'],
  // Not `top_k`: transformers serialises it as a sampling default (50) in many configs.
  num_experts_per_tok: ['moe_topk', 'moe_k'],
  num_shared_experts: ['n_shared_experts', 'num_shared_expert'],
  n_routed_experts: ['num_experts', 'num_local_experts'],
  n_shared_experts: ['num_shared_experts'],
  hidden_size: ['d_model', 'n_embd', 'dim'],
  num_hidden_layers: ['n_layer', 'n_layers', 'num_layers'],
  num_attention_heads: ['n_head', 'n_heads', 'num_heads'],
  intermediate_size: ['ffn_hidden_size', 'ffn_dim', 'n_inner'],
  vocab_size: ['padded_vocab_size', 'n_vocab'],
};

export class Fields {
  private readonly config: Json;
  /** Written by transformers 5 or later (`transformers_version`, inherited by nested configs). */
  private readonly savedByV5: boolean;

  constructor(
    config: Json,
    readonly modelType: string,
    /** Prefix of every error path (e.g. `['text_config']` for a wrapped text model). */
    private readonly prefix: readonly (string | number)[] = [],
    savedByV5?: boolean,
  ) {
    this.savedByV5 = savedByV5 ?? savedByTransformers5(config);
    this.config = this.savedByV5 ? withV4Names(config) : config;
  }

  private path(key: string | number, ...rest: (string | number)[]): (string | number)[] {
    return [...this.prefix, key, ...rest];
  }

  private label(key: string): string {
    return [...this.prefix, key].join('.');
  }

  /**
   * Where a missing key's value sits under another family's name in this config (a vendor's copy of a
   * Bailing MoE config with DeepSeek's `n_routed_experts`), a hint naming it: the family reads its own key.
   */
  private aliasHint(key: string): string {
    const found = (KEY_ALIASES[key] ?? []).filter((alias) => this.has(alias));
    return found.length === 0
      ? ''
      : `; the config has ${found.map((a) => `'${a}'`).join(', ')}, another family's name for it, which model_type '${this.modelType}' does not read`;
  }

  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null;
  }

  raw(key: string): unknown {
    return this.config[key];
  }

  /**
   * A nested object (e.g. `text_config`), read with the same rules and error paths below it;
   * `defaults` fill the keys it omits (transformers writes a sub-config without the keys equal to
   * its class defaults).
   */
  child(key: string, defaults: Json = {}): Fields | null {
    const value = this.config[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value)) {
      inputError('invalid_type', this.path(key), `'${this.label(key)}' must be an object`);
    }
    return new Fields({ ...defaults, ...(value as Json) }, this.modelType, this.path(key), this.savedByV5);
  }

  /**
   * A list of objects (Nemotron-NAS `block_configs`), each read with the same rules and its own error
   * path (`block_configs.3`); `length` is the count the list must have, when fixed.
   */
  objectList(key: string, length?: number): Fields[] {
    const value = this.config[key];
    if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
      inputError(
        value === undefined || value === null ? 'missing_field' : 'invalid_value',
        this.path(key),
        `'${this.label(key)}' must be a list of ${length ?? 'one or more'} objects${length === undefined ? '' : ' (one per layer)'}, got ${Array.isArray(value) ? `${value.length} entries` : shown(value ?? null)}`,
      );
    }
    return value.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        inputError('invalid_type', this.path(key, i), `'${this.label(key)}.${i}' must be an object`);
      }
      return new Fields(item as Json, this.modelType, this.path(key, i), this.savedByV5);
    });
  }

  /** A finite number greater than 0 and at most `max` (a multiplier such as `ffn_mult`). */
  positiveNumber(key: string, max: number = MAX.other): number {
    const value = this.config[key];
    if (value === undefined || value === null) {
      inputError(
        'missing_field',
        this.path(key),
        `missing field '${this.label(key)}' (required for model_type '${this.modelType}')${this.aliasHint(key)}`,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
      inputError(
        'invalid_value',
        this.path(key),
        `'${this.label(key)}' must be a number greater than 0 and at most ${max.toLocaleString('en-US')}, got ${shown(value)}`,
      );
    }
    return value;
  }

  /** The keys the config sets (not null). */
  keys(): string[] {
    return Object.keys(this.config).filter((k) => this.has(k));
  }

  /** The same config with `overrides` applied (a value the family derives, e.g. a layer count), same error paths. */
  with(overrides: Json): Fields {
    return new Fields({ ...this.config, ...overrides }, this.modelType, this.prefix, this.savedByV5);
  }

  /** A non-negative integer within bounds. */
  int(key: string, options: IntOptions = {}): number {
    const value = this.config[key];
    if (value === undefined || value === null) {
      if (options.fallback !== undefined) return options.fallback;
      inputError(
        'missing_field',
        this.path(key),
        `missing field '${this.label(key)}' (required for model_type '${this.modelType}')${this.aliasHint(key)}`,
      );
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      inputError(
        'invalid_type',
        this.path(key),
        `'${this.label(key)}' must be a non-negative integer, got ${shown(value)}`,
      );
    }
    const max = options.max ?? MAX.other;
    if (value > max) {
      inputError(
        'invalid_value',
        this.path(key),
        `'${this.label(key)}' (${value}) exceeds the largest supported value ${max.toLocaleString('en-US')}`,
      );
    }
    return value;
  }

  /** A positive integer within bounds. */
  positiveInt(key: string, options: IntOptions = {}): number {
    const value = this.int(key, options);
    if (value === 0) {
      inputError('invalid_value', this.path(key), `'${this.label(key)}' must be at least 1, got 0`);
    }
    return value;
  }

  /** A positive integer or null when absent; 0 and negatives are errors (`sliding_window: 0`). */
  optionalPositiveInt(key: string, max?: number): number | null {
    if (!this.has(key)) return null;
    const value = this.config[key];
    if (typeof value === 'number' && Number.isInteger(value) && value <= 0) {
      inputError(
        'invalid_value',
        this.path(key),
        `'${this.label(key)}' must be a positive integer or null, got ${value}`,
      );
    }
    return this.positiveInt(key, max === undefined ? {} : { max });
  }

  bool(key: string, fallback: boolean): boolean {
    return this.typed(key, fallback, 'boolean', 'true or false');
  }

  string(key: string, fallback: string): string {
    return this.typed(key, fallback, 'string', 'a string');
  }

  /** A value of JavaScript type `type`, or `fallback` when absent or null. */
  private typed<T>(key: string, fallback: T, type: 'boolean' | 'string', allowed: string): T {
    const value = this.config[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== type) {
      inputError(
        'invalid_type',
        this.path(key),
        `'${this.label(key)}' must be ${allowed}, got ${shown(value)}`,
      );
    }
    return value as T;
  }

  intList(key: string, max: number = MAX.other): number[] {
    const value = this.config[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= 0 && v <= max)) {
      inputError(
        'invalid_type',
        this.path(key),
        `'${this.label(key)}' must be a list of integers between 0 and ${max}`,
      );
    }
    return value as number[];
  }

  /**
   * A list of strings, each one of `allowed`, with one entry per layer. A layer type under the name
   * today's transformers writes is read as the legacy name a family lists in its place
   * (configuration_utils `remap_legacy_layer_types`, {@link CURRENT_LAYER_TYPES}).
   */
  enumList<T extends string>(key: string, length: number, allowed: readonly T[]): T[] | null {
    const value = this.config[key];
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value) || value.length !== length) {
      inputError(
        'invalid_value',
        this.path(key),
        `'${this.label(key)}' must list one entry per layer (${length}), got ${Array.isArray(value) ? value.length : typeof value}`,
      );
    }
    const legacy = (t: unknown) =>
      CURRENT_LAYER_TYPES[String(t)]?.find((l) => (allowed as readonly string[]).includes(l));
    return value.map((t, i) =>
      (allowed as readonly unknown[]).includes(t)
        ? (t as T)
        : ((legacy(t) as T | undefined) ??
          inputError(
            'invalid_value',
            this.path(key, i),
            `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${shown(t)}`,
          )),
    );
  }

  /** `numerator / denominator`, both positive fields, which must divide exactly. */
  divide(numerator: string, denominator: string, max: number = MAX.other): number {
    const n = this.positiveInt(numerator, { max });
    const d = this.positiveInt(denominator, { max });
    if (n % d !== 0) {
      inputError(
        'invalid_value',
        this.path(numerator),
        `'${this.label(numerator)}' (${n}) must be divisible by '${this.label(denominator)}' (${d})`,
      );
    }
    return n / d;
  }

  /** Raises an invalid-value error on `key`. */
  fail(key: string, message: string): never {
    return inputError('invalid_value', this.path(key), `'${this.label(key)}' ${message}`);
  }
}
