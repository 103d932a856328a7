import { Metadata } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../../src/ledger.service';
import { LedgerClient } from './accounts';

/** The ledger service under test with a gRPC client of its LedgerService and the test tenant's credentials. */
export interface LedgerApi {
  sut: ServiceUnderTest;
  client: LedgerClient;
  md: () => Metadata;
  close(): Promise<void>;
}

export async function startLedgerApi(): Promise<LedgerApi> {
  const sut = await startServiceUnderTest(ledgerService);
  const client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
  return {
    sut,
    client,
    md: () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey }),
    close: async () => {
      client.close();
      await sut.close();
    },
  };
}
