import { AppError } from './errors';

/** The most characters (Unicode code points) each named text field may hold. */
export type TextLimits<F extends string> = Readonly<Record<F, number>>;

/** Whether `text` holds more than `max` code points (a string's length counts UTF-16 units: two per emoji). */
function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let n = 0;
  for (const _ of text) if (++n > max) return true;
  return false;
}

/**
 * Refuses the first text of `fields` longer than its limit in `limits`, with INVALID_ARGUMENT
 * naming the field (`at` + its name, e.g. `debtor.` + `display_name`) and the limit; the text
 * itself is not quoted back. Name the fields as the caller wrote them (the .proto's snake_case).
 * An absent field passes: whether it is required is the caller's own rule.
 */
export function requireTextWithin<F extends string>(
  limits: TextLimits<F>,
  fields: Partial<Record<F, string | null | undefined>>,
  at = '',
): void {
  for (const field of Object.keys(fields) as F[]) {
    const text = fields[field];
    const max = limits[field];
    if (typeof text === 'string' && longerThan(text, max)) {
      throw AppError.invalid(`${at}${field} is longer than ${max} characters`, {
        field: `${at}${field}`,
        maxLength: max,
      });
    }
  }
}
