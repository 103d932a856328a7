import fc from 'fast-check';
import {
  OPT_OUT_PAGES,
  OPT_OUT_PAGE_TEXTS,
  SMS_OPT_OUT_PAGE_TEXTS,
  localeOfAcceptLanguage,
  renderOptOutPage,
} from '../../src/channels/opt-out-link.pages';
import { LOCALES } from '../../src/templates/domain';

describe('the opt-out link’s pages, in the e-mails’ locales', () => {
  it('has every page’s texts in every locale the e-mails are written in, and no locale beyond them', () => {
    expect(Object.keys(OPT_OUT_PAGE_TEXTS).sort()).toEqual([...LOCALES].sort());
    fc.assert(
      fc.property(fc.constantFrom(...LOCALES), fc.constantFrom(...OPT_OUT_PAGES), (locale, page) => {
        const texts = OPT_OUT_PAGE_TEXTS[locale][page] as unknown as Record<string, unknown>;
        const english = OPT_OUT_PAGE_TEXTS.en[page] as unknown as Record<string, unknown>;
        expect(Object.keys(texts).sort()).toEqual(Object.keys(english).sort());
        for (const text of Object.values(texts)) expect(String(text).trim()).not.toBe('');
        const html = renderOptOutPage(page, locale, 'an-error-id');
        expect(html).toContain(`<html lang="${locale}">`);
        expect(html).toContain(`<h1>${OPT_OUT_PAGE_TEXTS[locale][page].title}</h1>`);
      }),
    );
  });

  it('speaks each locale in its own words: no page of another locale reads as the English one', () => {
    for (const locale of LOCALES.filter((l) => l !== 'en'))
      for (const page of OPT_OUT_PAGES)
        expect(OPT_OUT_PAGE_TEXTS[locale][page].title).not.toBe(OPT_OUT_PAGE_TEXTS.en[page].title);
  });

  it('speaks of text messages to a number on an SMS’s link, in every locale', () => {
    expect(Object.keys(SMS_OPT_OUT_PAGE_TEXTS).sort()).toEqual([...LOCALES].sort());
    for (const locale of LOCALES)
      for (const page of ['confirm', 'done'] as const) {
        const sms = renderOptOutPage(page, locale, undefined, 'sms');
        expect(sms).toContain(`<h1>${SMS_OPT_OUT_PAGE_TEXTS[locale][page].title}</h1>`);
        expect(sms).not.toContain(OPT_OUT_PAGE_TEXTS[locale][page].title);
        expect(sms).not.toMatch(/e-?mail|correo/i);
      }
    expect(renderOptOutPage('confirm', 'en', undefined, 'sms')).toContain(
      '<form method="post"><button type="submit">Stop receiving these text messages</button></form>',
    );
    expect(renderOptOutPage('invalid', 'en', undefined, 'sms')).toBe(renderOptOutPage('invalid', 'en'));
  });

  it('shows the confirmation’s one button, and the error’s id HTML-escaped', () => {
    expect(renderOptOutPage('confirm', 'es', undefined)).toContain(
      '<form method="post"><button type="submit">Dejar de recibir estos correos</button></form>',
    );
    expect(renderOptOutPage('done', 'es')).not.toContain('<form');
    expect(renderOptOutPage('error', 'fr', '<x>&"')).toContain('<p>Référence: &lt;x&gt;&amp;&quot;</p>');
  });

  it.each([
    ['pt-BR', 'pt'],
    ['pt-BR,pt;q=0.9,en;q=0.8', 'pt'],
    ['sv-SE, de;q=0.7, en;q=0.5', 'de'],
    ['en;q=0.4, fr-CA;q=0.8', 'fr'],
    ['ES-co', 'es'],
    ['pl;q=0, nl', 'nl'],
    ['sv, fi', undefined],
    ['*', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reads Accept-Language %p as %p', (header, locale) => {
    expect(localeOfAcceptLanguage(header)).toBe(locale);
  });
});
