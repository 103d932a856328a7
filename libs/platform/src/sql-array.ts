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

/**
 * One text array per row as a PostgreSQL literal of array literals (`$1::text[]`, each element
 * then cast `::text[]`): what `arrayOf(rows, (r) => arrayOf([...texts(r)], (t) => t))` gives, built
 * in one pass instead of quoting each inner literal a second time for the outer one.
 */
export function textArraysOf<R>(rows: readonly R[], texts: (row: R) => Iterable<string>): string {
  let out = '{';
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) out += ',';
    out += '"{';
    let first = true;
    for (const t of texts(rows[i])) {
      if (!first) out += ',';
      first = false;
      // The inner literal's quotes, and its escapes of quotes and backslashes, escaped once more.
      out += QUOTE_OR_BACKSLASH.test(t) ? `\\"${t.replace(/["\\]/g, '\\\\\\$&')}\\"` : `\\"${t}\\"`;
    }
    out += '}"';
  }
  return `${out}}`;
}
