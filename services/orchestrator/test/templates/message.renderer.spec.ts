import { RULE_PACKS } from '../../src/policy/packs';
import { Channel, Jurisdiction } from '../../src/policy/domain';
import {
  DEFAULT_TEMPLATES,
  LOCALES,
  Locale,
  MessageVariables,
  formatMessageMoney,
  renderMessage,
  whatsAppParameters,
} from '../../src/templates/domain';

const NBSP = '\u00a0';

const variables = (currency: string, balanceMinor: number, timeZone: string): MessageVariables => ({
  debtor: { firstName: 'Ana', fullName: 'Ana Gómez', timeZone },
  account: { reference: '4410-22', balanceMinor, currency, dueDate: '2026-03-10' },
  // 04:30 UTC on the 20th: still the 19th in Bogotá, already the 20th in São Paulo.
  paymentLink: { url: 'https://pay.example/p/tok', expiresAt: new Date('2026-03-20T04:30:00Z') },
});

/** A Brazilian creditor's profile as the dispatcher reads it, and the agency collecting for it. */
const BR_CREDITOR: Pick<MessageVariables, 'creditor' | 'collector'> = {
  creditor: {
    name: 'Banco Exemplo S.A.',
    taxIdKind: 'CNPJ',
    taxId: '11.222.333/0001-81',
    address: 'Av. Paulista 1000, São Paulo - SP, 01310-100',
    phone: '+55 11 4000-0000',
  },
};
const MX_FIRM: Pick<MessageVariables, 'creditor' | 'collector'> = {
  creditor: {
    name: 'Financiera Ejemplo S.A. de C.V.',
    taxIdKind: 'RFC',
    taxId: 'FEJ010203AB1',
    address: 'Av. Reforma 100, Cuauhtémoc, 06600 Ciudad de México',
    phone: '+52 55 5000 0000',
  },
  collector: { name: 'Cobranzas Norte S.C.', taxIdKind: 'RFC', taxId: 'CNO990101XY2' },
};

const render = (
  templateId: string,
  locale: Locale,
  jurisdiction: Jurisdiction,
  channel: Channel,
  vars: MessageVariables,
  pack = RULE_PACKS[jurisdiction],
) =>
  renderMessage({
    template: DEFAULT_TEMPLATES[templateId],
    locale,
    channel,
    pack,
    variables: vars,
    optOutUrl: 'https://pay.example/opt-out/abc',
  });

