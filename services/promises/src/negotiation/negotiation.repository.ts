import { EntityManager } from 'typeorm';
import { promises, scoring } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { DEFAULT_POLICY, StoredPolicy, policyToProto, validatePolicy } from './domain/negotiation-policy';

interface PolicyRow {
  version: number;
  policy: unknown;
  changed_by: string;
  change_reason: string;
  changed_at: Date;
}

const toStored = (r: PolicyRow): StoredPolicy => ({
  limits: validatePolicy(promises.NegotiationPolicy.fromJSON(r.policy)),
  version: r.version,
  changedBy: r.changed_by,
  changeReason: r.change_reason,
  changedAt: new Date(r.changed_at),
});

/** Each tenant's negotiation limits, every version kept. */
export class NegotiationPoliciesRepository {
  /** The tenant's policy at `version` (0: the latest; the platform default until it sets one). */
  async find(m: EntityManager, tenantId: string, version = 0): Promise<StoredPolicy | undefined> {
    const [row] = (await m.query(
      `SELECT version, policy, changed_by, change_reason, changed_at FROM negotiation_policy_version
        WHERE tenant_id = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1`,
      [tenantId, version],
    )) as PolicyRow[];
    if (row) return toStored(row);
    return version === 0 ? DEFAULT_POLICY : undefined;
  }

  /** Stores the next version; concurrent writers get consecutive versions (the tenant's rows are locked). */
  async append(tx: EntityManager, tenantId: string, policy: StoredPolicy): Promise<StoredPolicy> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('negotiation_policy:' || $1))`, [tenantId]);
    const [{ next }] = (await tx.query(
      `SELECT coalesce(max(version), 0) + 1 AS next FROM negotiation_policy_version WHERE tenant_id = $1`,
      [tenantId],
    )) as { next: number }[];
    const json = promises.NegotiationPolicy.toJSON({
      ...policyToProto(policy),
      version: 0,
      changedBy: '',
      changedAt: undefined,
      changeReason: '',
    });
    await tx.query(
      `INSERT INTO negotiation_policy_version (tenant_id, version, policy, changed_by, change_reason, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [tenantId, next, JSON.stringify(json), policy.changedBy, policy.changeReason, policy.changedAt],
    );
    return { ...policy, version: next };
  }
}

/** Each account's latest scoring segment (AccountScored), for the segment discount caps. */
export class AccountSegmentsRepository {
  async upsert(tx: EntityManager, tenantId: string, accountId: string, segment: number, scoredAt: Date): Promise<void> {
    await tx.query(
      `INSERT INTO promise_account_segment (tenant_id, account_id, segment, scored_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET segment = EXCLUDED.segment, scored_at = EXCLUDED.scored_at
       WHERE promise_account_segment.scored_at <= EXCLUDED.scored_at`,
      [tenantId, accountId, segment, scoredAt],
    );
  }

  /** SEGMENT_UNSPECIFIED until the account is scored. */
  async find(m: EntityManager, tenantId: string, accountId: string): Promise<scoring.Segment> {
    const [row] = (await m.query(
      `SELECT segment FROM promise_account_segment WHERE tenant_id = $1 AND account_id = $2`,
      [tenantId, accountId],
    )) as { segment: number }[];
    return row ? (row.segment as scoring.Segment) : scoring.Segment.SEGMENT_UNSPECIFIED;
  }
}

export type ApprovalKind = 'plan' | 'settlement';

export interface ApprovalRow {
  id: string;
  account_id: string;
  kind: ApprovalKind;
  request: unknown;
  reason: string;
  agent_id: string;
  policy_version: number;
  state: number;
  requested_at: Date;
  /** Until when a supervisor may decide; a pending row after it is EXPIRED (`effectiveState`). */
  expires_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  plan_id: string | null;
  settlement_id: string | null;
}

/** An approval the daily run stored as expired (`ApprovalsRepository.expire`). */
export type ExpiredApproval = Pick<
  ApprovalRow,
  'id' | 'account_id' | 'kind' | 'agent_id' | 'reason' | 'requested_at' | 'expires_at'
> & { tenant_id: string; debtor_answered: boolean };

