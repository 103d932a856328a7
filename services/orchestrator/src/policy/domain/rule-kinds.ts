import { RulePack } from './rule-pack.types';

/**
 * The lists of a pack (`RulePack`) whose rules a refusal can name: a rule's kind. A tenant's
 * override adds rules of its own ids to these lists, so only the pack that decided knows a rule's
 * kind (`ruleKindOf`).
 */
export type RuleKind =
  | 'contactHours'
  | 'publicHolidays'
  | 'frequencyCaps'
  | 'minimumSpacing'
  | 'channelMix'
  | 'quietPeriods'
  | 'holds'
  | 'coPartyHolds'
  | 'optOut'
  | 'consent';

/** Each pack object's rule ids with their kinds, built once per pack (a tenant's pack is kept per tenant). */
const kindsByPack = new WeakMap<RulePack, ReadonlyMap<string, RuleKind>>();

/** Every rule id of `pack` on those lists, with its kind. */
export function ruleKindsOf(pack: RulePack): ReadonlyMap<string, RuleKind> {
  let kinds = kindsByPack.get(pack);
  if (!kinds) {
    const of = (rules: readonly { id: string }[], kind: RuleKind) => rules.map((r): [string, RuleKind] => [r.id, kind]);
    kinds = new Map([
      ...of(pack.contactHours, 'contactHours'),
      ...of(pack.publicHolidays, 'publicHolidays'),
      ...of(pack.frequencyCaps, 'frequencyCaps'),
      ...of(pack.minimumSpacing, 'minimumSpacing'),
      ...of(pack.channelMix, 'channelMix'),
      ...of(pack.quietPeriods, 'quietPeriods'),
      ...of(pack.holds, 'holds'),
      ...of(pack.coPartyHolds ?? [], 'coPartyHolds'),
      ...of([pack.optOut], 'optOut'),
      ...of([pack.consent], 'consent'),
    ]);
    kindsByPack.set(pack, kinds);
  }
  return kinds;
}

/** The kind of `pack`'s rule `ruleId`; undefined for an id on none of those lists (a creditor-identification rule, ...). */
export function ruleKindOf(pack: RulePack, ruleId: string): RuleKind | undefined {
  return ruleKindsOf(pack).get(ruleId);
}
