import { EntityManager } from 'typeorm';
import { promises, scoring } from '@collections/contracts';
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
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  plan_id: string | null;
  settlement_id: string | null;
}

export interface NewApproval {
  accountId: string;
  kind: ApprovalKind;
  request: promises.CreatePlanRequest | promises.CreateSettlementRequest;
  reason: string;
  agentId: string;
  policyVersion: number;
  idempotencyKey: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const APPROVAL_COLUMNS = `id, account_id, kind, request, reason, agent_id, policy_version, state, requested_at,
  decided_by, decided_at, decision_note, plan_id, settlement_id`;

export function mapApproval(r: ApprovalRow): promises.ApprovalView {
  return {
    approvalId: r.id,
    accountId: r.account_id,
    state: r.state,
    reason: r.reason,
    agentId: r.agent_id,
    plan: r.kind === 'plan' ? promises.CreatePlanRequest.fromJSON(r.request) : undefined,
    settlement: r.kind === 'settlement' ? promises.CreateSettlementRequest.fromJSON(r.request) : undefined,
    policyVersion: r.policy_version,
    requestedAt: new Date(r.requested_at),
    decidedBy: r.decided_by ?? '',
    decidedAt: r.decided_at ? new Date(r.decided_at) : undefined,
    decisionNote: r.decision_note ?? '',
    planId: r.plan_id ?? '',
    settlementId: r.settlement_id ?? '',
  };
}

/** Offers held for a supervisor's approval, and the decisions. */
export class ApprovalsRepository {
  /** Holds an offer, or finds the one already held under this idempotency key. */
  async hold(tx: EntityManager, tenantId: string, a: NewApproval, requestedAt: Date): Promise<ApprovalRow> {
    // fromPartial first: a message field the caller left out may arrive as null (a plan without a
    // down payment), which toJSON does not take.
    const json =
      a.kind === 'plan'
        ? promises.CreatePlanRequest.toJSON(promises.CreatePlanRequest.fromPartial(a.request))
        : promises.CreateSettlementRequest.toJSON(promises.CreateSettlementRequest.fromPartial(a.request));
    await tx.query(
      `INSERT INTO offer_approval (tenant_id, account_id, kind, request, reason, agent_id, policy_version, state,
         idempotency_key, requested_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (tenant_id, kind, idempotency_key) DO NOTHING`,
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
      ],
    );
    return (await this.findByKey(tx, tenantId, a.kind, a.idempotencyKey))!;
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

  async list(m: EntityManager, tenantId: string, state: number, accountId: string): Promise<ApprovalRow[]> {
    return (await m.query(
      `SELECT ${APPROVAL_COLUMNS} FROM offer_approval
        WHERE tenant_id = $1 AND ($2 = 0 OR state = $2) AND ($3 = '' OR account_id = $3)
        ORDER BY requested_at, id LIMIT 500`,
      [tenantId, state, accountId],
    )) as ApprovalRow[];
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