export interface NewApproval {
  accountId: string;
  kind: ApprovalKind;
  request: promises.CreatePlanRequest | promises.CreateSettlementRequest;
  reason: string;
  agentId: string;
  policyVersion: number;
  idempotencyKey: string;
  /** The request's time plus the tenant policy's approval hours. */
  expiresAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const APPROVAL_COLUMNS = `id, account_id, kind, request, reason, agent_id, policy_version, state, requested_at,
  expires_at, decided_by, decided_at, decision_note, plan_id, settlement_id`;

const { APPROVAL_STATE_PENDING: PENDING, APPROVAL_STATE_EXPIRED: EXPIRED } = promises.ApprovalState;

/**
 * An approval's state at `now`: a pending one is EXPIRED from its `expires_at` on, whether or not
 * the daily run has stored it as such yet.
 */
export function effectiveState(r: ApprovalRow, now: Date): promises.ApprovalState {
  return r.state === PENDING && new Date(r.expires_at).getTime() <= now.getTime() ? EXPIRED : r.state;
}

/**
 * A retried request (same idempotency key) whose offer was held and can no longer be approved:
 * FAILED_PRECONDITION saying why (`what`: "this plan", "this settlement"). An approved or pending
 * one passes.
 */
export function refuseUndecidable(held: ApprovalRow, state: promises.ApprovalState, what: string): void {
  if (state === promises.ApprovalState.APPROVAL_STATE_REJECTED)
    throw AppError.failedPrecondition(
      `${what} was held for approval and rejected by ${held.decided_by}${held.decision_note ? `: ${held.decision_note}` : ''}`,
      { approvalId: held.id },
    );
  if (state === EXPIRED)
    throw AppError.failedPrecondition(
      `${what} was held for approval and expired at ${new Date(held.expires_at).toISOString()} with no decision: propose it again under a new idempotency key`,
      { approvalId: held.id },
    );
}

/** The approval as a caller sees it at `now` (see `effectiveState`). */
export function mapApproval(r: ApprovalRow, now: Date): promises.ApprovalView {
  return {
    approvalId: r.id,
    accountId: r.account_id,
    state: effectiveState(r, now),
    reason: r.reason,
    agentId: r.agent_id,
    plan: r.kind === 'plan' ? promises.CreatePlanRequest.fromJSON(r.request) : undefined,
    settlement: r.kind === 'settlement' ? promises.CreateSettlementRequest.fromJSON(r.request) : undefined,
    policyVersion: r.policy_version,
    requestedAt: new Date(r.requested_at),
    expiresAt: new Date(r.expires_at),
    decidedBy: r.decided_by ?? '',
    decidedAt: r.decided_at ? new Date(r.decided_at) : undefined,
    decisionNote: r.decision_note ?? '',
    planId: r.plan_id ?? '',
    settlementId: r.settlement_id ?? '',
  };
}

/**
 * Of a held offer `e` (tenant_id, account_id, requested_at): whether the debtor has had an answer
 * since it was held (`debtor_answered`): the ledger ended the account, or a plan, settlement or
 * promise to pay was agreed on the account after the offer was held (another offer approved, one
 * within an agent's limits, or a promise the debtor made to an agent or the bot).
 */
const ANSWERED_SINCE_COLUMNS = `(p.ended_at IS NOT NULL
  OR EXISTS (SELECT 1 FROM payment_plan pl
           WHERE pl.tenant_id = e.tenant_id AND pl.account_id = e.account_id AND pl.created_at > e.requested_at)
  OR EXISTS (SELECT 1 FROM settlement s
           WHERE s.tenant_id = e.tenant_id AND s.account_id = e.account_id AND s.created_at > e.requested_at)
  OR EXISTS (SELECT 1 FROM promise pr
           WHERE pr.tenant_id = e.tenant_id AND pr.account_id = e.account_id AND pr.created_at > e.requested_at))
    AS debtor_answered`;
const ANSWERED_SINCE_JOIN = `LEFT JOIN promise_account_profile p ON p.tenant_id = e.tenant_id AND p.account_id = e.account_id`;

/** Offers held for a supervisor's approval, and the decisions. */
export class ApprovalsRepository {
  /**
   * Holds an offer (`created`), or finds the one already held under this idempotency key: a
   * concurrent twin waits for the first to commit and finds its row.
   */
  async hold(
    tx: EntityManager,
    tenantId: string,
    a: NewApproval,
    requestedAt: Date,
  ): Promise<{ row: ApprovalRow; created: boolean }> {
    // fromPartial first: a message field the caller left out may arrive as null (a plan without a
    // down payment), which toJSON does not take.
    const json =
      a.kind === 'plan'
        ? promises.CreatePlanRequest.toJSON(promises.CreatePlanRequest.fromPartial(a.request))
        : promises.CreateSettlementRequest.toJSON(promises.CreateSettlementRequest.fromPartial(a.request));
    const [created] = (await tx.query(
      `INSERT INTO offer_approval (tenant_id, account_id, kind, request, reason, agent_id, policy_version, state,
         idempotency_key, requested_at, expires_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (tenant_id, kind, idempotency_key) DO NOTHING
       RETURNING ${APPROVAL_COLUMNS}`,
      [
        tenantId,
        a.accountId,
        a.kind,
        JSON.stringify(json),
        a.reason,
        a.agentId,
        a.policyVersion,
        promises.ApprovalState.APPROVAL_STATE_PENDING,
        a.idempotencyKey,
        requestedAt,
        a.expiresAt,
      ],
    )) as ApprovalRow[];
    if (created) return { row: created, created: true };
    return { row: (await this.findByKey(tx, tenantId, a.kind, a.idempotencyKey))!, created: false };
  }

