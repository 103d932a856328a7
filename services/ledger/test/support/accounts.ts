import { Metadata } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { grpcClient } from '@collections/platform';

export type LedgerClient = ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;

export interface FundedAccount {
  id: string;
  /** Minor units charged on 2026-01-05 (the opening principal). */
  opening: number;
  currency?: string;
  externalRef?: string;
  product?: ledger.Product;
  nationalId?: string;
}

/**
 * A debtor in Bogotá (`d-<id>`) with one account opened on 2026-01-01 and its opening
 * principal charged on 2026-01-05: the starting point of most ledger tests.
 */
export async function openFundedAccount(client: LedgerClient, meta: () => Metadata, a: FundedAccount): Promise<string> {
  const currency = a.currency ?? 'USD';
  await client.upsertDebtor(
    {
      debtor: ledger.Debtor.fromPartial({
        debtorId: `d-${a.id}`,
        kind: 'person',
        displayName: 'Ana Pérez',
        country: 'CO',
        timeZone: 'America/Bogota',
        nationalId: a.nationalId ?? '',
      }),
    },
    meta(),
  );
  await client.openAccount(
    ledger.OpenAccountRequest.fromPartial({
      accountId: a.id,
      externalRef: a.externalRef ?? `crm-${a.id}`,
      product: a.product ?? ledger.Product.PRODUCT_CREDIT_CARD,
      currency,
      openedOn: '2026-01-01',
      timeZone: 'America/Bogota',
      debtors: [{ debtorId: `d-${a.id}`, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
    }),
    meta(),
  );
  await client.postCharge(
    {
      accountId: a.id,
      kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
      amount: { amountMinor: a.opening, currency },
      idempotencyKey: `open-${a.id}`,
      effectiveDate: '2026-01-05',
      memo: '',
    },
    meta(),
  );
  return a.id;
}
