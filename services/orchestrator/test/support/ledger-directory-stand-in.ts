import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { API_KEY_HEADER, freePort } from '@collections/platform';
import { ContactDirectory } from '../../src/dispatch/contact-directory';

/**
 * The ledger's ExportDebtor over real gRPC, answered from `debtors`, on a fixed port that can go
 * down and come back (a ledger restarting): for the orchestrator's real `GrpcContactDirectory`.
 * A debtor listed in `failing` is answered with INTERNAL (a failure of that one contact, not of
 * the ledger). Only the API key `apiKey` is let in.
 */
export interface LedgerDirectoryStandIn {
  address: string;
  /** ExportDebtor calls answered so far. */
  calls: number;
  readonly failing: Set<string>;
  start(): Promise<void>;
  stop(): void;
}

export async function ledgerDirectoryStandIn(
  debtors: ReadonlyMap<string, ledger.Debtor>,
  apiKey: string,
): Promise<LedgerDirectoryStandIn> {
  const port = await freePort();
  let server: Server | undefined;
  const standIn: LedgerDirectoryStandIn = {
    address: `127.0.0.1:${port}`,
    calls: 0,
    failing: new Set(),
    async start() {
      server = new Server();
      server.addService(ledger.LedgerServiceService, {
        exportDebtor: (
          call: ServerUnaryCall<ledger.ExportDebtorRequest, ledger.ExportDebtorResponse>,
          answer: sendUnaryData<ledger.ExportDebtorResponse>,
        ) => {
          standIn.calls += 1;
          const { debtorId } = call.request;
          if (call.metadata.get(API_KEY_HEADER)[0] !== apiKey)
            return answer({ code: status.UNAUTHENTICATED, details: 'unknown api key' });
          if (standIn.failing.has(debtorId)) return answer({ code: status.INTERNAL, details: 'export failed' });
          const debtor = debtors.get(debtorId);
          if (!debtor) return answer({ code: status.NOT_FOUND, details: `debtor ${debtorId} not found` });
          answer(null, ledger.ExportDebtorResponse.fromPartial({ debtor }));
        },
      });
      await new Promise<void>((resolve, reject) =>
        server!.bindAsync(standIn.address, ServerCredentials.createInsecure(), (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    },
    stop() {
      server?.forceShutdown();
      server = undefined;
    },
  };
  return standIn;
}

/**
 * A ledger that knows no debtor's addresses: for tests of the orchestrator that send nothing and
 * whose agents' calls are claimed without a number (a claim asks the ledger for one).
 */
export const noNumbersInLedger: ContactDirectory = { addressesOf: async () => undefined, close: () => undefined };
