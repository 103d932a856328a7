/**
 * The languages Twilio's TwiML `<Say>` reads text in: its `language` attribute takes a language and
 * locale from this list (Twilio's <Say> reference and its Text-to-Speech languages); without the
 * attribute Twilio reads in English with a United States voice, `en-US`.
 */
export const SAY_LANGUAGES = [
  'ca-ES',
  'da-DK',
  'de-DE',
  'en-AU',
  'en-CA',
  'en-GB',
  'en-IN',
  'en-US',
  'es-ES',
  'es-MX',
  'fi-FI',
  'fr-CA',
  'fr-FR',
  'it-IT',
  'ja-JP',
  'ko-KR',
  'nb-NO',
  'nl-NL',
  'pl-PL',
  'pt-BR',
  'pt-PT',
  'ru-RU',
  'sv-SE',
  'zh-CN',
  'zh-HK',
  'zh-TW',
] as const;
export type SayLanguage = (typeof SAY_LANGUAGES)[number];

/** What Twilio reads a `<Say>` without a language in. */
export const SAY_DEFAULT_LANGUAGE = 'en-US';

/**
 * A language's `<Say>` locale where the message's locale names no region Twilio has (our templates'
 * locales are bare languages: `es`, `pt`): Spanish and Portuguese as most of our debtors who speak
 * them hear them (Latin America, Brazil), unless the number called says otherwise (below).
 */
const LANGUAGE_DEFAULTS: Readonly<Record<string, SayLanguage>> = {
  ca: 'ca-ES',
  da: 'da-DK',
  de: 'de-DE',
  en: 'en-US',
  es: 'es-MX',
  fi: 'fi-FI',
  fr: 'fr-FR',
  it: 'it-IT',
  ja: 'ja-JP',
  ko: 'ko-KR',
  nb: 'nb-NO',
  no: 'nb-NO',
  nl: 'nl-NL',
  pl: 'pl-PL',
  pt: 'pt-BR',
  ru: 'ru-RU',
  sv: 'sv-SE',
  zh: 'zh-CN',
};

/** The number called (E.164) is in a country that speaks the language as Twilio's other locale does. */
const BY_CALLING_CODE: Readonly<Record<string, readonly (readonly [string, SayLanguage])[]>> = {
  es: [['+34', 'es-ES']],
  pt: [['+351', 'pt-PT']],
};

/**
 * The `<Say>` language to read a message written in `locale` (BCP 47: `es`, `pt-BR`, `fr-BE`) to
 * the number `to`: the locale itself where Twilio has it; else the language as spoken in the called
 * number's country where Twilio tells them apart (`es` to +34: `es-ES`; `pt` to +351: `pt-PT`); else
 * the language's default (`es-MX`, `pt-BR`, `fr-FR`, `en-US`…). Undefined when Twilio reads no such
 * language: the call is read in Twilio's default, `en-US`.
 */
export function sayLanguage(locale: string, to: string): SayLanguage | undefined {
  const [first = '', ...rest] = locale.trim().split(/[-_]/);
  const language = first.toLowerCase();
  const region = rest.find((s) => /^[A-Za-z]{2}$/.test(s))?.toUpperCase();
  const exact = `${language}-${region}`;
  if (region && (SAY_LANGUAGES as readonly string[]).includes(exact)) return exact as SayLanguage;
  const byCountry = BY_CALLING_CODE[language]?.find(([code]) => to.startsWith(code));
  return byCountry?.[1] ?? LANGUAGE_DEFAULTS[language];
}

/** The `<Say>` language as Twilio spells it (`es-mx` → `es-MX`), or undefined when Twilio has none such. */
export function sayLanguageNamed(name: string): SayLanguage | undefined {
  const [language = '', region = ''] = name.trim().split('-');
  const spelt = `${language.toLowerCase()}-${region.toUpperCase()}`;
  return (SAY_LANGUAGES as readonly string[]).includes(spelt) ? (spelt as SayLanguage) : undefined;
}

/**
 * Why `voice` cannot read `<Say>` in `language`, or undefined when it can as far as we can tell: an
 * Amazon Polly voice (`Polly.Mia`, `Polly.Camila-Neural`, `-Generative`, `-LongForm`) or a Google
 * one, whose name starts with its locale (`Google.es-MX-Standard-A`, which must be `language`'s).
 * Twilio refuses a voice and language that do not go together, failing the `<Say>`.
 */
export function sayVoiceProblem(language: SayLanguage, voice: string): string | undefined {
  if (/^Polly\.[A-Z][A-Za-z]*(-(Neural|Generative|LongForm))?$/.test(voice)) return undefined;
  const google = /^Google\.([a-z]{2,3}-[A-Z]{2})-[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/.exec(voice);
  if (google) return google[1] === language ? undefined : `${voice} speaks ${google[1]}, not ${language}`;
  return `${JSON.stringify(voice)} is not a Twilio voice (Polly.<Name>[-Neural|-Generative|-LongForm] or Google.<locale>-<name>)`;
}
