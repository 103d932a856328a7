import { EventPayload, EventType, scoring } from '@collections/contracts';
import type { SeedEvent } from './portfolio-events';

export const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
export const at = (day: string, hour = 12) => new Date(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);

/**
 * Writes a portfolio's story as the ledger would tell it (opening, balances, payments, aging),
 * with `add` for any other event; ids are `${idPrefix}-1`, `${idPrefix}-2`, … in the order told.
 * `take()` hands over what was told so far and starts a new list (numbering goes on).
 */
export function eventScript(idPrefix: string, options: { openingBalanceHour: number }) {
  let events: SeedEvent[] = [];
  let n = 0;
  const add = <T extends EventType>(type: T, time: Date, payload: EventPayload<T>) =>
    events.push({ id: `${idPrefix}-${++n}`, type, time, payload } as SeedEvent);
  const balance = (accountId: string, entryId: string, day: string, total: number, hour = 13) =>
    add('collections.ledger.v1.BalanceChanged', at(day, hour), {
      balance: {
        accountId,
        asOfDate: day,
        total: USD(total),
        principal: USD(total),
        interest: USD(0),
        fees: USD(0),
        pastDue: USD(0),
        daysPastDue: 0,
        agingBucket: '',
      },
      causedByEntryId: entryId,
    });
  return {
    add,
    balance,
    open(accountId: string, day: string, owed: number) {
      add('collections.ledger.v1.AccountOpened', at(day, 9), {
        accountId,
        externalRef: '',
        product: 0,
        currency: 'USD',
        creditLimitMinor: 0,
        openedOn: day,
        debtors: [{ debtorId: `d-${accountId}`, role: 0 }],
        timeZone: 'UTC',
      });
      balance(accountId, `${accountId}-opening`, day, owed, options.openingBalanceHour);
    },
    pay(accountId: string, paymentId: string, day: string, amount: number, after: number) {
      add('collections.ledger.v1.PaymentPosted', at(day), {
        paymentId,
        accountId,
        amount: USD(amount),
        balanceAfter: USD(after),
        postedAt: at(day),
        reference: '',
        effectiveDate: '',
      });
      balance(accountId, paymentId, day, after);
    },
    /** Scoring's verdict on the account at 03:00 on `day` (what the fields not given default to). */
    score(
      accountId: string,
      day: string,
      over: Partial<
        Pick<
          EventPayload<'collections.scoring.v1.AccountScored'>,
          'probabilityToPay' | 'segment' | 'modelVersion' | 'modelArm'
        >
      >,
    ) {
      add('collections.scoring.v1.AccountScored', at(day, 3), {
        accountId,
        probabilityToPay: 0.5,
        segment: scoring.Segment.SEGMENT_NEGOTIATE,
        modelVersion: 'm1',
        reasons: [],
        scoredAt: at(day, 3),
        priority: 1,
        daysPastDue: 0,
        segmentRule: '',
        imputedFeatures: [],
        modelArm: '',
        ...over,
      });
    },
    age(accountId: string, day: string, daysPastDue: number, bucket: string, hour = 6) {
      add('collections.ledger.v1.DelinquencyChanged', at(day, hour), {
        accountId,
        asOfDate: day,
        daysPastDue,
        previousBucket: '',
        bucket,
        pastDue: USD(0),
      });
    },
    take(): SeedEvent[] {
      const told = events;
      events = [];
      return told;
    },
  };
}
