import { ledger } from '@collections/contracts';
import { ServiceApi, startServiceApi } from '@collections/testing';
import { ledgerService } from '../../src/ledger.service';

/** The ledger service under test with a gRPC client of its LedgerService and the test tenant's credentials. */
export type LedgerApi = ServiceApi<typeof ledger.LedgerServiceService>;

export function startLedgerApi(): Promise<LedgerApi> {
  return startServiceApi(ledgerService, ledger.LedgerServiceService);
}
