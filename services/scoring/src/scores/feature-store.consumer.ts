import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EntityManager } from 'typeorm';
import { EventHandlers, Outbox } from '@collections/messaging';
import { Clock, minorUnitDigits } from '@collections/platform';
import { CreditRiskModel } from '../model';
import { recordScoredFeatures } from '../monitoring/score-monitoring.repository';
import { StoredCycle, segmentOf, toAccountHistory } from './domain/account-history';

/** The production model, trained on the UCI data (`scoring:evaluate --model-out`), shipped with the service. */
export const PRODUCTION_MODEL_FILE = join(__dirname, '..', '..', 'models', 'uci-gbdt-v1.json');

export function loadProductionModel(): { model: CreditRiskModel; version: string } {
  const text = readFileSync(PRODUCTION_MODEL_FILE, 'utf8');
  const model = CreditRiskModel.fromArtifact(text);
  const artifact = model.artifact as unknown as { version: string; trainingDataFingerprint?: string };
  return { model, version: `${artifact.version}#${(artifact.trainingDataFingerprint ?? '').slice(7, 19)}` };
}

const toUnits = (minor: number, currency: string) => minor / 10 ** minorUnitDigits(currency);

/**
 * Scores one account from the feature store and publishes AccountScored with its reasons, in
 * the transaction of the event that changed the account's history.
 */
export async function rescore(
  tx: EntityManager,
  outbox: Outbox,
  clock: Clock,
  production: { model: CreditRiskModel; version: string },
  tenantId: string,
  accountId: string,
): Promise<void> {
  const [profile] = (await tx.query(
    `SELECT currency, credit_limit_minor FROM account_profile WHERE tenant_id = $1 AND account_id = $2`,
    [tenantId, accountId],
  )) as { currency: string; credit_limit_minor: string }[];
  if (!profile) return; // AccountOpened not seen yet: scored when it arrives
  const currency = profile.currency.trim();
  const cycles = (await tx.query(
    `SELECT statement_month, bill_minor, reported_status FROM account_cycle WHERE tenant_id = $1 AND account_id = $2`,
    [tenantId, accountId],
  )) as { statement_month: string; bill_minor: string; reported_status: number | null }[];
  const payments = (await tx.query(
    `SELECT month, paid_minor FROM account_payment_month WHERE tenant_id = $1 AND account_id = $2`,
    [tenantId, accountId],
  )) as { month: string; paid_minor: string }[];
  const history = toAccountHistory(
    toUnits(Number(profile.credit_limit_minor), currency),
    cycles.map((c): StoredCycle => ({
      statementMonth: c.statement_month,
      bill: toUnits(Number(c.bill_minor), currency),
      reportedStatus: c.reported_status,
    })),
    new Map(payments.map((p) => [p.month, toUnits(Number(p.paid_minor), currency)])),
  );
  const score = production.model.score(history);
  const segment = segmentOf(score.probabilityToPay);
  const reasons = score.reasons.map((r) => r.text);
  const scoredAt = clock.now();
  await tx.query(
    `INSERT INTO account_score (tenant_id, account_id, probability_to_pay, segment, model_version, reasons, scored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, account_id) DO UPDATE SET probability_to_pay = EXCLUDED.probability_to_pay,
       segment = EXCLUDED.segment, model_version = EXCLUDED.model_version, reasons = EXCLUDED.reasons, scored_at = EXCLUDED.scored_at`,
    [tenantId, accountId, score.probabilityToPay, segment, production.version, reasons, scoredAt],
  );
  await recordScoredFeatures(tx, {
    tenantId,
    accountId,
    modelVersion: production.version,
    history,
    probabilityToPay: score.probabilityToPay,
    scoredAt,
  });
  await outbox.add(tx, {
    type: 'collections.scoring.v1.AccountScored',
    key: accountId,
    tenantId,
    time: scoredAt,
    payload: {
      accountId,
      probabilityToPay: score.probabilityToPay,
      segment,
      modelVersion: production.version,
      reasons,
      scoredAt,
    },
  });
}

/** Feeds the feature store from the ledger's events and re-scores the account each time. */
export function featureStoreHandlers(
  clock: Clock,
  production: { model: CreditRiskModel; version: string },
): EventHandlers {
  return {
    'collections.ledger.v1.AccountOpened': async (event, { tx, outbox }) => {
      const a = event.payload;
      await tx.query(
        `INSERT INTO account_profile (tenant_id, account_id, currency, credit_limit_minor) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, account_id) DO UPDATE SET currency = EXCLUDED.currency, credit_limit_minor = EXCLUDED.credit_limit_minor`,
        [event.tenantId, a.accountId, a.currency, a.creditLimitMinor],
      );
      await rescore(tx, outbox, clock, production, event.tenantId, a.accountId);
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
      await rescore(tx, outbox, clock, production, event.tenantId, s.accountId);
    },
    'collections.ledger.v1.PaymentPosted': async (event, { tx, outbox }) => {
      const p = event.payload;
      const month = (p.postedAt ?? event.time).toISOString().slice(0, 7);
      await tx.query(
        `INSERT INTO account_payment_month (tenant_id, account_id, month, paid_minor) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, account_id, month) DO UPDATE SET paid_minor = account_payment_month.paid_minor + EXCLUDED.paid_minor`,
        [event.tenantId, p.accountId, month, p.amount?.amountMinor ?? 0],
      );
      await rescore(tx, outbox, clock, production, event.tenantId, p.accountId);
    },
  };
}
