import fc from 'fast-check';
import Handlebars from 'handlebars';
import { RULE_PACKS } from '../../src/policy/packs';
import {
  CREDITOR_LINES,
  DEFAULT_TEMPLATES,
  LOCALES,
  Locale,
  MessageVariables,
  localeFor,
  renderMessage,
  templateThreatensLegalAction,
} from '../../src/templates/domain';

/**
 * Words by which a message says legal action may follow, in the catalogue's locales: a suit, a
 * court, a lawyer or bailiff, a referral for legal, judicial or "jurídico" collection, a claim
 * enforced through the courts. Bounded by letters, not `\b`, which sees "ą" or "é" as a boundary.
 */
const LEGAL_ACTION = new RegExp(
  '(?<!\\p{L})(' +
    [
      // es, pt, en
      'legal(?!Name)|judicial|jur[ií]dic[oa]|judicia[il]|lawsuit|sued?|court|tribunal|juicio|demanda|processo',
      'attorney|abogad[oa]|advogad[oa]',
      // fr
      'judiciaires?|juridiques?|contentieux|poursuites?|avocat|huissier|commissaire de justice|tribunal',
      // de
      'gerichtlich\\p{L}*|gericht\\p{L}*|klage|verklag\\p{L}*|mahnbescheid|rechtsweg|rechtlich\\p{L}*|anwalt|rechtsanwalt',
      'vollstreckung\\p{L}*',
      // it
      'legale|legali|giudizia\\p{L}*|giudiziale|tribunale|avvocat[oi]|decreto ingiuntivo|ufficiale giudiziario',
      // nl
      'gerechtelijk\\p{L}*|juridisch\\p{L}*|rechtbank|rechter|advocaat|deurwaarder|dagvaard\\p{L}*',
      // pl
      'sąd\\p{L}*|prawn\\p{L}*|pozew|pozw\\p{L}*|komornik\\p{L}*|adwokat\\p{L}*|radc\\p{L}* prawn\\p{L}*',
    ].join('|') +
    ')(?!\\p{L})',
  'iu',
);

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
      expect.stringContaining('pourra être transmis pour un recouvrement judiciaire'),
      expect.stringContaining('kann die Forderung gerichtlich geltend gemacht werden'),
      expect.stringContaining('affidata al recupero giudiziale del credito'),
      expect.stringContaining('overgedragen voor gerechtelijke invordering'),
      expect.stringContaining('skierowana na drogę sądową'),
    ]);
    expect(templateThreatensLegalAction('final-notice')).toBe(true);
  });

  it('flags no template it does not have', () => {
    expect(templateThreatensLegalAction('no-such-template')).toBe(false);
    expect(templateThreatensLegalAction('constructor')).toBe(false);
  });
});

