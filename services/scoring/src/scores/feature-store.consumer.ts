import { join } from 'node:path';
import { BatchEventHandlers, ConsumedEvent, EventHandlers, HandlerContext } from '@collections/messaging';
import { groupBy, isCalendarDate } from '@collections/platform';
import { LiveModel, loadLiveModel } from './live-models';
import { ScoresRepository } from './scores.repository';
import { RescoreAccountUseCase } from './usecases/rescore-account.usecase';

/** The production (champion) model, trained on the UCI data (`scoring:evaluate --model-out`), shipped with the service. */
export const PRODUCTION_MODEL_FILE = join(__dirname, '..', '..', 'models', 'uci-gbdt-v1.json');

/** The shipped champion, under the version string its scores are stored with (`uci-gbdt-v1#<fp>`). */
export function loadProductionModel(): LiveModel {
  return loadLiveModel(PRODUCTION_MODEL_FILE);
}

/**
 * Feeds the feature store from the ledger's events and re-scores the account each time: cycles and
 * payments change the probability, the balance and days past due change the segment and priority.
 * Months are the account's: a statement's is that of its statement date (a calendar date), a
 * payment's that of its posting time in the account's time zone (AccountOpened), UTC while none is
 * known.
 */
export function featureStoreHandlers(
  rescore: RescoreAccountUseCase,
  repo: ScoresRepository = new ScoresRepository(),
): EventHandlers {
  const standingsChanged = standingHandler(rescore, repo);
  return {
    'collections.ledger.v1.AccountOpened': async (event, { tx, outbox }) => {
      const a = event.payload;
      // the account's time zone, which its payments' months are counted in (none: UTC, see paidByMonth)
      await tx.query(
        `INSERT INTO account_profile (tenant_id, account_id, currency, credit_limit_minor, time_zone) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, account_id) DO UPDATE SET currency = EXCLUDED.currency,
           credit_limit_minor = EXCLUDED.credit_limit_minor, time_zone = EXCLUDED.time_zone`,
        [event.tenantId, a.accountId, a.currency, a.creditLimitMinor, a.timeZone || null],
      );
      await rescore.execute(tx, outbox, event.tenantId, a.accountId);
    },
    'collections.ledger.v1.StatementIssued': async (event, { tx, outbox }) => {
      const s = event.payload;
      await tx.query(
        `INSERT INTO account_cycle (tenant_id, account_id, cycle, statement_month, bill_minor, currency, reported_status)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          s.accountId,
          s.cycle,
          s.statementDate.slice(0, 7),
          s.amountDue?.amountMinor ?? 0,
          s.amountDue?.currency ?? 'XXX',
          s.hasReportedStatus ? s.reportedStatus : null,
        ],
      );
      await rescore.execute(tx, outbox, event.tenantId, s.accountId);
    },
    'collections.ledger.v1.PaymentPosted': async (event, { tx, outbox }) => {
      const p = event.payload;
      // kept with its posting instant: its month is the account's, decided when the account is
      // scored (the account's time zone may arrive later, with AccountOpened on another topic)
      await tx.query(
        `INSERT INTO account_payment (tenant_id, account_id, payment_id, posted_at, effective_date, paid_minor)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [
          event.tenantId,
          p.accountId,
          p.paymentId || event.id,
          p.postedAt ?? event.time,
          isCalendarDate(p.effectiveDate) ? p.effectiveDate : null,
          p.amount?.amountMinor ?? 0,
        ],
      );
      await rescore.execute(tx, outbox, event.tenantId, p.accountId);
    },
    'collections.ledger.v1.BalanceChanged': (event, hc) => standingsChanged([balanceFact(event)], hc),
    'collections.ledger.v1.DelinquencyChanged': (event, hc) => standingsChanged([delinquencyFact(event)], hc),
  };
}

/**
 * The balance and delinquency events a run at a time (a daily run's DelinquencyChanged come by the
 * thousand): the same facts stored and the same accounts scored, in the same order, as one event at a
 * time would, in a few statements per run instead of about ten per event.
 */
export function featureStoreBatchHandlers(
  rescore: RescoreAccountUseCase,
  repo: ScoresRepository = new ScoresRepository(),
): BatchEventHandlers {
  const standingsChanged = standingHandler(rescore, repo);
  return {
    'collections.ledger.v1.BalanceChanged': (events, hc) => standingsChanged(events.map(balanceFact), hc),
    'collections.ledger.v1.DelinquencyChanged': (events, hc) => standingsChanged(events.map(delinquencyFact), hc),
  };
}

interface StandingFact {
  tenantId: string;
  accountId: string;
  daysPastDue: number;
  balance?: { currency: string; minor: number };
}

const balanceFact = (event: ConsumedEvent<'collections.ledger.v1.BalanceChanged'>): StandingFact | undefined => {
  const b = event.payload.balance;
  if (!b?.total) return undefined; // nothing to store: the account is not rescored either
  return {
    tenantId: event.tenantId,
    accountId: b.accountId,
    daysPastDue: b.daysPastDue,
    balance: { currency: b.total.currency, minor: b.total.amountMinor },
  };
};

const delinquencyFact = (event: ConsumedEvent<'collections.ledger.v1.DelinquencyChanged'>): StandingFact => ({
  tenantId: event.tenantId,
  accountId: event.payload.accountId,
  daysPastDue: event.payload.daysPastDue,
});

/**
 * Stores each fact and rescores its account, in order. The facts go in spans of distinct accounts
 * (a span ends before an account's second fact): a span's standings are written, then its
 * accounts scored, tenant by tenant. A score reads only its own account, so this is what one
 * fact at a time gives.
 */
function standingHandler(rescore: RescoreAccountUseCase, repo: ScoresRepository) {
  return async (facts: (StandingFact | undefined)[], { tx, outbox }: HandlerContext): Promise<void> => {
    let span: StandingFact[] = [];
    const seen = new Set<string>();
    const flush = async () => {
      if (span.length === 0) return;
      await repo.saveStandings(tx, span);
      for (const [tenantId, ofTenant] of groupBy(span, (f) => f.tenantId))
        await rescore.executeMany(
          tx,
          outbox,
          tenantId,
          ofTenant.map((f) => f.accountId),
        );
      span = [];
      seen.clear();
    };
    for (const fact of facts) {
      if (!fact) continue;
      const key = `${fact.tenantId}\u0000${fact.accountId}`;
      if (seen.has(key)) await flush();
      seen.add(key);
      span.push(fact);
    }
    await flush();
  };
}