describe(renderMessage.name, () => {
  it('renders Spanish for Colombia, with whole pesos and the due date as written', () => {
    expect(render('reminder', 'es', 'CO', 'sms', variables('COP', 250_000_00, 'America/Bogota'))).toEqual({
      body: `Hola Ana, tu pago de $${NBSP}250.000 vence el 10 de marzo de 2026. Paga aquí: https://pay.example/p/tok`,
    });
  });

  it('renders Spanish e-mail with a subject, centavos when there are some, and the link expiry in Bogotá time', () => {
    expect(render('overdue', 'es', 'CO', 'email', variables('COP', 250_000_50, 'America/Bogota'))).toEqual({
      subject: 'Pago pendiente 4410-22',
      body:
        `Ana Gómez, tu pago de $${NBSP}250.000,50 venció el 10 de marzo de 2026. ` +
        'Ponte al día aquí (enlace válido hasta el 19 de marzo de 2026): https://pay.example/p/tok',
    });
  });

  it('renders Portuguese for Brazil in reais, the link expiry in São Paulo time, naming the creditor (art. 42-A)', () => {
    const vars = { ...variables('BRL', 1_234_50, 'America/Sao_Paulo'), ...BR_CREDITOR };
    expect(render('overdue', 'pt', 'BR', 'whatsapp', vars)).toEqual({
      body:
        `Ana Gómez, seu pagamento de R$${NBSP}1.234,50 venceu em 10 de março de 2026. ` +
        'Regularize aqui (link válido até 20 de março de 2026): https://pay.example/p/tok\n\n' +
        'Credor: Banco Exemplo S.A., CNPJ 11.222.333/0001-81',
      creditorRule: 'BR-IDENTIFY-CREDITOR',
    });
  });

  it('names a Brazilian creditor with its address and phone in an e-mail, and the collector when there is one', () => {
    const vars = {
      ...variables('BRL', 1_234_50, 'America/Sao_Paulo'),
      ...BR_CREDITOR,
      collector: { name: 'Cobra Fácil Ltda.', taxIdKind: 'CNPJ', taxId: '12.ABC.345/01DE-35' },
    };
    expect(render('reminder', 'pt', 'BR', 'email', vars).body).toMatch(
      /\n\nCredor: Banco Exemplo S\.A\. — CNPJ 11\.222\.333\/0001-81\nAv\. Paulista 1000, São Paulo - SP, 01310-100 — Tel\. \+55 11 4000-0000\nCobrança realizada por Cobra Fácil Ltda\. — CNPJ 12\.ABC\.345\/01DE-35$/,
    );
  });

  it('will not render a Brazilian message without the creditor it must name', () => {
    expect(() => render('reminder', 'pt', 'BR', 'sms', variables('BRL', 1_00, 'America/Sao_Paulo'))).toThrow(
      /BR-IDENTIFY-CREDITOR/,
    );
  });

  it('passes the creditor’s identification as the WhatsApp template’s fourth parameter where the pack requires it', () => {
    const vars = { ...variables('BRL', 1_234_50, 'America/Sao_Paulo'), ...BR_CREDITOR };
    expect(whatsAppParameters('pt', vars, render('overdue', 'pt', 'BR', 'whatsapp', vars))).toEqual([
      'Ana',
      '4410-22',
      'https://pay.example/p/tok',
      'Credor: Banco Exemplo S.A., CNPJ 11.222.333/0001-81',
    ]);
    const us = { ...variables('USD', 1_00, 'America/New_York'), ...BR_CREDITOR };
    expect(whatsAppParameters('en', us, render('overdue', 'en', 'US', 'whatsapp', us))).toEqual([
      'Ana',
      '4410-22',
      'https://pay.example/p/tok',
    ]);
  });

  it('renders English for the US with the opt-out link Regulation F requires in e-mail', () => {
    expect(render('reminder', 'en', 'US', 'email', variables('USD', 1_234_50, 'America/New_York'))).toEqual({
      subject: 'Payment reminder 4410-22',
      body:
        'Hi Ana, your payment of $1,234.50 is due on March 10, 2026. Pay here: https://pay.example/p/tok\n\n' +
        'To stop receiving these e-mails, visit https://pay.example/opt-out/abc',
      optOutRule: 'US-OPT-OUT-NOTICE',
    });
  });

  it('adds the reply-STOP line to texts in the US, in the debtor’s language', () => {
    expect(render('due-today', 'en', 'US', 'sms', variables('USD', 1_234_50, 'America/New_York')).body).toBe(
      'Hi Ana, your payment of $1,234.50 is due today (account 4410-22). Pay here: https://pay.example/p/tok\n\n' +
        'To stop receiving messages on this channel, reply STOP',
    );
    expect(render('reminder', 'es', 'US', 'sms', variables('USD', 50_00, 'America/Chicago')).body).toBe(
      'Hola Ana, tu pago de $50.00 vence el 10 de marzo de 2026. Paga aquí: https://pay.example/p/tok\n\n' +
        'Para no recibir más mensajes por este medio, responde STOP',
    );
  });

  it('writes an SMS for a one-way sender with the opt-out link instead of "reply STOP", the reply line left as it was', () => {
    const sms = (locale: Locale, oneWayOptOutUrl?: string) =>
      renderMessage({
        template: DEFAULT_TEMPLATES['due-today'],
        locale,
        channel: 'sms',
        pack: RULE_PACKS.US,
        variables: variables('USD', 1_234_50, 'America/New_York'),
        optOutUrl: 'https://pay.example/opt-out',
        ...(oneWayOptOutUrl !== undefined ? { oneWayOptOutUrl } : {}),
      });
    const text =
      'Hi Ana, your payment of $1,234.50 is due today (account 4410-22). Pay here: https://pay.example/p/tok';
    expect(sms('en', 'https://collect.example/opt-out/tok')).toEqual({
      body: `${text}\n\nTo stop receiving messages on this channel, reply STOP`,
      oneWayBody: `${text}\n\nTo stop receiving messages on this channel, visit https://collect.example/opt-out/tok`,
      optOutRule: 'US-OPT-OUT-NOTICE',
    });
    expect(sms('es', 'https://collect.example/opt-out/tok').oneWayBody).toMatch(
      /\n\nPara no recibir más mensajes por este medio, visita https:\/\/collect\.example\/opt-out\/tok$/,
    );
    for (const locale of LOCALES) expect(sms(locale, 'https://l.example/t').oneWayBody).not.toContain('STOP');
    // No link: nothing a one-way sender could send.
    expect(sms('en')).toEqual({
      body: `${text}\n\nTo stop receiving messages on this channel, reply STOP`,
      optOutRule: 'US-OPT-OUT-NOTICE',
    });
    // No notice asked for (Colombia): no one-way text either, whatever the link.
    const co = renderMessage({
      template: DEFAULT_TEMPLATES.reminder,
      locale: 'es',
      channel: 'sms',
      pack: RULE_PACKS.CO,
      variables: variables('COP', 1_000_00, 'America/Bogota'),
      optOutUrl: 'https://pay.example/opt-out',
      oneWayOptOutUrl: 'https://collect.example/opt-out/tok',
    });
    expect(co.oneWayBody).toBeUndefined();
    expect(co.optOutRule).toBeUndefined();
  });

  it('adds no opt-out line to a letter, nor where the pack does not ask for one', () => {
    const letter = render('final-notice', 'en', 'US', 'letter', variables('USD', 1_234_50, 'America/New_York'));
    expect(letter.optOutRule).toBeUndefined();
    expect(letter.body).not.toContain('STOP');
    expect(
      render('reminder', 'es', 'CO', 'email', variables('COP', 1_000_00, 'America/Bogota')).optOutRule,
    ).toBeUndefined();
  });

  it('renders a Mexican letter with its subject in pesos with centavos, identifying the firm (CONDUSEF)', () => {
    const vars = { ...variables('MXN', 999_00, 'America/Mexico_City'), ...MX_FIRM };
    expect(render('final-notice', 'es', 'MX', 'letter', vars)).toEqual({
      subject: 'Aviso final — cuenta 4410-22',
      body:
        'Ana Gómez: la cuenta 4410-22 tiene un saldo vencido de $999.00 desde el 10 de marzo de 2026. ' +
        'Si no recibimos el pago, la cuenta podrá pasar a cobro jurídico. Paga aquí: https://pay.example/p/tok\n\n' +
        'Acreedor: Financiera Ejemplo S.A. de C.V. — RFC FEJ010203AB1\n' +
        'Av. Reforma 100, Cuauhtémoc, 06600 Ciudad de México — Tel. +52 55 5000 0000\n' +
        'Despacho de cobranza: Cobranzas Norte S.C. — RFC CNO990101XY2',
      creditorRule: 'MX-IDENTIFY-FIRM',
    });
  });

  it('leaves a US message as it was, a creditor profile or none', () => {
    const plain = render('reminder', 'en', 'US', 'email', variables('USD', 1_234_50, 'America/New_York'));
    const withProfile = render('reminder', 'en', 'US', 'email', {
      ...variables('USD', 1_234_50, 'America/New_York'),
      ...BR_CREDITOR,
    });
    expect(withProfile).toEqual(plain);
    expect(withProfile.body).not.toContain('Creditor');
  });

  it('refuses to render with a variable missing rather than leave a blank', () => {
    const vars = variables('USD', 1_00, 'America/New_York') as unknown as { debtor: Record<string, unknown> };
    delete vars.debtor.firstName;
    expect(() => render('reminder', 'en', 'US', 'sms', vars as unknown as MessageVariables)).toThrow(/firstName/);
  });

  it('has every default template in every locale', () => {
    for (const source of Object.values(DEFAULT_TEMPLATES)) {
      // Beside the locales, a template has only its flags (threatensLegalAction).
      expect(
        Object.keys(source)
          .filter((k) => k !== 'threatensLegalAction')
          .sort(),
      ).toEqual([...LOCALES].sort());
    }
  });
});

