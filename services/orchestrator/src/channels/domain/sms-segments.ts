/**
 * How an SMS body is encoded on the air: GSM-7 (3GPP TS 23.038's default alphabet and its
 * extension table) while every character is in them, else UCS-2 (UTF-16 code units).
 */
export type SmsEncoding = 'gsm7' | 'ucs2';

/** What an SMS body costs: its encoding, its length in that encoding's units, and its segments. */
export interface SmsSegments {
  encoding: SmsEncoding;
  /** Septets (GSM-7: an extension character takes two) or UTF-16 code units (UCS-2). */
  units: number;
  /** Message segments, the unit Twilio meters throughput (and prices) in; at least 1. */
  segments: number;
}

/** 3GPP TS 23.038 §6.2.1, the GSM 7-bit default alphabet, in table order (0x1B, the escape, left out). */
const GSM7_DEFAULT =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** §6.2.1.1, the default alphabet extension table: each is the escape and a septet, two in all. */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const DEFAULT_SET = new Set(GSM7_DEFAULT);
const EXTENSION_SET = new Set(GSM7_EXTENSION);

/**
 * Per encoding: the units one segment holds alone, and each part holds when the message is split
 * (the concatenation header, UDH, takes 6 bytes: 7 septets, 3 UCS-2 units).
 */
const SIZES: Readonly<Record<SmsEncoding, { single: number; part: number }>> = {
  gsm7: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
};

/** The GSM-7 septets `char` (one code point) takes: 1, 2 (extension table), or undefined (not in GSM-7). */
function septets(char: string): 1 | 2 | undefined {
  if (DEFAULT_SET.has(char)) return 1;
  if (EXTENSION_SET.has(char)) return 2;
  return undefined;
}

/**
 * The segments `body` is sent in. GSM-7 when every character is in the default alphabet or its
 * extension table (`€ [ ] { } ^ ~ \ |` and form feed take two septets), else UCS-2, where a
 * character outside the Basic Multilingual Plane (an emoji) is a surrogate pair of two units. Up to
 * 160 septets / 70 units is one segment; longer, parts of 153 / 67. A character is never split
 * across two parts — an extension character's escape and septet, a surrogate pair's two halves go
 * in the same part, as phones and Twilio pack them — so a part may hold one unit less (and a message
 * take one part more than ceil(units / 153)). An empty body still costs a segment.
 */
export function smsSegments(body: string): SmsSegments {
  const chars = [...body];
  const gsm = chars.map(septets);
  const encoding: SmsEncoding = gsm.every((s) => s !== undefined) ? 'gsm7' : 'ucs2';
  const widths = encoding === 'gsm7' ? (gsm as number[]) : chars.map((c) => ((c.codePointAt(0) ?? 0) > 0xffff ? 2 : 1));
  const units = widths.reduce((a, w) => a + w, 0);
  const { single, part } = SIZES[encoding];
  if (units <= single) return { encoding, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const w of widths) {
    if (used + w > part) {
      segments += 1;
      used = 0;
    }
    used += w;
  }
  return { encoding, units, segments };
}
