import { Inject, Injectable } from '@nestjs/common';
import { ClockTimedJob, SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { ApprovalsRepository } from '../negotiation.repository';

/**
 * Offers held for a supervisor whose time ran out by the clock (an instant, not a day) are stored
 * as EXPIRED in one transaction, with an OfferApprovalExpired each, saying whether the debtor has
 * had an answer since (`debtor_answered`: the ledger ended the account, or a plan, settlement or
 * promise to pay was agreed after the offer was held): nobody is to call about those. A re-run
 * finds none left; two replicas running it at once store and announce each expiry once (the update
 * takes each pending row once).
 */
export class ExpireApprovalsUseCase {
  private readonly approvals = new ApprovalsRepository();

  constructor(private readonly ctx: ServiceContext) {}

  /** How many offers it stored as expired (of one tenant, or all). */
  async run(tenantId?: string): Promise<number> {
    const now = this.ctx.clock.now();
    const expired = await this.ctx.dataSource.transaction(async (tx) => {
      const rows = await this.approvals.expire(tx, now, tenantId);
      for (const a of rows) {
        await this.ctx.backbone.outbox.add(tx, {
          type: 'collections.promises.v1.OfferApprovalExpired',
          key: a.account_id,
          tenantId: a.tenant_id,
          time: now,
          payload: {
            approvalId: a.id,
            accountId: a.account_id,
            kind: a.kind,
            agentId: a.agent_id,
            reason: a.reason,
            requestedAt: new Date(a.requested_at),
            expiresAt: new Date(a.expires_at),
            debtorAnswered: a.debtor_answered,
          },
        });
      }
      return rows;
    });
    if (expired.length > 0) {
      // Per tenant, so an operator knows whose supervisors to ask; ids only, never a debtor's data.
      const byTenant: Record<string, { expired: number; debtorWaiting: number }> = {};
      for (const a of expired) {
        const t = (byTenant[a.tenant_id] ??= { expired: 0, debtorWaiting: 0 });
        t.expired += 1;
        if (!a.debtor_answered) t.debtorWaiting += 1;
      }
      this.ctx.logger.info(
        { expired: expired.length, byTenant },
        'offers held for a supervisor expired undecided; for each debtor still waiting an agent is asked to call back',
      );
    }
    return expired.length;
  }
}

export const EXPIRE_APPROVALS = Symbol('EXPIRE_APPROVALS');
export const APPROVAL_EXPIRY_CHECK_MS = Symbol('APPROVAL_EXPIRY_CHECK_MS');

/**
 * Expires held offers from the clock, every `PROMISES_APPROVAL_EXPIRY_CHECK_MS` (a minute by
 * default; on a simulated clock, at every move), so the agent's call back is queued soon after the
 * expiry instead of with the next hourly daily run (which expires them too).
 */
@Injectable()
export class ApprovalExpiryScheduler extends ClockTimedJob<number> {
  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(EXPIRE_APPROVALS) private readonly job: ExpireApprovalsUseCase,
    @Inject(APPROVAL_EXPIRY_CHECK_MS) checkEveryMs: number,
  ) {
    super(ctx, checkEveryMs, 'approval expiry');
  }

  protected runJob(): Promise<number> {
    return this.job.run();
  }
}
