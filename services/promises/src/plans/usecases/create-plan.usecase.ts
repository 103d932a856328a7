import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import {
  AccountProfile,
  AccountProfilesRepository,
  refuseEnded,
  safeLocalDate,
} from '../../accounts/account-profiles.repository';
import { KnownAccounts } from '../../accounts/known-accounts';
import {
  Role,
  StoredPolicy,
  Verdict,
  approvalExpiry,
  judgePlan,
  refuseDenied,
  roleOf,
} from '../../negotiation/domain/negotiation-policy';
import {
  ApprovalRow,
  ApprovalsRepository,
  NegotiationPoliciesRepository,
  mapApproval,
  refuseUndecidable,
} from '../../negotiation/negotiation.repository';
import { holdOffer } from '../../negotiation/usecases/approval-events';
import { NewPlan, validatePlan } from '../domain/plan';
import { PlanRow, PlansRepository } from '../plans.repository';
import { PlanQueries } from './plan-queries';

/**
 * Agrees a payment plan: validated whole and judged against the tenant's negotiation limits
 * before anything is written, then the plan, its schedule and its PlanAgreed event in one
 * transaction. A plan beyond the agent's own limits but within a supervisor's is held for approval
 * instead (nothing else is written but its OfferApprovalRequested). A retry with the same
 * idempotency key answers the first plan, or the held approval, even once the ledger has settled or
 * closed the account; a new plan there is refused (FAILED_PRECONDITION), held for nobody's approval.
 */
export class CreatePlanUseCase {
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlansRepository,
    private readonly queries: PlanQueries,
    private readonly policies: NegotiationPoliciesRepository,
    private readonly approvals: ApprovalsRepository,
    private readonly accounts: KnownAccounts,
  ) {}

  async execute(tenantId: string, request: promises.CreatePlanRequest): Promise<promises.CreatePlanResponse> {
    const m = this.ctx.dataSource.manager;
    const held = request.idempotencyKey
      ? await this.approvals.findByKey(m, tenantId, 'plan', request.idempotencyKey)
      : undefined;
    if (held) return this.answerHeld(tenantId, held);
    const account = await this.profiles.find(m, tenantId, request.accountId);
    // The ended account refuses in `judge`, but not the retry of a plan it agreed before it ended.
    const made =
      account.endedAt && request.idempotencyKey ? await this.made(tenantId, request.idempotencyKey) : undefined;
    if (made) return { plan: made };
    const now = this.ctx.clock.now();
    const { plan, verdict, policy } = await this.judge(tenantId, request, undefined, account);
    if (verdict.kind === 'needs-approval') {
      const row = await holdOffer(
        this.ctx,
        this.approvals,
        tenantId,
        {
          accountId: plan.accountId,
          kind: 'plan',
          request,
          reason: verdict.reason,
          agentId: plan.agentId,
          policyVersion: policy.version,
          expiresAt: approvalExpiry(policy.limits, now),
          idempotencyKey: plan.idempotencyKey,
        },
        now,
      );
      return { approval: mapApproval(row, now) };
    }
    const row = await this.ctx.dataSource.transaction((tx) => this.create(tx, tenantId, plan));
    return { plan: (await this.queries.views(tenantId, [row]))[0] };
  }

  /** The plan created before with this idempotency key, as its caller saw it; undefined when none was. */
  async made(tenantId: string, idempotencyKey: string): Promise<promises.PlanView | undefined> {
    const row = await this.repo.findByKey(this.ctx.dataSource.manager, tenantId, idempotencyKey);
    return row && (await this.queries.views(tenantId, [row]))[0];
  }

  /**
   * Checks the plan and judges it for whoever took it, or for `role` (a supervisor approving);
   * throws INVALID_ARGUMENT for bad input and PERMISSION_DENIED beyond the limits.
   */
  async judge(
    tenantId: string,
    request: promises.CreatePlanRequest,
    role: Role | undefined,
    account?: AccountProfile,
  ): Promise<{ plan: NewPlan; verdict: Verdict; policy: StoredPolicy }> {
    const m = this.ctx.dataSource.manager;
    account ??= await this.profiles.find(m, tenantId, request.accountId);
    refuseEnded(account, request.accountId);
    const today = safeLocalDate(this.ctx.clock.now(), account.timeZone);
    const plan = validatePlan(request, today);
    await this.accounts.check(tenantId, plan.accountId, plan.currency, 'plan');
    const policy = (await this.policies.find(m, tenantId))!;
    const verdict = judgePlan(
      policy.limits,
      role ?? roleOf(plan.takenBy),
      {
        currency: plan.currency,
        totalMinor: plan.totalMinor,
        downPaymentMinor: plan.downPaymentMinor,
        instalments: plan.instalments,
        instalmentAmountsMinor: plan.schedule.filter((i) => i.seq > 0).map((i) => i.amountMinor),
        lastDueDate: plan.schedule[plan.schedule.length - 1].dueDate,
      },
      today,
    );
    refuseDenied(verdict);
    return { plan, verdict, policy };
  }

  /**
   * Stores the plan and its schedule (here, or inside a supervisor's approval transaction); the
   * whole schedule goes out once, with the plan, as PlanAgreed: reporting forecasts cash from it.
   */
  async create(tx: EntityManager, tenantId: string, plan: NewPlan): Promise<PlanRow> {
    const now = this.ctx.clock.now();
    const { row, created } = await this.repo.create(tx, tenantId, plan, promises.PlanState.PLAN_STATE_ACTIVE, now);
    if (created) {
      await this.profiles.refuseIfEnded(tx, tenantId, plan.accountId);
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.promises.v1.PlanAgreed',
        key: plan.accountId,
        tenantId,
        time: now,
        payload: {
          planId: row.id,
          accountId: plan.accountId,
          total: money(plan.totalMinor, plan.currency),
          frequency: plan.frequency,
          instalments: plan.schedule.map((i) => ({
            seq: i.seq,
            dueDate: i.dueDate,
            amount: money(i.amountMinor, plan.currency),
          })),
          agreedAt: now,
          channel: plan.channel,
          takenBy: plan.takenBy,
        },
      });
    }
    return row;
  }

  private async answerHeld(tenantId: string, held: ApprovalRow): Promise<promises.CreatePlanResponse> {
    const approval = mapApproval(held, this.ctx.clock.now());
    refuseUndecidable(held, approval.state, 'this plan');
    if (held.state === promises.ApprovalState.APPROVAL_STATE_APPROVED && held.plan_id) {
      return { plan: await this.queries.get(tenantId, held.plan_id), approval };
    }
    return { approval };
  }
}
