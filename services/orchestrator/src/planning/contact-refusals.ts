import { EntityManager } from 'typeorm';
import { MetricsRegistry } from '@collections/platform';
import { afterCommit } from '@collections/runtime';
import { CHANNELS, RuleKind, ruleKindsOf } from '../policy/domain';
import { RULE_PACKS } from '../policy/packs';
import { DecisionVerdict } from './usecases/decide-account';

/**
 * The kinds of rule of a pack (`../policy/domain/rule-pack.types.ts`) a refusal is counted under,
 * the tenant's own rules among them (an override's added hours, caps, quiet periods, holds), and
 * `no_rule_pack` (the debtor's country has no pack: nothing is sent). `other`: a rule of none of
 * these kinds (a creditor's identification, a time-barred debt, ...), or an id no pack has.
 */
export const REFUSAL_RULES = [
  'contact_hours',
  'public_holiday',
  'frequency_cap',
  'minimum_spacing',
  'channel_mix',
  'quiet_period',
  'hold',
  'opt_out',
  'consent',
  'no_rule_pack',
  'other',
] as const;
export type RefusalRule = (typeof REFUSAL_RULES)[number];

/** deferred: the law allows the contact at a later time; refused: at no time, until something about the debtor changes. */
export const REFUSAL_OUTCOMES = ['refused', 'deferred'] as const;
export type RefusalOutcome = (typeof REFUSAL_OUTCOMES)[number];

export const CONTACT_REFUSALS_METRIC = 'collections_contact_refusals_total';

/** The label each kind of rule of a pack is counted under. */
const RULE_LABELS: Readonly<Record<RuleKind, RefusalRule>> = {
  contactHours: 'contact_hours',
  publicHolidays: 'public_holiday',
  frequencyCaps: 'frequency_cap',
  minimumSpacing: 'minimum_spacing',
  channelMix: 'channel_mix',
  quietPeriods: 'quiet_period',
  holds: 'hold',
  coPartyHolds: 'hold',
  optOut: 'opt_out',
  consent: 'consent',
};

/** Every rule id of the packs of this build, with its kind: for a verdict that does not carry its kind. */
const RULE_KINDS = new Map<string, RefusalRule>([
  ['no-rule-pack', 'no_rule_pack'],
  ...Object.values(RULE_PACKS).flatMap((pack) =>
    [...ruleKindsOf(pack)].map(([id, kind]): [string, RefusalRule] => [id, RULE_LABELS[kind]]),
  ),
]);

/** A hold a tenant's override adds (`<J>-HOLD-<HOLD>-<tenant>`, `<J>-CO-PARTY-HOLD-<HOLD>-<tenant>`): no pack has its id. */
const TENANT_HOLD_ID = /^[A-Z]{2}-(CO-PARTY-)?HOLD-/;

/**
 * The rule a refusal of the contact law is counted under: the first reason's (holds, opt-outs and
 * consent come first, then the time rules in the pack's order), of the kind the pack that decided
 * gave it (`ruleKind`: a rule the tenant's override added too), else the kind its id has in the
 * packs of this build. Undefined for a decision that allows the contact, or that is no answer of
 * the contact law (no statement, no strategy, the debtor's facts not known yet: planning had
 * nothing to ask the law about).
 */
export function refusalRule(
  verdict: Pick<DecisionVerdict, 'allowed' | 'reasons' | 'ruleKind'>,
): RefusalRule | undefined {
  if (verdict.allowed || verdict.reasons.length === 0) return undefined;
  if (verdict.ruleKind) return RULE_LABELS[verdict.ruleKind];
  const reason = verdict.reasons[0];
  const colon = reason.indexOf(':');
  const ruleId = colon < 0 ? reason : reason.slice(0, colon);
  if (['no-due-date', 'no-debtor-facts', 'no-strategy', 'no-channel'].includes(ruleId)) return undefined;
  return RULE_KINDS.get(ruleId) ?? (TENANT_HOLD_ID.test(ruleId) ? 'hold' : 'other');
}

type Labels = { channel: string; rule: RefusalRule; outcome: RefusalOutcome };

/** Rules that refuse for good (nothing about the time changes them); the others defer, as a rule. */
const REFUSING_RULES: readonly RefusalRule[] = ['hold', 'opt_out', 'consent', 'no_rule_pack'];

/**
 * `collections_contact_refusals_total{channel, rule, outcome}`: the decisions in which
 * the contact law refused a contact (outcome refused) or moved it to a later time (deferred), by
 * the kind of rule (`REFUSAL_RULES`), counted where each decision is recorded (the planner, the
 * daily run, the dispatcher at send time) once its transaction commits: a transaction retried
 * after a failure counts its decisions once. A deferral the planner then schedules at the
 * permitted time is one deferred decision (the allowed one after it is not counted); the
 * dispatcher asking again at send time is a decision of its own.
 *
 * No tenant, debtor, account or address: like the provider sends, an operations metric of fixed
 * series, every one exported from the start (refused under the rules that refuse, deferred under
 * the others, both under `other`), so increase() sees the first refusal and the panels read 0,
 * not "no data". Each tenant's share of refused decisions, by channel, is reporting's
 * `reporting_contact_decisions`; the decisions themselves, with every reason, are in
 * `contact_decision`.
 */
export class ContactRefusals {
  private readonly counter;

  private constructor(metrics: MetricsRegistry) {
    this.counter = metrics.counter({
      name: CONTACT_REFUSALS_METRIC,
      help: 'Contacts the contact law refused (outcome refused: at no time until something about the debtor changes) or moved to a later time (deferred), by channel and kind of rule; counted once per recorded decision',
      labelNames: ['channel', 'rule', 'outcome'],
    });
    for (const channel of CHANNELS)
      for (const rule of REFUSAL_RULES)
        for (const outcome of REFUSAL_OUTCOMES) {
          const expected = rule === 'other' || (outcome === 'refused') === REFUSING_RULES.includes(rule);
          if (expected) this.counter.inc({ channel, rule, outcome }, 0);
        }
  }

  private static readonly byRegistry = new WeakMap<MetricsRegistry, ContactRefusals>();

  /** The registry's counter (one per registry, however many use cases count). */
  static of(metrics: MetricsRegistry): ContactRefusals {
    let refusals = ContactRefusals.byRegistry.get(metrics);
    if (!refusals) ContactRefusals.byRegistry.set(metrics, (refusals = new ContactRefusals(metrics)));
    return refusals;
  }

  /** Counts `verdict`, recorded in `tx`, if the contact law refused or deferred it, when `tx` commits. */
  count(tx: EntityManager, verdict: DecisionVerdict): void {
    const rule = refusalRule(verdict);
    if (!rule) return;
    const labels: Labels = {
      channel: verdict.channel,
      rule,
      outcome: verdict.nextPermittedAt ? 'deferred' : 'refused',
    };
    afterCommit(tx, () => this.counter.inc(labels));
  }
}
