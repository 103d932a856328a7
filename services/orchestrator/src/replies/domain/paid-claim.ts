import { normalizeReply } from './payment-intent.parser';

/** A word's edges: letters of any script (Polish "ł" is no `\w`), so `\b` would not do. */
const words = (patterns: string[], flags = '') =>
  new RegExp(String.raw`(?<!\p{L})(` + patterns.map((p) => `(${p})`).join('|') + String.raw`)(?!\p{L})`, `u${flags}`);

/**
 * What a debtor says when the debt — or part of it — is already paid, in the languages we write in,
 * as `normalizeReply` leaves it (lower case, no accents) with its spaces collapsed: a past payment
 * ("ya pagué", "I already paid", "já paguei", "déjà payé", "ho già pagato", "ich habe schon
 * bezahlt", "ik heb al betaald", "już zapłaciłem"), a debt said to be paid ("ya está pagada", "it's
 * paid off"), and a question whether a payment made has arrived ("¿ya se registró mi pago?", "did
 * you get my payment?"): each says a payment was made. Past tenses only, so a promise ("pagaré",
 * "I will pay", "je paierai") is none; where a past form is also another tense, only with what
 * makes it past ("ya pagamos", not "pagamos el viernes"; "ich habe … bezahlt", not "mein Mann
 * bezahlt am Freitag").
 */
