import { normalizeReply } from './payment-intent.parser';

/**
 * What a debtor says (in a reply or on a call) when they dispute the debt, in Spanish, Portuguese,
 * English, French, German, Italian, Dutch and Polish, as `normalizeReply` leaves it (lower case, no accents) with its spaces collapsed.
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
    // French: "je ne dois rien", "je ne vous dois pas cette somme", "je ne reconnais pas cette
    // dette", "ce n'est pas ma dette", "je conteste", "arnaque", "usurpation d'identité", "je n'ai
    // jamais ouvert ce compte". "Je ne dois pas" alone is also "I must not": only with what is owed.
    String.raw`dois rien`,
    String.raw`ne (vous |te |leur |lui )?dois pas (cette|ce|cet|ces|cela|ca|d'argent|un centime|un euro)`,
    String.raw`(la |le |les )?reconnais pas`,
    String.raw`(n'est|est|ne sont|sont) pas (ma|mon|mes) (dette|dettes|compte|credit|pret|facture|carte|contrat|creance)`,
    String.raw`(n'est|est) pas (a moi|la mienne|le mien)`,
    String.raw`je (la |le |les )?conteste`,
    String.raw`contest(er|ons|e) (cette|ce|cet|ces) (dette|creance|facture|somme|montant|prelevement|credit)`,
    String.raw`contestation`,
    String.raw`arnaque`,
    String.raw`escroquerie`,
    String.raw`usurpation d'identite`,
    String.raw`vol d'identite`,
    String.raw`jamais (ouvert|signe|souscrit|contracte|demande|emprunte|eu (de |ce |cette |cet |un |une )?(compte|credit|pret|carte|contrat|dette))`,
    // German: "ich schulde Ihnen nichts", "ich erkenne die Forderung nicht an", "das sind nicht meine
    // Schulden", "ich widerspreche", "ich bestreite die Forderung", "Betrug", "Identitätsdiebstahl".
    // "Nicht meine Schuld" is also "not my fault": a dispute when alone (when in doubt, a dispute),
    // not when a clause says what the fault is ("nicht meine Schuld, dass…", DENIED_DISPUTE).
    String.raw`schulde( [a-zß]+){0,2} (nichts|nix)`,
    String.raw`erkenne (ich |die |diese |den |diesen |das |dies |sie |es |forderung |schuld |schulden |rechnung |betrag |vertrag ){0,3}nicht an`,
    String.raw`nicht (meine|mein) (schulden|schuld|forderung|rechnung|vertrag|konto|kredit|darlehen)`,
    String.raw`(schulden|schuld|forderung|rechnung) (ist|sind) nicht (meine|von mir)`,
    String.raw`widersprech(e|en)`,
    String.raw`widerspruch`,
    String.raw`einspruch`,
    String.raw`bestreite(n)?`,
    // "betrug" is also "amounted to" ("die Rechnung betrug 50 €"): when in doubt, a dispute.
    String.raw`betrug(er|erisch|sfall)?`,
    String.raw`abzocke`,
    String.raw`identitatsdiebstahl`,
    String.raw`identitatsbetrug`,
    String.raw`(nie|niemals)( [a-zß]+){0,2} (abgeschlossen|unterschrieben|bestellt|beantragt|eroffnet)`,
    // Italian: "non devo nulla", "non riconosco questo debito", "non è il mio debito", "contesto il
    // debito", "truffa", "furto d'identità", "non ho mai aperto". "Contesto" alone is Spanish for
    // "I answer", "non devo" alone also "I must not": only with what is contested or owed.
    String.raw`non (vi |le |ti |gli )?devo (nulla|niente|alcun|un euro|soldi)`,
    String.raw`non (lo |la |li |le )?riconosco`,
    String.raw`non (e|sono) (il mio|la mia|i miei|le mie) (debito|debiti|conto|contratto|prestito|carta|fattura|credito)`,
    String.raw`(debito|debiti|conto|prestito|fattura|contratto) non (e|sono) (mio|mia|miei|mie)`,
    String.raw`contest(o|iamo|are) (il |questo |questa |la |quel |quella |l'|tale )?(debito|addebito|importo|pagamento|fattura|credito|somma|cifra|sollecito)`,
    String.raw`contestazione`,
    String.raw`truffa`,
    String.raw`frode`,
    String.raw`furto (d'|di )identita`,
    String.raw`mai (aperto|firmato|chiesto|richiesto|sottoscritto|avuto (un |una |questo |questa |nessun |nessuna )?(conto|prestito|debito|carta|contratto|finanziamento))`,
    // Dutch: "ik ben u niets verschuldigd", "ik erken deze schuld niet", "dit zijn niet mijn
    // schulden", "ik betwist", "oplichting", "fraude", "identiteitsfraude". "Niet mijn schuld" is
    // also "not my fault": read as German "nicht meine Schuld" is.
    String.raw`(niets|niks)( [a-z]+){0,2} verschuldigd`,
    String.raw`erken (ik |deze |die |de |het |dit |schuld |vordering |factuur |rekening ){0,3}niet`,
    String.raw`niet (erkend|erkennen)`,
    String.raw`niet (mijn|m'n) (schuld|schulden|rekening|lening|krediet|contract|factuur|vordering)`,
    String.raw`(is|zijn) niet (van mij|de mijne|het mijne)`,
    String.raw`betwist(en|ing)?`,
    String.raw`oplicht(ing|er|ers|erij)`,
    String.raw`identiteitsfraude`,
    String.raw`identiteitsdiefstal`,
    String.raw`nooit( [a-z]+){0,2} (geopend|afgesloten|getekend|ondertekend|aangevraagd)`,
    // Polish, as typed with or without its letters ("dług"/"dlug"): "nic nie jestem winien/winna",
    // "nie uznaję", "to nie mój dług", "kwestionuję", "oszustwo", "kradzież tożsamości", "nigdy nie
    // brałem tego kredytu". "Nie moja wina" (not my fault) is not among them.
    String.raw`nic nie (jestem |jestesmy )?([a-z]+ )?(winien|winna|winny|winni|d[lł]uzn[aeyi])`,
    String.raw`nie (jestem|jestesmy)( [a-z]+)? nic (winien|winna|winny|winni|d[lł]uzn[aeyi])`,
    String.raw`nie (jestem|jestesmy)( [a-z]+)? d[lł]uzn[aeyi]`,
    String.raw`nie uznaj(e|emy)`,
    String.raw`nie (moj|moja|moje|jest moj|jest moja|jest moje) (d[lł]ug|d[lł]ugi|konto|kredyt|pozyczka|umowa|rachunek|faktura|zobowiazanie)`,
    String.raw`(d[lł]ug|kredyt|pozyczka|rachunek|faktura|umowa) nie jest (moj|moja|moje)`,
    String.raw`(za)?kwestionuj(e|emy)`,
    String.raw`oszus(two|twem|twa|ci|t)`,
    String.raw`wy[lł]udzeni(e|a)`,
    String.raw`kradziez tozsamosci`,
    String.raw`nigdy nie (bra[lł]|podpisywa[lł]|podpisa[lł]|zaciaga[lł]|zaciagn[aeę][lł]|otwiera[lł]|otworzy[lł]|wzia[lł]|mia[lł])(em|am)`,
  ]
    .map((p) => `(${p})`)
    .join('|')
    .replace(/^/, String.raw`\b(`)
    .concat(String.raw`)\b`),
);

/**
 * Phrases that name a dispute only to deny it: "no es fraude", "não é golpe", "it's not a scam",
 * "no la disputo", "I don't dispute it", "ce n'est pas une arnaque", "kein Betrug", "non è una
 * truffa", "geen oplichting", "to nie oszustwo" — and the German and Dutch "not my fault that…"
 * ("nicht meine Schuld, dass…", "niet mijn schuld dat…"). Blanked out before DISPUTE is read, so the rest of the
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
    String.raw`(n'est|est|n'etait|etait|ce n'est|c'est) pas (une |un |d'|de )?(fraude|arnaque|escroquerie)`,
    String.raw`(la |le |les )?conteste pas`,
    String.raw`(kein|keine|keinen|nicht|nie) (betrug|abzocke|widerspruch|einspruch)`,
    String.raw`(widerspreche|bestreite) (es |das |dies |dem |der |die |forderung |rechnung |schuld ){0,3}nicht`,
    String.raw`nicht (meine|mein) schuld,? dass`,
    String.raw`non (e|era) (una |un )?(truffa|frode)`,
    String.raw`(geen|niet) (oplichting|fraude|oplichterij)`,
    String.raw`(betwist|betwisten) (ik |het |dit |dat |deze |de |schuld |vordering ){0,3}niet`,
    String.raw`niet (betwist|betwisten)`,
    String.raw`niet (mijn|m'n) schuld dat`,
    String.raw`nie (jest )?(oszustwo|oszustwem|wy[lł]udzenie)`,
    String.raw`nie (za)?kwestionuj(e|emy)`,
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