describe('the template catalogue’s locales', () => {
  /** The variables a text reads (`debtor.firstName`, `money account.balanceMinor…`'s arguments), and its block helpers. */
  const variablesOf = (text: string): string[] => {
    const found = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (!node || typeof node !== 'object') return;
      const n = node as { type?: string; original?: string; path?: { original?: string } };
      if (n.type === 'PathExpression' && n.original) found.add(n.original);
      if (n.type === 'BlockStatement' && n.path?.original) found.add(`#${n.path.original}`);
      Object.values(node).forEach(visit);
    };
    visit(Handlebars.parse(text));
    return [...found].sort();
  };

  it('has every template in every locale, and nothing else beside its flags', () => {
    for (const source of Object.values(DEFAULT_TEMPLATES))
      expect(
        Object.keys(source)
          .filter((k) => k !== 'threatensLegalAction')
          .sort(),
      ).toEqual([...LOCALES].sort());
    expect(Object.keys(CREDITOR_LINES).sort()).toEqual([...LOCALES].sort());
  });

  const texts = Object.keys(DEFAULT_TEMPLATES).flatMap((templateId) =>
    LOCALES.filter((l) => l !== 'en').map((locale) => [templateId, locale] as const),
  );

  it.each(texts)('%s in %s reads the same variables as the English text, in its subject and body', (id, locale) => {
    const [text, english] = [DEFAULT_TEMPLATES[id][locale], DEFAULT_TEMPLATES[id].en];
    expect(variablesOf(text.body)).toEqual(variablesOf(english.body));
    expect(variablesOf(text.subject ?? '')).toEqual(variablesOf(english.subject ?? ''));
  });

  it.each(LOCALES.filter((l) => l !== 'en'))('names the creditor in %s with the same variables as in English', (l) => {
    expect(variablesOf(CREDITOR_LINES[l].short)).toEqual(variablesOf(CREDITOR_LINES.en.short));
    expect(variablesOf(CREDITOR_LINES[l].document)).toEqual(variablesOf(CREDITOR_LINES.en.document));
  });

  /** A value no text could hold by chance, one per role: every name, reference and link in the message is one. */
  const token = (role: string) => fc.stringMatching(/^[a-z]{1,8}$/).map((s) => `Zq${role}${s}`);
  const messageVariables = fc
    .record({
      firstName: token('First'),
      lastName: token('Last'),
      reference: token('Reference'),
      url: token('Link'),
      creditor: token('Creditor'),
      collector: token('Collector'),
      taxId: token('Taxid'),
      address: token('Address'),
      phone: token('Phone'),
      withCollector: fc.boolean(),
      withInstalment: fc.boolean(),
      withReturnedPayment: fc.boolean(),
    })
    .map((v): MessageVariables => ({
      debtor: { firstName: v.firstName, fullName: `${v.firstName} ${v.lastName}`, timeZone: 'Europe/Paris' },
      account: { reference: v.reference, balanceMinor: 1_234_56, currency: 'EUR', dueDate: '2026-03-10' },
      paymentLink: { url: `https://pay.example/${v.url}`, expiresAt: new Date('2026-03-20T10:00:00Z') },
      ...(v.withInstalment ? { instalment: { amountMinor: 100_00, currency: 'EUR', dueDate: '2026-04-01' } } : {}),
      ...(v.withReturnedPayment ? { returnedPayment: { amountMinor: 250_00, currency: 'EUR' } } : {}),
      creditor: { name: v.creditor, taxIdKind: 'OTHER', taxId: v.taxId, address: v.address, phone: v.phone },
      ...(v.withCollector ? { collector: { name: v.collector, taxIdKind: 'OTHER', taxId: `${v.taxId}x` } } : {}),
      validationNotice: {
        itemizationDate: '2026-01-01',
        reference: 'last-statement',
        amountOnItemizationDateMinor: 1_000_00,
        interestMinor: 0,
        feesMinor: 0,
        paymentsMinor: 0,
        creditsMinor: 0,
        currentAmountMinor: 1_000_00,
        currency: 'EUR',
        periodEnd: '2026-04-10',
      },
    }));
  /** France's pack, asked to name the creditor (Brazil's rule, any tax id) as a tenant's override could. */
  const naming = {
    ...RULE_PACKS.FR,
    creditorIdentification: { ...RULE_PACKS.BR.creditorIdentification!, taxIdKinds: ['OTHER' as const] },
  };
  const tokensIn = (text: string | undefined) => new Set((text ?? '').match(/Zq[A-Z][a-z]+/g) ?? []);

  it('tells the debtor, in every locale and on every channel, each name, reference and link the English text tells', () => {
    fc.assert(
      fc.property(
        messageVariables,
        fc.constantFrom(...Object.keys(DEFAULT_TEMPLATES)),
        fc.constantFrom(...(['sms', 'email', 'letter', 'whatsapp'] as const)),
        (generated, templateId, channel) => {
          // A validation notice is a collector's: it always names one.
          const variables: MessageVariables =
            templateId === 'validation-notice' && !generated.collector
              ? { ...generated, collector: { name: 'ZqCollectorvn', taxIdKind: 'OTHER', taxId: 'ZqTaxidvn' } }
              : generated;
          const render = (locale: Locale) =>
            renderMessage({
              template: DEFAULT_TEMPLATES[templateId],
              locale,
              channel,
              pack: naming,
              variables,
              optOutUrl: 'https://pay.example/opt-out',
            });
          const english = render('en');
          for (const locale of LOCALES) {
            const rendered = render(locale);
            expect([locale, tokensIn(rendered.subject), tokensIn(rendered.body)]).toEqual([
              locale,
              tokensIn(english.subject),
              tokensIn(english.body),
            ]);
          }
        },
      ),
    );
  });
});

describe(localeFor.name, () => {
  it.each([
    ['fr-FR', 'FR', 'fr'],
    ['fr-BE', 'BE', 'fr'],
    ['de', 'AT', 'de'],
    ['it', 'IT', 'it'],
    ['nl', 'NL', 'nl'],
    ['pl-PL', 'PL', 'pl'],
    ['es', 'US', 'es'],
    ['', 'FR', 'fr'],
    ['', 'DE', 'de'],
    ['', 'PL', 'pl'],
    ['', 'BR', 'pt'],
    ['', 'CO', 'es'],
    ['sv', 'SE', 'en'],
    ['el', 'GR', 'en'],
  ] as const)('writes to a debtor speaking "%s" in %s in %s', (language, jurisdiction, locale) => {
    expect(localeFor(language, jurisdiction)).toBe(locale);
  });
});
