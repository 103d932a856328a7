import fc from 'fast-check';
import { CHANNELS, CONTACT_OUTCOMES, Channel, JURISDICTIONS, PastContact, evaluate } from '../../src/policy/domain';
import { RULE_PACKS } from '../../src/policy/packs';
import { planNextContact } from '../../src/planning/domain/contact-plan';
import { StrategyDocument, StrategyStep, addDays } from '../../src/strategies/domain';

const DAY = 86_400_000;
const ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'America/Bogota',
  'America/Mexico_City',
  'America/Santiago',
  'America/Lima',
  'America/Sao_Paulo',
  'America/Guayaquil',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'UTC',
];
const channel = fc.constantFrom(...CHANNELS);
const hhmm = fc.integer({ min: 0, max: 23 }).map((h) => `${String(h).padStart(2, '0')}:00`);

const step = (id: string): fc.Arbitrary<StrategyStep> =>
  fc
    .record({
      channel,
      days: fc.integer({ min: -5, max: 20 }),
      window: fc.option(fc.tuple(hhmm, fc.integer({ min: 1, max: 6 })), { nil: undefined }),
      fallback: fc.option(channel, { nil: undefined }),
    })
    .map(({ channel: c, days, window, fallback }) => ({
      id,
      channel: c,
      template: 'reminder',
      offset: { from: 'due_date' as const, days },
      ...(window
        ? {
            preferredWindow: {
              from: window[0],
              to: `${String(Math.min(24, Number(window[0].slice(0, 2)) + window[1])).padStart(2, '0')}:00`.replace(
                '24:00',
                '23:59',
              ),
            },
          }
        : {}),
      ...(fallback && fallback !== c ? { fallbackChannel: fallback } : {}),
    }));

const scenario = fc
  .record({
    jurisdiction: fc.constantFrom(...JURISDICTIONS),
    timeZone: fc.constantFrom(...ZONES),
    now: fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2027-06-30T00:00:00Z') }),
    dueInDays: fc.integer({ min: -15, max: 10 }),
    steps: fc.tuple(step('s1'), step('s2'), step('s3')),
    // Every channel authorised, some, or none on record.
    consent: fc.oneof(
      { weight: 4, arbitrary: fc.constant([...CHANNELS] as Channel[]) },
      { weight: 2, arbitrary: fc.subarray([...CHANNELS], { minLength: 1 }) },
      { weight: 1, arbitrary: fc.constant([] as Channel[]) },
    ),
    optedOut: fc.oneof(
      { weight: 4, arbitrary: fc.constant([] as Channel[]) },
      { weight: 1, arbitrary: fc.subarray([...CHANNELS]) },
    ),
    history: fc.array(
      fc.record({
        channel,
        minutesAgo: fc.integer({ min: 1, max: 10 * 24 * 60 }),
        outcome: fc.constantFrom(...CONTACT_OUTCOMES),
        debtId: fc.constantFrom('acct-1', 'acct-2'),
      }),
      { maxLength: 10 },
    ),
  })
  .map((s) => ({
    ...s,
    history: s.history.map((h): PastContact => ({
      channel: h.channel,
      at: new Date(s.now - h.minutesAgo * 60_000),
      outcome: h.outcome,
      debtId: h.debtId,
    })),
  }));

describe('planNextContact (property)', () => {
  it('never schedules a contact the pack refuses, and every refusal says why and when it may be', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const now = new Date(s.now);
        const today = new Date(s.now).toISOString().slice(0, 10);
        const doc: StrategyDocument = {
          name: 'random',
          priority: 1,
          entry: {},
          arms: [{ id: 'a', weight: 100, steps: [...s.steps] }],
          stopConditions: ['payment'],
        };
        const facts = {
          debtorId: 'debtor-1',
          timeZone: s.timeZone,
          jurisdiction: s.jurisdiction,
          region: '',
          consent: s.consent,
          optedOut: s.optedOut,
          holds: [],
          // The tenant names its creditor (BR and MX refuse every contact otherwise).
          creditor: { taxIdKind: s.jurisdiction === 'MX' ? 'RFC' : 'CNPJ', postalAddress: true, phone: true } as const,
        };
        const plan = planNextContact({
          doc,
          account: {
            tenantId: 't',
            accountId: 'acct-1',
            segment: 'any',
            product: 'credit_card',
            jurisdiction: s.jurisdiction,
            balanceMinor: 100_00,
            currency: 'USD',
            dueDate: addDays(today, s.dueInDays),
          },
          status: { paidInFull: false, promiseActive: false, disputed: false, optedOut: false, holds: [] },
          progress: {
            enteredOn: today,
            armId: 'a',
            stepsDone: [],
            stepsFailed: [],
            escalated: false,
            referredToLegal: false,
          },
          today,
          now,
          facts,
          history: s.history,
        });
        const pack = RULE_PACKS[s.jurisdiction];
        const ask = (c: Channel, at: Date) =>
          evaluate(
            {
              timezone: s.timeZone,
              channel: c,
              at,
              debtId: 'acct-1',
              history: s.history,
              consent: s.consent,
              optedOut: s.optedOut,
              holds: [],
              creditor: facts.creditor,
            },
            pack,
          );
        if (plan.outcome.kind === 'schedule') {
          expect(plan.outcome.dueAt.getTime()).toBeGreaterThanOrEqual(now.getTime());
          expect(plan.outcome.dueAt.getTime()).toBeLessThan(now.getTime() + 400 * DAY);
          expect(ask(plan.outcome.channel, plan.outcome.dueAt).allowed).toBe(true);
        }
        for (const d of plan.decisions) {
          expect(ask(d.channel, d.at).allowed).toBe(d.allowed);
          if (d.allowed) continue;
          expect(d.reasons.length).toBeGreaterThan(0);
          if (d.nextPermittedAt) expect(ask(d.channel, d.nextPermittedAt).allowed).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
