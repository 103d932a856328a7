import fc from 'fast-check';
import {
  AccountStatus,
  StrategyProgress,
  addDays,
  admits,
  assignArm,
  chooseStrategy,
  nextAction,
} from '../../src/strategies/domain';
import { CLEAR, account, retailStrategy } from './strategy.fixture';

const DUE = '2026-03-10';
const progress = (overrides: Partial<StrategyProgress> = {}): StrategyProgress => ({
  enteredOn: '2026-03-05',
  armId: 'champion',
  stepsDone: [],
  escalated: false,
  referredToLegal: false,
  ...overrides,
});

describe('strategy evaluation', () => {
  const sut = retailStrategy();

  describe('entry conditions', () => {
    it('admits an account inside every condition and refuses one outside any', () => {
      expect(admits(sut, account(), '2026-03-07')).toBe(true);
      expect(admits(sut, account({ segment: 'sme' }), '2026-03-07')).toBe(false);
      expect(admits(sut, account({ jurisdiction: 'BR' }), '2026-03-07')).toBe(false);
      expect(admits(sut, account({ balanceMinor: 999 }), '2026-03-07')).toBe(false);
      expect(admits(sut, account({ product: 'mortgage' }), '2026-03-07')).toBe(false);
      expect(admits(sut, account(), '2026-03-04')).toBe(false); // D-6
      expect(admits(sut, account(), '2026-05-09')).toBe(true); // D+60
      expect(admits(sut, account(), '2026-05-10')).toBe(false); // D+61
    });

    it('picks the lowest priority among the strategies that admit the account', () => {
      const late = { ...retailStrategy(), priority: 1, entry: { daysPastDue: { min: 31 } } };
      const catchAll = { ...retailStrategy(), priority: 99, entry: {} };
      const all = [
        { key: 'catch-all', document: catchAll },
        { key: 'retail', document: sut },
        { key: 'late', document: late },
      ];
      expect(chooseStrategy(all, account(), '2026-03-07')?.key).toBe('retail');
      expect(chooseStrategy(all, account(), '2026-04-20')?.key).toBe('late');
      expect(chooseStrategy(all, account({ segment: 'sme' }), '2026-03-07')?.key).toBe('catch-all');
      expect(chooseStrategy([], account(), '2026-03-07')).toBeNull();
    });
  });

  describe('cadence', () => {
    it('sends D-3, D-1, the due-day notice and the post-due steps on their days', () => {
      const a = account();
      const due = (today: string, stepsDone: string[]) => nextAction(sut, a, CLEAR, progress({ stepsDone }), today);
      expect(due('2026-03-06', [])).toEqual({ kind: 'wait', nextOn: '2026-03-07' });
      expect(due('2026-03-07', [])).toMatchObject({ kind: 'step', step: { id: 'd-3' }, scheduledOn: '2026-03-07' });
      expect(due('2026-03-08', ['d-3'])).toEqual({ kind: 'wait', nextOn: '2026-03-09' });
      expect(due('2026-03-09', ['d-3'])).toMatchObject({ kind: 'step', step: { id: 'd-1', fallbackChannel: 'sms' } });
      expect(due('2026-03-10', ['d-3', 'd-1'])).toMatchObject({ kind: 'step', step: { id: 'd0' } });
      expect(due('2026-03-15', ['d-3', 'd-1', 'd0'])).toMatchObject({
        kind: 'step',
        step: { id: 'd+5', preferredWindow: { from: '09:00', to: '12:00' } },
      });
      expect(due('2026-03-26', ['d-3', 'd-1', 'd0', 'd+5', 'd+15'])).toEqual({ kind: 'wait', nextOn: null });
    });

    it('retries a failed step once on its fallback channel, and gives up on one without a fallback', () => {
      const a = account();
      expect(nextAction(sut, a, CLEAR, progress({ stepsDone: ['d-3'], stepsFailed: ['d-1'] }), '2026-03-09')).toEqual({
        kind: 'step',
        step: sut.arms[0].steps[1],
        channel: 'sms',
        fallback: true,
        scheduledOn: '2026-03-09',
      });
      expect(nextAction(sut, a, CLEAR, progress({ stepsDone: ['d-3'] }), '2026-03-09')).toMatchObject({
        channel: 'whatsapp',
        fallback: false,
      });
      expect(
        nextAction(sut, a, CLEAR, progress({ stepsDone: ['d-3', 'd-1'], stepsFailed: ['d0'] }), '2026-03-10'),
      ).toEqual({ kind: 'wait', nextOn: '2026-03-15' });
    });

    it('escalates to the agent queue at D+30 and refers to legal at D+90', () => {
      const a = account();
      const done = sut.arms[0].steps.map((s) => s.id);
      expect(nextAction(sut, a, CLEAR, progress({ stepsDone: done }), addDays(DUE, 30))).toEqual({
        kind: 'escalate',
        queue: 'early-agents',
      });
      expect(nextAction(sut, a, CLEAR, progress({ escalated: true }), addDays(DUE, 31))).toEqual({
        kind: 'wait',
        nextOn: null,
      });
      expect(nextAction(sut, a, CLEAR, progress({ escalated: true }), addDays(DUE, 90))).toEqual({
        kind: 'legal-referral',
      });
    });

    it('counts entry-anchored offsets from the day the account entered', () => {
      const doc = {
        ...sut,
        arms: [
          {
            id: 'only',
            weight: 100,
            steps: [
              {
                id: 'welcome',
                channel: 'email' as const,
                template: 'overdue',
                offset: { from: 'entry' as const, days: 2 },
              },
            ],
          },
        ],
      };
      const p = progress({ armId: 'only', enteredOn: '2026-03-20' });
      expect(nextAction(doc, account(), CLEAR, p, '2026-03-21')).toEqual({ kind: 'wait', nextOn: '2026-03-22' });
      expect(nextAction(doc, account(), CLEAR, p, '2026-03-22')).toMatchObject({
        kind: 'step',
        step: { id: 'welcome' },
      });
    });
  });

  describe("days past due from the ledger's oldest unpaid due date", () => {
    // A card billed on the 10th: statements due 10 Jan, 10 Feb and 10 Mar, none paid. The latest
    // statement's due date is 10 Mar; the ledger's oldest unpaid due date is 10 Jan.
    const OLDEST = '2026-01-10';
    const unpaid = account({ dueDate: DUE, oldestUnpaidDueDate: OLDEST });
    const late = {
      ...retailStrategy(),
      entry: { daysPastDue: { min: 31 } },
      escalation: { atDaysPastDue: 60, queue: 'late-agents' },
      legalReferral: { atDaysPastDue: 90 },
    };
    const done = late.arms[0].steps.map((s) => s.id);

    it('escalates at the configured days past due counted from the oldest unpaid due date, not the latest statement', () => {
      expect(addDays(OLDEST, 60)).toBe('2026-03-11');
      expect(nextAction(late, unpaid, CLEAR, progress({ stepsDone: done }), '2026-03-10')).toEqual({
        kind: 'wait',
        nextOn: null,
      });
      expect(nextAction(late, unpaid, CLEAR, progress({ stepsDone: done }), '2026-03-11')).toEqual({
        kind: 'escalate',
        queue: 'late-agents',
      });
      expect(nextAction(late, unpaid, CLEAR, progress({ escalated: true }), addDays(OLDEST, 90))).toEqual({
        kind: 'legal-referral',
      });
    });

    it('enters a "31+ days past due" strategy once the oldest unpaid cycle is 31 days late', () => {
      const all = [
        { key: 'retail', document: sut },
        { key: 'late', document: { ...late, priority: 1 } },
      ];
      expect(admits(late, unpaid, '2026-03-11')).toBe(true);
      expect(chooseStrategy(all, unpaid, '2026-03-11')?.key).toBe('late');
      expect(admits(late, account({ oldestUnpaidDueDate: '2026-02-10' }), '2026-03-12')).toBe(false); // 30 days
      expect(admits(late, account({ oldestUnpaidDueDate: '2026-02-10' }), '2026-03-13')).toBe(true); // 31 days
      // Retail early stage admits up to 60 days: no longer once the oldest cycle is 61 days late.
      expect(admits(sut, unpaid, '2026-03-11')).toBe(true);
      expect(admits(sut, unpaid, '2026-03-12')).toBe(false);
    });

    it("counts from the latest statement's due date while the ledger has told none, or says current", () => {
      for (const a of [account(), account({ oldestUnpaidDueDate: null })]) {
        expect(admits(late, a, '2026-03-11')).toBe(false);
        expect(nextAction(late, a, CLEAR, progress({ stepsDone: done }), '2026-03-11')).toEqual({
          kind: 'wait',
          nextOn: null,
        });
        expect(nextAction(late, a, CLEAR, progress({ stepsDone: done }), addDays(DUE, 60))).toEqual({
          kind: 'escalate',
          queue: 'late-agents',
        });
      }
    });

    it("keeps the steps' days relative to the latest statement's due date", () => {
      const early = { ...late, escalation: undefined, legalReferral: undefined };
      expect(nextAction(early, unpaid, CLEAR, progress(), '2026-03-06')).toEqual({
        kind: 'wait',
        nextOn: '2026-03-07',
      });
      expect(nextAction(early, unpaid, CLEAR, progress({ stepsDone: ['d-3', 'd-1', 'd0'] }), '2026-03-12')).toEqual({
        kind: 'wait',
        nextOn: '2026-03-15',
      });
    });

    it('escalates exactly when the oldest unpaid cycle is the configured days late, whatever later statements came; steps as without it', () => {
      const noEscalation = { ...late, escalation: undefined, legalReferral: undefined };
      const withEscalation = { ...noEscalation, escalation: { atDaysPastDue: 60, queue: 'late-agents' } };
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 150 }), // the oldest unpaid due date, days before the latest
          fc.integer({ min: -10, max: 150 }), // today, days after the latest due date
          fc.subarray(done),
          (cycleDays, afterDue, stepsDone) => {
            const a = account({ oldestUnpaidDueDate: addDays(DUE, -cycleDays) });
            const today = addDays(DUE, afterDue);
            const p = progress({ stepsDone });
            const action = nextAction(withEscalation, a, CLEAR, p, today);
            if (cycleDays + afterDue >= 60) expect(action).toEqual({ kind: 'escalate', queue: 'late-agents' });
            else expect(action).toEqual(nextAction(noEscalation, account(), CLEAR, p, today));
          },
        ),
      );
    });
  });

  describe('properties', () => {
    const status = fc.record<AccountStatus>({
      paidInFull: fc.boolean(),
      promiseActive: fc.boolean(),
      disputed: fc.boolean(),
      optedOut: fc.boolean(),
      holds: fc.subarray(['dispute', 'bankruptcy', 'attorney'] as const),
    });
    const stopped = (s: AccountStatus) =>
      s.paidInFull || s.promiseActive || s.disputed || s.optedOut || s.holds.length > 0;
    const day = fc.integer({ min: -10, max: 120 }).map((d) => addDays(DUE, d));

    it('never gives a step, an escalation or a referral to a stopped account', () => {
      fc.assert(
        fc.property(status.filter(stopped), day, fc.subarray(sut.arms[0].steps.map((s) => s.id)), (s, today, done) => {
          expect(nextAction(sut, account(), s, progress({ stepsDone: done }), today).kind).toBe('stopped');
        }),
      );
    });

    it('gives steps in document order, each no earlier than its day, whatever days the account is looked at', () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: -10, max: 29 }), { minLength: 1 }), (offsets) => {
          const looks = [...offsets].sort((a, b) => a - b).map((d) => addDays(DUE, d));
          const done: string[] = [];
          for (const today of looks) {
            const action = nextAction(sut, account(), CLEAR, progress({ stepsDone: done }), today);
            if (action.kind === 'step') {
              expect(action.scheduledOn <= today).toBe(true);
              done.push(action.step.id);
            }
          }
          const order = sut.arms[0].steps.map((s) => s.id);
          expect(done).toEqual(order.slice(0, done.length));
        }),
      );
    });

    it('assigns an account to the same arm every time', () => {
      fc.assert(
        fc.property(fc.string(), fc.string(), (tenant, accountId) => {
          expect(assignArm(sut, 'retail', tenant, accountId).id).toBe(assignArm(sut, 'retail', tenant, accountId).id);
        }),
      );
    });

    it('splits accounts between the arms within two points of their weights', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 100 }), fc.string({ minLength: 1 }), (champion, tenant) => {
          const doc = {
            ...sut,
            arms: [
              { ...sut.arms[0], weight: champion },
              { ...sut.arms[1], weight: 100 - champion },
            ],
          };
          // 20,000 accounts: the share's standard deviation is at most 0.35 points, so two points are
          // over 5.6 of them (with 5,000, 2.8: about 1 case in 200 failed on a fair split).
          const n = 20_000;
          let inChampion = 0;
          for (let i = 0; i < n; i++) if (assignArm(doc, 'retail', tenant, `acct-${i}`).id === 'champion') inChampion++;
          expect(Math.abs((inChampion / n) * 100 - champion)).toBeLessThanOrEqual(2);
        }),
        { numRuns: 20 },
      );
    });
  });
});
