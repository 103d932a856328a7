import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { AppError, PromiseClient, TenantApiKeys, grpcClient } from '@collections/platform';

type LedgerClient = PromiseClient<typeof ledger.LedgerServiceService>;

/**
 * The ledger's gRPC API as each tenant: every call carries that tenant's API key
 * (ORCHESTRATOR_LEDGER_API_KEYS, "tenant:key,..."), so the ledger applies its own tenant isolation.
 * The channel is opened on first use (a process that never asks never dials the ledger), and a
 * ledger that does not answer is AppError.unavailable: a failure of the dependency, which pauses
 * sending (`send-pause.ts`), not of the contact.
 */
export class TenantLedger {
  private channel?: LedgerClient;
  private readonly keys: TenantApiKeys;

  constructor(
    private readonly address: string,
    apiKeys: string,
  ) {
    this.keys = new TenantApiKeys(apiKeys, 'ledger');
  }

  /** `call` as the tenant; an error the ledger answered (not found, refused) is the caller's to read. */
  async as<T>(tenantId: string, call: (client: LedgerClient, metadata: Metadata) => Promise<T>): Promise<T> {
    this.channel ??= grpcClient(ledger.LedgerServiceService, this.address);
    try {
      return await call(this.channel, this.keys.metadata(tenantId));
    } catch (err) {
      const e = err as ServiceError;
      if (e.code === status.UNAVAILABLE || e.code === status.DEADLINE_EXCEEDED)
        throw AppError.unavailable(`the ledger is unreachable: ${e.details}`, { grpcStatus: e.code });
      throw err;
    }
  }

  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }
}
