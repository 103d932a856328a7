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
  /**
   * The kinds of address above that are at the debtor's workplace, whose employer forbids collection
   * contact there (the ledger's `workplace_forbidden`): chosen only because the debtor has no other.
   */
  readonly workplaceForbidden?: readonly AddressKind[];
}

export type AddressKind = 'email' | 'phone' | 'postal';

export interface ContactDirectory {
  /** Throws AppError UNAVAILABLE when the ledger cannot be reached (the dispatcher pauses: `send-pause.ts`). */
  addressesOf(tenantId: string, debtorId: string): Promise<DebtorAddresses | undefined>;
  close(): void;
}

/**
 * The first verified contact point of a type, else the first of that type; one at a workplace whose
 * employer forbids collection contact only when the debtor has no other of that type.
 */
function pick(points: readonly ledger.ContactPoint[], type: string): ledger.ContactPoint | undefined {
  const ofType = points.filter((p) => p.type === type && p.value);
  const allowed = ofType.filter((p) => !p.workplaceForbidden);
  const candidates = allowed.length ? allowed : ofType;
  return candidates.find((p) => p.verified) ?? candidates[0];
}

export function addressesFrom(debtor: ledger.Debtor): DebtorAddresses {
  const email = pick(debtor.contactPoints, 'email');
  const phone = pick(debtor.contactPoints, 'phone');
  const postal = pick(debtor.contactPoints, 'address');
  const picked: [AddressKind, ledger.ContactPoint | undefined][] = [
    ['email', email],
    ['phone', phone],
    ['postal', postal],
  ];
  return {
    fullName: debtor.displayName,
    email: email?.value,
    phone: phone?.value,
    postal: postal?.value,
    consentedChannels: [...new Set(debtor.contactPoints.flatMap((p) => p.consentedChannels))],
    workplaceForbidden: picked.filter(([, p]) => p?.workplaceForbidden).map(([kind]) => kind),
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
