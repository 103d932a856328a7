import { EntityManager } from 'typeorm';
import { BANKRUPTCY_CHAPTERS, isBankruptcyChapter, ledger } from '@collections/contracts';
import { AppError, isUuid } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { validDate } from '../balance-view';
import { refuseErased } from '../domain/erasure';
import { PiiCipher } from '../pii';
import { requireLedgerText } from '../text-limits';

/** The chapters a bankruptcy hold may record, for SetHold's refusal: "7, 11, 12 or 13". */
const CHAPTERS_IN_WORDS = `${BANKRUPTCY_CHAPTERS.slice(0, -1).join(', ')} or ${BANKRUPTCY_CHAPTERS.at(-1)}`;

/** Which contact points a channel reaches. */
const CHANNEL_CONTACT_TYPE: Record<string, 'phone' | 'email' | 'address'> = {
  call: 'phone',
  sms: 'phone',
  whatsapp: 'phone',
  email: 'email',
  letter: 'address',
  visit: 'address',
};

/** A hold to open, its fields already checked. */
export interface HoldToOpen {
  debtorId: string;
  kind: ledger.HoldKind;
  /** Who reported it (stored encrypted: `source_enc`). */
  source: string;
  startsOn: string;
  /** Null: until lifted. */
  endsOn: string | null;
  idempotencyKey: string;
  /** A bankruptcy's chapter; unspecified (or absent): not on record, and on every other kind. */
  bankruptcyChapter?: ledger.BankruptcyChapter;
}

interface HoldRow {
  id: string;
  debtor_id: string;
  kind: number;
  starts_on: string;
  ends_on: string | null;
  lifted_at: Date | null;
  idempotency_key: string;
  bankruptcy_chapter: number | null;
}

/**
 * Holds and consent: the facts that stop or allow contact, each change published as an event. A
 * hold's source and lift reason (callers' free texts) are stored encrypted with `cipher`
 * (`source_enc`, `lift_reason_enc`: migration 1763900016700), and never published: HoldChanged's
 * source stays empty (ExportDebtor answers it, EraseDebtor erases it).
 */
