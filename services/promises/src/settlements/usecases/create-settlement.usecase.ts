import { promises } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../../accounts/account-profiles.repository';
import { assertDiscountWithinRole } from '../../negotiation/domain/offer-calculator';
import { checkSettlementRequest, validateSettlement } from '../domain/settlement';
import { SettlementLedger } from '../ledger-port';
import { SettlementsRepository, mapSettlement } from '../settlements.repository';

/**
 * Agrees a settlement: checked on its own, then against the account's ledger balance (the
 * discount is fixed now), then stored. A retry with the same idempotency key answers the first one.
 */
export class CreateSettlementUseCase {
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: SettlementsRepository,
    private readonly ledger: SettlementLedger,
  ) {}

  async execute(tenantId: string, request: promises.CreateSettlementRequest): Promise<promises.SettlementView> {
    const now = this.ctx.clock.now();
    const today = await this.profiles.localDate(this.ctx.dataSource.manager, tenantId, request.accountId, now);
    checkSettlementRequest(request, today);
    const settlement = validateSettlement(request, await this.ledger.balanceOf(tenantId, request.accountId), today);
    assertDiscountWithinRole(settlement.takenBy, settlement.balance.amountMinor, settlement.discount.amountMinor);
    const row = await this.ctx.dataSource.transaction((tx) => this.repo.create(tx, tenantId, settlement, now));
    return mapSettlement(row);
  }

  async get(tenantId: string, settlementId: string): Promise<promises.SettlementView> {
    const row = await this.repo.find(this.ctx.dataSource.manager, tenantId, settlementId);
    if (!row) throw AppError.notFound(`settlement ${settlementId} does not exist`);
    return mapSettlement(row);
  }
}
