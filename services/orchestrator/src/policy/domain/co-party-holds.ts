import { BankruptcyChapter, ContactCase } from './contact-case.types';
import { CoPartyHoldRule } from './rule-pack.types';

type CoPartyFacts = Pick<ContactCase, 'coPartyHolds' | 'coPartyBankruptcyChapters'>;

/**
 * Whether another party's hold of `rule.hold` (among `facts.coPartyHolds`) stops contact about the
 * shared account: a rule without `bankruptcyChapters` always does; one with them (the US co-debtor
 * stay) where some co-party's bankruptcy is under one of those chapters or has no chapter on record
 * (the conservative reading), not where every one is under another chapter (7, 11: their stay
 * protects only the debtor in bankruptcy). The contact law and `holdsOnAccount` both ask it.
 */
export function coPartyHoldStops(rule: CoPartyHoldRule, facts: CoPartyFacts): boolean {
  if (!facts.coPartyHolds?.includes(rule.hold)) return false;
  if (!rule.bankruptcyChapters) return true;
  return stayingChapters(rule, facts).length > 0;
}

/** What the refusal says stops contact: the hold, and for a chapter-bound rule the chapters that stay it. */
export function coPartyHoldWords(rule: CoPartyHoldRule, facts: CoPartyFacts): string {
  if (!rule.bankruptcyChapters) return rule.hold;
  const chapters = stayingChapters(rule, facts);
  const known = chapters.filter((c): c is BankruptcyChapter => c !== null);
  const words = known.length ? [`chapter ${known.join(', ')}`] : [];
  if (chapters.includes(null)) words.push('chapter not on record');
  return `${rule.hold} (${words.join('; ')})`;
}

/** The co-parties' chapters that stay collection under `rule`; `null`: one not on record. */
function stayingChapters(rule: CoPartyHoldRule, facts: CoPartyFacts): (BankruptcyChapter | null)[] {
  const onRecord = facts.coPartyBankruptcyChapters?.length ? facts.coPartyBankruptcyChapters : [null];
  return [...new Set(onRecord)]
    .filter((c) => c === null || rule.bankruptcyChapters!.includes(c))
    .sort((a, b) => (a ?? 0) - (b ?? 0));
}
