import { ledger } from '@collections/contracts';
import { AppError, money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { PiiCipher } from '../pii';
import { requireLedgerText } from '../text-limits';

interface DebtorRow {
  id: string;
  kind: string;
  display_name: string;
  national_id_enc: Buffer | null;
  time_zone: string;
  language: string;
  country: string;
  region: string;
  erased_at: Date | null;
}

/** A debtor's accounts ($1 tenant, $2 debtor), by index (migration 1763900012200). */
export const ACCOUNTS_OF_DEBTOR_SQL = `SELECT account_id FROM account_debtor WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY account_id`;

/**
 * Data-subject rights: export everything held on a debtor; erase = pseudonymise the personal
 * data (name, national id, contact points) while accounts and journal entries, which carry no
 * personal data, stay as they are, so the books remain whole and balanced.
 */
export class DataSubjectUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly cipher: PiiCipher,
  ) {}

  async export(tenantId: string, debtorId: string): Promise<ledger.ExportDebtorResponse> {
    const [d] = (await this.ctx.dataSource.query(`SELECT * FROM debtor WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      debtorId,
    ])) as DebtorRow[];
    if (!d) throw AppError.notFound(`debtor ${debtorId} does not exist`);
    const contacts = (await this.ctx.dataSource.query(
      `SELECT type, value, verified, consented_channels FROM contact_point WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY seq`,
      [tenantId, debtorId],
    )) as { type: string; value: string; verified: boolean; consented_channels: string[] }[];
    const accounts = (await this.ctx.dataSource.query(ACCOUNTS_OF_DEBTOR_SQL, [tenantId, debtorId])) as {
      account_id: string;
    }[];
    const entries = (await this.ctx.dataSource.query(
      `SELECT id, kind, amount_minor, currency, to_char(effective_date, 'YYYY-MM-DD') AS effective_date, posted_at, reverses_entry_id, memo
         FROM journal_entry WHERE tenant_id = $1 AND account_id = ANY($2) ORDER BY seq`,
      [tenantId, accounts.map((a) => a.account_id)],
    )) as {
      id: string;
      kind: number;
      amount_minor: string;
      currency: string;
      effective_date: string;
      posted_at: Date;
      reverses_entry_id: string | null;
      memo: string;
    }[];
    const holds = (await this.ctx.dataSource.query(
      `SELECT id, kind, source, to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on,
              created_at, lifted_at, lift_reason
         FROM debtor_hold WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY created_at, id`,
      [tenantId, debtorId],
    )) as {
      id: string;
      kind: number;
      source: string;
      starts_on: string;
      ends_on: string | null;
      created_at: Date;
      lifted_at: Date | null;
      lift_reason: string | null;
    }[];
    return {
      debtor: {
        debtorId: d.id,
        kind: d.kind,
        displayName: d.display_name,
        nationalId: d.national_id_enc ? this.cipher.decrypt(d.national_id_enc) : '',
        contactPoints: contacts.map((c) => ({
          type: c.type,
          value: c.value,
          verified: c.verified,
          consentedChannels: c.consented_channels,
        })),
        timeZone: d.time_zone,
        language: d.language,
        country: d.country.trim(),
        region: d.region,
      },
      accountIds: accounts.map((a) => a.account_id),
      entries: entries.map((e) => ({
        entryId: e.id,
        kind: e.kind,
        amount: money(Number(e.amount_minor), e.currency.trim()),
        effectiveDate: e.effective_date,
        postedAt: e.posted_at,
        reversesEntryId: e.reverses_entry_id ?? '',
        memo: e.memo,
      })),
      erased: d.erased_at !== null,
      holds: holds.map((h) => ({
        holdId: h.id,
        kind: h.kind,
        source: h.source,
        startsOn: h.starts_on,
        endsOn: h.ends_on ?? '',
        setAt: h.created_at,
        liftedAt: h.lifted_at ?? undefined,
        liftReason: h.lift_reason ?? '',
      })),
    };
  }

  async erase(tenantId: string, debtorId: string, reason: string): Promise<ledger.EraseDebtorResponse> {
    if (!reason) throw AppError.invalid('reason is required: erasures are audited');
    requireLedgerText({ reason });
    return this.ctx.dataSource.transaction(async (tx) => {
      const rows = (await tx.query(
        `UPDATE debtor SET display_name = 'erased', national_id_enc = NULL, erased_at = coalesce(erased_at, $3),
                erasure_reason = coalesce(erasure_reason, $4), updated_at = now()
          WHERE tenant_id = $1 AND id = $2 RETURNING id`,
        [tenantId, debtorId, this.ctx.clock.now(), reason],
      )) as [unknown[], number];
      if (rows[1] === 0) throw AppError.notFound(`debtor ${debtorId} does not exist`);
      await tx.query(
        `UPDATE contact_point SET value = 'erased:' || seq, verified = false, consented_channels = '{}' WHERE tenant_id = $1 AND debtor_id = $2`,
        [tenantId, debtorId],
      );
      // The bank account a matched payment came from (reconciliation) is the payer's: not the books'.
      await tx.query(
        `UPDATE recon_item SET counterparty_account = 'erased'
          WHERE tenant_id = $1 AND counterparty_account <> 'erased' AND matched_account_id IN (
            SELECT account_id FROM account_debtor WHERE tenant_id = $1 AND debtor_id = $2)`,
        [tenantId, debtorId],
      );
      // The reason is the caller's free text (it may name the person): kept with the debtor, never logged.
      this.ctx.logger.info({ tenantId, debtorId }, 'debtor personal data erased (pseudonymised)');
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.DebtorUpserted',
        key: debtorId,
        tenantId,
        payload: { debtorId, timeZone: '', language: '', country: '', region: '', consentedChannels: [], erased: true },
      });
      return { erased: true };
    });
  }
}
