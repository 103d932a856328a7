import { promises } from '@collections/contracts';
import { AppError, Principal, ROLES, requireRole } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { endedBy, validateEnding } from '../../promises/domain/ending';
import { SettlementsRepository, mapSettlement, settlementWithdrawn } from '../settlements.repository';

/**
 * Who may withdraw a settlement offer: a supervisor or the administrator (the offer is the
 * creditor's to take back, not an agent's); an API key (a system acting for the tenant) too.
 */
export const WITHDRAW_SETTLEMENT_ROLES = [ROLES.supervisor, ROLES.admin];

const STATE_WORD: Partial<Record<promises.SettlementState, string>> = {
  [promises.SettlementState.SETTLEMENT_STATE_PAID]: 'paid',
  [promises.SettlementState.SETTLEMENT_STATE_LAPSED]: 'lapsed',
  [promises.SettlementState.SETTLEMENT_STATE_WITHDRAWN]: 'already withdrawn',
};

/**
 * Withdraws an open settlement the creditor recalls: its state, who, when and why, and its
 * SettlementWithdrawn event, in one transaction under the settlement's lock. A payment counting
 * towards it at the same time either committed first (what it counted stays, and a settlement it
 * paid is no longer open) or waits and then finds it withdrawn (it goes to the account's plans and
 * promises). From then on the daily run does not lapse it, no payment counts towards it and its
 * discount is never posted. A retry with the withdrawal's idempotency key answers the withdrawn
 * settlement again and writes nothing; any other withdrawal of a settlement that is not open is
 * FAILED_PRECONDITION. The reason is a free text: stored, never logged, never announced.
 */
export class WithdrawSettlementUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: SettlementsRepository,
  ) {}

  async execute(
    principal: Principal,
    request: promises.WithdrawSettlementRequest,
  ): Promise<promises.WithdrawSettlementResponse> {
    requireRole(principal, WITHDRAW_SETTLEMENT_ROLES, 'withdrawing a settlement');
    const tenantId = principal.tenantId;
    const input = validateEnding(
      { id: request.settlementId, reason: request.reason, idempotencyKey: request.idempotencyKey },
      endedBy(principal, request.agentId),
      { idField: 'settlement_id', why: 'why the settlement ends', who: 'who ends the settlement' },
    );
    const row = await this.ctx.dataSource.transaction(async (tx) => {
      const settlement = await this.repo.lock(tx, tenantId, input.id);
      if (!settlement) throw AppError.notFound(`settlement ${input.id} does not exist`);
      if (
        settlement.state === promises.SettlementState.SETTLEMENT_STATE_WITHDRAWN &&
        settlement.withdraw_idempotency_key === input.idempotencyKey
      )
        return settlement;
      if (settlement.state !== promises.SettlementState.SETTLEMENT_STATE_OPEN) {
        throw AppError.failedPrecondition(
          `settlement ${settlement.id} is ${STATE_WORD[settlement.state as promises.SettlementState] ?? 'not open'}: only an open settlement can be withdrawn`,
          { settlementId: settlement.id },
        );
      }
      const now = this.ctx.clock.now();
      const withdrawn = (await this.repo.withdraw(tx, tenantId, settlement.id, {
        withdrawnAt: now,
        withdrawnBy: input.by,
        reason: input.reason,
        idempotencyKey: input.idempotencyKey,
      }))!;
      await this.ctx.backbone.outbox.add(tx, settlementWithdrawn(tenantId, withdrawn));
      this.ctx.logger.info({ tenantId, settlementId: settlement.id }, 'settlement withdrawn');
      return withdrawn;
    });
    return { settlement: mapSettlement(row) };
  }
}