const PAID = words([
  // Spanish. "Pagué" unaccented ("pague") is also the subjunctive — NOT_PAID blanks it after
  // "cuando", "hasta que"…; "pagamos", "depositamos"… are also the present: only after "ya".
  // "Cancele", "salde"… unaccented are also a request ("cancele mi cuenta"): only after "ya".
  String.raw`(pague|transferi)`,
  String.raw`(le|te|les) (pague|deposite|consigne|abone)`,
  String.raw`ya (lo |la |le |te |les |los |las |se )?(pague|deposite|transferi|cancele|abone|consigne|liquide|salde|pagamos|pagaron|depositamos|transferimos|cancelamos|abonamos|consignamos|liquidamos|saldamos)`,
  String.raw`(hice|hicimos|realice|realizamos|efectue|efectuamos) (el|un|la|una) (pago|abono|deposito|transferencia|consignacion)`,
  String.raw`(he|hemos|ha|han|lo he|la he|le he|te he|lo hemos|la hemos) (ya )?(pagado|cancelado|depositado|transferido|abonado|consignado|liquidado|saldado)`,
  String.raw`(esta|estan|fue|fueron|quedo|quedaron|ha sido) (ya )?(totalmente |toda )?(pagad|saldad|liquidad)[ao]s?`,
  String.raw`(ya|deuda|cuenta|cuota|factura|saldo|obligacion|credito|prestamo) (esta|fue|quedo) (ya )?cancelad[ao]`,
  String.raw`ya (esta|estan|fue) (pago|pagos|paga|pagas)`,
  // A question whether a payment made has arrived says it was made: when in doubt, a dispute.
  String.raw`se (registro|reflejo|acredito|aplico|recibio) (el |mi |nuestro )?(pago|abono|deposito|transferencia|consignacion)`,
  String.raw`(el|mi|nuestro) (pago|abono|deposito|transferencia|consignacion) (ya )?(se )?(registro|reflejo|acredito|aplico)`,
  String.raw`(recibieron|recibio|recibiste|les llego|le llego) (el |mi |nuestro )(pago|abono|deposito|transferencia|consignacion)`,
  // Portuguese: "já paguei", "quitei", "fiz o pix", "já está pago", "receberam meu pagamento?".
  String.raw`(paguei|pagaram|quitei|quitaram|depositei|transferi|amortizei)`,
  String.raw`ja (pagou|pagamos|quitamos|depositamos|transferimos|quitou)`,
  String.raw`(fiz|fizemos|efetuei|realizei|mandei|enviei) (o |um |a |uma )?(pagamento|pix|deposito|transferencia|comprovante|boleto)`,
  String.raw`(ja|divida|conta|boleto|parcela|fatura) (esta|ta|estao|foi|foram|ficou)( ja)? (paga|pago|pagas|pagos|quitada|quitado|quitadas|quitados)`,
  String.raw`(foi|foram) (paga|pago|pagas|pagos|quitada|quitado)`,
  String.raw`(recebeu|receberam|recebeu o|receberam o|receberam a) (o |a )?(meu |minha |nosso )(pagamento|pix|deposito|transferencia)`,
  String.raw`(meu|o) (pagamento|pix|deposito) (ja )?(foi )?(caiu|compensado|registrado|confirmado|recebido)`,
  // English: "I already paid", "I paid this last week", "it's paid off", "did you get my payment?".
  String.raw`(already|just|previously) (paid|payed|settled|transferred|wired|covered)`,
  String.raw`(i|we|i've|we've|ive|weve|he|she|they|husband|wife|son|daughter|mom|dad|mother|father|partner)( (have|has|had|already|just|previously|actually|also|did))* (paid|payed|settled)`,
  String.raw`(made|sent|did|wired)( (you|the|a|my|our|this|that|full|last|final))* (payment|transfer|deposit|money|receipt|proof of payment)(?! (plan|arrangement|agreement))`,
  String.raw`(is|was|been|it's|its|it is|it was)( (already|all|fully|now|been))* (paid|settled|cleared)`,
  String.raw`paid (off|in full|up|already|last (week|month)|yesterday)`,
  String.raw`(payment|transfer|money|deposit) (was |has been |already )?(sent|made|done|completed)`,
  // A reply of one word: "Paid.", "Payé", "Bezahlt!".
  String.raw`^ ?(paid|payed|paye|payee|regle|bezahlt|gezahlt|uberwiesen|betaald|pagado|pagada)[ .!]*$`,
  String.raw`(receive|received|get|got|see|seen) (my|our) (payment|transfer|deposit)`,
  String.raw`(my|our) (payment|transfer|deposit) (go|went|gone) through`,
  String.raw`(my|our) (payment|transfer|deposit)( (was|been|has been|has|is))? (received|posted|processed|applied|credited)`,
  // French: "j'ai (déjà) payé", "déjà réglé", "c'est payé", "j'ai fait le virement", "avez-vous reçu
  // mon paiement ?". "Payé" unaccented is also "je paye" (I pay): only with what makes it past.
  String.raw`(deja|bien) (paye|payee|payes|payees|regle|reglee|regles|reglees|solde|soldee|rembourse|remboursee|vire|verse)`,
  String.raw`(j'ai|ai|as|a|avons|avez|ont|est|sont|c'est|ete|etait)( (deja|bien|tout|entierement|integralement|totalement))* (paye|payee|payes|payees|regle|reglee|regles|reglees|solde|soldee|rembourse|remboursee|vire|verse)`,
  String.raw`(fait|effectue)( (le|un|mon|ce|du))? (paiement|virement|reglement|versement|depot)`,
  String.raw`(recu|recue) (mon|le|notre) (paiement|virement|reglement|versement)`,
  String.raw`mon (paiement|virement|reglement|versement)( est)?( bien)? (arrive|passe|recu)`,
  // German: "ich habe (schon) bezahlt", "ist bezahlt", "bereits überwiesen", "haben Sie meine Zahlung
  // erhalten?". "Bezahlt" is also "er bezahlt" (he pays): only with "habe", "ist", "schon"… before it.
  String.raw`(habe|hab|haben|hat|hatte|hatten|ist|sind|war|wurde|wurden|schon|bereits|langst)( [a-z0-9ß]+){0,5} (bezahlt|gezahlt|uberwiesen|beglichen|abbezahlt|eingezahlt)`,
  String.raw`(meine|die|unsere) (zahlung|uberweisung)( [a-z]+){0,2} (erhalten|bekommen|angekommen|eingegangen|gebucht)`,
  // Italian: "ho già pagato", "è stato pagato", "ho fatto il bonifico", "avete ricevuto il mio
  // pagamento?". "Pagato", "saldato" are past participles only.
  String.raw`(pagato|pagata|pagati|pagate|saldato|saldata|saldati|bonificato)`,
  String.raw`(fatto|effettuato|eseguito|mandato|inviato)( (il|un|l'|lo))? (bonifico|pagamento|versamento)`,
  String.raw`(ricevuto|arrivato) (il mio|il nostro|il) (pagamento|bonifico|versamento)`,
  String.raw`(il mio |il )?(pagamento|bonifico|versamento) (e )?(gia )?(arrivato|stato ricevuto|ricevuto|andato a buon fine)`,
  // Dutch: "ik heb (al) betaald", "is betaald", "al overgemaakt", "is voldaan", "heeft u mijn
  // betaling ontvangen?". "Voldaan" is also "satisfied": only after "is", "al"…
  String.raw`(betaald|overgemaakt|afbetaald|overgeboekt)`,
  String.raw`(is|zijn|werd|al|reeds|heb|hebben) (al |reeds )?(voldaan|gestort)`,
  String.raw`(ik|wij|we) (betaalde|betaalden)`,
  String.raw`(mijn|de|onze) (betaling|overboeking|storting)( [a-z]+){0,2} (ontvangen|binnen|aangekomen|verwerkt)`,
  // Polish, with or without its letters: "już zapłaciłem/am", "wpłaciłam", "spłaciłem", "zrobiłem
  // przelew", "jest zapłacone", "czy dostaliście moją wpłatę?". Past forms only ("zapłacę" is a promise).
  String.raw`(za|o|s|w|do)?p[lł]aci[lł](em|am|a|o|i|y|ismy|ysmy|yscie|iscie)?`,
  String.raw`przela[lł](em|am|a|o|i|y|ismy|ysmy)?`,
  String.raw`uregulowa[lł](em|am|a|o|i|y|ismy|ysmy)?`,
  String.raw`(zrobi[lł]|wys[lł]a[lł]|wykona[lł])(em|am|a|i|y|ismy|ysmy)? (przelew|wp[lł]ate|p[lł]atnosc|potwierdzenie)`,
  String.raw`przelew (zrobi[lł]|wys[lł]a[lł]|wykona[lł])(em|am|a|i|y|ismy|ysmy)?`,
  String.raw`(za|o|s|u)?p[lł]acon(y|a|e)`,
  String.raw`uregulowan(y|a|e)`,
  String.raw`(otrzymali|otrzymaliscie|dostali|dostaliscie|doszla|doszed[lł]|dotar[lł]a|dotar[lł]|wp[lł]yn[ae][lł]a|wp[lł]yn[aeą][lł])( [a-z]+){0,2} (wp[lł]ata|wp[lł]ate|p[lł]atnosc|przelew)`,
]);

