import { ItemizationReference, Jurisdiction } from '../../policy/domain';

/** The locales messages are written in; the region comes from the debtor's jurisdiction. */
export const LOCALES = ['es', 'pt', 'en', 'fr', 'de', 'it', 'nl', 'pl'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * The locale a debtor whose language the catalogue does not speak (or who has none on record) is
 * written to in: the language most of the country reads where the catalogue has it (Belgium:
 * Dutch, its majority's; Luxembourg: French, its legislation's), else English — never another
 * country's language (a Swede is not written to in Spanish).
 */
const JURISDICTION_LOCALES: Readonly<Partial<Record<Jurisdiction, Locale>>> = {
  US: 'en',
  BR: 'pt',
  PT: 'pt',
  CO: 'es',
  MX: 'es',
  CL: 'es',
  PE: 'es',
  EC: 'es',
  ES: 'es',
  FR: 'fr',
  LU: 'fr',
  DE: 'de',
  AT: 'de',
  IT: 'it',
  NL: 'nl',
  BE: 'nl',
  PL: 'pl',
};

/**
 * The locale a debtor is written to in: their language (a BCP 47 tag: `fr`, `fr-BE`, `pt-BR`)
 * where the catalogue speaks it, else their jurisdiction's (`JURISDICTION_LOCALES`), else English.
 */
export function localeFor(language: string, jurisdiction: Jurisdiction): Locale {
  const l = language.slice(0, 2).toLowerCase();
  if ((LOCALES as readonly string[]).includes(l)) return l as Locale;
  return JURISDICTION_LOCALES[jurisdiction] ?? 'en';
}

/** A message in one locale: plain text (channel adapters escape for HTML where they need to). */
export interface LocalizedTemplate {
  /** E-mail and letters only. */
  readonly subject?: string;
  readonly body: string;
}

export type TemplateSource = Readonly<Record<Locale, LocalizedTemplate>> & {
  /**
   * The text, in any locale, says legal action may follow (a suit; a referral for legal, judicial or
   * "jurídico" collection). Such a message is not sent on a US debt that is time-barred in the
   * debtor's state (Regulation F §1006.26(b): no threat of a suit either): the planner gives its
   * step up with a refusal. A new template that threatens legal action must say so here.
   */
  readonly threatensLegalAction?: boolean;
};

/**
 * How a message names the creditor where the debtor's pack requires it (Brazil's art. 42-A, Mexico's
 * CONDUSEF: `creditorIdentification`), appended by the renderer to every template's body on those
 * channels: `short` on SMS, WhatsApp, calls' scripts and visits (name and tax id; the collector's
 * too when one collects for the creditor), `document` on e-mail and letters (address and phone
 * too). Variables: `creditor.name`, `creditor.taxIdKind`, `creditor.taxId`, `creditor.address`,
 * `creditor.phone`, `collector.name`, `collector.taxIdKind`, `collector.taxId`.
 */
export const CREDITOR_LINES: Readonly<Record<Locale, { readonly short: string; readonly document: string }>> = {
  pt: {
    short:
      'Credor: {{creditor.name}}, {{creditor.taxIdKind}} {{creditor.taxId}}' +
      '{{#if collector}}. Cobrança: {{collector.name}}, {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
    document:
      'Credor: {{creditor.name}} — {{creditor.taxIdKind}} {{creditor.taxId}}\n' +
      '{{creditor.address}} — Tel. {{creditor.phone}}' +
      '{{#if collector}}\nCobrança realizada por {{collector.name}} — {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
  },
  es: {
    short:
      'Acreedor: {{creditor.name}}, {{creditor.taxIdKind}} {{creditor.taxId}}' +
      '{{#if collector}}. Despacho de cobranza: {{collector.name}}, {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
    document:
      'Acreedor: {{creditor.name}} — {{creditor.taxIdKind}} {{creditor.taxId}}\n' +
      '{{creditor.address}} — Tel. {{creditor.phone}}' +
      '{{#if collector}}\nDespacho de cobranza: {{collector.name}} — {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
  },
  en: {
    short:
      'Creditor: {{creditor.name}}, {{creditor.taxIdKind}} {{creditor.taxId}}' +
      '{{#if collector}}. Collected by: {{collector.name}}, {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
    document:
      'Creditor: {{creditor.name}} — {{creditor.taxIdKind}} {{creditor.taxId}}\n' +
      '{{creditor.address}} — Tel. {{creditor.phone}}' +
      '{{#if collector}}\nCollected by: {{collector.name}} — {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
  },
  fr: {
    short:
      'Créancier : {{creditor.name}}, {{creditor.taxIdKind}} {{creditor.taxId}}' +
      '{{#if collector}}. Recouvrement : {{collector.name}}, {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
    document:
      'Créancier : {{creditor.name}} — {{creditor.taxIdKind}} {{creditor.taxId}}\n' +
      '{{creditor.address}} — Tél. {{creditor.phone}}' +
      '{{#if collector}}\nRecouvrement effectué par {{collector.name}} — {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
  },
  de: {
    short:
      'Gläubiger: {{creditor.name}}, {{creditor.taxIdKind}} {{creditor.taxId}}' +
      '{{#if collector}}. Inkasso: {{collector.name}}, {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
    document:
      'Gläubiger: {{creditor.name}} — {{creditor.taxIdKind}} {{creditor.taxId}}\n' +
      '{{creditor.address}} — Tel. {{creditor.phone}}' +
      '{{#if collector}}\nInkasso durch {{collector.name}} — {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
  },
  it: {
    short:
      'Creditore: {{creditor.name}}, {{creditor.taxIdKind}} {{creditor.taxId}}' +
      '{{#if collector}}. Recupero crediti: {{collector.name}}, {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
    document:
      'Creditore: {{creditor.name}} — {{creditor.taxIdKind}} {{creditor.taxId}}\n' +
      '{{creditor.address}} — Tel. {{creditor.phone}}' +
      '{{#if collector}}\nRecupero crediti a cura di {{collector.name}} — {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
  },
  nl: {
    short:
      'Schuldeiser: {{creditor.name}}, {{creditor.taxIdKind}} {{creditor.taxId}}' +
      '{{#if collector}}. Incasso: {{collector.name}}, {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
    document:
      'Schuldeiser: {{creditor.name}} — {{creditor.taxIdKind}} {{creditor.taxId}}\n' +
      '{{creditor.address}} — Tel. {{creditor.phone}}' +
      '{{#if collector}}\nIncasso door {{collector.name}} — {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
  },
  pl: {
    short:
      'Wierzyciel: {{creditor.name}}, {{creditor.taxIdKind}} {{creditor.taxId}}' +
      '{{#if collector}}. Windykacja: {{collector.name}}, {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
    document:
      'Wierzyciel: {{creditor.name}} — {{creditor.taxIdKind}} {{creditor.taxId}}\n' +
      '{{creditor.address}} — Tel. {{creditor.phone}}' +
      '{{#if collector}}\nWindykację prowadzi {{collector.name}} — {{collector.taxIdKind}} {{collector.taxId}}{{/if}}',
  },
};

/**
 * The words naming the itemization date's reference (`validationNotice.reference`, §1006.34(b)(3)),
 * one branch per reference: exactly one prints.
 */
const itemizationDateNamed = (names: Readonly<Record<ItemizationReference, string>>): string =>
  Object.entries(names)
    .map(([reference, name]) => `{{#if (eq validationNotice.reference "${reference}")}}${name}{{/if}}`)
    .join('');

const VALIDATION_NOTICE_EN: LocalizedTemplate = {
  subject: 'Validation notice — account {{account.reference}}',
  body:
    '{{collector.name}} is a debt collector. We are trying to collect a debt that you owe to {{creditor.name}}. ' +
    'We will use any information you give us to help collect the debt.\n\n' +
    'Our information shows:\n' +
    'Account number: {{account.reference}}\n' +
    'As of ' +
    itemizationDateNamed({
      'last-statement': 'the last statement date',
      'charge-off': 'the charge-off date',
      'last-payment': 'the last payment date',
      transaction: 'the transaction date',
    }) +
    ', {{date validationNotice.itemizationDate}}, you owed: ' +
    '{{money validationNotice.amountOnItemizationDateMinor validationNotice.currency}}\n' +
    'Between {{date validationNotice.itemizationDate}} and today:\n' +
    'You were charged this amount in interest: + {{money validationNotice.interestMinor validationNotice.currency}}\n' +
    'You were charged this amount in fees: + {{money validationNotice.feesMinor validationNotice.currency}}\n' +
    'You paid this amount toward the debt: – {{money validationNotice.paymentsMinor validationNotice.currency}}\n' +
    'You were credited this amount toward the debt: – ' +
    '{{money validationNotice.creditsMinor validationNotice.currency}}\n' +
    'Total amount of the debt now: {{money validationNotice.currentAmountMinor validationNotice.currency}}\n\n' +
    'How can you dispute the debt?\n' +
    'Call or write to us by {{date validationNotice.periodEnd}} to dispute all or part of the debt. ' +
    'If you do not, we will assume that our information is correct. If you write to us by ' +
    '{{date validationNotice.periodEnd}}, we must stop collection on any amount you dispute until we send you ' +
    'information that shows you owe the debt. You may use the form below or write to us without the form.\n\n' +
    'What else can you do?\n' +
    'Write to ask for the name and address of the original creditor, if different from the current creditor. ' +
    'If you write by {{date validationNotice.periodEnd}}, we must stop collection until we send you that ' +
    'information.\n' +
    'Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law.\n\n' +
    'How do you want to respond? Check all that apply:\n' +
    '[ ] I want to dispute the debt because I think: [ ] This is not my debt. [ ] The amount is wrong. ' +
    '[ ] Other (please describe on the reverse or attach additional information).\n' +
    '[ ] I want you to send me the name and address of the original creditor.\n' +
    '[ ] I enclosed this amount: ____________\n\n' +
    'Write or call: {{collector.name}}, {{creditor.address}} — Tel. {{creditor.phone}}',
};

/**
 * The platform's starting templates, which strategies refer to by id. Variables: `debtor.firstName`,
 * `debtor.fullName`, `account.reference`, `account.balanceMinor`, `account.currency`,
 * `account.dueDate`, `paymentLink.url`, `paymentLink.expiresAt`, `instalment.*`, and where the
 * tenant has a creditor profile `creditor.*` and `collector.*` (see `CREDITOR_LINES`, which the
 * renderer appends where the debtor's pack requires the creditor named); helpers `money` and `date`.
 */
export const DEFAULT_TEMPLATES: Readonly<Record<string, TemplateSource>> = {
  reminder: {
    es: {
      subject: 'Recordatorio de pago {{account.reference}}',
      body:
        'Hola {{debtor.firstName}}, tu pago de {{money account.balanceMinor account.currency}} vence el ' +
        '{{date account.dueDate}}. Paga aquí: {{paymentLink.url}}',
    },
    pt: {
      subject: 'Lembrete de pagamento {{account.reference}}',
      body:
        'Olá {{debtor.firstName}}, seu pagamento de {{money account.balanceMinor account.currency}} vence em ' +
        '{{date account.dueDate}}. Pague aqui: {{paymentLink.url}}',
    },
    en: {
      subject: 'Payment reminder {{account.reference}}',
      body:
        'Hi {{debtor.firstName}}, your payment of {{money account.balanceMinor account.currency}} is due on ' +
        '{{date account.dueDate}}. Pay here: {{paymentLink.url}}',
    },
    fr: {
      subject: 'Rappel de paiement {{account.reference}}',
      body:
        'Bonjour {{debtor.firstName}}, votre paiement de {{money account.balanceMinor account.currency}} arrive à ' +
        'échéance le {{date account.dueDate}}. Vous pouvez payer ici : {{paymentLink.url}}',
    },
    de: {
      subject: 'Zahlungserinnerung {{account.reference}}',
      body:
        'Guten Tag {{debtor.firstName}}, Ihre Zahlung über {{money account.balanceMinor account.currency}} ist am ' +
        '{{date account.dueDate}} fällig. Hier können Sie bezahlen: {{paymentLink.url}}',
    },
    it: {
      subject: 'Promemoria di pagamento {{account.reference}}',
      body:
        'Gentile {{debtor.firstName}}, il Suo pagamento di {{money account.balanceMinor account.currency}} scade il ' +
        '{{date account.dueDate}}. Può pagare qui: {{paymentLink.url}}',
    },
    nl: {
      subject: 'Betalingsherinnering {{account.reference}}',
      body:
        'Beste {{debtor.firstName}}, uw betaling van {{money account.balanceMinor account.currency}} moet uiterlijk ' +
        'op {{date account.dueDate}} zijn voldaan. U kunt hier betalen: {{paymentLink.url}}',
    },
    pl: {
      subject: 'Przypomnienie o płatności {{account.reference}}',
      body:
        'Dzień dobry {{debtor.firstName}}, przypominamy, że termin płatności kwoty ' +
        '{{money account.balanceMinor account.currency}} upływa {{date account.dueDate}}. ' +
        'Płatności można dokonać tutaj: {{paymentLink.url}}',
    },
  },
  'due-today': {
    es: {
      subject: 'Tu pago vence hoy',
      body:
        'Hola {{debtor.firstName}}, hoy vence tu pago de {{money account.balanceMinor account.currency}} ' +
        '(cuenta {{account.reference}}). Paga aquí: {{paymentLink.url}}',
    },
    pt: {
      subject: 'Seu pagamento vence hoje',
      body:
        'Olá {{debtor.firstName}}, hoje vence seu pagamento de {{money account.balanceMinor account.currency}} ' +
        '(conta {{account.reference}}). Pague aqui: {{paymentLink.url}}',
    },
    en: {
      subject: 'Your payment is due today',
      body:
        'Hi {{debtor.firstName}}, your payment of {{money account.balanceMinor account.currency}} is due today ' +
        '(account {{account.reference}}). Pay here: {{paymentLink.url}}',
    },
    fr: {
      subject: 'Votre paiement arrive à échéance aujourd’hui',
      body:
        'Bonjour {{debtor.firstName}}, votre paiement de {{money account.balanceMinor account.currency}} arrive à ' +
        'échéance aujourd’hui (compte {{account.reference}}). Vous pouvez payer ici : {{paymentLink.url}}',
    },
    de: {
      subject: 'Ihre Zahlung ist heute fällig',
      body:
        'Guten Tag {{debtor.firstName}}, Ihre Zahlung über {{money account.balanceMinor account.currency}} ist heute ' +
        'fällig (Konto {{account.reference}}). Hier können Sie bezahlen: {{paymentLink.url}}',
    },
    it: {
      subject: 'Il Suo pagamento scade oggi',
      body:
        'Gentile {{debtor.firstName}}, il Suo pagamento di {{money account.balanceMinor account.currency}} scade ' +
        'oggi (conto {{account.reference}}). Può pagare qui: {{paymentLink.url}}',
    },
    nl: {
      subject: 'Uw betaling moet vandaag worden voldaan',
      body:
        'Beste {{debtor.firstName}}, uw betaling van {{money account.balanceMinor account.currency}} moet vandaag ' +
        'worden voldaan (rekening {{account.reference}}). U kunt hier betalen: {{paymentLink.url}}',
    },
    pl: {
      subject: 'Termin płatności upływa dzisiaj',
      body:
        'Dzień dobry {{debtor.firstName}}, dzisiaj upływa termin płatności kwoty ' +
        '{{money account.balanceMinor account.currency}} (rachunek {{account.reference}}). ' +
        'Płatności można dokonać tutaj: {{paymentLink.url}}',
    },
  },
  overdue: {
    es: {
      subject: 'Pago pendiente {{account.reference}}',
      body:
        '{{debtor.fullName}}, tu pago de {{money account.balanceMinor account.currency}} venció el ' +
        '{{date account.dueDate}}. Ponte al día aquí (enlace válido hasta el {{date paymentLink.expiresAt}}): ' +
        '{{paymentLink.url}}',
    },
    pt: {
      subject: 'Pagamento em atraso {{account.reference}}',
      body:
        '{{debtor.fullName}}, seu pagamento de {{money account.balanceMinor account.currency}} venceu em ' +
        '{{date account.dueDate}}. Regularize aqui (link válido até {{date paymentLink.expiresAt}}): ' +
        '{{paymentLink.url}}',
    },
    en: {
      subject: 'Overdue payment {{account.reference}}',
      body:
        '{{debtor.fullName}}, your payment of {{money account.balanceMinor account.currency}} was due on ' +
        '{{date account.dueDate}}. Catch up here (link valid until {{date paymentLink.expiresAt}}): ' +
        '{{paymentLink.url}}',
    },
    fr: {
      subject: 'Paiement en retard {{account.reference}}',
      body:
        '{{debtor.fullName}}, votre paiement de {{money account.balanceMinor account.currency}} était dû le ' +
        '{{date account.dueDate}}. Vous pouvez régulariser votre situation ici (lien valable jusqu’au ' +
        '{{date paymentLink.expiresAt}}) : {{paymentLink.url}}',
    },
    de: {
      subject: 'Überfällige Zahlung {{account.reference}}',
      body:
        '{{debtor.fullName}}, Ihre Zahlung über {{money account.balanceMinor account.currency}} war am ' +
        '{{date account.dueDate}} fällig. Hier können Sie den offenen Betrag begleichen (Link gültig bis ' +
        '{{date paymentLink.expiresAt}}): {{paymentLink.url}}',
    },
    it: {
      subject: 'Pagamento scaduto {{account.reference}}',
      body:
        '{{debtor.fullName}}, il Suo pagamento di {{money account.balanceMinor account.currency}} è scaduto il ' +
        '{{date account.dueDate}}. Può regolarizzare la Sua posizione qui (link valido fino al ' +
        '{{date paymentLink.expiresAt}}): {{paymentLink.url}}',
    },
    nl: {
      subject: 'Achterstallige betaling {{account.reference}}',
      body:
        '{{debtor.fullName}}, uw betaling van {{money account.balanceMinor account.currency}} had uiterlijk op ' +
        '{{date account.dueDate}} voldaan moeten zijn. U kunt de achterstand hier betalen (link geldig tot ' +
        '{{date paymentLink.expiresAt}}): {{paymentLink.url}}',
    },
    pl: {
      subject: 'Zaległa płatność {{account.reference}}',
      body:
        '{{debtor.fullName}}, termin płatności kwoty {{money account.balanceMinor account.currency}} upłynął ' +
        '{{date account.dueDate}}. Zaległość można uregulować tutaj (link ważny do ' +
        '{{date paymentLink.expiresAt}}): {{paymentLink.url}}',
    },
  },
  'final-notice': {
    threatensLegalAction: true,
    es: {
      subject: 'Aviso final — cuenta {{account.reference}}',
      body:
        '{{debtor.fullName}}: la cuenta {{account.reference}} tiene un saldo vencido de ' +
        '{{money account.balanceMinor account.currency}} desde el {{date account.dueDate}}. ' +
        'Si no recibimos el pago, la cuenta podrá pasar a cobro jurídico. Paga aquí: {{paymentLink.url}}',
    },
    pt: {
      subject: 'Aviso final — conta {{account.reference}}',
      body:
        '{{debtor.fullName}}: a conta {{account.reference}} tem um saldo vencido de ' +
        '{{money account.balanceMinor account.currency}} desde {{date account.dueDate}}. ' +
        'Sem o pagamento, a conta poderá ser encaminhada à cobrança judicial. Pague aqui: {{paymentLink.url}}',
    },
    en: {
      subject: 'Final notice — account {{account.reference}}',
      body:
        '{{debtor.fullName}}: account {{account.reference}} has an overdue balance of ' +
        '{{money account.balanceMinor account.currency}} since {{date account.dueDate}}. ' +
        'Without payment, the account may be referred for legal collection. Pay here: {{paymentLink.url}}',
    },
    fr: {
      subject: 'Dernier avis — compte {{account.reference}}',
      body:
        '{{debtor.fullName}} : le compte {{account.reference}} présente un solde impayé de ' +
        '{{money account.balanceMinor account.currency}} depuis le {{date account.dueDate}}. ' +
        'À défaut de paiement, le dossier pourra être transmis pour un recouvrement judiciaire. ' +
        'Vous pouvez payer ici : {{paymentLink.url}}',
    },
    de: {
      subject: 'Letzte Mahnung — Konto {{account.reference}}',
      body:
        '{{debtor.fullName}}: Das Konto {{account.reference}} weist seit dem {{date account.dueDate}} einen ' +
        'überfälligen Betrag von {{money account.balanceMinor account.currency}} auf. ' +
        'Ohne Zahlung kann die Forderung gerichtlich geltend gemacht werden. Hier können Sie bezahlen: ' +
        '{{paymentLink.url}}',
    },
    it: {
      subject: 'Ultimo avviso — conto {{account.reference}}',
      body:
        '{{debtor.fullName}}: il conto {{account.reference}} presenta un saldo scaduto di ' +
        '{{money account.balanceMinor account.currency}} dal {{date account.dueDate}}. ' +
        'In mancanza di pagamento, la pratica potrà essere affidata al recupero giudiziale del credito. ' +
        'Può pagare qui: {{paymentLink.url}}',
    },
    nl: {
      subject: 'Laatste aanmaning — rekening {{account.reference}}',
      body:
        '{{debtor.fullName}}: rekening {{account.reference}} heeft sinds {{date account.dueDate}} een achterstallig ' +
        'saldo van {{money account.balanceMinor account.currency}}. ' +
        'Zonder betaling kan de vordering worden overgedragen voor gerechtelijke invordering. ' +
        'U kunt hier betalen: {{paymentLink.url}}',
    },
    pl: {
      subject: 'Ostateczne wezwanie do zapłaty — rachunek {{account.reference}}',
      body:
        '{{debtor.fullName}}: na rachunku {{account.reference}} od {{date account.dueDate}} pozostaje zaległe saldo ' +
        'w wysokości {{money account.balanceMinor account.currency}}. ' +
        'W przypadku braku płatności sprawa może zostać skierowana na drogę sądową. ' +
        'Płatności można dokonać tutaj: {{paymentLink.url}}',
    },
  },
  /** Before an instalment of an agreed payment plan falls due (promises' InstalmentDueSoon). */
  'instalment-reminder': {
    es: {
      subject: 'Recordatorio de tu cuota {{account.reference}}',
      body:
        'Hola {{debtor.firstName}}, se acerca el vencimiento de la próxima cuota de tu acuerdo de pago ' +
        '(cuenta {{account.reference}}){{#if instalment}}: {{money instalment.amountMinor instalment.currency}} ' +
        'el {{date instalment.dueDate}}{{/if}}. Paga aquí: {{paymentLink.url}}',
    },
    pt: {
      subject: 'Lembrete da sua parcela {{account.reference}}',
      body:
        'Olá {{debtor.firstName}}, a próxima parcela do seu acordo de pagamento está para vencer ' +
        '(conta {{account.reference}}){{#if instalment}}: {{money instalment.amountMinor instalment.currency}} ' +
        'em {{date instalment.dueDate}}{{/if}}. Pague aqui: {{paymentLink.url}}',
    },
    en: {
      subject: 'Your instalment reminder {{account.reference}}',
      body:
        'Hi {{debtor.firstName}}, the next instalment of your payment plan is due soon ' +
        '(account {{account.reference}}){{#if instalment}}: {{money instalment.amountMinor instalment.currency}} ' +
        'on {{date instalment.dueDate}}{{/if}}. Pay here: {{paymentLink.url}}',
    },
    fr: {
      subject: 'Rappel de votre échéance {{account.reference}}',
      body:
        'Bonjour {{debtor.firstName}}, la prochaine échéance de votre plan de remboursement arrive bientôt ' +
        '(compte {{account.reference}}){{#if instalment}} : {{money instalment.amountMinor instalment.currency}} ' +
        'le {{date instalment.dueDate}}{{/if}}. Vous pouvez payer ici : {{paymentLink.url}}',
    },
    de: {
      subject: 'Erinnerung an Ihre Rate {{account.reference}}',
      body:
        'Guten Tag {{debtor.firstName}}, die nächste Rate Ihrer Ratenzahlungsvereinbarung ist bald fällig ' +
        '(Konto {{account.reference}}){{#if instalment}}: {{money instalment.amountMinor instalment.currency}} ' +
        'am {{date instalment.dueDate}}{{/if}}. Hier können Sie bezahlen: {{paymentLink.url}}',
    },
    it: {
      subject: 'Promemoria della Sua rata {{account.reference}}',
      body:
        'Gentile {{debtor.firstName}}, la prossima rata del Suo piano di pagamento è in scadenza ' +
        '(conto {{account.reference}}){{#if instalment}}: {{money instalment.amountMinor instalment.currency}} ' +
        'il {{date instalment.dueDate}}{{/if}}. Può pagare qui: {{paymentLink.url}}',
    },
    nl: {
      subject: 'Herinnering voor uw termijnbetaling {{account.reference}}',
      body:
        'Beste {{debtor.firstName}}, de volgende termijn van uw betalingsregeling moet binnenkort worden betaald ' +
        '(rekening {{account.reference}}){{#if instalment}}: {{money instalment.amountMinor instalment.currency}} ' +
        'op {{date instalment.dueDate}}{{/if}}. U kunt hier betalen: {{paymentLink.url}}',
    },
    pl: {
      subject: 'Przypomnienie o racie {{account.reference}}',
      body:
        'Dzień dobry {{debtor.firstName}}, zbliża się termin płatności kolejnej raty Państwa planu spłaty ' +
        '(rachunek {{account.reference}}){{#if instalment}}: {{money instalment.amountMinor instalment.currency}} ' +
        'do {{date instalment.dueDate}}{{/if}}. Płatności można dokonać tutaj: {{paymentLink.url}}',
    },
  },
  /**
   * The notice of a payment the ledger reversed (a bank's return, a chargeback): the amount that came
   * back, that it is owed again, and the balance now.
   */
  'payment-returned': {
    es: {
      subject: 'Tu pago fue devuelto {{account.reference}}',
      body:
        'Hola {{debtor.firstName}}, tu pago{{#if returnedPayment}} de {{money returnedPayment.amountMinor returnedPayment.currency}}{{/if}} a la cuenta {{account.reference}} ' +
        'fue devuelto por tu banco o el emisor de tu tarjeta, así que vuelve a estar pendiente. ' +
        'El saldo es ahora {{money account.balanceMinor account.currency}}. Paga aquí: {{paymentLink.url}}',
    },
    pt: {
      subject: 'Seu pagamento foi devolvido {{account.reference}}',
      body:
        'Olá {{debtor.firstName}}, seu pagamento{{#if returnedPayment}} de {{money returnedPayment.amountMinor returnedPayment.currency}}{{/if}} na conta {{account.reference}} ' +
        'foi devolvido pelo seu banco ou pelo emissor do seu cartão e voltou a ficar em aberto. ' +
        'O saldo agora é {{money account.balanceMinor account.currency}}. Pague aqui: {{paymentLink.url}}',
    },
    en: {
      subject: 'Your payment was returned {{account.reference}}',
      body:
        'Hi {{debtor.firstName}}, your payment{{#if returnedPayment}} of {{money returnedPayment.amountMinor returnedPayment.currency}}{{/if}} to account {{account.reference}} ' +
        'was returned by your bank or card issuer, so it is owed again. ' +
        'The balance is now {{money account.balanceMinor account.currency}}. Pay here: {{paymentLink.url}}',
    },
    fr: {
      subject: 'Votre paiement a été rejeté {{account.reference}}',
      body:
        'Bonjour {{debtor.firstName}}, votre paiement{{#if returnedPayment}} de {{money returnedPayment.amountMinor returnedPayment.currency}}{{/if}} sur le compte {{account.reference}} ' +
        'a été rejeté par votre banque ou l’émetteur de votre carte : la somme reste due. ' +
        'Le solde est maintenant de {{money account.balanceMinor account.currency}}. Vous pouvez payer ici : {{paymentLink.url}}',
    },
    de: {
      subject: 'Ihre Zahlung wurde zurückgebucht {{account.reference}}',
      body:
        'Guten Tag {{debtor.firstName}}, Ihre Zahlung{{#if returnedPayment}} über {{money returnedPayment.amountMinor returnedPayment.currency}}{{/if}} auf das Konto {{account.reference}} ' +
        'wurde von Ihrer Bank oder Ihrem Kartenaussteller zurückgebucht und ist damit wieder offen. ' +
        'Der Saldo beträgt jetzt {{money account.balanceMinor account.currency}}. Hier können Sie bezahlen: {{paymentLink.url}}',
    },
    it: {
      subject: 'Il Suo pagamento è stato stornato {{account.reference}}',
      body:
        'Gentile {{debtor.firstName}}, il Suo pagamento{{#if returnedPayment}} di {{money returnedPayment.amountMinor returnedPayment.currency}}{{/if}} sul conto {{account.reference}} ' +
        'è stato stornato dalla Sua banca o dall’emittente della carta e risulta di nuovo dovuto. ' +
        'Il saldo è ora di {{money account.balanceMinor account.currency}}. Può pagare qui: {{paymentLink.url}}',
    },
    nl: {
      subject: 'Uw betaling is teruggeboekt {{account.reference}}',
      body:
        'Beste {{debtor.firstName}}, uw betaling{{#if returnedPayment}} van {{money returnedPayment.amountMinor returnedPayment.currency}}{{/if}} op rekening {{account.reference}} ' +
        'is door uw bank of kaartuitgever teruggeboekt en staat dus weer open. ' +
        'Het saldo is nu {{money account.balanceMinor account.currency}}. U kunt hier betalen: {{paymentLink.url}}',
    },
    pl: {
      subject: 'Płatność została zwrócona {{account.reference}}',
      body:
        'Dzień dobry {{debtor.firstName}}, płatność{{#if returnedPayment}} w kwocie {{money returnedPayment.amountMinor returnedPayment.currency}}{{/if}} na rachunek {{account.reference}} ' +
        'została cofnięta przez bank lub wydawcę karty, więc kwota jest znowu należna. ' +
        'Saldo wynosi teraz {{money account.balanceMinor account.currency}}. Płatności można dokonać tutaj: {{paymentLink.url}}',
    },
  },
  /**
   * A debt collector's validation notice (US Regulation F §1006.34(c), after the CFPB's model form
   * B-1), sent on e-mail or by letter before any other contact about the account: the collector
   * and creditor (creditor profile), the account, the amount on the itemization date, the interest,
   * fees, payments and credits since (§1006.34(c)(2)(vi)-(ix), from the ledger), the amount now, the
   * last day of the validation period in the debtor's zone, the dispute and original-creditor
   * prompts. Regulation F's safe harbor forms are English and Spanish; a debtor writing in another
   * language (Portuguese, French, German, Italian, Dutch, Polish) gets the English notice.
   */
  'validation-notice': {
    es: {
      subject: 'Aviso de validación — cuenta {{account.reference}}',
      body:
        '{{collector.name}} es un cobrador de deudas. Estamos tratando de cobrar una deuda que usted le debe a ' +
        '{{creditor.name}}. Usaremos cualquier información que usted nos dé para ayudar a cobrar la deuda.\n\n' +
        'Nuestra información indica:\n' +
        'Número de cuenta: {{account.reference}}\n' +
        'A ' +
        itemizationDateNamed({
          'last-statement': 'la fecha del último estado de cuenta',
          'charge-off': 'la fecha de cancelación contable de la deuda',
          'last-payment': 'la fecha del último pago',
          transaction: 'la fecha de la transacción',
        }) +
        ', el {{date validationNotice.itemizationDate}}, usted debía: ' +
        '{{money validationNotice.amountOnItemizationDateMinor validationNotice.currency}}\n' +
        'Entre el {{date validationNotice.itemizationDate}} y hoy:\n' +
        'Se le cobró esta cantidad en intereses: + ' +
        '{{money validationNotice.interestMinor validationNotice.currency}}\n' +
        'Se le cobró esta cantidad en cargos: + {{money validationNotice.feesMinor validationNotice.currency}}\n' +
        'Usted pagó esta cantidad a la deuda: – {{money validationNotice.paymentsMinor validationNotice.currency}}\n' +
        'Se le acreditó esta cantidad a la deuda: – ' +
        '{{money validationNotice.creditsMinor validationNotice.currency}}\n' +
        'Monto total de la deuda ahora: {{money validationNotice.currentAmountMinor validationNotice.currency}}\n\n' +
        '¿Cómo puede disputar la deuda?\n' +
        'Llámenos o escríbanos a más tardar el {{date validationNotice.periodEnd}} para disputar la deuda en su ' +
        'totalidad o en parte. Si no lo hace, asumiremos que nuestra información es correcta. Si nos escribe a más ' +
        'tardar el {{date validationNotice.periodEnd}}, debemos dejar de cobrar cualquier monto que usted dispute ' +
        'hasta que le enviemos información que demuestre que usted debe la deuda. Puede usar el formulario de abajo ' +
        'o escribirnos sin el formulario.\n\n' +
        '¿Qué más puede hacer?\n' +
        'Escríbanos para pedir el nombre y la dirección del acreedor original, si es diferente del acreedor actual. ' +
        'Si nos escribe a más tardar el {{date validationNotice.periodEnd}}, debemos dejar de cobrar hasta que le ' +
        'enviemos esa información.\n' +
        'Visite www.cfpb.gov/debt-collection para obtener más información sobre sus derechos según la ley federal.\n\n' +
        '¿Cómo desea responder? Marque todas las opciones que correspondan:\n' +
        '[ ] Quiero disputar la deuda porque creo que: [ ] Esta deuda no es mía. [ ] El monto es incorrecto. ' +
        '[ ] Otro (describa al reverso o adjunte información adicional).\n' +
        '[ ] Quiero que me envíen el nombre y la dirección del acreedor original.\n' +
        '[ ] Adjunto este monto: ____________\n\n' +
        'Escriba o llame a: {{collector.name}}, {{creditor.address}} — Tel. {{creditor.phone}}',
    },
    pt: VALIDATION_NOTICE_EN,
    en: VALIDATION_NOTICE_EN,
    fr: VALIDATION_NOTICE_EN,
    de: VALIDATION_NOTICE_EN,
    it: VALIDATION_NOTICE_EN,
    nl: VALIDATION_NOTICE_EN,
    pl: VALIDATION_NOTICE_EN,
  },
};

export const defaultTemplateExists = (templateId: string): boolean =>
  Object.prototype.hasOwnProperty.call(DEFAULT_TEMPLATES, templateId);

/** Whether the catalogue's template `templateId` threatens legal action (`threatensLegalAction`). */
export const templateThreatensLegalAction = (templateId: string): boolean =>
  defaultTemplateExists(templateId) && DEFAULT_TEMPLATES[templateId].threatensLegalAction === true;
