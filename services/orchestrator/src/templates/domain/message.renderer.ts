import Handlebars from 'handlebars';
import { Channel, DebtItemization, Jurisdiction, RulePack } from '../../policy/domain';
import { formatMessageMoney } from './message-money.format';
import { CREDITOR_LINES, Locale, TemplateSource } from './template.catalogue';

export interface MessageVariables {
  readonly debtor: { readonly firstName: string; readonly fullName: string; readonly timeZone: string };
  readonly account: {
    readonly reference: string;
    readonly balanceMinor: number;
    readonly currency: string;
    /** `YYYY-MM-DD`, a civil date: shown as that day whatever the time zone. */
    readonly dueDate: string;
  };
  readonly paymentLink: { readonly url: string; readonly expiresAt: Date };
  /** The plan instalment an instalment reminder is about (what is still open on it, and when it falls due). */
  readonly instalment?: { readonly amountMinor: number; readonly currency: string; readonly dueDate: string };
  /** The payment a payment-returned notice is about: the amount the ledger reversed. */
  readonly returnedPayment?: { readonly amountMinor: number; readonly currency: string };
  /**
   * The creditor as the tenant's creditor profile names it (for the debtor's country, else its
   * default); absent when the tenant has none. `taxIdKind` is how the id is called (`CNPJ`, `RFC`…);
   * `address` and `phone` are '' when not configured.
   */
  readonly creditor?: MessageParty & { readonly address: string; readonly phone: string };
  /** The collection agency collecting for the creditor, when the profile names one. */
  readonly collector?: MessageParty;
  /** What a debt collector's validation notice states (`validation-notice`, US Regulation F §1006.34). */
  readonly validationNotice?: ValidationNoticeFacts;
}

/**
 * The figures and dates of a validation notice: the itemization date and the amount then, the
 * interest, fees, payments and credits since, the current amount (the ledger's, reconciled:
 * `itemizeDebt`), and the last day of the validation period in the debtor's zone (all dates
 * `YYYY-MM-DD`, amounts in minor units of `currency`).
 */
export interface ValidationNoticeFacts extends DebtItemization {
  readonly periodEnd: string;
}

/** A legal person a message names: its legal name and tax id. */
export interface MessageParty {
  readonly name: string;
  readonly taxIdKind: string;
  readonly taxId: string;
}

export interface RenderRequest {
  readonly template: TemplateSource;
  readonly locale: Locale;
  readonly channel: Channel;
  readonly pack: Pick<RulePack, 'jurisdiction' | 'optOutNotice' | 'creditorIdentification'>;
  readonly variables: MessageVariables;
  /** Where the debtor opts out of electronic messages (linked from e-mail). */
  readonly optOutUrl: string;
  /**
   * SMS: the signed link the message gives to opt out by when it goes from a one-way sender (an
   * alphanumeric id, which takes no "reply STOP"); absent where none can be made.
   */
  readonly oneWayOptOutUrl?: string;
}

export interface RenderedMessage {
  readonly subject?: string;
  readonly body: string;
  /** Id of the pack rule that made the opt-out line necessary, if one did. */
  readonly optOutRule?: string;
  /**
   * SMS with an opt-out line: the same message for a one-way sender, its line the link
   * (`oneWayOptOutUrl`) instead of "reply STOP"; absent without the link (`body` asks for a reply).
   */
  readonly oneWayBody?: string;
  /** Id of the pack rule that made the creditor's identification necessary, if one did. */
  readonly creditorRule?: string;
}

/** Every jurisdiction is a country: its ISO code is the locale's region (`es-ES`, `pt-BR`). */
const REGION = (jurisdiction: Jurisdiction): string => jurisdiction;

/**
 * How to opt out, per locale: e-mail links to the page; text channels take a reply, except an SMS
 * from a one-way sender (an alphanumeric id), which links to the page too (`oneWay`).
 */
const OPT_OUT_LINES: Readonly<
  Record<Locale, { readonly email: string; readonly text: string; readonly oneWay: string }>
