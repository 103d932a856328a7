import { ledger } from '@collections/contracts';
import { TenantLedger } from './tenant-ledger';

/**
 * A debtor's name and addresses, asked of the ledger at the moment of sending and never stored
 * or logged here: the events the orchestrator keeps carry no PII.
 */
export interface DebtorAddresses {
  readonly fullName: string;
  readonly email?: string;
  /** E.164: SMS, WhatsApp and calls. */
  readonly phone?: string;
  /** The postal address, one line as the ledger keeps it: letters and field visits. */
  readonly postal?: string;
  /**
   * The channels the debtor consents to now, on any contact point (as the ledger's ConsentChanged
   * and DebtorUpserted events carry them): a send checks its facts are not behind this.
   */
  readonly consentedChannels: readonly string[];
}

export interface ContactDirectory {
  /** Throws AppError UNAVAILABLE when the ledger cannot be reached (the dispatcher pauses: `send-pause.ts`). */
  addressesOf(tenantId: string, debtorId: string): Promise<DebtorAddresses | undefined>;
  close(): void;
}

/** The first verified contact point of a type, else the first of that type. */
function pick(points: readonly ledger.ContactPoint[], type: string): string | undefined {
  const ofType = points.filter((p) => p.type === type && p.value);
  return (ofType.find((p) => p.verified) ?? ofType[0])?.value;
}

export function addressesFrom(debtor: ledger.Debtor): DebtorAddresses {
  return {
    fullName: debtor.displayName,
    email: pick(debtor.contactPoints, 'email'),
    phone: pick(debtor.contactPoints, 'phone'),
    postal: pick(debtor.contactPoints, 'address'),
    consentedChannels: [...new Set(debtor.contactPoints.flatMap((p) => p.consentedChannels))],
  };
}

/**
 * The ledger over gRPC (ExportDebtor), calling for each tenant with that tenant's API key
 * (ORCHESTRATOR_LEDGER_API_KEYS, "tenant:key,..."), so the ledger applies its own tenant isolation.
 */
export class GrpcContactDirectory implements ContactDirectory {
  private readonly ledger: TenantLedger;

  constructor(address: string, apiKeys: string) {
    this.ledger = new TenantLedger(address, apiKeys);
  }

  async addressesOf(tenantId: string, debtorId: string): Promise<DebtorAddresses | undefined> {
    const answer = await this.ledger.as(tenantId, (client, metadata) => client.exportDebtor({ debtorId }, metadata));
    if (!answer.debtor || answer.erased) return undefined;
    return addressesFrom(answer.debtor);
  }

  close(): void {
    this.ledger.close();
  }
}
