/**
 * Checks a JSON value against the subset of JSON Schema 2020-12 that services/ledger/openapi.yaml
 * uses. A keyword it does not know is an error, never skipped: the generator cannot start using
 * one without this checker learning it. In `strict` mode an object property that no schema
 * declares is an error, so a field the code sends but the document omits fails the tests.
 */
export type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set([
  'description',
  'title',
  'default',
  'x-enum-varnames',
  'contentEncoding',
  'contentMediaType',
]);
const ASSERTIONS = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'format',
  'pattern',
  'minimum',
  'maximum',
  'properties',
  'required',
  'items',
  'allOf',
  'anyOf',
]);

export function unknownKeywords(schema: Schema): string[] {
  return Object.keys(schema).filter((k) => !ANNOTATIONS.has(k) && !ASSERTIONS.has(k));
}

const FORMATS: Record<string, (v: unknown) => boolean> = {
  'date-time': (v) =>
    typeof v !== 'string' ||
    (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v))),
  date: (v) => typeof v !== 'string' || /^\d{4}-\d{2}-\d{2}$/.test(v),
  uuid: (v) => typeof v !== 'string' || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  int32: (v) => typeof v !== 'number' || (Number.isInteger(v) && Math.abs(v) <= 2 ** 31),
  int64: (v) => typeof v !== 'number' || Number.isSafeInteger(v),
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export class JsonSchemaChecker {
  constructor(private readonly document: unknown) {}

  /** The node a local `#/...` pointer names, or undefined. */
  resolve(ref: string): unknown {
    if (!ref.startsWith('#/')) return undefined;
    return ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>(
        (node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
        this.document,
      );
  }

  /** Problems with `value`, as "path: what"; empty when it validates. */
  check(schema: Schema, value: unknown, { strict = true } = {}): string[] {
    const problems: string[] = [];
    this.visit(schema, value, '$', problems, strict);
    return problems;
  }

  private deref(schema: Schema): Schema {
    if (typeof schema.$ref !== 'string') return schema;
    const target = this.resolve(schema.$ref);
    if (target === undefined) throw new Error(`dangling $ref ${schema.$ref}`);
    return this.deref(target as Schema);
  }

  /** Property names a schema declares, through $ref and allOf. */
  private declared(schema: Schema, into = new Set<string>()): Set<string> {
    if (typeof schema.$ref === 'string') this.declared(this.deref(schema), into);
    for (const name of Object.keys((schema.properties as Record<string, unknown>) ?? {})) into.add(name);
    for (const sub of (schema.allOf as Schema[]) ?? []) this.declared(sub, into);
    return into;
  }

  /** `extras`: whether this level reports undocumented properties ($ref and allOf targets leave it to the level that holds them). */
  private visit(
    schema: Schema,
    value: unknown,
    at: string,
    problems: string[],
    strict: boolean,
    extras = strict,
  ): void {
    const unknown = unknownKeywords(schema);
    if (unknown.length) throw new Error(`the checker does not know ${unknown.join(', ')} (at ${at})`);
    if (typeof schema.$ref === 'string') this.visit(this.deref(schema), value, at, problems, strict, false);
    const actual = typeOf(value);
    if (schema.type !== undefined) {
      const allowed = ([] as unknown[]).concat(schema.type);
      if (!allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) {
        problems.push(`${at}: is ${actual}, expected ${allowed.join(' or ')}`);
        return;
      }
    }
    if (Array.isArray(schema.enum) && !schema.enum.includes(value))
      problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
    if ('const' in schema && schema.const !== value) problems.push(`${at}: is not ${JSON.stringify(schema.const)}`);
    if (typeof schema.format === 'string') {
      const ok = FORMATS[schema.format];
      if (!ok) throw new Error(`the checker does not know format ${schema.format} (at ${at})`);
      if (!ok(value)) problems.push(`${at}: ${JSON.stringify(value)} is not a ${schema.format}`);
    }
    if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      problems.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum)
      problems.push(`${at}: ${value} < ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && typeof value === 'number' && value > schema.maximum)
      problems.push(`${at}: ${value} > ${schema.maximum}`);
    if (actual === 'array' && schema.items)
      (value as unknown[]).forEach((item, i) =>
        this.visit(schema.items as Schema, item, `${at}[${i}]`, problems, strict),
      );
    if (actual === 'object') {
      const object = value as Record<string, unknown>;
      for (const name of (schema.required as string[]) ?? [])
        if (!(name in object)) problems.push(`${at}: lacks required ${name}`);
      const properties = (schema.properties as Record<string, Schema>) ?? {};
      for (const [name, sub] of Object.entries(properties))
        if (name in object) this.visit(sub, object[name], `${at}.${name}`, problems, strict);
      if (extras) {
        const declared = this.declared(schema);
        if (declared.size > 0)
          for (const name of Object.keys(object))
            if (!declared.has(name)) problems.push(`${at}: has undocumented property ${name}`);
      }
    }
    for (const sub of (schema.allOf as Schema[]) ?? []) this.visit(sub, value, at, problems, strict, false);
    if (Array.isArray(schema.anyOf)) {
      const branches = (schema.anyOf as Schema[]).map((sub) => this.check(sub, value, { strict }));
      if (!branches.some((b) => b.length === 0))
        problems.push(`${at}: matches no anyOf branch (${branches.map((b) => b.join('; ')).join(' | ')})`);
    }
  }
}
