import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { AppError, Principal, ROLES, requireRole } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { CreatePlanUseCase } from '../../plans/usecases/create-plan.usecase';
import { PlanQueries } from '../../plans/usecases/plan-queries';
import { CreateSettlementUseCase } from '../../settlements/usecases/create-settlement.usecase';
import { mapSettlement } from '../../settlements/settlements.repository';
import { ApprovalRow, ApprovalsRepository, effectiveState, mapApproval } from '../negotiation.repository';
import { announceDecision } from './approval-events';

export const SUPERVISOR_ROLE = ROLES.supervisor;

/**
 * A supervisor's decision on an offer held for approval, recorded with who and when. Approving
 * re-checks the offer (dates, balance, the supervisor's limits under the current policy) and
 * creates the plan or settlement in the same transaction that records the decision, so an
 * approval and what it created never part; a decided approval is never decided again. Each
 * decision is announced once, as OfferApprovalDecided, in its transaction.
 */
export class DecideApprovalUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly approvals: ApprovalsRepository,
    private readonly plans: CreatePlanUseCase,
    private readonly planQueries: PlanQueries,
    private readonly settlements: CreateSettlementUseCase,
  ) {}

  async get(tenantId: string, approvalId: string): Promise<promises.ApprovalView> {
    return mapApproval(await this.found(tenantId, approvalId), this.ctx.clock.now());
  }

  async list(tenantId: string, request: promises.ListApprovalsRequest): Promise<promises.ApprovalView[]> {
    if (promises.ApprovalState[request.state] === undefined || request.state === promises.ApprovalState.UNRECOGNIZED)
      throw AppError.invalid('state must be PENDING, APPROVED, REJECTED, EXPIRED or unspecified');
    const now = this.ctx.clock.now();
    const rows = await this.approvals.list(
      this.ctx.dataSource.manager,
      tenantId,
      request.state,
      request.accountId,
      now,
    );
    return rows.map((r) => mapApproval(r, now));
  }

  async execute(
    principal: Principal,
    request: promises.DecideApprovalRequest,
  ): Promise<promises.DecideApprovalResponse> {
    requireRole(principal, [SUPERVISOR_ROLE], 'deciding on a held offer');
    const tenantId = principal.tenantId;
    const supervisorId = request.supervisorId || (principal.kind === 'user' ? principal.subject : '');
    if (!supervisorId) throw AppError.invalid('supervisor_id is required: who decides', { field: 'supervisor_id' });
    const approve = request.decision === promises.ApprovalDecision.APPROVAL_DECISION_APPROVE;
    if (!approve && request.decision !== promises.ApprovalDecision.APPROVAL_DECISION_REJECT) {
      throw AppError.invalid('decision must be APPROVE or REJECT', { field: 'decision' });
    }
    const held = await this.found(tenantId, request.approvalId);
    if (held.agent_id && held.agent_id === supervisorId) {
      throw AppError.permissionDenied('an agent cannot approve their own offer');
    }
    assertPending(held, this.ctx.clock.now());
    const decision = {
      decidedBy: supervisorId,
      decidedAt: this.ctx.clock.now(),
      note: request.note,
    };
    const REJECTED = promises.ApprovalState.APPROVAL_STATE_REJECTED;
    const APPROVED = promises.ApprovalState.APPROVAL_STATE_APPROVED;
    if (!approve) {
      const row = await this.ctx.dataSource.transaction(async (tx) => {
        assertPending((await this.approvals.find(tx, tenantId, held.id, true))!, this.ctx.clock.now());
        return this.record(tx, tenantId, held.id, { ...decision, state: REJECTED });
      });
      return { approval: mapApproval(row, decision.decidedAt) };
    }
    if (held.kind === 'plan') {
      // Checked before the transaction: the dates may have passed, the limits changed.
      const heldPlan = promises.CreatePlanRequest.fromJSON(held.request);
      const { plan } = await this.plans.judge(tenantId, heldPlan, SUPERVISOR_ROLE);
      const row = await this.ctx.dataSource.transaction(async (tx) => {
        assertPending((await this.approvals.find(tx, tenantId, held.id, true))!, this.ctx.clock.now());
        const created = await this.plans.create(tx, tenantId, plan);
        return this.record(tx, tenantId, held.id, { ...decision, state: APPROVED, planId: created.id });
      });
      return {
        approval: mapApproval(row, decision.decidedAt),
        plan: await this.planQueries.get(tenantId, row.plan_id!),
      };
    }
    const heldSettlement = promises.CreateSettlementRequest.fromJSON(held.request);
    const { settlement } = await this.settlements.judge(tenantId, heldSettlement, SUPERVISOR_ROLE);
    const { row, created } = await this.ctx.dataSource.transaction(async (tx) => {
      assertPending((await this.approvals.find(tx, tenantId, held.id, true))!, this.ctx.clock.now());
      const created = await this.settlements.create(tx, tenantId, settlement);
      const row = await this.record(tx, tenantId, held.id, {
        ...decision,
        state: APPROVED,
        settlementId: created.id,
      });
      return { row, created };
    });
    return { approval: mapApproval(row, decision.decidedAt), settlement: mapSettlement(created) };
  }

  /**
   * Stores the decision and announces it (OfferApprovalDecided), in the caller's transaction; a
   * rejection says whether the debtor has had an answer since (else the orchestrator calls them back).
   */
  private async record(
    tx: EntityManager,
    tenantId: string,
    id: string,
    d: Parameters<ApprovalsRepository['decide']>[3],
  ): Promise<ApprovalRow> {
    const row = await this.approvals.decide(tx, tenantId, id, d);
    const approved = d.state === promises.ApprovalState.APPROVAL_STATE_APPROVED;
    const answered = approved || (await this.approvals.debtorAnswered(tx, tenantId, id));
    await announceDecision(this.ctx, tx, tenantId, row, answered);
    return row;
  }

  private async found(tenantId: string, approvalId: string): Promise<ApprovalRow> {
    const row = await this.approvals.find(this.ctx.dataSource.manager, tenantId, approvalId);
    if (!row) throw AppError.notFound(`approval ${approvalId} does not exist`);
    return row;
  }
}

/** A decision needs a pending approval whose time has not run out (`now`: the clock's, as the decision is taken). */
function assertPending(row: ApprovalRow, now: Date): void {
  const state = effectiveState(row, now);
  if (state === promises.ApprovalState.APPROVAL_STATE_EXPIRED) {
    throw AppError.failedPrecondition(
      `approval ${row.id} expired at ${new Date(row.expires_at).toISOString()} with no decision: the agent can propose the offer again`,
    );
  }
  if (state !== promises.ApprovalState.APPROVAL_STATE_PENDING) {
    const decided = promises.approvalStateToJSON(state).replace('APPROVAL_STATE_', '').toLowerCase();
    throw AppError.failedPrecondition(`approval ${row.id} was already ${decided} by ${row.decided_by}`);
  }
}
