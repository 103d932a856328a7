import { DebtorContactFacts, planNextContact, preferredInstant } from '../../src/planning/domain/contact-plan';
import { StrategyDocument, StrategyProgress } from '../../src/strategies/domain';

const doc: StrategyDocument = {
  name: 'cadence',
  priority: 1,
  entry: {},
  arms: [
    {
      id: 'a',
      weight: 100,
      steps: [
        { id: 'd-3', channel: 'email', template: 'reminder', offset: { from: 'due_date', days: -3 } },
        {
          id: 'd+1',
          channel: 'sms',
          template: 'overdue',
          offset: { from: 'due_date', days: 1 },
          preferredWindow: { from: '10:00', to: '13:00' },
          fallbackChannel: 'email',
        },
      ],
    },
  ],
  stopConditions: ['payment', 'hold'],
  escalation: { atDaysPastDue: 10, queue: 'agents' },
};
const facts: DebtorContactFacts = {
  debtorId: 'd',
  timeZone: 'America/Bogota',
  jurisdiction: 'CO',
  region: '',
  // Colombia contacts only on channels the debtor authorised: this debtor authorised every one.
  consent: ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit'],
  optedOut: [],
  holds: [],
  creditor: null,
};
const account = {
  tenantId: 't',
  accountId: 'acct-1',
  segment: 'negotiate',
  product: 'credit_card',
  jurisdiction: 'CO' as const,
  balanceMinor: 100_00,
  currency: 'COP',
  dueDate: '2026-03-12',
};
const progress: StrategyProgress = {
  enteredOn: '2026-03-01',
  armId: 'a',
  stepsDone: [],
  stepsFailed: [],
  escalated: false,
  referredToLegal: false,
};
const clear = { paidInFull: false, promiseActive: false, disputed: false, optedOut: false, holds: [] };
const plan = (now: string, overrides: Partial<Parameters<typeof planNextContact>[0]> = {}) =>
  planNextContact({
    doc,
    account,
    status: clear,
    progress,
    today: new Date(Date.parse(now) - 5 * 3_600_000).toISOString().slice(0, 10),
    now: new Date(now),
    facts,
    history: [],
    ...overrides,
  });

describe(planNextContact.name, () => {
  it('books a future step at the start of its preferred window in the debtor’s zone', () => {
    const sut = plan('2026-03-10T15:00:00Z', { progress: { ...progress, stepsDone: ['d-3'] } });
    expect(sut.outcome).toMatchObject({ kind: 'schedule', channel: 'sms', dueAt: new Date('2026-03-13T15:00:00Z') });
  });

  it('skips a pre-due reminder whose day passed once a later step is due', () => {
    const sut = plan('2026-03-13T16:00:00Z');
    expect(sut.outcome).toMatchObject({
      kind: 'schedule',
      step: { id: 'd+1' },
      dueAt: new Date('2026-03-13T16:00:00Z'),
    });
    expect(sut.progress.stepsDone).toEqual(['d-3']);
  });

  it('moves a contact the law refuses at the preferred time to the next permitted one (no Sundays in Colombia)', () => {
    const sut = plan('2026-03-06T12:00:00Z', { account: { ...account, dueDate: '2026-03-11' } }); // D-3 is Sunday 8 March
    expect(sut.decisions.map((d) => d.allowed)).toEqual([false, true]);
    expect(sut.decisions[0].reasons.length).toBeGreaterThan(0);
    expect(sut.outcome).toMatchObject({ kind: 'schedule', channel: 'email', dueAt: sut.decisions[0].nextPermittedAt });
  });

  it('fails a step over to its fallback channel when the debtor opted out of its own', () => {
    const sut = plan('2026-03-13T15:00:00Z', {
      progress: { ...progress, stepsDone: ['d-3'] },
      facts: { ...facts, optedOut: ['sms'] },
    });
    expect(sut.outcome).toMatchObject({ kind: 'schedule', step: { id: 'd+1' }, channel: 'email', fallback: true });
    expect(sut.progress.stepsFailed).toEqual(['d+1']);
  });

  it('stops on payment and escalates once the account is far enough past due', () => {
    expect(plan('2026-03-13T15:00:00Z', { status: { ...clear, paidInFull: true } }).outcome).toEqual({
      kind: 'stopped',
      because: ['payment'],
    });
    expect(plan('2026-03-23T15:00:00Z').outcome).toEqual({ kind: 'escalate', queue: 'agents' });
  });
});

describe(preferredInstant.name, () => {
  const step = doc.arms[0].steps[1];
  it('is now inside today’s window, and the next window’s start after it closes', () => {
    expect(preferredInstant(step, '2026-03-12', 'America/Bogota', new Date('2026-03-13T16:30:00Z'))).toEqual(
      new Date('2026-03-13T16:30:00Z'),
    );
    expect(preferredInstant(step, '2026-03-12', 'America/Bogota', new Date('2026-03-13T19:00:00Z'))).toEqual(
      new Date('2026-03-14T15:00:00Z'),
    );
  });
});
