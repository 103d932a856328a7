/**
 * Typed configuration from environment variables. This is the only module that reads
 * process.env: everything else receives parsed values, so tests never mutate globals.
 */

export type ConfigParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface ConfigField<T> {
  /** Tells fields apart from nested spec objects. */
  readonly kind: 'config-field';
  /** The environment variable this field reads. */
  readonly name: string;
  /** Turns a present, non-blank raw value into T or a problem description. */
  readonly parse: (raw: string) => ConfigParseResult<T>;
  /** Used when the variable is absent or blank. `hasDefault: false` means required. */
  readonly hasDefault: boolean;
  readonly defaultValue: T | undefined;
}

export interface ConfigSpec {
  readonly [key: string]: ConfigField<unknown> | ConfigSpec;
}

export type ConfigOf<S extends ConfigSpec> = {
  [K in keyof S]: S[K] extends ConfigField<infer T> ? T : S[K] extends ConfigSpec ? ConfigOf<S[K]> : never;
};

export type DeepReadonly<T> = T extends (infer E)[]
  ? ReadonlyArray<DeepReadonly<E>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

/** Every bad variable at once, so a deploy is fixed in one round trip rather than one per variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n'),
    );
  }
}

function field<T>(name: string, parse: (raw: string) => ConfigParseResult<T>, defaultValue?: T): ConfigField<T> {
  return {
    kind: 'config-field',
    name,
    parse,
    hasDefault: defaultValue !== undefined,
    defaultValue,
  };
}

const ok = <T>(value: T): ConfigParseResult<T> => ({ ok: true, value });
const problem = (text: string): ConfigParseResult<never> => ({ ok: false, problem: text });

export function str(name: string, opts: { default?: string } = {}): ConfigField<string> {
  return field(name, (raw) => ok(raw), opts.default);
}

type NumberOptions = { default?: number; min?: number; max?: number };

/** A number written as `syntax` allows, exact as `exact` requires, within the bounds given. */
function numeric(
  name: string,
  opts: NumberOptions,
  syntax: RegExp,
  exact: (value: number) => boolean,
  what: string,
): ConfigField<number> {
  return field(
    name,
    (raw) => {
      const trimmed = raw.trim();
      const value = Number(trimmed);
      if (!syntax.test(trimmed) || !exact(value)) return problem(`expected ${what}, got ${JSON.stringify(raw)}`);
      if (opts.min !== undefined && value < opts.min) return problem(`must be >= ${opts.min}, got ${value}`);
      if (opts.max !== undefined && value > opts.max) return problem(`must be <= ${opts.max}, got ${value}`);
      return ok(value);
    },
    opts.default,
  );
}

export function int(name: string, opts: NumberOptions = {}): ConfigField<number> {
  return numeric(name, opts, /^[+-]?\d+$/, Number.isSafeInteger, 'an integer');
}

/** A decimal number (e.g. 1.1), finite, within the bounds given. */
export function num(name: string, opts: NumberOptions = {}): ConfigField<number> {
  return numeric(name, opts, /^[+-]?(\d+\.?\d*|\.\d+)$/, Number.isFinite, 'a number');
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export function bool(name: string, opts: { default?: boolean } = {}): ConfigField<boolean> {
  return field(
    name,
    (raw) => {
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return ok(true);
      if (FALSE_WORDS.has(word)) return ok(false);
      return problem(`expected a boolean (true/false/1/0/yes/no/on/off), got ${JSON.stringify(raw)}`);
    },
    opts.default,
  );
}

export function oneOf<T extends string>(
  name: string,
  values: readonly T[],
  opts: { default?: T } = {},
): ConfigField<T> {
  return field(
    name,
    (raw) => {
      const candidate = raw.trim();
      const match = values.find((v) => v === candidate);
      return match !== undefined
        ? ok(match)
        : problem(`expected one of ${values.join('|')}, got ${JSON.stringify(raw)}`);
    },
    opts.default,
  );
}

/**
 * An absolute URL, kept as a string. A bad value is not echoed back: connection URLs
 * routinely embed passwords and this message ends up in deploy logs.
 */
export function url(name: string, opts: { default?: string; protocols?: readonly string[] } = {}): ConfigField<string> {
  return field(
    name,
    (raw) => {
      let parsed: URL;
      try {
        parsed = new URL(raw.trim());
      } catch {
        return problem('expected an absolute URL (value not shown: it may contain credentials)');
      }
      if (opts.protocols && !opts.protocols.includes(parsed.protocol)) {
        return problem(
          `expected a URL with protocol ${opts.protocols.join('|')}, got ${JSON.stringify(parsed.protocol)}`,
        );
      }
      return ok(raw.trim());
    },
    opts.default,
  );
}

/** Makes a field optional: absent or blank yields undefined instead of a "required" problem. */
export function optional<T>(inner: ConfigField<T>): ConfigField<T | undefined> {
  return {
    kind: 'config-field',
    name: inner.name,
    parse: inner.parse,
    hasDefault: true,
    defaultValue: inner.defaultValue,
  };
}

function isConfigField(value: ConfigField<unknown> | ConfigSpec): value is ConfigField<unknown> {
  return (value as Partial<ConfigField<unknown>>).kind === 'config-field';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses `env` against `spec`. Blank values count as unset, because `FOO=` in a .env
 * file or compose file almost always means "not configured" rather than "empty string".
 */
export function loadConfig<S extends ConfigSpec>(
  spec: S,
  env: NodeJS.ProcessEnv = process.env,
): DeepReadonly<ConfigOf<S>> {
  const problems: ConfigProblem[] = [];

  const walk = (node: ConfigSpec): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      if (!isConfigField(child)) {
        out[key] = walk(child);
        continue;
      }
      const raw = env[child.name];
      if (raw === undefined || raw.trim() === '') {
        if (child.hasDefault) out[key] = child.defaultValue;
        else problems.push({ variable: child.name, problem: 'is required but not set' });
        continue;
      }
      const result = child.parse(raw);
      if (result.ok) out[key] = result.value;
      else problems.push({ variable: child.name, problem: result.problem });
    }
    return out;
  };

  const config = walk(spec);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config) as DeepReadonly<ConfigOf<S>>;
}
