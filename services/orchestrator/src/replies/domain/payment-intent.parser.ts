import { isCurrencyCode, minorUnitDigits } from '@collections/platform';
import { Ymd, addDays, daysInMonth, formatYmd, isValidYmd, parseYmd, weekdayOf } from './calendar';

/** The languages intents to pay are read in (`parsePaymentIntent`). */
export const INTENT_LANGUAGES = ['es', 'pt', 'en'] as const;
export type IntentLanguage = (typeof INTENT_LANGUAGES)[number];
/**
 * The languages a reply is read in — those we write to debtors in (the template catalogue's
 * locales): disputes and opt-out words in each, intents to pay only in `INTENT_LANGUAGES`; a reply's
 * review task is queued in its language.
 */
export const REPLY_LANGUAGES = [...INTENT_LANGUAGES, 'fr', 'de', 'it', 'nl', 'pl'] as const;
export type ReplyLanguage = (typeof REPLY_LANGUAGES)[number];

/** An intent to pay read from a debtor's reply: at least one of amount and date. */
export interface PaymentIntent {
  language: IntentLanguage;
  amount?: { amountMinor: number; currency: string };
  /** YYYY-MM-DD, the debtor's local calendar. */
  date?: string;
}

export interface ReplyContext {
  /** The debtor's local calendar date when the reply arrived (YYYY-MM-DD). */
  today: string;
  /** The currency a bare amount or "$" / "pesos" means (the debtor's country's). */
  currency: string;
}

