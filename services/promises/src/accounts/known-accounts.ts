import { AppError } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { SettlementLedger } from '../settlements/ledger-port';
import { AccountProfile, AccountProfilesRepository } from './account-profiles.repository';

/**
 * Makes sure an arrangement is for an account that exists, in its currency: from what the ledger
 * announced (AccountOpened), else by asking the ledger (an account opened a moment ago whose event
 * has not arrived yet). A tenant without ledger credentials is only checked against what was announced.
 */
export class KnownAccounts {
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly ledger: SettlementLedger,
  ) {}

  /** The account's profile; NOT_FOUND for an account the ledger does not have, INVALID_ARGUMENT for another currency. */
  async check(tenantId: string, accountId: string, currency: string, what: string): Promise<AccountProfile> {
    const profile = await this.profiles.find(this.ctx.dataSource.manager, tenantId, accountId);
    let accountCurrency = profile.currency;
    if (!accountCurrency && (this.ledger.servesTenant?.(tenantId) ?? true)) {
      accountCurrency = (await this.ledger.standing(tenantId, accountId)).balance.currency;
    }
    if (accountCurrency && accountCurrency !== currency) {
      throw AppError.invalid(`account ${accountId} is in ${accountCurrency}, the ${what} in ${currency}`);
    }
    return profile;
  }
}