/**
 * The EU locales, each with its country's pack made to print the opt-out line (as a tenant's
 * override may): money as the debtor's country writes it, dates in their language, and the link's
 * expiry — 23:30 UTC on the 19th — on the 20th, as it already is in the debtor's zone.
 */
describe(`${renderMessage.name} in the EU locales`, () => {
  const NNBSP = '\u202f';
  const euVariables = (currency: string, balanceMinor: number, timeZone: string): MessageVariables => ({
    ...variables(currency, balanceMinor, timeZone),
    paymentLink: { url: 'https://pay.example/p/tok', expiresAt: new Date('2026-03-19T23:30:00Z') },
  });
  /** As `render`, the pack with an opt-out notice (the EU packs have none): the opt-out line in each locale. */
  const renderEu = (
    templateId: string,
    locale: Locale,
    jurisdiction: Jurisdiction,
    channel: Channel,
    vars: MessageVariables,
  ) =>
    render(templateId, locale, jurisdiction, channel, vars, {
      ...RULE_PACKS[jurisdiction],
      optOutNotice: RULE_PACKS.US.optOutNotice,
    });

  it('writes to a French debtor in French, in euros as France writes them', () => {
    const vars = euVariables('EUR', 1_234_56, 'Europe/Paris');
    expect(renderEu('overdue', 'fr', 'FR', 'email', vars)).toEqual({
      subject: 'Paiement en retard 4410-22',
      body:
        `Ana Gómez, votre paiement de 1${NNBSP}234,56${NBSP}€ était dû le 10 mars 2026. Vous pouvez régulariser ` +
        'votre situation ici (lien valable jusqu’au 20 mars 2026) : https://pay.example/p/tok\n\n' +
        'Pour ne plus recevoir ces e-mails, rendez-vous sur https://pay.example/opt-out/abc',
      optOutRule: 'US-OPT-OUT-NOTICE',
    });
  });

  it('writes to a German debtor in German, in euros as Germany writes them', () => {
    const vars = euVariables('EUR', 1_234_56, 'Europe/Berlin');
    expect(renderEu('overdue', 'de', 'DE', 'email', vars)).toEqual({
      subject: 'Überfällige Zahlung 4410-22',
      body:
        `Ana Gómez, Ihre Zahlung über 1.234,56${NBSP}€ war am 10. März 2026 fällig. Hier können Sie den offenen ` +
        'Betrag begleichen (Link gültig bis 20. März 2026): https://pay.example/p/tok\n\n' +
        'Wenn Sie diese E-Mails nicht mehr erhalten möchten, besuchen Sie https://pay.example/opt-out/abc',
      optOutRule: 'US-OPT-OUT-NOTICE',
    });
  });

  it('writes to an Italian debtor in Italian, grouping the thousands of the amount', () => {
    const vars = euVariables('EUR', 1_234_56, 'Europe/Rome');
    expect(renderEu('reminder', 'it', 'IT', 'sms', vars).body).toBe(
      `Gentile Ana, il Suo pagamento di 1.234,56${NBSP}€ scade il 10 marzo 2026. Può pagare qui: ` +
        'https://pay.example/p/tok\n\nPer non ricevere più messaggi su questo canale, risponda STOP',
    );
  });

  it('writes to a Dutch debtor in Dutch, the euro sign first as the Netherlands write it', () => {
    const vars = euVariables('EUR', 1_234_56, 'Europe/Amsterdam');
    expect(renderEu('overdue', 'nl', 'NL', 'sms', vars).body).toBe(
      `Ana Gómez, uw betaling van €${NBSP}1.234,56 had uiterlijk op 10 maart 2026 voldaan moeten zijn. ` +
        'U kunt de achterstand hier betalen (link geldig tot 20 maart 2026): https://pay.example/p/tok\n\n' +
        'Wilt u via dit kanaal geen berichten meer ontvangen? Antwoord STOP',
    );
  });

  it('writes to a Polish debtor in Polish, in złoty with the thousands grouped', () => {
    const vars = euVariables('PLN', 1_234_56, 'Europe/Warsaw');
    expect(renderEu('final-notice', 'pl', 'PL', 'letter', vars)).toEqual({
      subject: 'Ostateczne wezwanie do zapłaty — rachunek 4410-22',
      body:
        `Ana Gómez: na rachunku 4410-22 od 10 marca 2026 pozostaje zaległe saldo w wysokości 1${NBSP}234,56${NBSP}zł. ` +
        'W przypadku braku płatności sprawa może zostać skierowana na drogę sądową. ' +
        'Płatności można dokonać tutaj: https://pay.example/p/tok',
    });
  });

  it('names a creditor in the debtor’s language where the pack requires it', () => {
    const vars = { ...euVariables('EUR', 1_00, 'Europe/Paris'), ...MX_FIRM };
    const pack = { ...RULE_PACKS.FR, creditorIdentification: RULE_PACKS.MX.creditorIdentification };
    const rendered = renderMessage({
      template: DEFAULT_TEMPLATES.reminder,
      locale: 'fr',
      channel: 'sms',
      pack,
      variables: vars,
      optOutUrl: 'https://pay.example/opt-out/abc',
    });
    expect(rendered.body).toMatch(
      /\n\nCréancier : Financiera Ejemplo S\.A\. de C\.V\., RFC FEJ010203AB1\. Recouvrement : Cobranzas Norte S\.C\., RFC CNO990101XY2$/,
    );
  });
});