> = {
  es: {
    email: 'Para dejar de recibir estos correos, visita {url}',
    text: 'Para no recibir más mensajes por este medio, responde STOP',
    oneWay: 'Para no recibir más mensajes por este medio, visita {url}',
  },
  pt: {
    email: 'Para deixar de receber estes e-mails, acesse {url}',
    text: 'Para não receber mais mensagens por este canal, responda STOP',
    oneWay: 'Para não receber mais mensagens por este canal, acesse {url}',
  },
  en: {
    email: 'To stop receiving these e-mails, visit {url}',
    text: 'To stop receiving messages on this channel, reply STOP',
    oneWay: 'To stop receiving messages on this channel, visit {url}',
  },
  fr: {
    email: 'Pour ne plus recevoir ces e-mails, rendez-vous sur {url}',
    text: 'Pour ne plus recevoir de messages par ce canal, répondez STOP',
    oneWay: 'Pour ne plus recevoir de messages par ce canal, rendez-vous sur {url}',
  },
  de: {
    email: 'Wenn Sie diese E-Mails nicht mehr erhalten möchten, besuchen Sie {url}',
    text: 'Wenn Sie über diesen Kanal keine Nachrichten mehr erhalten möchten, antworten Sie mit STOP',
    oneWay: 'Wenn Sie über diesen Kanal keine Nachrichten mehr erhalten möchten, besuchen Sie {url}',
  },
  it: {
    email: 'Per non ricevere più queste e-mail, visiti {url}',
    text: 'Per non ricevere più messaggi su questo canale, risponda STOP',
    oneWay: 'Per non ricevere più messaggi su questo canale, visiti {url}',
  },
  nl: {
    email: 'Wilt u deze e-mails niet meer ontvangen? Ga naar {url}',
    text: 'Wilt u via dit kanaal geen berichten meer ontvangen? Antwoord STOP',
    oneWay: 'Wilt u via dit kanaal geen berichten meer ontvangen? Ga naar {url}',
  },
  pl: {
    email: 'Aby zrezygnować z otrzymywania tych wiadomości e-mail, prosimy wejść na stronę {url}',
    text: 'Aby nie otrzymywać więcej wiadomości tym kanałem, prosimy odpowiedzieć STOP',
    oneWay: 'Aby nie otrzymywać więcej wiadomości tym kanałem, prosimy wejść na stronę {url}',
  },
};

interface RenderData {
  readonly intlLocale: string;
  readonly timeZone: string;
}

const CIVIL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One isolated Handlebars: strict (a missing variable is an error, not a blank), plain text. */
const handlebars = Handlebars.create();
handlebars.registerHelper(
  'money',
  function (amountMinor: unknown, currency: unknown, options: Handlebars.HelperOptions) {
    const { intlLocale } = (options.data as { render: RenderData }).render;
    if (typeof amountMinor !== 'number' || typeof currency !== 'string') {
      throw new TypeError('money takes an amount in minor units and a currency code');
    }
    return formatMessageMoney(amountMinor, currency, intlLocale);
  },
);
handlebars.registerHelper('date', function (value: unknown, options: Handlebars.HelperOptions) {
  const { intlLocale, timeZone } = (options.data as { render: RenderData }).render;
  if (typeof value === 'string' && CIVIL_DATE.test(value)) {
    return new Intl.DateTimeFormat(intlLocale, { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(`${value}T00:00:00Z`),
    );
  }
  if (value instanceof Date) {
    return new Intl.DateTimeFormat(intlLocale, { dateStyle: 'long', timeZone }).format(value);
  }
  throw new TypeError('date takes a YYYY-MM-DD civil date or an instant');
});

/** `(eq a b)`: whether two values are the same, e.g. which reference an itemization date is. */
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);

const compiled = new Map<string, Handlebars.TemplateDelegate>();
function compile(text: string): Handlebars.TemplateDelegate {
  let template = compiled.get(text);
  if (!template) {
    template = handlebars.compile(text, { strict: true, noEscape: true });
    compiled.set(text, template);
  }
  return template;
}

/** Channels with room for the creditor's full identification (address and phone too). */
const DOCUMENT_CHANNELS: readonly Channel[] = ['email', 'letter'];

