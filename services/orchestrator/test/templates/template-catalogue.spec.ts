import { DEFAULT_TEMPLATES, LOCALES, templateThreatensLegalAction } from '../../src/templates/domain';

/**
 * Words by which a message says legal action may follow, in the catalogue's locales: a suit, a
 * court, a lawyer, a referral for legal, judicial or "jurídico" collection.
 */
const LEGAL_ACTION =
  /\b(legal(?!Name)|judicial|jur[ií]dic[oa]|judicia[il]|lawsuit|sued?|court|tribunal|juicio|demanda|processo|attorney|abogad[oa]|advogad[oa])\b/i;

/** Every text of the template, in every locale: subject and body. */
const textsOf = (templateId: string) =>
  LOCALES.flatMap((l) => [DEFAULT_TEMPLATES[templateId][l].subject ?? '', DEFAULT_TEMPLATES[templateId][l].body]);

describe('the template catalogue’s threatensLegalAction', () => {
  it.each(Object.keys(DEFAULT_TEMPLATES))(
    '%s is flagged exactly when its text, in some locale, says legal action may follow',
    (templateId) => {
      const says = textsOf(templateId).some((text) => LEGAL_ACTION.test(text));
      expect(templateThreatensLegalAction(templateId)).toBe(says);
    },
  );

  it('flags the final notice, which says the account may go to legal collection', () => {
    expect(textsOf('final-notice').filter((t) => LEGAL_ACTION.test(t))).toEqual([
      expect.stringContaining('podrá pasar a cobro jurídico'),
      expect.stringContaining('poderá ser encaminhada à cobrança judicial'),
      expect.stringContaining('may be referred for legal collection'),
    ]);
    expect(templateThreatensLegalAction('final-notice')).toBe(true);
  });

  it('flags no template it does not have', () => {
    expect(templateThreatensLegalAction('no-such-template')).toBe(false);
    expect(templateThreatensLegalAction('constructor')).toBe(false);
  });
});