/** Lower case, accents off, non-breaking spaces as spaces: "Mañana" and "manana" read alike. */
export function normalizeReply(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/[’`]/g, "'")
    .toLowerCase();
}

// ---------------------------------------------------------------- intent

const INTENT: Record<IntentLanguage, RegExp> = {
  es: /\b(pago|pagare|pagaria|pagamos|voy a pagar|vamos a pagar|puedo pagar|podria pagar|te pago|le pago|les pago|hago el pago|hare el pago|realizo el pago|realizare el pago|abono|abonare|deposito|depositare|transfiero|transferire)\b/,
  pt: /\b(vou pagar|vamos pagar|posso pagar|consigo pagar|pago|pagarei|pagaria|faco o pagamento|farei o pagamento|vou fazer o pagamento|vou depositar|deposito|depositarei|transfiro|vou transferir)\b/,
  en: /\b(i will pay|i'll pay|ill pay|i can pay|i could pay|i am going to pay|i'm going to pay|im going to pay|gonna pay|will pay|we will pay|we'll pay|i will send|i'll send|i will make (a|the) payment|i'll make (a|the) payment|i can make (a|the) payment|i will transfer|i'll transfer)\b/,
};

/** "No puedo pagar", "não vou pagar", "I can't pay": not an intent to pay. */
const NEGATION =
  /\b(no (te |le |les |lo )?(puedo|podre|podria|voy|vamos|pagare|pago|tengo)|nao (vou|posso|consigo|pago|pagarei|tenho|vamos)|nem (vou|posso)|(can't|cannot|can not|won't|will not|wont|don't|dont|not able to|unable to|never)( be able to)? (pay|make|send))\b/;

const LANGUAGE_CUES: Record<ReplyLanguage, RegExp> = {
  es: /\b(el|la|los|las|de|en|que|por|me|mi|no|yo|ya|es|lo|voy|puedo|manana|hoy|pesos|dia|dias|lunes|martes|miercoles|jueves|viernes|semana|proximo|proxima|fin|mes|gracias|te|le|dolares|soles|cuanto|debo|quien|porque|entiendo|deuda|cuenta|pagar)\b/g,
  pt: /(?<![a-z])(vou|posso|consigo|amanha|hoje|reais|dia|dias|no|na|em|eu|que|por|me|nao|depois|agora|ainda|segunda|terca|quarta|quinta|sexta|feira|do|da|semana|proximo|proxima|fim|mes|obrigad[oa]|voce|isso|essa|esse|divida|conta|quem|reconheco|tenho|paguei|quitei|quitada|ontem|fiz|pix|r\$)(?![a-z])/g,
  en: /\b(i|i'll|i'm|will|pay|the|on|today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|next|dollars|bucks|thanks|can|of|end|month|please|stop|me|not|am|is|this|who|you|paid|payment|already)\b/g,
  // The five below: words of each language that none of the others (nor es/pt/en) uses, so an
  // es/pt/en reply still reads as before (a tie goes to the language listed first).
  fr: /\b(je|j'ai|ne|pas|vous|est|c'est|n'est|cette|ce|cet|dette|dois|rien|paierai|payer|demain|aujourd'hui|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|merci|bonjour|avec|pour|mon|suis|mois|semaine|prochaine|reconnais|conteste|arnaque|moi|qui|sur|arret|arreter|paye|payee|virement|paiement)\b/g,
  de: /\b(ich|nicht|nichts|und|ist|die|der|sie|ihnen|bitte|danke|heute|zahle|zahlen|werde|schulde|schulden|schuld|forderung|rechnung|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|woche|monat|mein|meine|habe|kein|keine|betrug|widerspreche|guten|geld|wer|warum|stopp|abmelden)\b/g,
  it: /\b(non|sono|il|della|che|ho|questo|questa|domani|oggi|lunedi|martedi|mercoledi|giovedi|venerdi|domenica|settimana|prossima|prossimo|mese|grazie|buongiorno|ciao|niente|nulla|riconosco|truffa|soldi|voglio|perche|anche|chi|pagato)\b/g,
  nl: /\b(ik|het|een|niet|niets|niks|dat|dit|deze|ben|u|jullie|mijn|betaal|betalen|vandaag|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|volgende|maand|bedankt|alstublieft|graag|wil|geen|ook|wat|waarom|van|op|voor|betwist|oplichting|erken|verschuldigd|afmelden)\b/g,
  pl: /\b(nie|jest|nic|jestem|winien|winna|mam|moj|moja|prosze|dziekuje|dzien|dobry|jutro|dzisiaj|dzis|poniedzialek|wtorek|sroda|czwartek|piatek|sobota|niedziela|tydzien|miesiac|zap[lł]ace|zap[lł]acic|d[lł]ug|czy|ale|juz|pan|pani|uznaje|kwestionuje|oszustwo|pisac|wypisz)\b/g,
};

function mostLikely<L extends ReplyLanguage>(text: string, languages: readonly L[]): L {
  // "ł" is no letter to `\b` or `[a-z]`: "zapłaciłem" would end in the cues "em" (pt), "wpłaciłam" in "am" (en).
  const t = normalizeReply(text).replace(/ł/g, 'l');
  const isIntent = (l: ReplyLanguage): l is IntentLanguage => (INTENT_LANGUAGES as readonly string[]).includes(l);
  const score = (l: L) => (t.match(LANGUAGE_CUES[l])?.length ?? 0) + (isIntent(l) && INTENT[l].test(t) ? 2 : 0);
  const scores = languages.map((l) => [l, score(l)] as const);
  return scores.reduce((best, s) => (s[1] > best[1] ? s : best))[0];
}

/** The language a reply is most likely written in, of `REPLY_LANGUAGES` (Spanish when nothing tells). */
export function replyLanguage(text: string): ReplyLanguage {
  return mostLikely(text, REPLY_LANGUAGES);
}

/**
 * Reads an intent to pay from a debtor's reply in Spanish, Portuguese or English: a verb of paying
 * (not negated) and an amount and/or a date, dates relative to the debtor's local `today`.
 * Anything else answers undefined (an agent reads it) — so does a reply naming a date that does not
 * exist ("el 30 de febrero", "31/04") or has passed ("15/03/2026" in 2027).
 */
export function parsePaymentIntent(text: string, ctx: ReplyContext): PaymentIntent | undefined {
  const t = normalizeReply(text);
  if (NEGATION.test(t)) return undefined;
  if (!INTENT_LANGUAGES.some((l) => INTENT[l].test(t))) return undefined;
  // The parser reads es/pt/en only: a date's order (day or month first) is one of theirs.
  const language = mostLikely(text, INTENT_LANGUAGES);
  const found = findDate(t, ctx.today, language);
  if (found === NO_SUCH_DATE) return undefined;
  const rest = found ? t.slice(0, found.start) + ' '.repeat(found.end - found.start) + t.slice(found.end) : t;
  const amount = findAmount(rest, ctx.currency);
  if (!amount && !found) return undefined;
  return { language, ...(amount ? { amount } : {}), ...(found ? { date: found.date } : {}) };
}

// ---------------------------------------------------------------- amounts

const PREFIX = String.raw`(r\$|us\$|s\/\.?|\$|€|usd|cop|mxn|brl|clp|pen|eur)?\s*`;
const NUMBER = String.raw`(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?![\d])`;
const SCALE = String.raw`(?:\s*(k|mil)\b)?`;
const SUFFIX = String.raw`(?:\s*(reais|real|pesos|peso|dolares|dolar|dollars|dollar|bucks|soles|sol|euros|usd|cop|mxn|brl|clp|pen|eur|lucas)\b)?`;
const AMOUNT = new RegExp(String.raw`(?<![\d.,])` + PREFIX + NUMBER + SCALE + SUFFIX, 'g');
/** A bare number that is a time of day, not money: "a las 3", "at 5pm", "15h". */
const TIME_AFTER = /^\s*((pm|am|h|hs|hrs|horas|hours)\b|p\.m\.|a\.m\.|:\d\d)/;
const TIME_BEFORE = /\b(las|as|at|around|by)\s*$/;

const CURRENCY_WORDS: Record<string, string | undefined> = {
  r$: 'BRL',
  reais: 'BRL',
  real: 'BRL',
  us$: 'USD',
  dolares: 'USD',
  dolar: 'USD',
  dollars: 'USD',
  dollar: 'USD',
  bucks: 'USD',
  's/': 'PEN',
  's/.': 'PEN',
  soles: 'PEN',
  sol: 'PEN',
  '€': 'EUR',
  euros: 'EUR',
};

function currencyOf(marker: string | undefined, fallback: string): string {
  if (!marker) return fallback;
  const named = CURRENCY_WORDS[marker];
  if (named) return named;
  const code = marker.toUpperCase();
  return isCurrencyCode(code) ? code : fallback; // "$", "pesos", "lucas": the debtor's own currency
}

/**
 * "1.500,50", "1,500.50", "500", "12,5": the last separator followed by one or two digits is the
 * decimal point; any other separator groups thousands. Answers a plain decimal ("1500.50").
 */
export function normalizeAmountNumber(number: string): string {
  const decimal = /[.,](\d{1,2})$/.exec(number);
  const whole = (decimal ? number.slice(0, decimal.index) : number).replace(/[.,]/g, '');
  return decimal ? `${whole}.${decimal[1]}` : whole;
}

function toMinor(decimal: string, currency: string, scale: number): number | undefined {
  const digits = minorUnitDigits(currency);
  const [whole, fraction = ''] = decimal.split('.');
  // "1.5k" scales the fraction too; otherwise excess decimals for the currency are not an amount.
  const scaledDigits = scale === 1 ? 0 : 3;
  if (fraction.length > digits + scaledDigits) return undefined;
  const minor =
    (BigInt(whole + fraction.padEnd(digits + scaledDigits, '0')) * BigInt(scale)) / 10n ** BigInt(scaledDigits);
  if (minor <= 0n || minor > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(minor);
}

/**
 * The amount a reply names: the first one with a currency mark, else the first bare number that
 * is not a time of day. Exported for the property tests.
 */
export function findAmount(normalized: string, fallbackCurrency: string): PaymentIntent['amount'] {
  let bare: PaymentIntent['amount'];
  for (const m of normalized.matchAll(AMOUNT)) {
    const [all, prefix, number, scaleWord, suffix] = m;
    const end = (m.index ?? 0) + all.length;
    const marked = Boolean(prefix || suffix);
    if (!marked && (TIME_AFTER.test(normalized.slice(end)) || TIME_BEFORE.test(normalized.slice(0, m.index)))) continue;
    const currency = currencyOf(prefix?.trim() || suffix, fallbackCurrency);
    const scale = scaleWord ? 1000 : 1;
    const amountMinor = toMinor(normalizeAmountNumber(number), currency, scale);
    if (amountMinor === undefined) continue;
    if (marked) return { amountMinor, currency };
    bare ??= { amountMinor, currency };
  }
  return bare;
}

// ---------------------------------------------------------------- dates

const MONTHS: Record<string, number> = {
  enero: 1, febrero: 2, marzo: 3, abril: 4, mayo: 5, junio: 6, julio: 7, agosto: 8, septiembre: 9, setiembre: 9,
  octubre: 10, noviembre: 11, diciembre: 12,
  janeiro: 1, fevereiro: 2, marco: 3, maio: 5, junho: 6, julho: 7, setembro: 9, outubro: 10, novembro: 11,
  dezembro: 12,
  january: 1, february: 2, march: 3, april: 4, may: 5, june: 6, july: 7, august: 8, september: 9, october: 10,
  november: 11, december: 12,
}; // prettier-ignore
const MONTH = `(${Object.keys(MONTHS).join('|')})`;

const WEEKDAYS: Record<string, number> = {
  domingo: 0, lunes: 1, martes: 2, miercoles: 3, jueves: 4, viernes: 5, sabado: 6,
  segunda: 1, terca: 2, quarta: 3, quinta: 4, sexta: 5,
  sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6,
}; // prettier-ignore
const WEEKDAY = `(${Object.keys(WEEKDAYS).join('|')})(?:-feira| feira)?`;

interface FoundDate {
  date: string;
  start: number;
  end: number;
}

/**
 * The reply names a date that does not exist (30 February, 31 April, 29 February of a common year)
 * or one that has passed (with its year): not an intent to read, an agent reads it. Neither rolled
 * over to another day nor read again by a later rule ("el 30/02" is not "el 30").
 */
export const NO_SUCH_DATE = 'no-such-date';

/** A date (YYYY-MM-DD); NO_SUCH_DATE; or undefined when the match is not a date at all ("el 50 mil"). */
type DateRead = string | typeof NO_SUCH_DATE | undefined;

type DateRule = (m: RegExpExecArray, today: string, language: IntentLanguage) => DateRead;

/**
 * The first date on or after today whose day of the month is `day`: a month without that day is
 * skipped, never clamped ("el 30" on 28 February is 30 March, "el 31" on 1 April is 31 May).
 */
function nextDayOfMonth(today: string, day: number): DateRead {
  if (day < 1 || day > 31) return undefined;
  const t = parseYmd(today);
  let { year, month } = t;
  const nextMonth = () => ([year, month] = month === 12 ? [year + 1, 1] : [year, month + 1]);
  if (day < t.day) nextMonth();
  // At most two steps: a day 29-31 is missing from no two months in a row.
  while (day > daysInMonth(year, month)) nextMonth();
  return formatYmd({ year, month, day });
}

/**
 * The date on or after today with this month and day: this year's, or next year's when this year's
 * has passed — and NO_SUCH_DATE when that year has no such day (29 February in a common year) or
 * when the year given has passed.
 */
function nextMonthDay(today: string, month: number, day: number, year?: number): DateRead {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined; // "13/13", "50 de marzo": no date
  const t = parseYmd(today);
  const passed = month < t.month || (month === t.month && day < t.day);
  const d: Ymd = { year: year === undefined ? t.year + (passed ? 1 : 0) : year < 100 ? 2000 + year : year, month, day };
  if (!isValidYmd(d)) return NO_SUCH_DATE;
  const date = formatYmd(d);
  return date >= today ? date : NO_SUCH_DATE;
}

/** The next such weekday strictly after today ("el viernes" said on a Friday is a week later). */
function nextWeekday(today: string, weekday: number): string {
  const ahead = (weekday - weekdayOf(today) + 7) % 7 || 7;
  return addDays(today, ahead);
}

const DATE_RULES: [RegExp, DateRule][] = [
  [/\b(pasado manana|depois de amanha|day after tomorrow)\b/, (_, today) => addDays(today, 2)],
  // "mañana" after "la"/"en la"/"por la" is the morning, not tomorrow.
  [/(?<!\b(la|de|esta|pela|da) )\b(manana|amanha|tomorrow|tmrw)\b/, (_, today) => addDays(today, 1)],
  [/\b(hoy|hoje|today|tonight)\b/, (_, today) => today],
  [/\b(?:en|em|in|dentro de)\s+(\d{1,2})\s+(?:dias|days)\b/, (m, today) => addDays(today, Number(m[1]))],
  [
    /\b(fin de mes|fin del mes|final de mes|final del mes|fim do mes|fim de mes|final do mes|end of (the )?month)\b/,
    (_, today) => {
      const t = parseYmd(today);
      return formatYmd({ ...t, day: daysInMonth(t.year, t.month) });
    },
  ],
  [
    /\b(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}|\d{2}))?\b/,
    (m, today, language) => {
      const [a, b] = [Number(m[1]), Number(m[2])];
      const [month, day] = language === 'en' ? [a, b] : [b, a];
      return nextMonthDay(today, month, day, m[3] ? Number(m[3]) : undefined);
    },
  ],
  [
    new RegExp(String.raw`\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:de\s+|of\s+)?${MONTH}(?:\s+(?:de\s+)?(\d{4}))?\b`),
    (m, today) => nextMonthDay(today, MONTHS[m[2]], Number(m[1]), m[3] ? Number(m[3]) : undefined),
  ],
  [
    new RegExp(String.raw`\b${MONTH}\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?`),
    (m, today) => nextMonthDay(today, MONTHS[m[1]], Number(m[2]), m[3] ? Number(m[3]) : undefined),
  ],
  [
    /\b(?:el\s+(?:dia\s+)?|(?:no\s+)?dia\s+|on\s+the\s+|the\s+)(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:%|de\s+\w+|dias|days))/,
    (m, today) => nextDayOfMonth(today, Number(m[1])),
  ],
  [/\b(\d{1,2})(?:st|nd|rd|th)\b/, (m, today) => nextDayOfMonth(today, Number(m[1]))],
  [new RegExp(String.raw`\b${WEEKDAY}\b`), (m, today) => nextWeekday(today, WEEKDAYS[m[1]])],
];

/**
 * The first date rule (most specific first) that reads a date in the reply, or NO_SUCH_DATE when
 * the first date-shaped text names a day that does not exist or has passed.
 */
export function findDate(
  normalized: string,
  today: string,
  language: IntentLanguage,
): FoundDate | typeof NO_SUCH_DATE | undefined {
  for (const [pattern, rule] of DATE_RULES) {
    const m = pattern.exec(normalized);
    if (!m) continue;
    const date = rule(m, today, language);
    if (date === NO_SUCH_DATE) return NO_SUCH_DATE;
    if (date) return { date, start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}
