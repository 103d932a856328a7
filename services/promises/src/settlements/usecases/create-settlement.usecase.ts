import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import {
  AccountProfile,
  AccountProfilesRepository,
  refuseEnded,
  safeLocalDate,
} from '../../accounts/account-profiles.repository';
import {
  Role,
  StoredPolicy,
  Verdict,
  approvalExpiry,
  judgeDiscount,
  refuseDenied,
  roleOf,
} from '../../negotiation/domain/negotiation-policy';
import {
  AccountSegmentsRepository,
  ApprovalRow,
  ApprovalsRepository,
  NegotiationPoliciesRepository,
  mapApproval,
  refuseUndecidable,
} from '../../negotiation/negotiation.repository';
import { holdOffer } from '../../negotiation/usecases/approval-events';
import { NewSettlement, checkSettlementRequest, validateSettlement } from '../domain/settlement';
import { SettlementLedger } from '../ledger-port';
import { SettlementRow, SettlementsRepository, mapSettlement } from '../settlements.repository';

/**
 * Agrees a settlement: checked on its own, then against the account's ledger balance (the
 * discount is fixed now) and the tenant's limits for the role and the account's segment, then
 * stored. A discount beyond the agent's own limit but within a supervisor's is held for approval
 * instead (announced as OfferApprovalRequested). A retry with the same idempotency key answers the
 * first settlement, or the held approval, even once the ledger has settled or closed the account; a
 * new settlement there is refused (FAILED_PRECONDITION) before the ledger is asked for a balance.
 */
export class CreateSettlementUseCase {
  private readonly profiles = new AccountProfilesRepository();
  private readonly segments = new AccountSegmentsRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: SettlementsRepository,
    private readonly ledger: SettlementLedger,
    private readonly policies: NegotiationPoliciesRepository,
    private readonly approvals: ApprovalsRepository,
  ) {}

  async execute(
    tenantId: string,
    request: promises.CreateSettlementRequest,
  ): Promise<promises.CreateSettlementResponse> {
    const m = this.ctx.dataSource.manager;
    const held = request.idempotencyKey
      ? await this.approvals.findByKey(m, tenantId, 'settlement', request.idempotencyKey)
      : undefined;
    if (held) return this.answerHeld(tenantId, held);
    const account = await this.profiles.find(m, tenantId, request.accountId);
    // The ended account refuses in `judge`, but not the retry of a settlement it agreed before it ended.
    const made =
      account.endedAt && request.idempotencyKey ? await this.made(tenantId, request.idempotencyKey) : undefined;
    if (made) return { settlement: made };
    const now = this.ctx.clock.now();
    const { settlement, verdict, policy } = await this.judge(tenantId, request, undefined, account);
    if (verdict.kind === 'needs-approval') {
      const row = await holdOffer(
        this.ctx,
        this.approvals,
        tenantId,
        {
          accountId: settlement.accountId,
          kind: 'settlement',
          request,
          reason: verdict.reason,
          agentId: settlement.agentId,
          policyVersion: policy.version,
          expiresAt: approvalExpiry(policy.limits, now),
          idempotencyKey: settlement.idempotencyKey,
        },
        now,
      );
      return { approval: mapApproval(row, now) };
    }
    const row = await this.ctx.dataSource.transaction((tx) => this.create(tx, tenantId, settlement));
    return { settlement: mapSettlement(row) };
  }

  /** The settlement created before with this idempotency key, as its caller saw it; undefined when none was. */
  async made(tenantId: string, idempotencyKey: string): Promise<promises.SettlementView | undefined> {
    const row = await this.repo.findByKey(this.ctx.dataSource.manager, tenantId, idempotencyKey);
    return row && mapSettlement(row);
  }

  /**
   * Checks the settlement against the ledger balance and judges its discount for whoever took
   * it, or for `role` (a supervisor approving); throws on bad input and beyond the limits.
   */
  async judge(
    tenantId: string,
    request: promises.CreateSettlementRequest,
    role: Role | undefined,
    account?: AccountProfile,
  ): Promise<{ settlement: NewSettlement; verdict: Verdict; policy: StoredPolicy }> {
    const m = this.ctx.dataSource.manager;
    account ??= await this.profiles.find(m, tenantId, request.accountId);
    refuseEnded(account, request.accountId);
    const today = safeLocalDate(this.ctx.clock.now(), account.timeZone);
    checkSettlementRequest(request, today);
    const settlement = validateSettlement(request, await this.ledger.balanceOf(tenantId, request.accountId), today);
    const policy = (await this.policies.find(m, tenantId))!;
    const verdict = judgeDiscount(
      policy.limits,
      role ?? roleOf(settlement.takenBy),
      await this.segments.find(m, tenantId, settlement.accountId),
      settlement.balance.amountMinor,
      settlement.discount.amountMinor,
    );
    refuseDenied(verdict);
    return { settlement, verdict, policy };
  }

  /**
   * Stores the settlement (here, or inside a supervisor's approval transaction) and announces it,
   * once, as SettlementAgreed: a retry with the same key finds it and announces nothing.
   */
  async create(tx: EntityManager, tenantId: string, settlement: NewSettlement): Promise<SettlementRow> {
    const now = this.ctx.clock.now();
    const { row, created } = await this.repo.create(tx, tenantId, settlement, now);
    if (created) {
      await this.profiles.refuseIfEnded(tx, tenantId, settlement.accountId);
      const view = mapSettlement(row);
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.promises.v1.SettlementAgreed',
        key: row.account_id,
        tenantId,
        time: now,
        payload: {
          settlementId: view.settlementId,
          accountId: view.accountId,
          balance: view.balance,
          amount: view.amount,
          discount: view.discount,
          dueDate: view.dueDate,
          channel: view.channel,
          takenBy: view.takenBy,
          agreedAt: now,
        },
      });
    }
    return row;
  }

  async get(tenantId: string, settlementId: string): Promise<promises.SettlementView> {
    const row = await this.repo.find(this.ctx.dataSource.manager, tenantId, settlementId);
    if (!row) throw AppError.notFound(`settlement ${settlementId} does not exist`);
    return mapSettlement(row);
  }

  private async answerHeld(tenantId: string, held: ApprovalRow): Promise<promises.CreateSettlementResponse> {
    const approval = mapApproval(held, this.ctx.clock.now());
    refuseUndecidable(held, approval.state, 'this settlement');
    if (held.state === promises.ApprovalState.APPROVAL_STATE_APPROVED && held.settlement_id) {
      return { settlement: await this.get(tenantId, held.settlement_id), approval };
    }
    return { approval };
  }
}