  async findByKey(
    m: EntityManager,
    tenantId: string,
    kind: ApprovalKind,
    idempotencyKey: string,
  ): Promise<ApprovalRow | undefined> {
    const [row] = (await m.query(
      `SELECT ${APPROVAL_COLUMNS} FROM offer_approval WHERE tenant_id = $1 AND kind = $2 AND idempotency_key = $3`,
      [tenantId, kind, idempotencyKey],
    )) as ApprovalRow[];
    return row;
  }

  async find(m: EntityManager, tenantId: string, id: string, lock = false): Promise<ApprovalRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = (await m.query(
      `SELECT ${APPROVAL_COLUMNS} FROM offer_approval WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [tenantId, id],
    )) as ApprovalRow[];
    return row;
  }

  /** The tenant's approvals in `state` at `now` (0: any), as `effectiveState` gives it, oldest first. */
  async list(m: EntityManager, tenantId: string, state: number, accountId: string, now: Date): Promise<ApprovalRow[]> {
    // A pending row past its expiry is EXPIRED, stored so or not yet.
    const [inState, param]: [string, unknown] =
      state === PENDING
        ? [`state = ${PENDING} AND expires_at > $3`, now]
        : state === EXPIRED
          ? [`(state = ${EXPIRED} OR (state = ${PENDING} AND expires_at <= $3))`, now]
          : [`($3::int = 0 OR state = $3)`, state];
    return (await m.query(
      `SELECT ${APPROVAL_COLUMNS} FROM offer_approval
        WHERE tenant_id = $1 AND ($2 = '' OR account_id = $2) AND ${inState}
        ORDER BY requested_at, id LIMIT 500`,
      [tenantId, accountId, param],
    )) as ApprovalRow[];
  }

  /**
   * Stores as EXPIRED every pending approval whose time ran out by `now` (of one tenant, or all):
   * readers already see them so, this keeps the pending ones (the supervisors' queue and its
   * partial index) to those still waiting. Answers those it stored, each with whether the debtor
   * has had an answer since (`ANSWERED_SINCE_COLUMNS`). Locks them for the caller's transaction.
   */
  async expire(tx: EntityManager, now: Date, tenantId?: string): Promise<ExpiredApproval[]> {
    return (await tx.query(
      `WITH expired AS (
         UPDATE offer_approval SET state = ${EXPIRED}
          WHERE state = ${PENDING} AND expires_at <= $1 AND ($2::text IS NULL OR tenant_id = $2)
          RETURNING tenant_id, id, account_id, kind, agent_id, reason, requested_at, expires_at)
       SELECT e.*, ${ANSWERED_SINCE_COLUMNS}
         FROM expired e ${ANSWERED_SINCE_JOIN}
        ORDER BY e.tenant_id, e.requested_at, e.id`,
      [now, tenantId ?? null],
    )) as ExpiredApproval[];
  }

  /**
   * Whether the debtor told an answer would come on this held offer has had one since: its account
   * ended by the ledger, or something agreed on it since the offer was held (as `expire` says).
   */
  async debtorAnswered(tx: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const [row] = (await tx.query(
      `SELECT ${ANSWERED_SINCE_COLUMNS}
         FROM offer_approval e ${ANSWERED_SINCE_JOIN}
        WHERE e.tenant_id = $1 AND e.id = $2`,
      [tenantId, id],
    )) as Pick<ExpiredApproval, 'debtor_answered'>[];
    return !row || row.debtor_answered;
  }

  async decide(
    tx: EntityManager,
    tenantId: string,
    id: string,
    d: { state: number; decidedBy: string; decidedAt: Date; note: string; planId?: string; settlementId?: string },
  ): Promise<ApprovalRow> {
    await tx.query(
      `UPDATE offer_approval SET state = $3, decided_by = $4, decided_at = $5, decision_note = $6, plan_id = $7,
         settlement_id = $8 WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, d.state, d.decidedBy, d.decidedAt, d.note, d.planId ?? null, d.settlementId ?? null],
    );
    return (await this.find(tx, tenantId, id))!;
  }
}
