const QUOTE_OR_BACKSLASH = /["\\]/;

/**
 * One column of many rows as a PostgreSQL array literal, bound as a single text parameter and cast
 * in SQL (`$1::text[]`, `$2::timestamptz[]`): what pg would send for a JS array, without its two
 * regular expressions per element and its local-time formatting of dates. Every string is quoted
 * (empty strings, commas, braces and the word NULL stay text); null is NULL.
 */
export function arrayOf<R>(rows: readonly R[], value: (row: R) => string | number | boolean | Date | null): string {
  let out = '{';
  for (let i = 0; i < rows.length; i++) {
    const v = value(rows[i]);
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'string') out += QUOTE_OR_BACKSLASH.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`;
    else if (v instanceof Date) out += `"${v.toISOString()}"`;
    else out += String(v);
  }
  return `${out}}`;
}