/**
 * What only looks like a claim of payment, blanked out before PAID is read: a past form denied
 * ("no he pagado", "todavía no pagué", "I haven't paid yet", "não paguei", "je n'ai pas encore payé",
 * "noch nicht bezahlt", "non ho ancora pagato", "nog niet betaald", "jeszcze nie zapłaciłem"); the
 * Spanish subjunctive of a promise ("cuando pague", "hasta que pague"); being paid one's wages
 * ("I'll pay when I get paid", "cuando me paguen", "wenn ich bezahlt werde"); and a question about
 * the balance ("¿cuánto he pagado?", "how much have I paid?").
 */
const NOT_PAID = words(
  [
    String.raw`(no|nunca|jamas|ni|tampoco)( (lo|la|le|te|les|los|las|se|me|nos|he|hemos|ha|han|has|habia|habiamos|esta|estan|fue|ha sido|totalmente|todo|toda))* (pague|deposite|transferi|cancele|abone|consigne|liquide|salde|pagamos|pagaron|pagado|pagada|pagados|pagadas|cancelado|cancelada|saldado|saldada|liquidado|liquidada|depositado|transferido|abonado|consignado|hice|hicimos|realice|efectue|pago|pagos|paga)`,
    // "Que pague" opening a reply, or after "me dijeron", is a wish or a request ("que pague mi ex");
    // after "dije" ("te dije que pagué") it stays a claim.
    String.raw`((?<!\p{L} )que|cuando|apenas|en cuanto|para que|antes de que|despues de que|hasta que|ojala|ojala que|espero que|quiere que|quieren que|quieres que|piden que|pide que|pidieron que|pidio que|dijeron que|dijo que|dicen que|necesitan que|necesita que|exigen que)( (yo|me|le|lo|la|te|se|les|los|las|nos))* (pague|deposite|cancele|abone|consigne|liquide|salde|realice|efectue)`,
    String.raw`me (pagaron|pagan|paguen|pague|pagara|pagaran|pagarem|pagaram|pagam|pagou)`,
    String.raw`cuanto (he|hemos|llevo|llevamos|e) (pagado|abonado)`,
    String.raw`(nao|nunca|nem|ainda nao)( (o|a|os|as|lhe|te|foi|foram|esta|estao|ta|tinha|tenho|ja|fiz))* (paguei|pagaram|pagou|pagamos|quitei|quitou|quitamos|depositei|transferi|paga|pago|pagas|pagos|quitada|quitado|fiz|fizemos|efetuei|realizei|mandei|enviei|recebeu|receberam|caiu|compensado|registrado)`,
    String.raw`quanto (ja )?(paguei|pagamos)`,
    String.raw`(haven't|havent|hasn't|hasnt|hadn't|hadnt|didn't|didnt|isn't|isnt|wasn't|wasnt|weren't|werent|aren't|arent|not|never)( (yet|been|already|even|ever|fully|actually|all|it|this|that))* (paid|payed|settled|sent|made|transferred|wired|covered|cleared|received|get|got|see|seen)`,
    String.raw`(get|gets|got|getting|gotten|be|being|am|i'm|im|are|i was|we were|payday) paid`,
    String.raw`paid (me|us)`,
    String.raw`if (i|we|he|she) (had )?paid`,
    String.raw`how much (have|did|had|has) (i|we|he|she)( already)? (paid|pay)`,
    String.raw`(n'ai|n'avons|n'avez|n'a|n'ont|n'est|n'etait|ne sont|pas|jamais|rien)( (encore|jamais|tout|rien|ete|pas|bien|deja|fait))* (paye|payee|payes|payees|regle|reglee|regles|reglees|solde|soldee|rembourse|remboursee|vire|verse|fait|effectue|recu|recue|arrive|passe)`,
    String.raw`(suis|serai|serais|etre|sois|serons) (paye|payee|payes|payees)`,
    String.raw`(nicht|nie|niemals|nichts|kein|keine|keinen)( [a-z0-9ß]+)? (bezahlt|gezahlt|uberwiesen|beglichen|abbezahlt|eingezahlt|erhalten|bekommen|angekommen|eingegangen|gebucht)`,
    String.raw`(bezahlt|gezahlt) (werde|werden|wird|bekomme|bekommen)`,
    String.raw`(werde|wird|werden) (ich |wir )?(bezahlt|gezahlt)`,
    String.raw`non( (ho|hai|ha|abbiamo|avete|hanno|e|sono|ancora|mai|stato|stata|stati|l'ho|lo|la|li|gli|vi|ti|mi|ci|tutto|niente|nulla|ancora))* (pagato|pagata|pagati|pagate|saldato|saldata|saldati|bonificato|fatto|effettuato|eseguito|mandato|inviato|ricevuto|arrivato)`,
    String.raw`(saro|sono|vengo|verro|venga|essere|siamo|saremo) (pagato|pagata|pagati|pagate)`,
    String.raw`quanto (ho|abbiamo) (gia )?pagato`,
    String.raw`(niet|nooit|niets|niks|geen)( [a-z]+)? (betaald|overgemaakt|afbetaald|overgeboekt|voldaan|gestort|ontvangen|binnen|aangekomen)`,
    String.raw`(betaald|overgemaakt|voldaan) (word|wordt|worden|krijg|krijgen|zijn|hebben|moet|moeten)`,
    String.raw`(word|wordt|worden) (ik |wij |we )?betaald`,
    String.raw`hoeveel (heb|hebben) (ik |wij |we )?(al )?betaald`,
    String.raw`nie( (jest|sa|zosta[lł][aoy]?|jeszcze|by[lł][aoy]?|wszystko|nic|calosci|ca[lł]osci|mam|zd[aą]zy[lł](em|am)?))* ((za|o|s|w|do)?p[lł]aci[lł](em|am|a|o|i|y|ismy|ysmy|yscie|iscie)?|przela[lł](em|am|a|o|i|y|ismy|ysmy)?|uregulowa[lł](em|am|a|o|i|y|ismy|ysmy)?|(zrobi[lł]|wys[lł]a[lł]|wykona[lł])(em|am|a|i|y|ismy|ysmy)?|(za|o|s|u)?p[lł]acon(y|a|e)|uregulowan(y|a|e)|otrzymali|otrzymaliscie|dostali|dostaliscie|doszla|dotar[lł]a)`,
    // "Będę płacił" (I will be paying), "żebym zapłacił" (so that I pay): not past.
    String.raw`(bed(e|ziemy|zie)|zebym|abym|bym|zeby|aby)( [a-z]+)? (za|o|s|w|do)?p[lł]aci[lł](em|am|a|o|i|y|ismy|ysmy)?`,
    String.raw`ile (juz )?(zap[lł]aci[lł](em|am)|wp[lł]aci[lł](em|am)|sp[lł]aci[lł](em|am))`,
  ],
  'g',
);

/**
 * Whether a debtor's words say the debt, or part of it, is already paid ("ya pagué", "I paid this
 * last week", "já paguei", "déjà payé", "ho già pagato", "ich habe schon bezahlt", "ik heb al
 * betaald", "już zapłaciłem"), whatever their case or accents — a dispute of the amount owed (FDCPA
 * §1692g(b), Regulation F): collection stops until the payment is found and the debt verified. A
 * promise ("pagaré", "I'll pay when I get paid"), a denial ("no he pagado", "I haven't paid yet") or
 * a question about the balance ("¿cuánto debo?") is none; a question whether a payment arrived ("¿ya
 * se registró mi pago?") is one.
 */
export function saysPaid(text: string): boolean {
  // "Pagó" (he/she paid) loses its accent to become "pago" (I pay): read while it still has it.
  const pago = text.normalize('NFC').replace(/(?<!\p{L})pagó(?!\p{L})/giu, 'pagué');
  const said = normalizeReply(pago).replace(/\s+/g, ' ').replace(NOT_PAID, ' ');
  return PAID.test(said);
}
