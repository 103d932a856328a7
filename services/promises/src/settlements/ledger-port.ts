import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import {
  AppError,
  ErrorCode,
  Money,
  PromiseClient,
  TenantApiKeys,
  grpcClient,
  isAppError,
  money,
} from '@collections/platform';

/** What settlements need from the ledger: an account's balance, and posting the discount. */
export interface SettlementLedger {
  balanceOf(tenantId: string, accountId: string): Promise<Money>;
  /** The balance and how many days the account is past due. */
  standing(tenantId: string, accountId: string): Promise<{ balance: Money; daysPastDue: number }>;
  /**
   * Posts a settlement discount; the idempotency key makes a repeated call post nothing more. An
   * account the ledger takes nothing more for (closed) fails with `discountRefused`.
   */
  postDiscount(
    tenantId: string,
    discount: { accountId: string; amount: Money; idempotencyKey: string; effectiveDate: string; reason: string },
  ): Promise<{ entryId: string; replayed: boolean }>;
  /** Whether this tenant's calls can reach the ledger (absent: always). */
  servesTenant?(tenantId: string): boolean;
  close(): void;
}

export const SETTLEMENT_LEDGER = Symbol('SETTLEMENT_LEDGER');

/**
 * Whether `postDiscount` failed because the ledger takes no more postings for the account (it
 * closed it after posting the payment): the payment must not complete the settlement then.
 */
export function discountRefused(err: unknown): boolean {
  return isAppError(err) && err.code === ErrorCode.FailedPrecondition;
}

/**
 * The ledger over its gRPC API, calling for each tenant with that tenant's API key
 * (PROMISES_LEDGER_API_KEYS, "tenant:key,..."), so the ledger applies its own tenant isolation.
 */
export class GrpcSettlementLedger implements SettlementLedger {
  private channel?: PromiseClient<typeof ledger.LedgerServiceService>;
  private readonly keys: TenantApiKeys;

  constructor(
    private readonly address: string,
    apiKeys: string,
  ) {
    this.keys = new TenantApiKeys(apiKeys, 'ledger');
  }

  /** Opened on first use: a service that never settles never dials the ledger. */
  private get client(): PromiseClient<typeof ledger.LedgerServiceService> {
    this.channel ??= grpcClient(ledger.LedgerServiceService, this.address);
    return this.channel;
  }

  private metadata(tenantId: string): Metadata {
    return this.keys.metadata(tenantId);
  }

  servesTenant(tenantId: string): boolean {
    return this.keys.has(tenantId);
  }

  async balanceOf(tenantId: string, accountId: string): Promise<Money> {
    return (await this.standing(tenantId, accountId)).balance;
  }

  async standing(tenantId: string, accountId: string): Promise<{ balance: Money; daysPastDue: number }> {
    const { balance, detail } = await this.client
      .getBalance({ accountId, asOfDate: '' }, this.metadata(tenantId))
      .catch((err: ServiceError) => {
        if (err.code === status.NOT_FOUND) throw AppError.notFound(`account ${accountId} does not exist in the ledger`);
        throw err;
      });
    if (!balance) throw AppError.internal(`the ledger answered no balance for account ${accountId}`);
    return { balance: money(balance.amountMinor, balance.currency), daysPastDue: detail?.daysPastDue ?? 0 };
  }

  async postDiscount(
    tenantId: string,
    d: { accountId: string; amount: Money; idempotencyKey: string; effectiveDate: string; reason: string },
  ): Promise<{ entryId: string; replayed: boolean }> {
    const answer = await this.client
      .postAdjustment(
        {
          accountId: d.accountId,
          kind: ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT,
          amount: d.amount,
          idempotencyKey: d.idempotencyKey,
          reason: d.reason,
          effectiveDate: d.effectiveDate,
        },
        this.metadata(tenantId),
      )
      .catch((err: ServiceError) => {
        // The ledger's message names the account and its status only: no person's text.
        if (err.code === status.FAILED_PRECONDITION)
          throw AppError.failedPrecondition(`the ledger refused the discount: ${err.details}`);
        throw err;
      });
    return { entryId: answer.entryId, replayed: answer.replayed };
  }

  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }
}
