import { EntityManager } from 'typeorm';
import { MetricsRegistry } from '@collections/platform';
import { CONTACT_REFUSALS_METRIC, ContactRefusals } from '../../src/planning/contact-refusals';
import { DebtorContactFacts, checkPolicy } from '../../src/planning/domain/contact-plan';
import { OverrideDocument, PastContact, tenantRulesOf } from '../../src/policy/domain';
import { CO_LEY_2300_PACK } from '../../src/policy/packs';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];
const ACME = 'acme collection policy 3';

/** A Colombian lender's own rules, added to the pack under its own ids (no pack has them). */
const override: OverrideDocument = {
  add: {
    contactHours: [
      {
        id: 'ACME-OFFICE-HOURS',
        text: 'Acme contacts debtors on weekdays 09:00–18:00 only',
        citation: ACME,
        channels: ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit'],
        weekly: {
          ...Object.fromEntries(WEEKDAYS.map((d) => [d, [{ from: '09:00', to: '18:00' }]])),
          sat: [],
          sun: [],
        } as never,
      },
    ],
    frequencyCaps: [
      {
        id: 'ACME-ONE-WHATSAPP-A-DAY',
        text: 'Acme sends at most one WhatsApp message a day',
        citation: ACME,
        appliesTo: ['whatsapp'],
        counts: ['whatsapp'],
        window: { kind: 'calendar-day' },
        max: 1,
        perDebt: false,
        trigger: 'always',
      },
    ],
    quietPeriods: [
      {
        id: 'ACME-QUIET-AFTER-CALL',
        text: 'Acme does not write for three days after speaking with the debtor on the phone',
        citation: ACME,
        appliesTo: ['whatsapp'],
        after: { channels: ['call'], outcomes: ['conversation'] },
        days: 3,
        perDebt: false,
      },
    ],
  },
};

const facts: DebtorContactFacts = {
  debtorId: 'debtor-1',
  timeZone: 'America/Bogota',
  jurisdiction: 'CO',
  region: '',
  consent: ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit'],
  optedOut: [],
  holds: [],
  creditor: null,
  rules: tenantRulesOf(CO_LEY_2300_PACK, 'acme', { version: 3, document: override }),
};

const bogota = (local: string) => new Date(`${local}-05:00`);
const contact = (channel: PastContact['channel'], local: string, outcome: PastContact['outcome']): PastContact => ({
  channel,
  at: bogota(local),
  outcome,
  debtId: 'acct-1',
});

/** Outside a transaction: counted at once. */
const noTransaction = {} as EntityManager;

describe(ContactRefusals.name, () => {
  /** The series counted above 0, as `channel rule outcome`. */
  const counted = async (metrics: MetricsRegistry) =>
    (await metrics.registry.getSingleMetric(CONTACT_REFUSALS_METRIC)!.get()).values
      .filter((v) => v.value > 0)
      .map((v) => `${v.labels.channel} ${v.labels.rule} ${v.labels.outcome}`);

  it.each([
    // Tuesday 08:00: inside Colombia's hours (07:00–19:00), before the lender's.
    ['contact hours', 'ACME-OFFICE-HOURS', '2026-03-10T08:00:00', [], 'whatsapp contact_hours deferred'],
    [
      'frequency cap',
      'ACME-ONE-WHATSAPP-A-DAY',
      '2026-03-10T15:00:00',
      [contact('whatsapp', '2026-03-10T10:00:00', 'delivered')],
      'whatsapp frequency_cap deferred',
    ],
    [
      'quiet period',
      'ACME-QUIET-AFTER-CALL',
      '2026-03-11T10:00:00',
      [contact('call', '2026-03-10T10:00:00', 'conversation')],
      'whatsapp quiet_period deferred',
    ],
  ])(
    'counts a WhatsApp the lender’s own %s moves to a later time under that kind of rule, not as other',
    async (_, ruleId, at, history, series) => {
      const metrics = new MetricsRegistry('orchestrator');
      const sut = ContactRefusals.of(metrics);
      const verdict = checkPolicy('whatsapp', facts, history, bogota(at), 'acct-1');
      expect(verdict.allowed).toBe(false);
      expect(verdict.nextPermittedAt).not.toBeNull();
      // The reason stays in the words stored and published: the lender's rule id, then its words.
      expect(verdict.reasons[0]).toMatch(new RegExp(`^${ruleId}: `));

      sut.count(noTransaction, verdict);

      expect(await counted(metrics)).toEqual([series]);
    },
  );

  it('counts a refusal by a rule of the pack, which the lender did not add, under its kind as before', async () => {
    const metrics = new MetricsRegistry('orchestrator');
    const sut = ContactRefusals.of(metrics);
    // Sunday: Colombia's hours close the day.
    const verdict = checkPolicy('whatsapp', facts, [], bogota('2026-03-08T10:00:00'), 'acct-1');
    expect(verdict.reasons[0]).toMatch(/^CO-HOURS: /);

    sut.count(noTransaction, verdict);

    expect(await counted(metrics)).toEqual(['whatsapp contact_hours deferred']);
  });
});
