import { normalizeReply } from './payment-intent.parser';

/**
 * What a debtor says (in a reply or on a call) when they dispute the debt, in Spanish, Portuguese
 * and English, as `normalizeReply` leaves it (lower case, no accents) with its spaces collapsed.
 * Broad on purpose: a dispute stops contact until the debt is verified (Regulation F / FDCPA
 * §1692g(b)), so a reply read as one when it was not costs a verification, and one missed costs a
 * contact the law forbids.
 */
const DISPUTE = new RegExp(
  [
    // Spanish: "no debo nada", "no le debo", "no reconozco esta deuda", "desconozco ese cobro",
    // "no es mi deuda", "esa deuda no es mía", "la disputo", "impugno", "es un fraude / una estafa",
    // "nunca saqué ese crédito", "suplantación / robo de identidad".
    String.raw`no (la |lo |le |les |te )?debo`,
    String.raw`no (la |lo )?reconozco`,
    String.raw`desconozco`,
    String.raw`no (es|son) mi (deuda|cuenta|credito|prestamo|tarjeta|factura|obligacion|cobro)`,
    String.raw`no (es|son) (mia|mio|mias|mios)`,
    String.raw`disput(a|o|amos|ar)`,
    String.raw`impugn(o|amos|ar)`,
    String.raw`fraude`,
    String.raw`estafa`,
    // "Nunca tuve" alone is also "nunca tuve dinero": having counts only with what was had.
    String.raw`nunca (he )?(tuve|tenido) ((esa|esta|ese|este|una|un|la|el|ninguna|ningun) )?(deuda|cuenta|credito|prestamo|tarjeta)`,
    String.raw`nunca (he )?(abri|abierto|saque|sacado|pedi|pedido|solicite|solicitado|firme|firmado)`,
    String.raw`suplantacion`,
    String.raw`robo de identidad`,
    // Portuguese: "não devo", "não reconheço essa dívida", "desconheço", "não é minha dívida",
    // "essa dívida não é minha", "contesto essa dívida", "é golpe", "nunca contratei".
    String.raw`nao (a |o )?(devo|reconheco)`,
    String.raw`desconheco`,
    String.raw`nao e (minha|meu|minhas|meus)`,
    // "contesto" alone is Spanish for "I answer": only contesting the debt or charge counts.
    String.raw`contest(o|amos|ar|ando) (a |essa |esta |esse |este |o )?(divida|cobranca|debito|valor|conta)`,
    String.raw`contestacao`,
    String.raw`golpe`,
    String.raw`nunca (tive|fiz) ((essa|esta|esse|este|uma|um|a|o|nenhuma|nenhum) )?(divida|conta|cartao|emprestimo|credito|financiamento)`,
    String.raw`nunca (abri|contratei|pedi|solicitei|assinei)`,
    // English: "I don't owe this", "not my debt", "this debt is not mine", "I dispute this",
    // "I don't recognise this", "fraud", "a scam", "identity theft", "I never opened it".
    String.raw`(don't|dont|do not) owe`,
    String.raw`not my (debt|account|loan|card|bill)`,
    String.raw`(not|isn't|isnt|aren't|arent) mine`,
    String.raw`disput(e|es|ed|ing)`,
    String.raw`(don't|dont|do not) recogni[sz]e`,
    String.raw`fraud(ulent)?`,
    String.raw`scam`,
    String.raw`identity theft`,
    // "Never had" alone is also "never had the money": having counts only with what was had.
    String.raw`never had ((this|that|an|a|the|any) )?(account|loan|card|debt|credit)`,
    String.raw`never (opened|took out|signed|applied|borrowed)`,
  ]
    .map((p) => `(${p})`)
    .join('|')
    .replace(/^/, String.raw`\b(`)
    .concat(String.raw`)\b`),
);

/**
 * Phrases that name a dispute only to deny it: "no es fraude", "não é golpe", "it's not a scam",
 * "no la disputo", "I don't dispute it". Blanked out before DISPUTE is read, so the rest of the
 * reply still counts ("not a scam, but I never opened this account" is a dispute). Only what
 * clearly denies the dispute word right next to it: anything looser stays a dispute.
 */
const DENIED_DISPUTE = new RegExp(
  [
    String.raw`no (es|era|hay) (un |una )?(fraude|estafa|disputa)`,
    String.raw`no (la |lo |le )?(disputo|impugno)`,
    String.raw`nao (e|foi|ha) (um |uma )?(fraude|golpe)`,
    String.raw`nao (a |o )?contesto`,
    String.raw`(not|isn't|isnt|is not|it's not|its not|wasn't|was not) (a |an )?(fraud|scam)`,
    String.raw`(i )?(don't|dont|do not|won't|wont|will not) dispute`,
    String.raw`no dispute`,
  ]
    .map((p) => `(${p})`)
    .join('|')
    .replace(/^/, String.raw`\b(`)
    .concat(String.raw`)\b`),
  'g',
);

/**
 * Whether a debtor's words dispute the debt ("No reconozco esta deuda", "não é minha dívida",
 * "I don't owe this", "fraud"), whatever their case or accents. A phrase denied next to it ("no es
 * fraude, voy a pagar el lunes") does not count; when in doubt, it is a dispute. The one list for
 * SMS, WhatsApp and e-mail replies (`decideReply`) and voice-bot calls (`voiceCallOutcome`).
 */
export function saysDispute(text: string): boolean {
  const said = normalizeReply(text).replace(/\s+/g, ' ').replace(DENIED_DISPUTE, ' ');
  return DISPUTE.test(said);
}
