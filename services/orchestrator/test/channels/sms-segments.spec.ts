import fc from 'fast-check';
import { smsSegments } from '../../src/channels/domain';

/** The GSM 7-bit default alphabet (3GPP TS 23.038), escape left out: 127 characters of one septet. */
const GSM7_DEFAULT = [
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?',
  ...'¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
];
const GSM7_EXTENSION = [...'\f^{}\\[~]|€'];
/** Characters outside GSM-7 that collections texts in Spanish and Portuguese carry. */
const NOT_GSM7 = [...'áíóúãõêçâôÁÍÓÚÃÕÊ', '😀', '中', '’', '“'];

const gsmChar = fc.constantFrom(...GSM7_DEFAULT);
const anyGsmChar = fc.constantFrom(...GSM7_DEFAULT, ...GSM7_EXTENSION);
const nonGsmChar = fc.constantFrom(...NOT_GSM7);
const anyText = fc
  .array(fc.oneof(anyGsmChar, nonGsmChar, fc.string({ unit: 'grapheme', maxLength: 2 })), { maxLength: 400 })
  .map((cs) => cs.join(''));

describe(smsSegments.name, () => {
  it('takes the GSM 7-bit default alphabet, 127 characters, one septet each', () => {
    expect(new Set(GSM7_DEFAULT).size).toBe(127);
    expect(smsSegments(GSM7_DEFAULT.join(''))).toEqual({ encoding: 'gsm7', units: 127, segments: 1 });
  });

  it('counts an extension character (€ [ ] { } ^ ~ \\ |) as two septets', () => {
    expect(smsSegments('Debe 120€ [ref]')).toEqual({ encoding: 'gsm7', units: 18, segments: 1 });
    expect(smsSegments('€'.repeat(80))).toMatchObject({ units: 160, segments: 1 });
    expect(smsSegments('€'.repeat(81))).toMatchObject({ units: 162, segments: 2 });
  });

  it('keeps é ñ ü Ñ Ü à è ì ò ù Ç in GSM-7, and goes UCS-2 for á í ó ú ã õ ê ç', () => {
    expect(smsSegments('Señor Muñoz, pagüe a través de la web. Ç')).toMatchObject({ encoding: 'gsm7' });
    for (const c of ['á', 'í', 'ó', 'ú', 'ã', 'õ', 'ê', 'ç'])
      expect(smsSegments(`Olá ${c}`)).toMatchObject({ encoding: 'ucs2' });
  });

  it('sends 160 septets in one segment and 161 in two parts of 153', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'gsm7', units: 161, segments: 2 });
    expect(smsSegments('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(smsSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
  });

  it('sends 70 UCS-2 units in one segment and 71 in two parts of 67', () => {
    expect(smsSegments('á'.repeat(70))).toEqual({ encoding: 'ucs2', units: 70, segments: 1 });
    expect(smsSegments('á'.repeat(71))).toEqual({ encoding: 'ucs2', units: 71, segments: 2 });
    expect(smsSegments('á'.repeat(134))).toMatchObject({ segments: 2 });
    expect(smsSegments('á'.repeat(135))).toMatchObject({ segments: 3 });
  });

  it('counts a character outside the BMP (an emoji) as two UCS-2 units, never split across parts', () => {
    expect(smsSegments('😀'.repeat(35))).toEqual({ encoding: 'ucs2', units: 70, segments: 1 });
    // 66 units, then a pair that would straddle the 67th: it opens the second part.
    expect(smsSegments('á'.repeat(66) + '😀' + 'á'.repeat(66))).toEqual({ encoding: 'ucs2', units: 134, segments: 3 });
  });

  it('never splits an extension character across parts: a part then holds 152 septets', () => {
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
    expect(smsSegments(text)).toEqual({ encoding: 'gsm7', units: 306, segments: 3 });
  });

  it('costs a collections SMS with its opt-out link five segments in Portuguese, two in Spanish without accents', () => {
    const link =
      'https://collect.example.com/opt-out/sms/eyJ0IjoidGVuYW50LWEiLCJjIjoic21zIiwiYSI6IjE3NjM5MDAwMTg0MDAifQ.c2lnbmF0dXJlLW9mLXRoZS1saW5rLWl0LWlzLXNpZ25lZC13aXRo';
    const pt = `Olá Ana, sua fatura de R$ 120,00 está vencida. Pague em https://pay.example.com/p/abc123. Para não receber mais mensagens: ${link}`;
    expect(smsSegments(pt)).toMatchObject({ encoding: 'ucs2', segments: 5 });
    const es = `Hola Ana, su factura de 120,00 EUR esta vencida. Pague en https://pay.example.com/p/abc123. Baja: ${link}`;
    expect(smsSegments(es)).toMatchObject({ encoding: 'gsm7', segments: 2 });
  });

  it('costs at least one segment, an empty body too', () => {
    expect(smsSegments('')).toEqual({ encoding: 'gsm7', units: 0, segments: 1 });
    fc.assert(fc.property(anyText, (text) => smsSegments(text).segments >= 1));
  });

  it('takes ceil(n / 153) segments for a GSM-7 text of n > 160 septets of the default alphabet', () => {
    fc.assert(
      fc.property(fc.array(gsmChar, { minLength: 161, maxLength: 2000 }), (chars) => {
        const got = smsSegments(chars.join(''));
        expect(got).toEqual({ encoding: 'gsm7', units: chars.length, segments: Math.ceil(chars.length / 153) });
      }),
    );
  });

  it('takes between ceil(n / 153) and ceil(n / 152) segments for a GSM-7 text of n > 160 septets with extension characters', () => {
    fc.assert(
      fc.property(fc.array(anyGsmChar, { minLength: 161, maxLength: 800 }), (chars) => {
        const { units, segments } = smsSegments(chars.join(''));
        expect(segments).toBeGreaterThanOrEqual(Math.ceil(units / 153));
        expect(segments).toBeLessThanOrEqual(Math.ceil(units / 152));
      }),
    );
  });

  it('never costs less for a non-GSM character added anywhere', () => {
    fc.assert(
      fc.property(anyText, nonGsmChar, fc.nat(), (text, extra, at) => {
        const chars = [...text];
        const i = at % (chars.length + 1);
        const longer = [...chars.slice(0, i), extra, ...chars.slice(i)].join('');
        expect(smsSegments(longer).segments).toBeGreaterThanOrEqual(smsSegments(text).segments);
        expect(smsSegments(longer).encoding).toBe('ucs2');
      }),
    );
  });

  it('never costs less for a longer text of the same characters and more', () => {
    fc.assert(
      fc.property(anyText, anyText, (text, more) => {
        expect(smsSegments(text + more).segments).toBeGreaterThanOrEqual(smsSegments(text).segments);
      }),
    );
  });
});
