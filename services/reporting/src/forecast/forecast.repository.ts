import { DataSource } from 'typeorm';
import { ForecastAccount, ForecastWeek, OpenInstalment, OpenSettlement } from './domain/cash-forecast';

/** Reads the forecast's read model and keeps its snapshots; every query is scoped to one tenant. */
export class ForecastRepository {
  constructor(private readonly db: DataSource) {}

  /** Every (tenant, currency) with accounts: the forecasts a snapshot run takes. */
  async tenantCurrencies(): Promise<{ tenantId: string; currency: string }[]> {
    const rows = (await this.db.query(
      `SELECT DISTINCT tenant_id, currency FROM account_fact WHERE currency IS NOT NULL ORDER BY tenant_id, currency`,
    )) as { tenant_id: string; currency: string }[];
    return rows.map((r) => ({ tenantId: r.tenant_id, currency: r.currency.trim() }));
  }

  /**
   * Accounts opened by the day: latest probability to pay, balance as of the day, whether a plan is
   * active, and whether a settlement is open (agreed, neither paid nor lapsed) or else paid.
   */
  async accounts(tenantId: string, currency: string, asOf: string): Promise<ForecastAccount[]> {
    const rows = (await this.db.query(
      `SELECT a.account_id, a.probability_to_pay,
              coalesce((SELECT b.total_minor FROM balance_fact b
                 WHERE b.tenant_id = $1 AND b.account_id = a.account_id AND b.as_of_date <= $3
                 ORDER BY b.as_of_date DESC, b.event_time DESC, b.caused_by_entry_id DESC LIMIT 1), 0)::bigint AS balance_minor,
              EXISTS (SELECT 1 FROM forecast_plan_fact p WHERE p.tenant_id = $1 AND p.account_id = a.account_id
                 AND p.state = 'active' AND p.agreed_at IS NOT NULL) AS under_active_plan,
              (SELECT CASE WHEN bool_or(s.state = 'open') THEN 'open' ELSE 'paid' END
                 FROM forecast_settlement_fact s
                WHERE s.tenant_id = $1 AND s.account_id = a.account_id
                  AND (s.state = 'paid' OR (s.state = 'open' AND s.agreed_at IS NOT NULL))
               HAVING count(*) > 0) AS settlement
         FROM account_fact a
        WHERE a.tenant_id = $1 AND a.currency = $2 AND a.opened_on <= $3
        ORDER BY a.account_id`,
      [tenantId, currency, asOf],
    )) as {
      account_id: string;
      probability_to_pay: number | null;
      balance_minor: string;
      under_active_plan: boolean;
      settlement: 'open' | 'paid' | null;
    }[];
    return rows.map((r) => ({
      accountId: r.account_id,
      probabilityToPay: r.probability_to_pay === null ? null : Number(r.probability_to_pay),
      balanceMinor: Number(r.balance_minor),
      underActivePlan: r.under_active_plan,
      settlement: r.settlement,
    }));
  }

  /**
   * Open instalments of active plans in the currency due from `from` to `to`, but none of an account
   * with a settlement open (agreed, neither paid nor lapsed) or paid: the promises service puts the
   * account's payments towards its open settlement first, and the settlement, once paid, forgives the
   * rest and closes the debt, so the settlement's sum is all that is expected from the account (its
   * plan's instalments, whether due before or after the settlement's due date, would count the same
   * money twice). A lapsed settlement is as if none was agreed: the plan's instalments are expected
   * again.
   */
  async openInstalments(tenantId: string, currency: string, from: string, to: string): Promise<OpenInstalment[]> {
    const rows = (await this.db.query(
      `SELECT p.account_id, i.due_date::text AS due_date, i.open_minor, a.probability_to_pay
         FROM forecast_instalment_fact i
         JOIN forecast_plan_fact p ON p.tenant_id = i.tenant_id AND p.plan_id = i.plan_id
         LEFT JOIN account_fact a ON a.tenant_id = p.tenant_id AND a.account_id = p.account_id
        WHERE i.tenant_id = $1 AND p.currency = $2 AND p.state = 'active' AND p.agreed_at IS NOT NULL
          AND i.status = 'open' AND i.due_date BETWEEN $3 AND $4
          AND NOT EXISTS (SELECT 1 FROM forecast_settlement_fact s
                           WHERE s.tenant_id = p.tenant_id AND s.account_id = p.account_id
                             AND (s.state = 'paid' OR (s.state = 'open' AND s.agreed_at IS NOT NULL)))
        ORDER BY p.account_id, i.due_date`,
      [tenantId, currency, from, to],
    )) as OpenItemRow[];
    return rows.map(openItem);
  }

