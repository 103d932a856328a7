import Handlebars from 'handlebars';
import { Channel, Jurisdiction, RulePack } from '../../policy/domain';
import { formatMessageMoney } from './message-money.format';
import { Locale, TemplateSource } from './template.catalogue';

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
}

export interface RenderRequest {
  readonly template: TemplateSource;
  readonly locale: Locale;
  readonly channel: Channel;
  readonly pack: Pick<RulePack, 'jurisdiction' | 'optOutNotice'>;
  readonly variables: MessageVariables;
  /** Where the debtor opts out of electronic messages (linked from e-mail). */
  readonly optOutUrl: string;
}

export interface RenderedMessage {
  readonly subject?: string;
  readonly body: string;
  /** Id of the pack rule that made the opt-out line necessary, if one did. */
  readonly optOutRule?: string;
}

const REGION: Readonly<Record<Jurisdiction, string>> = {
  US: 'US',
  CO: 'CO',
  MX: 'MX',
  CL: 'CL',
  PE: 'PE',
  BR: 'BR',
  EC: 'EC',
};

/** How to opt out, per locale: e-mail links to the page; text channels take a reply. */
const OPT_OUT_LINES: Readonly<Record<Locale, { readonly email: string; readonly text: string }>> = {
  es: {
    email: 'Para dejar de recibir estos correos, visita {url}',
    text: 'Para no recibir más mensajes por este medio, responde STOP',
  },
  pt: {
    email: 'Para deixar de receber estes e-mails, acesse {url}',
    text: 'Para não receber mais mensagens por este canal, responda STOP',
  },
  en: {
    email: 'To stop receiving these e-mails, visit {url}',
    text: 'To stop receiving messages on this channel, reply STOP',
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

const compiled = new Map<string, Handlebars.TemplateDelegate>();
function compile(text: string): Handlebars.TemplateDelegate {
  let template = compiled.get(text);
  if (!template) {
    template = handlebars.compile(text, { strict: true, noEscape: true });
    compiled.set(text, template);
  }
  return template;
}

/**
 * Renders a template in the debtor's locale: money per currency and locale, dates in the debtor's
 * time zone, and the opt-out line on the channels where the jurisdiction's pack requires it.
 */
export function renderMessage(request: RenderRequest): RenderedMessage {
  const { template, locale, channel, pack, variables } = request;
  const source = template[locale];
  const render: RenderData = {
    intlLocale: `${locale}-${REGION[pack.jurisdiction]}`,
    timeZone: variables.debtor.timeZone,
  };
  const run = (text: string) => compile(text)(variables, { data: { render } });
  let body = run(source.body);
  const notice = pack.optOutNotice;
  const optOutRequired = notice !== undefined && notice.channels.includes(channel);
  if (optOutRequired) {
    const lines = OPT_OUT_LINES[locale];
    body += `\n\n${(channel === 'email' ? lines.email : lines.text).replace('{url}', request.optOutUrl)}`;
  }
  return {
    ...(source.subject !== undefined && (channel === 'email' || channel === 'letter')
      ? { subject: run(source.subject) }
      : {}),
    body,
    ...(optOutRequired ? { optOutRule: notice.id } : {}),
  };
}
