import { Metadata } from '@grpc/grpc-js';
import { ledger, promises } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '@collections/ledger';
import { createPromisesService } from '../../src/promises.service';
import { GrpcSettlementLedger } from '../../src/settlements/ledger-port';
import { startConsumers } from './events';

/** The promises service (its consumers running) beside a real ledger it reaches over gRPC, each on its own database. */
export interface PromisesOnLedger {
  ledgerSut: ServiceUnderTest;
  sut: ServiceUnderTest;
  /** What promises calls the ledger with (settlement discounts, balances, standing). */
  ledgerPort: GrpcSettlementLedger;
  ledgerClient: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  client: ReturnType<typeof grpcClient<typeof promises.PromisesServiceService>>;
  ledgerMd(): Metadata;
  /** Promises' tenant, and another one (isolation). */
  md(): Metadata;
  mdOther(): Metadata;
  /** A person's ledger account `id` owing `amountMinor`, charged on `chargedOn`. */
  openLedgerAccount(
    id: string,
    a: { amountMinor: number; currency: string; timeZone: string; openedOn: string; chargedOn: string },
  ): Promise<void>;
  close(): Promise<void>;
}

export async function startPromisesOnLedger(): Promise<PromisesOnLedger> {
  const ledgerSut = await startServiceUnderTest(ledgerService);
  const ledgerClient = grpcClient(ledger.LedgerServiceService, ledgerSut.app.grpcAddress);
  const ledgerMd = () => metadataFromPrincipalHeaders({ apiKey: ledgerSut.apiKey });
  let port: GrpcSettlementLedger | undefined;
  // Each service under test invents its tenants: the promises tenant calls with the ledger tenant's key.
  const definition = createPromisesService({
    ledger: {
      balanceOf: (...args) => port!.balanceOf(...args),
      standing: (...args) => port!.standing(...args),
      postDiscount: (...args) => port!.postDiscount(...args),
      close: () => undefined,
    },
  });
  const sut = await startServiceUnderTest(definition);
  const ledgerPort = (port = new GrpcSettlementLedger(ledgerSut.app.grpcAddress, `${sut.tenant}:${ledgerSut.apiKey}`));
  const client = grpcClient(promises.PromisesServiceService, sut.app.grpcAddress);
  await startConsumers(sut, definition);
  return {
    ledgerSut,
    sut,
    ledgerPort,
    ledgerClient,
    client,
    ledgerMd,
    md: () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey }),
    mdOther: () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey }),
    async openLedgerAccount(id, a) {
      await ledgerClient.upsertDebtor(
        {
          debtor: ledger.Debtor.fromPartial({ debtorId: `d-${id}`, kind: 'person', displayName: 'Ana', country: 'CO' }),
        },
        ledgerMd(),
      );
      await ledgerClient.openAccount(
        ledger.OpenAccountRequest.fromPartial({
          accountId: id,
          externalRef: `crm-${id}`,
          product: ledger.Product.PRODUCT_CREDIT_CARD,
          currency: a.currency,
          openedOn: a.openedOn,
          timeZone: a.timeZone,
          debtors: [{ debtorId: `d-${id}`, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
        }),
        ledgerMd(),
      );
      await ledgerClient.postCharge(
        {
          accountId: id,
          kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
          amount: { amountMinor: a.amountMinor, currency: a.currency },
          idempotencyKey: `open-${id}`,
          effectiveDate: a.chargedOn,
          memo: '',
        },
        ledgerMd(),
      );
    },
    async close() {
      client.close();
      ledgerClient.close();
      ledgerPort.close();
      await sut.context.backbone.stop();
      await sut.close();
      await ledgerSut.close();
    },
  };
}
