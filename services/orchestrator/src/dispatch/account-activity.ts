import { ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { TenantLedger } from './tenant-ledger';
import { ItemizationReference, LedgerActivity, LedgerEntryKind, itemizationFallbacks } from '../policy/domain';

/** The ledger's name of each reference date (`ActivityFrom`). */
const ACTIVITY_FROM: Readonly<Record<ItemizationReference, ledger.ActivityFrom>> = {
  'last-statement': ledger.ActivityFrom.ACTIVITY_FROM_LAST_STATEMENT,
  'charge-off': ledger.ActivityFrom.ACTIVITY_FROM_CHARGE_OFF,
  'last-payment': ledger.ActivityFrom.ACTIVITY_FROM_LAST_PAYMENT,
  transaction: ledger.ActivityFrom.ACTIVITY_FROM_OPENED_ON,
};

/**
 * The itemization date a validation notice asks of the ledger (Regulation F §1006.34(b)(3)):
 * `preferred`, the tenant's choice (its creditor profile), with the fallbacks of
 * `itemizationFallbacks` (then the last statement date, then the opening date as the transaction
 * date); or `date`, the date of the notice already sent for the account, with its reference, kept
 * for any later notice. See `../planning/README.md`.
 */
export type ItemizationAsk =
  { readonly preferred: ItemizationReference } | { readonly date: string; readonly reference: ItemizationReference };

/** The ledger's request for the ask. */
export function activityRequestOf(accountId: string, ask: ItemizationAsk): ledger.GetAccountActivityRequest {
  return 'date' in ask
    ? ledger.GetAccountActivityRequest.fromPartial({ accountId, fromDate: ask.date })
    : ledger.GetAccountActivityRequest.fromPartial({
        accountId,
        from: itemizationFallbacks(ask.preferred).map((r) => ACTIVITY_FROM[r]),
      });
}

/**
 * What moved an account's debt from its itemization date to today, asked of the ledger (the source
 * of truth for money) at the moment a validation notice is rendered, never from the events this
 * service keeps: those may arrive late, twice or out of order.
 */
export interface AccountActivitySource {
  /**
   * undefined: the ledger has no such account, or none of the itemization dates asked. Throws
   * AppError UNAVAILABLE when the ledger cannot be reached (the dispatcher pauses: `send-pause.ts`).
   */
  activityOf(tenantId: string, accountId: string, ask: ItemizationAsk): Promise<LedgerActivity | undefined>;
  close(): void;
}

const ENTRY_KINDS: Readonly<Partial<Record<ledger.EntryKind, LedgerEntryKind>>> = {
  [ledger.EntryKind.ENTRY_KIND_CHARGE]: 'charge',
  [ledger.EntryKind.ENTRY_KIND_INTEREST]: 'interest',
  [ledger.EntryKind.ENTRY_KIND_FEE]: 'fee',
  [ledger.EntryKind.ENTRY_KIND_PAYMENT]: 'payment',
  [ledger.EntryKind.ENTRY_KIND_PAYMENT_REVERSAL]: 'payment-reversal',
  [ledger.EntryKind.ENTRY_KIND_ADJUSTMENT]: 'adjustment',
  [ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT]: 'settlement-discount',
  [ledger.EntryKind.ENTRY_KIND_WRITE_OFF]: 'write-off',
};

const REFERENCES: Readonly<Partial<Record<ledger.ActivityFrom, ItemizationReference>>> = Object.fromEntries(
  Object.entries(ACTIVITY_FROM).map(([reference, from]) => [from, reference]),
);

/**
 * The ledger's answer in the domain's words; `ask` says which reference a date asked by itself is.
 * An entry of a kind this service does not know (a ledger newer than it) is kept as a principal
 * charge: it cannot be itemized, so the notice is refused rather than printed without it.
 */
export function ledgerActivityOf(
  answer: ledger.GetAccountActivityResponse,
  ask?: ItemizationAsk,
): LedgerActivity | undefined {
  const reference = ask && 'date' in ask ? ask.reference : REFERENCES[answer.fromReference];
  if (!reference || !answer.opening?.total || !answer.closing?.total) return undefined;
  return {
    itemizationDate: answer.fromDate,
    reference,
    currency: answer.closing.total.currency.trim(),
    openingMinor: answer.opening.total.amountMinor,
    asOfDate: answer.closing.asOfDate,
    closingMinor: answer.closing.total.amountMinor,
    entries: answer.entries.map((e) => ({
      kind: ENTRY_KINDS[e.kind] ?? 'charge',
      amountMinor: e.amount?.amountMinor ?? 0,
      currency: (e.amount?.currency ?? '').trim(),
      effectiveDate: e.effectiveDate,
    })),
  };
}

/**
 * The ledger over gRPC (GetAccountActivity), calling for each tenant with that tenant's API key
 * (ORCHESTRATOR_LEDGER_API_KEYS), as the contact directory does.
 */
export class GrpcAccountActivity implements AccountActivitySource {
  private readonly ledger: TenantLedger;

  constructor(address: string, apiKeys: string) {
    this.ledger = new TenantLedger(address, apiKeys);
  }

  async activityOf(tenantId: string, accountId: string, ask: ItemizationAsk): Promise<LedgerActivity | undefined> {
    const answer = await this.ledger
      .as(tenantId, (client, metadata) => client.getAccountActivity(activityRequestOf(accountId, ask), metadata))
      .catch((err: ServiceError) => {
        if (err.code === status.NOT_FOUND || err.code === status.FAILED_PRECONDITION) return undefined;
        throw err;
      });
    return answer ? ledgerActivityOf(answer, ask) : undefined;
  }

  close(): void {
    this.ledger.close();
  }
}
