import { LOCALES, Locale, OptOutLinkChannel } from '../templates/domain';

/** The pages an opt-out link answers with (`opt-out-link.controller.ts`). */
export const OPT_OUT_PAGES = ['confirm', 'done', 'invalid', 'unknown', 'slowDown', 'error'] as const;
export type OptOutPage = (typeof OPT_OUT_PAGES)[number];

interface PageText {
  readonly title: string;
  readonly text: string;
}

/** A page's words in one locale: the confirmation's button, the error's "reference" before its id. */
type PageTexts = {
  readonly [P in OptOutPage]: PageText &
    (P extends 'confirm' ? { readonly button: string } : unknown) &
    (P extends 'error' ? { readonly reference: string } : unknown);
};

/**
 * Every page in every locale the e-mails are written in (`LOCALES`; the e-mail's own opt-out line
 * is `OPT_OUT_LINES` of `message.renderer.ts`, in the same register: `tú` in Spanish, `vous`, `Sie`,
 * `Lei`, `u`). Nothing personal on any of them: the page names no address and no debtor.
 */
export const OPT_OUT_PAGE_TEXTS: Readonly<Record<Locale, PageTexts>> = {
  es: {
    confirm: {
      title: 'Dejar de recibir estos correos',
      text: 'Pulsa el botón para dejar de recibir estos correos en tu dirección.',
      button: 'Dejar de recibir estos correos',
    },
    done: { title: 'Ya no recibirás estos correos', text: 'Tu dirección ya no recibirá estos correos.' },
    invalid: { title: 'Este enlace no es válido', text: 'Este enlace no es válido.' },
    unknown: { title: 'Este enlace no es conocido', text: 'Este enlace no es conocido.' },
    slowDown: { title: 'Demasiadas solicitudes', text: 'Inténtalo de nuevo en un momento.' },
    error: {
      title: 'Algo salió mal',
      text: 'No pudimos atender tu solicitud. Inténtalo de nuevo más tarde.',
      reference: 'Referencia',
    },
  },
  pt: {
    confirm: {
      title: 'Deixar de receber estes e-mails',
      text: 'Clique no botão para deixar de receber estes e-mails no seu endereço.',
      button: 'Deixar de receber estes e-mails',
    },
    done: { title: 'Você não receberá mais estes e-mails', text: 'Seu endereço não receberá mais estes e-mails.' },
    invalid: { title: 'Este link não é válido', text: 'Este link não é válido.' },
    unknown: { title: 'Este link não é conhecido', text: 'Este link não é conhecido.' },
    slowDown: { title: 'Solicitações demais', text: 'Tente novamente em instantes.' },
    error: {
      title: 'Algo deu errado',
      text: 'Não foi possível atender à sua solicitação. Tente novamente mais tarde.',
      reference: 'Referência',
    },
  },
  en: {
    confirm: {
      title: 'Stop these e-mails',
      text: 'Press the button to stop receiving these e-mails at your address.',
      button: 'Stop receiving these e-mails',
    },
    done: { title: 'You will not receive these e-mails any more', text: 'Your address is opted out of these e-mails.' },
    invalid: { title: 'This link is not valid', text: 'This link is not valid.' },
    unknown: { title: 'This link is not known', text: 'This link is not known.' },
    slowDown: { title: 'Too many requests', text: 'Please try again in a moment.' },
    error: {
      title: 'Something went wrong',
      text: 'We could not handle your request. Please try again later.',
      reference: 'Reference',
    },
  },
  fr: {
    confirm: {
      title: 'Ne plus recevoir ces e-mails',
      text: 'Appuyez sur le bouton pour ne plus recevoir ces e-mails à votre adresse.',
      button: 'Ne plus recevoir ces e-mails',
    },
    done: { title: 'Vous ne recevrez plus ces e-mails', text: 'Votre adresse ne recevra plus ces e-mails.' },
    invalid: { title: 'Ce lien n’est pas valide', text: 'Ce lien n’est pas valide.' },
    unknown: { title: 'Ce lien n’est pas connu', text: 'Ce lien n’est pas connu.' },
    slowDown: { title: 'Trop de demandes', text: 'Veuillez réessayer dans un instant.' },
    error: {
      title: 'Une erreur est survenue',
      text: 'Nous n’avons pas pu traiter votre demande. Veuillez réessayer plus tard.',
      reference: 'Référence',
    },
  },
  de: {
    confirm: {
      title: 'Diese E-Mails abbestellen',
      text: 'Drücken Sie die Schaltfläche, um diese E-Mails an Ihre Adresse nicht mehr zu erhalten.',
      button: 'Diese E-Mails nicht mehr erhalten',
    },
    done: {
      title: 'Sie erhalten diese E-Mails nicht mehr',
      text: 'Ihre Adresse erhält diese E-Mails nicht mehr.',
    },
    invalid: { title: 'Dieser Link ist ungültig', text: 'Dieser Link ist ungültig.' },
    unknown: { title: 'Dieser Link ist nicht bekannt', text: 'Dieser Link ist nicht bekannt.' },
    slowDown: { title: 'Zu viele Anfragen', text: 'Bitte versuchen Sie es gleich noch einmal.' },
    error: {
      title: 'Etwas ist schiefgelaufen',
      text: 'Wir konnten Ihre Anfrage nicht bearbeiten. Bitte versuchen Sie es später noch einmal.',
      reference: 'Referenz',
    },
  },
  it: {
    confirm: {
      title: 'Non ricevere più queste e-mail',
      text: 'Prema il pulsante per non ricevere più queste e-mail al Suo indirizzo.',
      button: 'Non ricevere più queste e-mail',
    },
    done: { title: 'Non riceverà più queste e-mail', text: 'Il Suo indirizzo non riceverà più queste e-mail.' },
    invalid: { title: 'Questo link non è valido', text: 'Questo link non è valido.' },
    unknown: { title: 'Questo link non è riconosciuto', text: 'Questo link non è riconosciuto.' },
    slowDown: { title: 'Troppe richieste', text: 'Riprovi tra un momento.' },
    error: {
      title: 'Si è verificato un errore',
      text: 'Non è stato possibile elaborare la Sua richiesta. Riprovi più tardi.',
      reference: 'Riferimento',
    },
  },
  nl: {
    confirm: {
      title: 'Deze e-mails niet meer ontvangen',
      text: 'Druk op de knop om deze e-mails niet meer op uw adres te ontvangen.',
      button: 'Deze e-mails niet meer ontvangen',
    },
    done: { title: 'U ontvangt deze e-mails niet meer', text: 'Uw adres ontvangt deze e-mails niet meer.' },
    invalid: { title: 'Deze link is niet geldig', text: 'Deze link is niet geldig.' },
    unknown: { title: 'Deze link is niet bekend', text: 'Deze link is niet bekend.' },
    slowDown: { title: 'Te veel verzoeken', text: 'Probeer het over een moment opnieuw.' },
    error: {
      title: 'Er is iets misgegaan',
      text: 'We konden uw verzoek niet verwerken. Probeer het later opnieuw.',
      reference: 'Referentie',
    },
  },
  pl: {
    confirm: {
      title: 'Rezygnacja z tych wiadomości e-mail',
      text: 'Prosimy nacisnąć przycisk, aby nie otrzymywać więcej tych wiadomości e-mail na swój adres.',
      button: 'Nie chcę otrzymywać tych wiadomości e-mail',
    },
    done: {
      title: 'Nie będą Państwo już otrzymywać tych wiadomości e-mail',
      text: 'Na Państwa adres nie będą już wysyłane te wiadomości e-mail.',
    },
    invalid: { title: 'Ten link jest nieprawidłowy', text: 'Ten link jest nieprawidłowy.' },
    unknown: { title: 'Ten link jest nieznany', text: 'Ten link jest nieznany.' },
    slowDown: { title: 'Zbyt wiele żądań', text: 'Prosimy spróbować ponownie za chwilę.' },
    error: {
      title: 'Coś poszło nie tak',
      text: 'Nie udało się obsłużyć żądania. Prosimy spróbować ponownie później.',
      reference: 'Numer referencyjny',
    },
  },
};

