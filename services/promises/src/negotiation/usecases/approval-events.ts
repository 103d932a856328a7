import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { ServiceContext } from '@collections/runtime';
import { ApprovalRow, ApprovalsRepository, NewApproval } from '../negotiation.repository';

/**
 * Holds an agent's offer for a supervisor in its own transaction and, the first time only,
 * announces it as OfferApprovalRequested in that transaction: a retry under the same idempotency
 * key (or its concurrent twin) answers the held offer and announces nothing.
 */
export function holdOffer(
  ctx: ServiceContext,
  approvals: ApprovalsRepository,
  tenantId: string,
  offer: NewApproval,
  now: Date,
): Promise<ApprovalRow> {
  return ctx.dataSource.transaction(async (tx) => {
    const { row, created } = await approvals.hold(tx, tenantId, offer, now);
    if (created) {
      await ctx.backbone.outbox.add(tx, {
        type: 'collections.promises.v1.OfferApprovalRequested',
        key: row.account_id,
        tenantId,
        time: now,
        payload: {
          approvalId: row.id,
          accountId: row.account_id,
          kind: row.kind,
          agentId: row.agent_id,
          reason: row.reason,
          policyVersion: row.policy_version,
          requestedAt: new Date(row.requested_at),
          expiresAt: new Date(row.expires_at),
        },
      });
    }
    return row;
  });
}

/**
 * Announces a supervisor's decision (`row`: the approval as `decide` stored it) in the deciding
 * transaction; `debtorAnswered`: the debtor has had an answer (an approval; a rejection when
 * something was agreed on the account since, or the ledger ended it).
 */
export async function announceDecision(
  ctx: ServiceContext,
  tx: EntityManager,
  tenantId: string,
  row: ApprovalRow,
  debtorAnswered: boolean,
) {
  await ctx.backbone.outbox.add(tx, {
    type: 'collections.promises.v1.OfferApprovalDecided',
    key: row.account_id,
    tenantId,
    time: new Date(row.decided_at!),
    payload: {
      approvalId: row.id,
      accountId: row.account_id,
      kind: row.kind,
      agentId: row.agent_id,
      decision:
        row.state === promises.ApprovalState.APPROVAL_STATE_APPROVED
          ? promises.ApprovalDecision.APPROVAL_DECISION_APPROVE
          : promises.ApprovalDecision.APPROVAL_DECISION_REJECT,
      decidedBy: row.decided_by ?? '',
      requestedAt: new Date(row.requested_at),
      decidedAt: new Date(row.decided_at!),
      planId: row.plan_id ?? '',
      settlementId: row.settlement_id ?? '',
      debtorAnswered,
    },
  });
}
