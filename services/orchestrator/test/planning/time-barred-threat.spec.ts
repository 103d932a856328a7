import { DebtorContactFacts, planNextContact } from '../../src/planning/domain/contact-plan';
import { tenantRulesOf } from '../../src/policy/domain';
import { US_REGULATION_F_PACK } from '../../src/policy/packs';
import { StrategyDocument, StrategyProgress } from '../../src/strategies/domain';

const WINDOW = { from: '09:00', to: '12:00' };

/** A final notice by text (by letter where the text cannot go) on the day of entry; an overdue text two days later. */
const doc: StrategyDocument = {
  name: 'final notice',
  priority: 1,
  entry: { jurisdictions: ['US'] },
  arms: [
    {
      id: 'a',
      weight: 100,
      steps: [
        {
          id: 'final',
          channel: 'sms',
          template: 'final-notice',
          offset: { from: 'entry', days: 0 },
          preferredWindow: WINDOW,
          fallbackChannel: 'letter',
        },
        {
          id: 'after',
          channel: 'sms',
          template: 'overdue',
          offset: { from: 'entry', days: 2 },
          preferredWindow: WINDOW,
        },
      ],
    },
  ],
  stopConditions: ['payment', 'hold'],
};

/** A Californian debtor whose lender set a 4-year limitation period for California. */
const facts: DebtorContactFacts = {
  debtorId: 'd',
  timeZone: 'America/Los_Angeles',
  jurisdiction: 'US',
  region: 'CA',
  consent: ['sms', 'letter', 'email', 'call'],
  optedOut: [],
  holds: [],
  creditor: null,
  rules: tenantRulesOf(US_REGULATION_F_PACK, 't', {
    version: 2,
    document: { enforcement: { noSuitWhenTimeBarred: { limitationPeriods: { CA: { years: 4 } } } } },
  }),
};

/** A loan that fell due unpaid on 1 June 2022: time-barred in California from 1 June 2026. */
const account = {
  tenantId: 't',
  accountId: 'acct-1',
  segment: 'legal_or_human',
  product: 'personal_loan',
  jurisdiction: 'US' as const,
  balanceMinor: 1_200_00,
  currency: 'USD',
  dueDate: '2022-06-01',
  oldestUnpaidDueDate: '2022-06-01',
};

const progress = (enteredOn: string): StrategyProgress => ({
  enteredOn,
  armId: 'a',
  stepsDone: [],
  stepsFailed: [],
  escalated: false,
  referredToLegal: false,
});
const clear = { paidInFull: false, promiseActive: false, disputed: false, optedOut: false, holds: [] };

/** Planned at 10:00 in Los Angeles (UTC−7 in summer) on `today`, for an account that entered on `enteredOn`. */
const plan = (today: string, enteredOn = today) =>
  planNextContact({
    doc,
    account,
    status: clear,
    progress: progress(enteredOn),
    today,
    now: new Date(`${today}T17:00:00Z`),
    facts,
    history: [],
  });

describe(`${planNextContact.name}: a template that threatens legal action on a time-barred US debt`, () => {
  it('gives the step up on every channel with one refusal in the rule’s words, and plans the next step', () => {
    const sut = plan('2026-06-01');

    expect(sut.decisions).toEqual([
      expect.objectContaining({
        channel: 'sms',
        allowed: false,
        nextPermittedAt: null,
        overrideVersion: 2,
        reasons: [
          expect.stringMatching(
            /^US-TIME-BARRED: .* — the debt is time-barred in CA: its 4-year limitation period from the default date 2022-06-01 ran out on 2026-06-01$/,
          ),
        ],
      }),
      expect.objectContaining({ channel: 'sms', allowed: true }),
    ]);
    expect(sut.progress.stepsDone).toEqual(['final']);
    expect(sut.progress.stepsFailed).toEqual([]);
    expect(sut.outcome).toMatchObject({ kind: 'schedule', step: { id: 'after' }, channel: 'sms' });
  });

  it('schedules it the day before the debt becomes time-barred', () => {
    const sut = plan('2026-05-31');

    expect(sut.decisions.filter((d) => !d.allowed)).toEqual([]);
    expect(sut.outcome).toMatchObject({ kind: 'schedule', step: { id: 'final' } });
  });

  it('refuses it when planned ahead for a day the debt will be time-barred on', () => {
    // Entered on 1 June, planned the day before: the notice would go out on 1 June.
    const sut = plan('2026-05-31', '2026-06-01');

    expect(sut.decisions[0]).toMatchObject({ allowed: false, reasons: [expect.stringMatching(/^US-TIME-BARRED: /)] });
    expect(sut.outcome).toMatchObject({ kind: 'schedule', step: { id: 'after' } });
  });

  it('sends it where the tenant configured no period for the debtor’s state', () => {
    const sut = planNextContact({
      doc,
      account,
      status: clear,
      progress: progress('2026-06-01'),
      today: '2026-06-01',
      now: new Date('2026-06-01T17:00:00Z'),
      facts: { ...facts, region: 'OR' },
      history: [],
    });

    expect(sut.decisions.filter((d) => !d.allowed)).toEqual([]);
    expect(sut.outcome).toMatchObject({ kind: 'schedule', step: { id: 'final' } });
  });
});
