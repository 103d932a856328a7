import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { NewEvent } from '@collections/messaging';
import { isUuid, money } from '@collections/platform';
import { selectedNames } from '@collections/runtime';
import { NewSettlement } from './domain/settlement';

export interface SettlementRow {
  tenant_id: string;
  id: string;
  account_id: string;
  currency: string;
  balance_minor: string;
  amount_minor: string;
  discount_minor: string;
  paid_minor: string;
  due_date: string;
  channel: number;
  taken_by: number;
  agent_id: string;
  state: number;
  discount_entry_id: string | null;
  withdrawn_at: Date | null;
  withdrawn_by: string | null;
  withdraw_reason: string | null;
  withdraw_idempotency_key: string | null;
}

const COLUMNS = `tenant_id, id, account_id, currency, balance_minor, amount_minor, discount_minor, paid_minor,
  to_char(due_date, 'YYYY-MM-DD') AS due_date, channel, taken_by, agent_id, state, discount_entry_id, withdrawn_at,
  withdrawn_by, withdraw_reason, withdraw_idempotency_key`;
/** COLUMNS' names, to select them again from a CTE that returned them. */
const COLUMN_NAMES = selectedNames(COLUMNS);
/** The states of a settlement that may take a payment (`lockTaking`). */
export const TAKING_STATES = [
  promises.SettlementState.SETTLEMENT_STATE_OPEN,
  promises.SettlementState.SETTLEMENT_STATE_LAPSED,
];

export function mapSettlement(r: SettlementRow): promises.SettlementView {
  const currency = r.currency.trim();
  return {
    settlementId: r.id,
    accountId: r.account_id,
    balance: money(Number(r.balance_minor), currency),
    amount: money(Number(r.amount_minor), currency),
    discount: money(Number(r.discount_minor), currency),
    paid: money(Number(r.paid_minor), currency),
    dueDate: r.due_date,
    state: r.state,
    discountEntryId: r.discount_entry_id ?? '',
    channel: r.channel,
    takenBy: r.taken_by,
    agentId: r.agent_id,
    withdrawnAt: r.withdrawn_at ?? undefined,
    withdrawnBy: r.withdrawn_by ?? '',
    withdrawReason: r.withdraw_reason ?? '',
  };
}

/** A withdrawn settlement's SettlementWithdrawn (by a supervisor, or because the ledger ended the account). */
export function settlementWithdrawn(
  tenantId: string,
  row: SettlementRow,
): NewEvent<'collections.promises.v1.SettlementWithdrawn'> {
  const view = mapSettlement(row);
  const withdrawnAt = row.withdrawn_at!;
  return {
    type: 'collections.promises.v1.SettlementWithdrawn',
    key: view.accountId,
    tenantId,
    time: withdrawnAt,
    payload: {
      settlementId: view.settlementId,
      accountId: view.accountId,
      amount: view.amount,
      paid: view.paid,
      dueDate: view.dueDate,
      withdrawnAt,
      withdrawnBy: view.withdrawnBy,
    },
  };
}

