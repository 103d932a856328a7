import { isE164 } from './recipients';

/**
 * What an SMS sender is: an E.164 number (a long code or toll-free number), a short code (5 or 6
 * digits, one country's) or an alphanumeric sender id (`ACMEBANK`: 1 to 11 ASCII letters, digits or
 * spaces, at least one letter; one-way, it receives no replies). Twilio takes each as `From`.
 */
export type SmsSenderKind = 'number' | 'short-code' | 'alphanumeric';

export function isShortCode(sender: string): boolean {
  return /^\d{5,6}$/.test(sender);
}

export function isAlphanumericSenderId(sender: string): boolean {
  return /^[A-Za-z0-9 ]{1,11}$/.test(sender) && /[A-Za-z]/.test(sender);
}

/** The kind of an SMS sender, or undefined for something Twilio does not take as `From`. */
export function smsSenderKind(sender: string): SmsSenderKind | undefined {
  if (isE164(sender)) return 'number';
  if (isShortCode(sender)) return 'short-code';
  if (isAlphanumericSenderId(sender)) return 'alphanumeric';
  return undefined;
}

/**
 * Messages per second per SMS sender, by kind, as Twilio documents them by default: a US long code
 * 1 (`number`: the deployment's `TWILIO_SMS_PER_SECOND`, as numbers elsewhere vary), a short code
 * 100 (Twilio error 30001: "a short code may send over 100 message segments per second"), an
 * alphanumeric sender id 10 (Twilio's "Can I increase message throughput (MPS) for an Alphanumeric
 * Sender ID?": "up to 10 message segments per second (MPS) by default").
 */
export type SmsSenderRates = Readonly<Record<SmsSenderKind, number>>;

export const DEFAULT_SMS_SENDER_RATES: SmsSenderRates = { number: 1, 'short-code': 100, alphanumeric: 10 };

/** The rate of `sender` by its kind (something of no kind: a number's). */
export function smsSenderRate(rates: SmsSenderRates, sender: string): number {
  return rates[smsSenderKind(sender) ?? 'number'];
}

/**
 * Calling codes whose countries take no alphanumeric sender id, as Twilio documents them: +1 (the
 * US, Canada, Puerto Rico and the rest of the North American plan), +52 (Mexico) and +57 (Colombia)
 * (Twilio's SMS guidelines per country). A deployment adds others (`TWILIO_ALPHANUMERIC_UNSUPPORTED_CODES`).
 */
export const ALPHANUMERIC_UNSUPPORTED_CODES: readonly string[] = ['+1', '+52', '+57'];

/** A calling code as the setting takes it: `+` and 1 to 4 digits, not starting with 0. */
export function isCallingCode(code: string): boolean {
  return /^\+[1-9]\d{0,3}$/.test(code);
}

/**
 * The calling code (of `unsupported`) that bars an alphanumeric sender id from the E.164 recipient
 * `to`, or undefined when one may be used for it.
 */
export function alphanumericBarredBy(to: string, unsupported: readonly string[]): string | undefined {
  return unsupported.find((code) => to.startsWith(code));
}

/**
 * Whether `sender` can reach the E.164 recipient `to`: a number or short code always (as far as we
 * know: a short code is one country's, which the configuration does not say), an alphanumeric id
 * only outside the `unsupported` calling codes.
 */
export function smsSenderReaches(sender: string, to: string, unsupported: readonly string[]): boolean {
  return !isAlphanumericSenderId(sender) || alphanumericBarredBy(to, unsupported) === undefined;
}