  /**
   * Open settlements in the currency (agreed, neither paid nor lapsed) due from `from` to `to`, each
   * for what remains of its amount once the payments announced towards it (SettlementPaymentApplied,
   * less those reversed) are taken off; none below zero.
   */
  async openSettlements(tenantId: string, currency: string, from: string, to: string): Promise<OpenSettlement[]> {
    const rows = (await this.db.query(
      `SELECT s.account_id, s.due_date::text AS due_date, greatest(s.amount_minor - s.paid_minor, 0) AS open_minor,
              a.probability_to_pay
         FROM forecast_settlement_fact s
         LEFT JOIN account_fact a ON a.tenant_id = s.tenant_id AND a.account_id = s.account_id
        WHERE s.tenant_id = $1 AND s.currency = $2 AND s.state = 'open' AND s.agreed_at IS NOT NULL
          AND s.due_date BETWEEN $3 AND $4
        ORDER BY s.account_id, s.due_date`,
      [tenantId, currency, from, to],
    )) as OpenItemRow[];
    return rows.map(openItem);
  }

  /** Settlements of the tenant in the currency that were paid, and that lapsed. */
  async settlementOutcomes(tenantId: string, currency: string): Promise<{ paid: number; lapsed: number }> {
    const [row] = (await this.db.query(
      `SELECT count(*) FILTER (WHERE state = 'paid')::int AS paid, count(*) FILTER (WHERE state = 'lapsed')::int AS lapsed
         FROM forecast_settlement_fact
        WHERE tenant_id = $1 AND currency = $2`,
      [tenantId, currency],
    )) as { paid: number; lapsed: number }[];
    return row;
  }

  /** Instalments of the tenant's plans in the currency that were kept, and that were missed. */
  async instalmentOutcomes(tenantId: string, currency: string): Promise<{ kept: number; missed: number }> {
    const [row] = (await this.db.query(
      `SELECT count(*) FILTER (WHERE i.status = 'kept')::int AS kept, count(*) FILTER (WHERE i.status = 'missed')::int AS missed
         FROM forecast_instalment_fact i
         JOIN forecast_plan_fact p ON p.tenant_id = i.tenant_id AND p.plan_id = i.plan_id
        WHERE i.tenant_id = $1 AND p.currency = $2`,
      [tenantId, currency],
    )) as { kept: number; missed: number }[];
    return row;
  }

  /**
   * Net collections (payments minus their reversals) in the currency per week, by the Monday starting
   * it; a payment counts in the week of the day it was made (`paid_on`).
   */
  async collectedByWeek(tenantId: string, currency: string, from: string, to: string): Promise<Map<string, number>> {
    const rows = (await this.db.query(
      `SELECT (date_trunc('week', p.paid_on))::date::text AS week_start,
              sum(p.amount_minor - coalesce(r.amount_minor, 0))::bigint AS amount_minor
         FROM payment_fact p
         LEFT JOIN payment_reversal_fact r ON r.tenant_id = p.tenant_id AND r.payment_id = p.payment_id
        WHERE p.tenant_id = $1 AND p.currency = $2 AND p.paid_on BETWEEN $3 AND $4
        GROUP BY 1`,
      [tenantId, currency, from, to],
    )) as { week_start: string; amount_minor: string }[];
    return new Map(rows.map((r) => [r.week_start, Number(r.amount_minor)]));
  }

  /** Keeps a forecast; a snapshot of the same day is kept once (the first one taken). */
  async saveSnapshot(tenantId: string, currency: string, asOf: string, weeks: ForecastWeek[], takenAt: Date) {
    await this.db.query(
      `INSERT INTO forecast_snapshot (tenant_id, currency, as_of_date, week_start, expected_minor, from_plans_minor,
         from_scores_minor, taken_at)
       SELECT $1, $2, $3, u.*, $8::timestamptz FROM unnest($4::date[], $5::bigint[], $6::bigint[], $7::bigint[]) AS u
       ON CONFLICT DO NOTHING`,
      [
        tenantId,
        currency,
        asOf,
        weeks.map((w) => w.weekStart),
        weeks.map((w) => w.expectedMinor),
        weeks.map((w) => w.fromPlansMinor),
        weeks.map((w) => w.fromScoresMinor),
        takenAt,
      ],
    );
  }

  /** For each week, the forecast of the latest snapshot taken before the week began. */
  async forecastsFor(
    tenantId: string,
    currency: string,
    weekStarts: string[],
  ): Promise<Map<string, { expectedMinor: number; asOfDate: string }>> {
    const rows = (await this.db.query(
      `SELECT DISTINCT ON (week_start) week_start::text AS week_start, expected_minor, as_of_date::text AS as_of_date
         FROM forecast_snapshot
        WHERE tenant_id = $1 AND currency = $2 AND week_start = ANY($3::date[]) AND as_of_date < week_start
        ORDER BY week_start, as_of_date DESC`,
      [tenantId, currency, weekStarts],
    )) as { week_start: string; expected_minor: string; as_of_date: string }[];
    return new Map(
      rows.map((r) => [r.week_start, { expectedMinor: Number(r.expected_minor), asOfDate: r.as_of_date }]),
    );
  }
}

/** A row of what is still expected on a due date (an open instalment, an open settlement's sum). */
interface OpenItemRow {
  account_id: string;
  due_date: string;
  open_minor: string;
  probability_to_pay: number | null;
}

const openItem = (r: OpenItemRow): OpenInstalment => ({
  accountId: r.account_id,
  dueDate: r.due_date,
  openMinor: Number(r.open_minor),
  probabilityToPay: r.probability_to_pay === null ? null : Number(r.probability_to_pay),
});
