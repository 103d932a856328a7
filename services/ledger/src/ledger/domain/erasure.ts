import { AppError } from '@collections/platform';

/**
 * What an erasure looks for in the ledger's free texts that are not linked to the debtor (the raw
 * lines of rejected import rows, bank statement references): the debtor's identifiers, each
 * turned into a PostgreSQL regular expression (`~`) that finds it the way a person would see it.
 *
 * The rule, for each identifier (name, national id, contact point values, debtor id, the ids and
 * external references of the debtor's accounts):
 * - case-insensitive (Unicode: `Gómez` finds `GÓMEZ`; built here, since the database's locale may
 *   fold ASCII only) and accent-insensitive for Latin letters (`Gómez` finds `GOMEZ`, `Muñoz`
 *   finds `munoz`, and the other way round: a bank reference or a CSV export often drops them),
 *   any run of white space matching any other;
 * - 4 characters or more: found as a whole token, neither neighbour a letter or a digit (`D-17`
 *   does not find `D-170`, `Ana Gómez` finds `pago de ana gómez,`);
 * - shorter (a 1-character name, a 3-character id): found only as a whole field of the line —
 *   between the line's start or end and a CSV/JSON delimiter (, ; tab | " : { } [ ]) — so `Bo`
 *   finds `,Bo,` and `"Bo"` but not `Bogotá` or `bo` inside a sentence;
 * - mostly digits (a phone number, a national id: 6 digits or more, no letters): found as that
 *   sequence of digits however it is written (`+57 300 111-9001`, `573001119001`), not inside a
 *   longer number; a phone number of more than 10 digits also by its last 10 (written without
 *   the country code);
 * - empty values and the placeholders of an earlier erasure (`erased`, `erased:<n>`) are not
 *   looked for.
 * A line matched this way is erased whole: a quarantined line is the importer's diagnostic, so
 * erring on the side of erasing costs a diagnostic, not personal data. A common name or a short
 * value may erase another debtor's line that holds the same text as a whole token or field.
 */

export interface ErasedDebtorIdentifiers {
  debtorId: string;
  displayName: string;
  /** In clear (decrypted), or '' when there is none. */
  nationalId: string;
  contactValues: { type: string; value: string }[];
  /** The ids and external references of the debtor's accounts. */
  accountRefs: string[];
}

/** Values shorter than this are found only as a whole field. */
export const MIN_TOKEN_LENGTH = 4;
/** A value with at least this many digits and no letters is found by its digits. */
const MIN_DIGITS = 6;
/** A phone number is also found by this many trailing digits (the number without its country code). */
const NATIONAL_DIGITS = 10;

const NOT_ALNUM = '[^[:alnum:]]';
const FIELD_DELIMITER = '[,;\\t|":{}\\[\\]]';

/** The regular expressions (PostgreSQL ARE) that find the debtor's identifiers in a free text. */
export function erasurePatterns(d: ErasedDebtorIdentifiers): string[] {
  const patterns = new Set<string>();
  const add = (value: string, phone = false) => {
    const v = value.trim().replace(/\s+/g, ' ');
    if (v === '' || /^erased(:\d+)?$/i.test(v)) return;
    const digits = v.replace(/\D/g, '');
    if (digits.length >= MIN_DIGITS && !/\p{L}/u.test(v)) {
      patterns.add(digitsPattern(digits));
      if (phone && digits.length > NATIONAL_DIGITS) patterns.add(digitsPattern(digits.slice(-NATIONAL_DIGITS)));
      return;
    }
    const body = textPattern(v);
    patterns.add(
      [...v].length >= MIN_TOKEN_LENGTH
        ? `(^|${NOT_ALNUM})${body}($|${NOT_ALNUM})`
        : `(^|${FIELD_DELIMITER})\\s*${body}\\s*($|${FIELD_DELIMITER})`,
    );
  };
  add(d.displayName);
  add(d.nationalId);
  for (const c of d.contactValues) add(c.value, c.type === 'phone');
  add(d.debtorId);
  for (const ref of d.accountRefs) add(ref);
  return [...patterns];
}

/** The digits in order, with at most a few separators between them, not inside a longer number. */
function digitsPattern(digits: string): string {
  return `(^|[^0-9])${[...digits].join('[ .()/-]{0,3}')}($|[^0-9])`;
}

/** A character without its diacritics (`é` → `e`, `Ñ` → `N`); itself when it has none. */
function withoutMarks(ch: string): string {
  return ch.normalize('NFD').replace(/\p{M}/gu, '');
}

/**
 * The Latin letters of Latin-1 and Latin Extended-A by the ASCII letter they are written on
 * (`e` → `eèéêëēĕėęě`): what a text may hold where a name has that letter, with or without accent.
 */
const LETTERS_ON: ReadonlyMap<string, string[]> = (() => {
  const on = new Map<string, string[]>();
  for (let cp = 0x41; cp <= 0x17f; cp++) {
    const ch = String.fromCodePoint(cp);
    const base = withoutMarks(ch);
    if (!/^[A-Za-z]$/.test(base)) continue;
    on.set(base, [...(on.get(base) ?? []), ch]);
  }
  return on;
})();

/** Each character literally, a letter in both cases with or without accent, any white space for a space. */
function textPattern(value: string): string {
  return [...value]
    .map((ch) => {
      if (ch === ' ') return '\\s+';
      const base = withoutMarks(ch);
      const cases = new Set(
        [ch, ch.toLowerCase(), ch.toUpperCase()]
          .concat(LETTERS_ON.get(base.toLowerCase()) ?? [], LETTERS_ON.get(base.toUpperCase()) ?? [])
          .filter((c) => [...c].length === 1),
      );
      if (cases.size > 1) return `[${[...cases].join('')}]`;
      // An ASCII character that is not a letter or digit may be special in a regular expression.
      return /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(ch) ? `\\${ch}` : ch;
    })
    .join('');
}

/**
 * Why a command on an erased debtor is refused, the same words wherever it is (UpsertDebtor,
 * RecordConsent, SetContactPreferences, OpenAccount, an import's account line): an erasure is
 * for good, so a routine sync (a CRM or an export that still holds the person) must not bring the
 * person back; a new relationship with them is a new debtor, under a new id.
 */
export function erasedDebtorReason(debtorId: string, refused: string): string {
  return `debtor ${debtorId} was erased: ${refused}; a new relationship with the person takes a new debtor id`;
}

/** FAILED_PRECONDITION (HTTP 422) with `erasedDebtorReason`: the debtor exists, but no longer for this. */
export function refuseErased(debtorId: string, refused: string): AppError {
  return AppError.failedPrecondition(erasedDebtorReason(debtorId, refused));
}