/**
 * The pages that name what is stopped, for an SMS's link (sent from a one-way sender, which takes
 * no "reply STOP"): text messages to a number, where `OPT_OUT_PAGE_TEXTS` says e-mails to an address.
 */
export const SMS_OPT_OUT_PAGE_TEXTS: Readonly<Record<Locale, Pick<PageTexts, 'confirm' | 'done'>>> = {
  es: {
    confirm: {
      title: 'Dejar de recibir estos mensajes',
      text: 'Pulsa el botón para dejar de recibir estos mensajes de texto en tu número.',
      button: 'Dejar de recibir estos mensajes',
    },
    done: { title: 'Ya no recibirás estos mensajes', text: 'Tu número ya no recibirá estos mensajes de texto.' },
  },
  pt: {
    confirm: {
      title: 'Deixar de receber estas mensagens',
      text: 'Clique no botão para deixar de receber estas mensagens de texto no seu número.',
      button: 'Deixar de receber estas mensagens',
    },
    done: {
      title: 'Você não receberá mais estas mensagens',
      text: 'Seu número não receberá mais estas mensagens de texto.',
    },
  },
  en: {
    confirm: {
      title: 'Stop these text messages',
      text: 'Press the button to stop receiving these text messages at your number.',
      button: 'Stop receiving these text messages',
    },
    done: {
      title: 'You will not receive these text messages any more',
      text: 'Your number is opted out of these text messages.',
    },
  },
  fr: {
    confirm: {
      title: 'Ne plus recevoir ces SMS',
      text: 'Appuyez sur le bouton pour ne plus recevoir ces SMS à votre numéro.',
      button: 'Ne plus recevoir ces SMS',
    },
    done: { title: 'Vous ne recevrez plus ces SMS', text: 'Votre numéro ne recevra plus ces SMS.' },
  },
  de: {
    confirm: {
      title: 'Diese SMS abbestellen',
      text: 'Drücken Sie die Schaltfläche, um diese SMS an Ihre Nummer nicht mehr zu erhalten.',
      button: 'Diese SMS nicht mehr erhalten',
    },
    done: { title: 'Sie erhalten diese SMS nicht mehr', text: 'Ihre Nummer erhält diese SMS nicht mehr.' },
  },
  it: {
    confirm: {
      title: 'Non ricevere più questi SMS',
      text: 'Prema il pulsante per non ricevere più questi SMS al Suo numero.',
      button: 'Non ricevere più questi SMS',
    },
    done: { title: 'Non riceverà più questi SMS', text: 'Il Suo numero non riceverà più questi SMS.' },
  },
  nl: {
    confirm: {
      title: 'Deze sms-berichten niet meer ontvangen',
      text: 'Druk op de knop om deze sms-berichten niet meer op uw nummer te ontvangen.',
      button: 'Deze sms-berichten niet meer ontvangen',
    },
    done: {
      title: 'U ontvangt deze sms-berichten niet meer',
      text: 'Uw nummer ontvangt deze sms-berichten niet meer.',
    },
  },
  pl: {
    confirm: {
      title: 'Rezygnacja z tych SMS-ów',
      text: 'Prosimy nacisnąć przycisk, aby nie otrzymywać więcej tych SMS-ów na swój numer.',
      button: 'Nie chcę otrzymywać tych SMS-ów',
    },
    done: {
      title: 'Nie będą Państwo już otrzymywać tych SMS-ów',
      text: 'Na Państwa numer nie będą już wysyłane te SMS-y.',
    },
  },
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * One page in one locale, its texts HTML-escaped and its `lang` the locale's. The confirmation is
 * one button, which POSTs to the same link; the error page names its error id (the log line's).
 * `channel`: the link's (an SMS's pages speak of text messages, `SMS_OPT_OUT_PAGE_TEXTS`).
 */
export function renderOptOutPage(
  page: OptOutPage,
  locale: Locale,
  errorId?: string,
  channel: OptOutLinkChannel = 'email',
): string {
  const texts: PageTexts =
    channel === 'sms'
      ? { ...OPT_OUT_PAGE_TEXTS[locale], ...SMS_OPT_OUT_PAGE_TEXTS[locale] }
      : OPT_OUT_PAGE_TEXTS[locale];
  const { title, text } = texts[page];
  let body = `<p>${escapeHtml(text)}</p>`;
  if (page === 'confirm')
    body += `<form method="post"><button type="submit">${escapeHtml(texts.confirm.button)}</button></form>`;
  if (page === 'error' && errorId) body += `<p>${escapeHtml(texts.error.reference)}: ${escapeHtml(errorId)}</p>`;
  return (
    `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
  );
}

/**
 * The locale a request's `Accept-Language` prefers among `LOCALES` (`pt-BR` is `pt`; by `q`, then
 * order; `q=0` is "not this"), or undefined where it names none of them.
 */
export function localeOfAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranges = header.split(',').flatMap((part, order) => {
    const [tag, ...params] = part.trim().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const locale = tag.trim().split('-')[0].toLowerCase();
    return Number.isFinite(q) && q > 0 && (LOCALES as readonly string[]).includes(locale)
      ? [{ locale: locale as Locale, q, order }]
      : [];
  });
  ranges.sort((a, b) => b.q - a.q || a.order - b.order);
  return ranges[0]?.locale;
}
