import { EntityManager } from 'typeorm';
import { ledger } from '@collections/contracts';
import { localDate } from '@collections/platform';
import { HoldsAndConsentUseCase } from './holds-and-consent.usecase';

/**
 * What made the debtor's dispute known: a call's outcome (`call-dispute:<outcome_id>`) or a
 * written reply (`reply-dispute:<reply_id>`). It is the hold's source and, with the debtor, its
 * idempotency key, so the same cause replayed under another event id opens nothing again.
 */
export interface DisputeCause {
  kind: 'call-dispute' | 'reply-dispute';
  /** The outcome's or the reply's id. */
  id: string;
  /** When the debtor disputed: the hold starts on that day in the debtor's time zone. */
  at: Date;
}

/** What one dispute did to the account's debtors. */
export interface DisputeHoldsOpened {
  /** False when the ledger does not know the account (another tenant's, or an unknown id). */
  accountKnown: boolean;
  /** Holds opened now. */
  opened: number;
  /**
   * Debtors this cause had already put on hold (a replay), already under a dispute hold in force,
   * or whose dispute hold was lifted after they disputed (resolved since).
   */
  alreadyHeld: number;
  /** Erased debtors: no hold (no one left to contact, nothing to keep about them). */
  erased: number;
}

interface DebtorRow {
  id: string;
  time_zone: string;
  erased: boolean;
}

/**
 * The ledger's own (authoritative) dispute hold when a debtor disputes the debt on a call or in a
 * reply (the orchestrator's CallOutcomeRecorded(DISPUTE) and DebtorReplied(DISPUTE)): one hold on
 * every debtor of the account, opened exactly as SetHold opens one (same row, same HoldChanged),
 * in the consumer's transaction. A compliance officer ends it with LiftHold, whose HoldChanged
 * also ends the orchestrator's provisional hold.
 */
export class OpenDisputeHoldsUseCase {
  constructor(private readonly holds: HoldsAndConsentUseCase) {}

  async execute(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    cause: DisputeCause,
  ): Promise<DisputeHoldsOpened> {
    const result: DisputeHoldsOpened = { accountKnown: false, opened: 0, alreadyHeld: 0, erased: 0 };
    const [account] = (await tx.query(`SELECT id FROM account WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      accountId,
    ])) as unknown[];
    if (!account) return result;
    result.accountKnown = true;
    // The debtors' rows locked in one order, before SetHold's own lock on each: an erasure or a
    // SetHold on the same debtor waits, so neither an erased debtor nor a second dispute hold slips in.
    const debtors = (await tx.query(
      `SELECT d.id, d.time_zone, d.erased_at IS NOT NULL AS erased
         FROM account_debtor ad JOIN debtor d ON d.tenant_id = ad.tenant_id AND d.id = ad.debtor_id
        WHERE ad.tenant_id = $1 AND ad.account_id = $2
        ORDER BY d.id FOR UPDATE OF d`,
      [tenantId, accountId],
    )) as DebtorRow[];
    const source = `${cause.kind}:${cause.id}`;
    for (const d of debtors) {
      if (d.erased) {
        result.erased++;
        continue;
      }
      const startsOn = localDate(cause.at, d.time_zone);
      const idempotencyKey = `${source}/${d.id}`;
      // A dispute hold in force already stops contact; one lifted since the debtor disputed has
      // answered this dispute (the orchestrator's provisional holds ended with that lift too), e.g.
      // when the ledger's group first reads the orchestrator's retained events.
      const [answered] = (await tx.query(
        `SELECT id FROM debtor_hold
          WHERE tenant_id = $1 AND debtor_id = $2 AND kind = $3
            AND (lifted_at IS NULL AND starts_on <= $4 AND (ends_on IS NULL OR ends_on >= $4) OR lifted_at >= $5)
          LIMIT 1`,
        [tenantId, d.id, ledger.HoldKind.HOLD_KIND_DISPUTE, startsOn, cause.at],
      )) as unknown[];
      if (answered) {
        result.alreadyHeld++;
        continue;
      }
      const { replayed } = await this.holds.openHold(tx, tenantId, {
        debtorId: d.id,
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        source,
        startsOn,
        endsOn: null,
        idempotencyKey,
      });
      if (replayed) result.alreadyHeld++;
      else result.opened++;
    }
    return result;
  }
}
