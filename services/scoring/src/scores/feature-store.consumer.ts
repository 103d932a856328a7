import { join } from 'node:path';
import { EventHandlers } from '@collections/messaging';
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
 */
export function featureStoreHandlers(
  rescore: RescoreAccountUseCase,
  repo: ScoresRepository = new ScoresRepository(),
): EventHandlers {
  return {
    'collections.ledger.v1.AccountOpened': async (event, { tx, outbox }) => {
      const a = event.payload;
      await tx.query(
        `INSERT INTO account_profile (tenant_id, account_id, currency, credit_limit_minor) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, account_id) DO UPDATE SET currency = EXCLUDED.currency, credit_limit_minor = EXCLUDED.credit_limit_minor`,
        [event.tenantId, a.accountId, a.currency, a.creditLimitMinor],
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
      const month = (p.postedAt ?? event.time).toISOString().slice(0, 7);
      await tx.query(
        `INSERT INTO account_payment_month (tenant_id, account_id, month, paid_minor) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, account_id, month) DO UPDATE SET paid_minor = account_payment_month.paid_minor + EXCLUDED.paid_minor`,
        [event.tenantId, p.accountId, month, p.amount?.amountMinor ?? 0],
      );
      await rescore.execute(tx, outbox, event.tenantId, p.accountId);
    },
    'collections.ledger.v1.BalanceChanged': async (event, { tx, outbox }) => {
      const b = event.payload.balance;
      if (!b?.total) return;
      await repo.saveBalance(tx, event.tenantId, b.accountId, {
        currency: b.total.currency,
        balanceMinor: b.total.amountMinor,
        daysPastDue: b.daysPastDue,
      });
      await rescore.execute(tx, outbox, event.tenantId, b.accountId);
    },
    'collections.ledger.v1.DelinquencyChanged': async (event, { tx, outbox }) => {
      const d = event.payload;
      await repo.saveDaysPastDue(tx, event.tenantId, d.accountId, d.daysPastDue);
      await rescore.execute(tx, outbox, event.tenantId, d.accountId);
    },
  };
}