export class HoldsAndConsentUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly cipher: PiiCipher,
  ) {}

  async setHold(tenantId: string, r: ledger.SetHoldRequest): Promise<ledger.SetHoldResponse> {
    if (!r.debtorId) throw AppError.invalid('debtor_id is required');
    if (!(r.kind > 0) || !ledger.HoldKind[r.kind]) throw AppError.invalid('kind must be a HoldKind');
    if (!r.source) throw AppError.invalid('source is required (who reported the hold)');
    if (!r.idempotencyKey) throw AppError.invalid('idempotency_key is required');
    requireLedgerText({ source: r.source, idempotency_key: r.idempotencyKey });
    const startsOn = validDate(r.startsOn, 'starts_on');
    const endsOn = r.endsOn ? validDate(r.endsOn, 'ends_on') : null;
    if (endsOn && endsOn < startsOn) throw AppError.invalid('ends_on cannot be before starts_on');
    const chapter = r.bankruptcyChapter ?? ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED;
    if (chapter !== ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED) {
      if (!isBankruptcyChapter(chapter))
        throw AppError.invalid(`bankruptcy_chapter must be a BankruptcyChapter (${CHAPTERS_IN_WORDS})`);
      if (r.kind !== ledger.HoldKind.HOLD_KIND_BANKRUPTCY)
        throw AppError.invalid('bankruptcy_chapter is only for a HOLD_KIND_BANKRUPTCY hold');
    }
    const hold = {
      debtorId: r.debtorId,
      kind: r.kind,
      source: r.source,
      startsOn,
      endsOn,
      idempotencyKey: r.idempotencyKey,
      bankruptcyChapter: chapter,
    };
    return this.ctx.dataSource.transaction((tx) => this.openHold(tx, tenantId, hold));
  }

  /**
   * Opens a hold in `tx` (SetHold's, or the ledger's own dispute hold on a call's or a reply's
   * dispute: OpenDisputeHoldsUseCase): one `debtor_hold` row and its HoldChanged, or the hold its
   * idempotency key already opened (replayed). The fields are checked by the caller.
   */
  async openHold(tx: EntityManager, tenantId: string, r: HoldToOpen): Promise<ledger.SetHoldResponse> {
    const [debtor] = (await tx.query(`SELECT id FROM debtor WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      tenantId,
      r.debtorId,
    ])) as unknown[];
    if (!debtor) throw AppError.notFound(`debtor ${r.debtorId} does not exist`);
    // The key's own lock: the same key sent for another debtor at the same time (whose row lock
    // is another) waits here and finds this hold, instead of both inserting and the second
    // failing on the key's unique index (an internal error where one after the other is a conflict).
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ledger.debtor_hold.key'), hashtext($1 || '/' || $2))`, [
      tenantId,
      r.idempotencyKey,
    ]);
    const [earlier] = (await tx.query(
      `SELECT id, debtor_id, kind, bankruptcy_chapter FROM debtor_hold WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tenantId, r.idempotencyKey],
    )) as HoldRow[];
    const chapter = r.bankruptcyChapter || null;
    if (earlier) {
      if (earlier.debtor_id !== r.debtorId || earlier.kind !== r.kind || earlier.bankruptcy_chapter !== chapter) {
        throw AppError.conflict('idempotency_key was already used for another hold');
      }
      return { holdId: earlier.id, replayed: true };
    }
    const [{ id }] = (await tx.query(
      `INSERT INTO debtor_hold (tenant_id, debtor_id, kind, source_enc, starts_on, ends_on, idempotency_key, bankruptcy_chapter)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [tenantId, r.debtorId, r.kind, this.cipher.encrypt(r.source), r.startsOn, r.endsOn, r.idempotencyKey, chapter],
    )) as { id: string }[];
    await this.ctx.backbone.outbox.add(tx, {
      type: 'collections.ledger.v1.HoldChanged',
      key: r.debtorId,
      tenantId,
      payload: {
        holdId: id,
        debtorId: r.debtorId,
        kind: r.kind,
        active: true,
        // Who reported it is a person's free text: kept with the hold (erasable), never on Kafka.
        source: '',
        startsOn: r.startsOn,
        endsOn: r.endsOn ?? '',
        bankruptcyChapter: chapter ?? ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
    });
    return { holdId: id, replayed: false };
  }

  async liftHold(tenantId: string, r: ledger.LiftHoldRequest): Promise<ledger.LiftHoldResponse> {
    if (!isUuid(r.holdId)) throw AppError.notFound(`hold ${r.holdId} does not exist`);
    if (!r.reason) throw AppError.invalid('reason is required');
    requireLedgerText({ reason: r.reason });
    return this.ctx.dataSource.transaction(async (tx) => {
      const [hold] = (await tx.query(
        `SELECT id, debtor_id, kind, to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on, lifted_at,
                bankruptcy_chapter
           FROM debtor_hold WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        [tenantId, r.holdId],
      )) as HoldRow[];
      if (!hold) throw AppError.notFound(`hold ${r.holdId} does not exist`);
      if (hold.lifted_at) return { lifted: false };
      await tx.query(`UPDATE debtor_hold SET lifted_at = $3, lift_reason_enc = $4 WHERE tenant_id = $1 AND id = $2`, [
        tenantId,
        hold.id,
        this.ctx.clock.now(),
        this.cipher.encrypt(r.reason),
      ]);
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.HoldChanged',
        key: hold.debtor_id,
        tenantId,
        payload: {
          holdId: hold.id,
          debtorId: hold.debtor_id,
          kind: hold.kind,
          active: false,
          source: '',
          startsOn: hold.starts_on,
          endsOn: hold.ends_on ?? '',
          bankruptcyChapter: hold.bankruptcy_chapter ?? ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
        },
      });
      return { lifted: true };
    });
  }

  async recordConsent(tenantId: string, r: ledger.RecordConsentRequest): Promise<ledger.RecordConsentResponse> {
    const type = CHANNEL_CONTACT_TYPE[r.channel];
    if (!type) throw AppError.invalid(`channel must be one of ${Object.keys(CHANNEL_CONTACT_TYPE).join(', ')}`);
    if (!r.source) throw AppError.invalid('source is required (how the consent was given or withdrawn)');
    requireLedgerText({ source: r.source });
    return this.ctx.dataSource.transaction(async (tx) => {
      const [debtor] = (await tx.query(
        `SELECT erased_at IS NOT NULL AS erased FROM debtor WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        [tenantId, r.debtorId],
      )) as { erased: boolean }[];
      if (!debtor) throw AppError.notFound(`debtor ${r.debtorId} does not exist`);
      if (debtor.erased) {
        // A consent given to an erased debtor would be contact permission for a person the
        // orchestrator forgot. A withdrawal is never refused: the erasure withdrew every consent,
        // so there is none left to withdraw (nothing written, nothing published).
        if (r.granted) throw refuseErased(r.debtorId, 'no consent is recorded for it');
        return { consentedChannels: [] };
      }
      const updated = (await tx.query(
        `UPDATE contact_point SET consented_channels = CASE WHEN $4 THEN array(SELECT DISTINCT unnest(consented_channels || ARRAY[$3::text]) ORDER BY 1)
                                                       ELSE array_remove(consented_channels, $3) END
          WHERE tenant_id = $1 AND debtor_id = $2 AND type = $5`,
        [tenantId, r.debtorId, r.channel, r.granted, type],
      )) as [unknown[], number];
      if (updated[1] === 0) throw AppError.invalid(`debtor ${r.debtorId} has no ${type} on file for ${r.channel}`);
      const [{ channels }] = (await tx.query(
        `SELECT coalesce(array_agg(DISTINCT c ORDER BY c), '{}') AS channels FROM contact_point, unnest(consented_channels) AS c
          WHERE tenant_id = $1 AND debtor_id = $2`,
        [tenantId, r.debtorId],
      )) as { channels: string[] }[];
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.ConsentChanged',
        key: r.debtorId,
        tenantId,
        payload: { debtorId: r.debtorId, channel: r.channel, granted: r.granted, consentedChannels: channels },
      });
      return { consentedChannels: channels };
    });
  }
}
