import { ConfigField, ConfigParseResult } from './config';

/**
 * The id of the key of a single-secret setting (`<VARIABLE>=<secret>`, the form before rotation),
 * and of what was written before key ids (stored values, signed links): it is read with this key.
 */
export const LEGACY_KEY_ID = 'legacy';
/** A key id: what values and links name their key by. */
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** One key of a rotatable secret setting: its id (named by what it wrote or signed) and its secret. */
export interface KeyedSecret {
  readonly id: string;
  readonly secret: string;
}

/** What a setting asks of each key's secret: the problem with it (never echoing it), or undefined. */
export type SecretRule = (secret: string, id: string) => string | undefined;

/**
 * Reads a rotatable secret setting: either one secret (the form before rotation; its key id is
 * `LEGACY_KEY_ID`), or `<id>:<secret>` entries separated by commas, the current key (the one new
 * values are written, or links signed, under) first and the keys still read after it. A secret
 * that itself begins with `<id>:` is written `legacy:<secret>`. Ids are unique; `rule` says what
 * each secret must be. Every problem is named; no secret is echoed.
 */
export function parseKeyList(raw: string, rule: SecretRule): ConfigParseResult<readonly KeyedSecret[]> {
  if (!/^\s*[A-Za-z0-9_-]+:/.test(raw)) {
    const problem = rule(raw, LEGACY_KEY_ID);
    return problem ? { ok: false, problem } : { ok: true, value: [{ id: LEGACY_KEY_ID, secret: raw }] };
  }
  const problems: string[] = [];
  const keys: KeyedSecret[] = [];
  raw.split(',').forEach((entry, i) => {
    const at = `key ${i + 1}`;
    const colon = entry.indexOf(':');
    const id = (colon < 0 ? entry : entry.slice(0, colon)).trim();
    const secret = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (colon < 0) return problems.push(`${at} is not written <id>:<secret>`);
    if (!KEY_ID.test(id)) problems.push(`${at}: its id must be 1 to 32 letters, digits, '-' or '_'`);
    else if (keys.some((k) => k.id === id)) problems.push(`${at}: key id "${id}" is named twice`);
    const problem = secret === '' ? undefined : rule(secret, id);
    if (secret === '') problems.push(`${at}${KEY_ID.test(id) ? ` ("${id}")` : ''} has no secret`);
    else if (problem) problems.push(`${at} ("${id}"): ${problem}`);
    keys.push({ id, secret });
  });
  return problems.length > 0 ? { ok: false, problem: problems.join('; ') } : { ok: true, value: keys };
}

/** A rotatable secret setting (`parseKeyList` under `rule`), for `loadConfig`: the current key first. */
export function keyList(
  name: string,
  rule: SecretRule,
  opts: { default?: string } = {},
): ConfigField<readonly KeyedSecret[]> {
  return {
    kind: 'config-field',
    name,
    parse: (raw) => parseKeyList(raw, rule),
    hasDefault: opts.default !== undefined,
    defaultValue: opts.default === undefined ? undefined : [{ id: LEGACY_KEY_ID, secret: opts.default }],
  };
}
