/**
 * Where a rejection's value goes in its reason: `unknown currency "{value}"`. The reason's fixed
 * words are stored in clear (`import_rejection.reason`: counted, grouped, queried); the value, the
 * file's own text (in a shifted line often a name, a national id, an e-mail or a phone), is stored
 * encrypted with the line (`value_enc`) and put back only in the import report (`withValue`).
 */
export const VALUE_SLOT = '{value}';

/** Values quoted in a reason keep this much of the file's text. */
export const QUOTED_LIMIT = 40;

/**
 * A line the import rejects, with the reason a person can act on; the rest of the file goes on.
 * `message` is the reason's fixed words, with VALUE_SLOT where the file's `value` goes: it never
 * holds the value, so it can be logged or stored in clear.
 */
export class RowError extends Error {
  constructor(
    reason: string,
    readonly value?: string,
  ) {
    super(reason);
  }
}

/** A reason naming one of the file's values: `quoting('unknown currency "{value}"', v)`. */
export const quoting = (reason: string, value: string) => new RowError(reason, value.slice(0, QUOTED_LIMIT));

/** The reason as the report shows it: the value put back into its slot. */
export function withValue(reason: string, value: string): string {
  const at = reason.indexOf(VALUE_SLOT);
  if (at < 0) return reason;
  return `${reason.slice(0, at)}${value}${reason.slice(at + VALUE_SLOT.length)}`;
}