export class SettlementsRepository {
  /**
   * Inserts, or finds the settlement already created with this idempotency key (`created` false).
   */
  async create(
    tx: EntityManager,
    tenantId: string,
    s: NewSettlement,
    createdAt: Date,
  ): Promise<{ row: SettlementRow; created: boolean }> {
    const [inserted] = (await tx.query(
      `INSERT INTO settlement (tenant_id, account_id, currency, balance_minor, amount_minor, discount_minor, due_date,
         channel, taken_by, agent_id, state, idempotency_key, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        tenantId,
        s.accountId,
        s.amount.currency,
        s.balance.amountMinor,
        s.amount.amountMinor,
        s.discount.amountMinor,
        s.dueDate,
        s.channel,
        s.takenBy,
        s.agentId,
        promises.SettlementState.SETTLEMENT_STATE_OPEN,
        s.idempotencyKey,
        createdAt,
      ],
    )) as SettlementRow[];
    if (inserted) return { row: inserted, created: true };
    const [row] = (await tx.query(`SELECT ${COLUMNS} FROM settlement WHERE tenant_id = $1 AND idempotency_key = $2`, [
      tenantId,
      s.idempotencyKey,
    ])) as SettlementRow[];
    return { row, created: false };
  }

  /** The settlement an idempotency key created, if any. */
  async findByKey(m: EntityManager, tenantId: string, idempotencyKey: string): Promise<SettlementRow | undefined> {
    const [row] = (await m.query(`SELECT ${COLUMNS} FROM settlement WHERE tenant_id = $1 AND idempotency_key = $2`, [
      tenantId,
      idempotencyKey,
    ])) as SettlementRow[];
    return row;
  }

  async find(m: EntityManager, tenantId: string, id: string): Promise<SettlementRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = (await m.query(`SELECT ${COLUMNS} FROM settlement WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ])) as SettlementRow[];
    return row;
  }

  /**
   * The settlement a payment made on a day counts towards, locked for the transaction: the
   * account's oldest in this currency due on or after `dueOnOrAfter` (the payment's day less the
   * grace days) that is open, or that the daily run lapsed though the payment was made within its
   * grace days (a bank file's payment posted after the run). None once the ledger settled or closed
   * the account (`AccountProfilesRepository.markEnded`): a payment read after that goes on as any
   * other, whichever was posted first.
   */
  async lockTaking(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    currency: string,
    dueOnOrAfter: string,
  ): Promise<SettlementRow | undefined> {
    const [row] = (await tx.query(
      `SELECT ${COLUMNS} FROM settlement WHERE tenant_id = $1 AND account_id = $2 AND currency = $3
         AND state = ANY($4::int[]) AND due_date >= $5::date
         AND NOT EXISTS (SELECT 1 FROM promise_account_profile a WHERE a.tenant_id = $1 AND a.account_id = $2
                            AND a.ended_at IS NOT NULL)
       ORDER BY created_at, id LIMIT 1 FOR UPDATE`,
      [tenantId, accountId, currency, TAKING_STATES, dueOnOrAfter],
    )) as SettlementRow[];
    return row;
  }

  /** Open settlements due on or before `dueBy` (a first cut: the caller checks each account's calendar). */
  async openDueBy(
    m: EntityManager,
    tenantId: string | undefined,
    dueBy: string,
  ): Promise<{ tenant_id: string; id: string; account_id: string; due_date: string }[]> {
    return (await m.query(
      `SELECT tenant_id, id, account_id, to_char(due_date, 'YYYY-MM-DD') AS due_date FROM settlement
        WHERE state = $1 AND due_date <= $2::date AND ($3::text IS NULL OR tenant_id = $3)
        ORDER BY tenant_id, due_date, id`,
      [promises.SettlementState.SETTLEMENT_STATE_OPEN, dueBy, tenantId ?? null],
    )) as { tenant_id: string; id: string; account_id: string; due_date: string }[];
  }

  /**
   * Marks an open settlement lapsed: the row as it now is, or undefined when it was no longer open
   * (paid meanwhile, or lapsed by another run). The payments it counted stay as they are; no
   * discount is ever posted for it.
   */
  async markLapsed(tx: EntityManager, tenantId: string, id: string): Promise<SettlementRow | undefined> {
    const [rows] = (await tx.query(
      `UPDATE settlement SET state = $3 WHERE tenant_id = $1 AND id = $2 AND state = $4 RETURNING ${COLUMNS}`,
      [tenantId, id, promises.SettlementState.SETTLEMENT_STATE_LAPSED, promises.SettlementState.SETTLEMENT_STATE_OPEN],
    )) as [SettlementRow[], number];
    return rows[0];
  }

  /**
   * Withdraws every open settlement of the account (any currency), locked in the order payments
   * lock them (oldest first); the rows as they now are, in that order, none when it has none open
   * (a redelivery finds them withdrawn). Paid and lapsed settlements stay as they are.
   */
  async withdrawOpenOfAccount(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    withdrawnAt: Date,
    withdrawnBy: string,
  ): Promise<SettlementRow[]> {
    return (await tx.query(
      `WITH locked AS (
         SELECT id AS locked_id FROM settlement WHERE tenant_id = $1 AND account_id = $2 AND state = $4
          ORDER BY created_at, id FOR UPDATE),
       withdrawn AS (
         UPDATE settlement SET state = $3, withdrawn_at = $5, withdrawn_by = $6 FROM locked
          WHERE tenant_id = $1 AND id = locked_id AND state = $4 RETURNING ${COLUMNS}, created_at)
       SELECT ${COLUMN_NAMES} FROM withdrawn ORDER BY created_at, id`,
      [
        tenantId,
        accountId,
        promises.SettlementState.SETTLEMENT_STATE_WITHDRAWN,
        promises.SettlementState.SETTLEMENT_STATE_OPEN,
        withdrawnAt,
        withdrawnBy,
      ],
    )) as SettlementRow[];
  }

  /**
   * The settlement locked for the transaction (FOR UPDATE): a payment counting towards it waits for
   * the caller's commit, or the caller waits for the payment's and reads what it counted.
   */
  async lock(tx: EntityManager, tenantId: string, id: string): Promise<SettlementRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = (await tx.query(`SELECT ${COLUMNS} FROM settlement WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      tenantId,
      id,
    ])) as SettlementRow[];
    return row;
  }

  /**
   * Withdraws the settlement if it is still open (WithdrawSettlement), with who, why and the call's
   * idempotency key; the row as it now is, or undefined when it was no longer open.
   */
  async withdraw(
    tx: EntityManager,
    tenantId: string,
    id: string,
    w: { withdrawnAt: Date; withdrawnBy: string; reason: string; idempotencyKey: string },
  ): Promise<SettlementRow | undefined> {
    const [rows] = (await tx.query(
      `UPDATE settlement SET state = $3, withdrawn_at = $5, withdrawn_by = $6, withdraw_reason = $7,
              withdraw_idempotency_key = $8
        WHERE tenant_id = $1 AND id = $2 AND state = $4 RETURNING ${COLUMNS}`,
      [
        tenantId,
        id,
        promises.SettlementState.SETTLEMENT_STATE_WITHDRAWN,
        promises.SettlementState.SETTLEMENT_STATE_OPEN,
        w.withdrawnAt,
        w.withdrawnBy,
        w.reason,
        w.idempotencyKey,
      ],
    )) as [SettlementRow[], number];
    return rows[0];
  }

  /**
   * Counts a payment towards the settlement; the new paid total, or undefined when it was counted
   * before (reversed since included: a reversed payment's row stays).
   */
  async addPayment(
    tx: EntityManager,
    tenantId: string,
    settlementId: string,
    paymentId: string,
    amountMinor: number,
  ): Promise<number | undefined> {
    const inserted = (await tx.query(
      `INSERT INTO settlement_payment (tenant_id, settlement_id, payment_id, amount_minor) VALUES ($1,$2,$3,$4)
       ON CONFLICT DO NOTHING RETURNING payment_id`,
      [tenantId, settlementId, paymentId, amountMinor],
    )) as unknown[];
    if (inserted.length === 0) return undefined;
    const [row] = (await tx.query(
      `UPDATE settlement SET paid_minor = paid_minor + $3 WHERE tenant_id = $1 AND id = $2 RETURNING paid_minor`,
      [tenantId, settlementId, amountMinor],
    )) as [{ paid_minor: string }[], number];
    return Number(row[0].paid_minor);
  }

  /**
   * Takes back a payment `addPayment` counted in this transaction, before anything announced it:
   * the ledger refused the discount it completed (the account ended there first). The paid total
   * as it was.
   */
  async uncountPayment(
    tx: EntityManager,
    tenantId: string,
    settlementId: string,
    paymentId: string,
    amountMinor: number,
  ): Promise<void> {
    await tx.query(`DELETE FROM settlement_payment WHERE tenant_id = $1 AND settlement_id = $2 AND payment_id = $3`, [
      tenantId,
      settlementId,
      paymentId,
    ]);
    await tx.query(`UPDATE settlement SET paid_minor = paid_minor - $3 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      settlementId,
      amountMinor,
    ]);
  }

  /**
   * Takes a reversed payment off an open or lapsed settlement; what happened: 'none' (not a
   * settlement payment), 'already-reversed' (taken off before: nothing changes), 'reopened' (paid
   * lowered; a lapsed settlement stays lapsed) or 'already-paid' (the settlement was paid and its
   * discount posted: its paid amount stands, the reversal is only recorded, so that a second
   * delivery of it is 'already-reversed'). The payment's row stays, flagged reversed (as a plan's
   * does), so the payment replayed under a new event id is still known as counted (`addPayment`,
   * `AppliedPaymentsRepository`).
   */
  async reversePayment(
    tx: EntityManager,
    tenantId: string,
    paymentId: string,
  ): Promise<{
    outcome: 'none' | 'already-reversed' | 'reopened' | 'already-paid';
    settlementId?: string;
    /** When reopened or already paid: what the payment had counted, and the settlement as it now is. */
    reversedMinor?: number;
    row?: SettlementRow;
  }> {
    const [row] = (await tx.query(
      `SELECT p.settlement_id, p.amount_minor, p.reversed, s.state FROM settlement_payment p
         JOIN settlement s ON s.tenant_id = p.tenant_id AND s.id = p.settlement_id
        WHERE p.tenant_id = $1 AND p.payment_id = $2 FOR UPDATE OF s, p`,
      [tenantId, paymentId],
    )) as { settlement_id: string; amount_minor: string; reversed: boolean; state: number }[];
    if (!row) return { outcome: 'none' };
    if (row.reversed) return { outcome: 'already-reversed', settlementId: row.settlement_id };
    await tx.query(`UPDATE settlement_payment SET reversed = true WHERE tenant_id = $1 AND payment_id = $2`, [
      tenantId,
      paymentId,
    ]);
    if (row.state === promises.SettlementState.SETTLEMENT_STATE_PAID) {
      const [paid] = (await tx.query(`SELECT ${COLUMNS} FROM settlement WHERE tenant_id = $1 AND id = $2`, [
        tenantId,
        row.settlement_id,
      ])) as SettlementRow[];
      return {
        outcome: 'already-paid',
        settlementId: row.settlement_id,
        reversedMinor: Number(row.amount_minor),
        row: paid,
      };
    }
    const [rows] = (await tx.query(
      `UPDATE settlement SET paid_minor = paid_minor - $3 WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, row.settlement_id, Number(row.amount_minor)],
    )) as [SettlementRow[], number];
    return {
      outcome: 'reopened',
      settlementId: row.settlement_id,
      reversedMinor: Number(row.amount_minor),
      row: rows[0],
    };
  }

  /** Marks the settlement paid with its discount's ledger entry; the row as it now is. */
  async markPaid(
    tx: EntityManager,
    tenantId: string,
    settlementId: string,
    discountEntryId: string,
  ): Promise<SettlementRow> {
    const [rows] = (await tx.query(
      `UPDATE settlement SET state = $3, discount_entry_id = $4 WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, settlementId, promises.SettlementState.SETTLEMENT_STATE_PAID, discountEntryId],
    )) as [SettlementRow[], number];
    return rows[0];
  }
}
