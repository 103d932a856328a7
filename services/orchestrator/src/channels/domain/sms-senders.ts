import { isE164 } from './recipients';

/**
 * What an SMS sender is: an E.164 number (a long code or toll-free number), a short code (5 or 6
 * digits, one country's: `ShortCodeCountries`) or an alphanumeric sender id (`ACMEBANK`: 1 to 11 ASCII letters, digits or
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
 * Message segments per second per SMS sender (a message takes its `smsSegments` from its sender's
 * bucket), by kind, as Twilio documents them by default: a US long code
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
 * Short code → the calling code of the one country it serves (`TWILIO_SHORT_CODE_COUNTRIES`:
 * `55555=+1`): a short code is provisioned in one country, and is used for no other's numbers.
 */
export type ShortCodeCountries = Readonly<Record<string, string>>;

/** What decides which senders may send a message to a recipient. */
export interface SmsSenderRules {
  /** Calling codes an alphanumeric sender id is not used for (`ALPHANUMERIC_UNSUPPORTED_CODES` and the deployment's). */
  readonly alphanumericUnsupported: readonly string[];
  /** The country (calling code) each short code serves; a short code not named here is used for none. */
  readonly shortCodeCountries: ShortCodeCountries;
}

/**
 * Why a sender is not used for a message: `alphanumeric-unsupported` (an alphanumeric id, to a
 * calling code that takes none), `short-code-elsewhere` (a short code, to a number outside the
 * country it serves), `one-way` (an alphanumeric id, which takes no reply, for a message whose
 * opt-out notice asks for one and has no other form: `OutboundMessage.replyOptOut`).
 */
export type SmsSenderBar = 'alphanumeric-unsupported' | 'short-code-elsewhere' | 'one-way';

/**
 * Why `sender` may not send to the E.164 recipient `to`, or undefined when it may: a number always
 * (as far as we know), a short code only to its country's numbers, an alphanumeric id only outside
 * the unsupported calling codes and, for a message that needs a two-way sender (`twoWayOnly`), never.
 */
export function smsSenderBar(
  sender: string,
  to: string,
  rules: SmsSenderRules,
  twoWayOnly = false,
): SmsSenderBar | undefined {
  if (isAlphanumericSenderId(sender)) {
    if (alphanumericBarredBy(to, rules.alphanumericUnsupported) !== undefined) return 'alphanumeric-unsupported';
    return twoWayOnly ? 'one-way' : undefined;
  }
  if (isShortCode(sender)) {
    // Calling codes are a prefix code (ITU-T E.164): a number starts with exactly one.
    const country = rules.shortCodeCountries[sender];
    return country !== undefined && to.startsWith(country) ? undefined : 'short-code-elsewhere';
  }
  return undefined;
}