describe(formatMessageMoney.name, () => {
  it('formats integer minor units per currency and locale', () => {
    expect(formatMessageMoney(250_000_00, 'COP', 'es-CO')).toBe(`$${NBSP}250.000`);
    expect(formatMessageMoney(250_000_50, 'COP', 'es-CO')).toBe(`$${NBSP}250.000,50`);
    expect(formatMessageMoney(-250_000_00, 'COP', 'es-CO')).toBe(`-$${NBSP}250.000`);
    expect(formatMessageMoney(1_234_50, 'BRL', 'pt-BR')).toBe(`R$${NBSP}1.234,50`);
    expect(formatMessageMoney(1_234_50, 'USD', 'en-US')).toBe('$1,234.50');
    expect(formatMessageMoney(123_400, 'CLP', 'es-CL')).toBe('$123.400');
    expect(formatMessageMoney(10_50, 'PEN', 'es-PE')).toBe(`S/${NBSP}10.50`);
  });

  it('groups the thousands of every amount in the EU locales, four digits too', () => {
    expect(formatMessageMoney(1_234_56, 'EUR', 'fr-FR')).toBe(`1\u202f234,56${NBSP}€`);
    expect(formatMessageMoney(1_234_56, 'EUR', 'de-DE')).toBe(`1.234,56${NBSP}€`);
    expect(formatMessageMoney(1_234_56, 'EUR', 'it-IT')).toBe(`1.234,56${NBSP}€`);
    expect(formatMessageMoney(1_234_56, 'EUR', 'nl-NL')).toBe(`€${NBSP}1.234,56`);
    expect(formatMessageMoney(1_234_56, 'PLN', 'pl-PL')).toBe(`1${NBSP}234,56${NBSP}zł`);
    expect(formatMessageMoney(12_345_67, 'PLN', 'pl-PL')).toBe(`12${NBSP}345,67${NBSP}zł`);
    expect(formatMessageMoney(1_234_56, 'EUR', 'es-ES')).toBe(`1.234,56${NBSP}€`);
  });

  it('keeps every unit of amounts too large for a float', () => {
    expect(formatMessageMoney(Number.MAX_SAFE_INTEGER, 'USD', 'en-US')).toBe('$90,071,992,547,409.91');
  });
});