/**
 * Whether `variables` hold what the pack's creditor-identification rule wants printed on
 * `channel` (the contact law refuses the contact before it comes to this; a profile changed in
 * between is caught here). True where the pack has no such rule.
 */
export function creditorIdentifiable(
  pack: Pick<RulePack, 'creditorIdentification'>,
  channel: Channel,
  variables: Pick<MessageVariables, 'creditor'>,
): boolean {
  const rule = pack.creditorIdentification;
  if (!rule || !rule.channels.includes(channel)) return true;
  const creditor = variables.creditor;
  if (!creditor || !(rule.taxIdKinds as readonly string[]).includes(creditor.taxIdKind)) return false;
  const details = rule.alsoRequires.filter((r) => r.channels.includes(channel)).flatMap((r) => r.details);
  return !(details.includes('postal-address') && !creditor.address) && !(details.includes('phone') && !creditor.phone);
}

/**
 * Renders a template in the debtor's locale: money per currency and locale, dates in the debtor's
 * time zone, the creditor's identification (`CREDITOR_LINES`: name and tax id on SMS and WhatsApp,
 * address and phone too on e-mail and letters, and the collector when there is one) where the pack
 * requires the creditor named, and the opt-out line on the channels where it requires one (an SMS
 * also with the line a one-way sender's message carries instead: `oneWayBody`).
 */
export function renderMessage(request: RenderRequest): RenderedMessage {
  const { template, locale, channel, pack, variables } = request;
  const source = template[locale];
  const render: RenderData = {
    intlLocale: `${locale}-${REGION(pack.jurisdiction)}`,
    timeZone: variables.debtor.timeZone,
  };
  const run = (text: string) => compile(text)(variables, { data: { render } });
  let body = run(source.body);
  const identify = pack.creditorIdentification;
  const identifyHere = identify !== undefined && identify.channels.includes(channel);
  if (identifyHere) {
    if (!creditorIdentifiable(pack, channel, variables))
      throw new TypeError(`${identify.id}: the creditor's identification is not configured`);
    const lines = CREDITOR_LINES[locale];
    body += `\n\n${run(DOCUMENT_CHANNELS.includes(channel) ? lines.document : lines.short)}`;
  }
  const notice = pack.optOutNotice;
  const optOutRequired = notice !== undefined && notice.channels.includes(channel);
  let oneWayBody: string | undefined;
  if (optOutRequired) {
    const lines = OPT_OUT_LINES[locale];
    if (channel === 'sms' && request.oneWayOptOutUrl !== undefined)
      oneWayBody = `${body}\n\n${lines.oneWay.replace('{url}', request.oneWayOptOutUrl)}`;
    body += `\n\n${(channel === 'email' ? lines.email : lines.text).replace('{url}', request.optOutUrl)}`;
  }
  return {
    ...(source.subject !== undefined && (channel === 'email' || channel === 'letter')
      ? { subject: run(source.subject) }
      : {}),
    body,
    ...(optOutRequired ? { optOutRule: notice.id } : {}),
    ...(oneWayBody !== undefined ? { oneWayBody } : {}),
    ...(identifyHere ? { creditorRule: identify.id } : {}),
  };
}

/**
 * The body parameters of the provider-approved WhatsApp template (`{{1}}` the debtor's first name,
 * `{{2}}` the account reference, `{{3}}` the payment link) and, where the pack made the message name
 * the creditor, `{{4}}` its short identification (`CREDITOR_LINES.short`: name and tax id, and the
 * collector's). Templates with `{{4}}` must be approved again on Meta's side before BR or MX sends.
 */
export function whatsAppParameters(
  locale: Locale,
  variables: MessageVariables,
  rendered: Pick<RenderedMessage, 'creditorRule'>,
): string[] {
  const parameters = [variables.debtor.firstName, variables.account.reference, variables.paymentLink.url];
  if (rendered.creditorRule === undefined) return parameters;
  const render: RenderData = { intlLocale: locale, timeZone: variables.debtor.timeZone };
  return [...parameters, compile(CREDITOR_LINES[locale].short)(variables, { data: { render } })];
}
