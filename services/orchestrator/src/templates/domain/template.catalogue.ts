/** The locales messages are written in; the region comes from the debtor's jurisdiction. */
export const LOCALES = ['es', 'pt', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** A message in one locale: plain text (channel adapters escape for HTML where they need to). */
export interface LocalizedTemplate {
  /** E-mail and letters only. */
  readonly subject?: string;
  readonly body: string;
}

export type TemplateSource = Readonly<Record<Locale, LocalizedTemplate>>;

/**
 * The platform's starting templates, which strategies refer to by id. Variables: `debtor.firstName`,
 * `debtor.fullName`, `account.reference`, `account.balanceMinor`, `account.currency`,
 * `account.dueDate`, `paymentLink.url`, `paymentLink.expiresAt`; helpers `money` and `date`.
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
  },
  'final-notice': {
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
  },
};

export const defaultTemplateExists = (templateId: string): boolean =>
  Object.prototype.hasOwnProperty.call(DEFAULT_TEMPLATES, templateId);
