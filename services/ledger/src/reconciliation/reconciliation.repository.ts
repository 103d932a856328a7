import { EntityManager } from 'typeorm';
import { isUuid } from '@collections/platform';
import { PiiCipher, byteaText, decryptFreeText, encryptFreeText } from '../ledger/pii';
import { tokenSpans } from './domain/matcher';
import { StatementFileKind } from './domain/statement-line';

export type ReconItemStatus = 'matched' | 'unmatched' | 'resolved' | 'ignored';

export interface ReconFileRow {
  id: string;
  kind: StatementFileKind;
  sha256: string;
  name: string;
  status: string;
  total_items: number;
  matched_items: number;
  unmatched_items: number;
  ignored_items: number;
  posted_payments: number;
  /** Returns that reversed a payment (migration 1763900021000). */
  reversed_payments: number;
  imported_at: Date;
}

export interface ReconItemRow {
  id: string;
  seq: string;
  file_id: string;
  file_sha256: string;
  entry_index: number;
  line_no: number | null;
  xml_path: string | null;
  direction: 'credit' | 'debit';
  amount_minor: string;
  currency: string;
  value_date: string;
  /** The payer's text, decrypted (stored encrypted: `reference_enc`). PII: never logged. */
  reference: string;
  /** Decrypted (stored encrypted: `counterparty_account_enc`). PII: never logged. */
  counterparty_account: string;
  bank_reference: string;
  status: ReconItemStatus;
  match_rule: string | null;
  matched_account_id: string | null;
  posted_payment_id: string | null;
  reason: string;
}

const ITEM_INSERT_COLUMNS = `tenant_id, id, file_id, entry_index, line_no, xml_path, direction, amount_minor, currency,
  value_date, reference_enc, counterparty_account_enc, bank_reference, status, match_rule, matched_account_id, posted_payment_id, reason`;

export interface NewReconItem {
  id: string;
  entryIndex: number;
  line?: number;
  path?: string;
  direction: 'credit' | 'debit';
  amountMinor: number;
  currency: string;
  valueDate: string;
  reference: string;
  counterpartyAccount: string;
  bankReference: string;
  status: ReconItemStatus;
  matchRule?: string;
  accountId?: string;
  paymentId?: string;
  reason: string;
}

export interface CandidateRow {
  id: string;
  external_ref: string;
  currency: string;
  amount_due_minor: string | null;
  minimum_due_minor: string | null;
}

const ITEM_COLUMNS = `i.id, i.seq, i.file_id, f.sha256 AS file_sha256, i.entry_index, i.line_no, i.xml_path, i.direction,
  i.amount_minor, i.currency, to_char(i.value_date, 'YYYY-MM-DD') AS value_date, i.reference_enc,
  i.counterparty_account_enc, i.bank_reference, i.status, i.match_rule, i.matched_account_id, i.posted_payment_id, i.reason`;
const FILE_COLUMNS = `id, kind, sha256, name, status, total_items, matched_items, unmatched_items, ignored_items,
  posted_payments, reversed_payments, imported_at`;

/** An item as stored: its payer's texts encrypted (migration 1763900017710). */
type StoredItemRow = Omit<ReconItemRow, 'reference' | 'counterparty_account'> & {
  reference_enc: Buffer | null;
  counterparty_account_enc: Buffer | null;
};

/**
 * Queries only; every one is scoped to a tenant. Decisions live in domain/ and the use cases. The
 * payer's texts of an item (the reference as the payer wrote it, their bank account) are encrypted
 * on the way in and decrypted on the way out with the ledger's cipher (LEDGER_PII_KEY); nothing
 * looks for them in SQL.
 */
export class ReconciliationRepository {
  constructor(private readonly cipher: PiiCipher) {}

  private itemOf({ reference_enc, counterparty_account_enc, ...row }: StoredItemRow): ReconItemRow {
    return {
      ...row,
      reference: decryptFreeText(this.cipher, reference_enc),
      counterparty_account: decryptFreeText(this.cipher, counterparty_account_enc),
    };
  }

  async findFile(tx: EntityManager, tenantId: string, id: string): Promise<ReconFileRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = (await tx.query(`SELECT ${FILE_COLUMNS} FROM recon_file WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ])) as ReconFileRow[];
    return row;
  }

  async findFileBySha(tx: EntityManager, tenantId: string, sha256: string): Promise<ReconFileRow | undefined> {
    const [row] = (await tx.query(`SELECT ${FILE_COLUMNS} FROM recon_file WHERE tenant_id = $1 AND sha256 = $2`, [
      tenantId,
      sha256,
    ])) as ReconFileRow[];
    return row;
  }

  /**
   * Claims the file's content for this tenant; false when another import holds or committed
   * it (the unique sha256 makes a concurrent second import wait here, then step aside).
   */
  async claimFile(
    tx: EntityManager,
    tenantId: string,
    f: { id: string; kind: StatementFileKind; sha256: string; name: string; importedAt: Date },
  ): Promise<boolean> {
    const rows = (await tx.query(
      `INSERT INTO recon_file (tenant_id, id, kind, sha256, name, status, total_items, matched_items, unmatched_items,
         ignored_items, posted_payments, imported_at)
       VALUES ($1, $2, $3, $4, $5, 'imported', 0, 0, 0, 0, 0, $6)
       ON CONFLICT (tenant_id, sha256) DO NOTHING RETURNING id`,
      [tenantId, f.id, f.kind, f.sha256, f.name, f.importedAt],
    )) as unknown[];
    return rows.length === 1;
  }

  async recordFileCounts(
    tx: EntityManager,
    tenantId: string,
    id: string,
    c: { total: number; matched: number; unmatched: number; ignored: number; posted: number; reversed: number },
  ): Promise<void> {
    await tx.query(
      `UPDATE recon_file SET total_items = $3, matched_items = $4, unmatched_items = $5, ignored_items = $6, posted_payments = $7,
         reversed_payments = $8
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, c.total, c.matched, c.unmatched, c.ignored, c.posted, c.reversed],
    );
  }

  /**
   * The credits of earlier files that a return of this amount could take back: posted as a payment
   * (matched or resolved), of the same amount and currency, and either with a bank transaction id
   * among `links` (by index) or among the latest 1,000 such credits (returns follow their credit
   * within days). Which one the return names is decided by the caller, on their ids and decrypted
   * references.
   */
  async postedCreditsOf(
    tx: EntityManager,
    tenantId: string,
    r: { amountMinor: number; currency: string; links: string[] },
  ): Promise<ReconItemRow[]> {
    const rows = (await tx.query(
      `SELECT ${ITEM_COLUMNS} FROM recon_item i JOIN recon_file f ON f.tenant_id = i.tenant_id AND f.id = i.file_id
        WHERE i.id IN (
          (SELECT id FROM recon_item WHERE tenant_id = $1 AND bank_reference = ANY($4::text[]))
          UNION
          (SELECT id FROM recon_item WHERE tenant_id = $1 AND direction = 'credit' AND posted_payment_id IS NOT NULL
              AND amount_minor = $2 AND currency = $3
            ORDER BY seq DESC LIMIT 1000))
          AND i.tenant_id = $1 AND i.direction = 'credit' AND i.posted_payment_id IS NOT NULL
          AND i.amount_minor = $2 AND i.currency = $3
        ORDER BY i.seq`,
      [tenantId, r.amountMinor, r.currency, r.links],
    )) as StoredItemRow[];
    return rows.map((r) => this.itemOf(r));
  }

  /** Every item, in file order, with one statement (a bank file can hold thousands). */
  async insertItems(tx: EntityManager, tenantId: string, fileId: string, items: NewReconItem[]): Promise<void> {
    if (items.length === 0) return;
    const rows = items.map((i) => ({
      tenant_id: tenantId,
      id: i.id,
      file_id: fileId,
      entry_index: i.entryIndex,
      line_no: i.line ?? null,
      xml_path: i.path ?? null,
      direction: i.direction,
      amount_minor: i.amountMinor,
      currency: i.currency,
      value_date: i.valueDate,
      // bytea from JSON: PostgreSQL's hex form (byteaText).
      reference_enc: byteaText(encryptFreeText(this.cipher, i.reference)),
      counterparty_account_enc: byteaText(encryptFreeText(this.cipher, i.counterpartyAccount)),
      bank_reference: i.bankReference,
      status: i.status,
      match_rule: i.matchRule ?? null,
      matched_account_id: i.accountId ?? null,
      posted_payment_id: i.paymentId ?? null,
      reason: i.reason,
    }));
    await tx.query(
      `INSERT INTO recon_item (${ITEM_INSERT_COLUMNS})
       SELECT ${ITEM_INSERT_COLUMNS} FROM jsonb_populate_recordset(NULL::recon_item, $1::jsonb) WITH ORDINALITY
        ORDER BY ordinality`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * The accounts each reference may name (at most 50, by id): their external reference or id is
   * written in it, or the digits of their external reference are one of the numbers in it. The
   * matcher decides. With their last statement's amount due and minimum due. Keyed by the
   * caller's key (a line's entry index); an empty reference names none.
   */
  async candidatesOfMany(
    tx: EntityManager,
    tenantId: string,
    refs: { key: number; reference: string; numbers: string[] }[],
  ): Promise<Map<number, CandidateRow[]>> {
    const asked = refs
      .filter((r) => r.reference.trim())
      .map((r) => ({ key: r.key, tokens: tokenSpans(r.reference), numbers: r.numbers }));
    const byKey = new Map<number, CandidateRow[]>();
    if (asked.length === 0) return byKey;
    const rows = (await tx.query(
      `SELECT l.key, c.*
         FROM jsonb_to_recordset($2::jsonb) AS l(key int, tokens text[], numbers text[])
         CROSS JOIN LATERAL (
           SELECT a.id, a.external_ref, a.currency, s.amount_due_minor, s.minimum_due_minor
             FROM account a
             LEFT JOIN LATERAL (SELECT amount_due_minor, minimum_due_minor FROM statement
                                 WHERE tenant_id = a.tenant_id AND account_id = a.id ORDER BY cycle DESC LIMIT 1) s ON true
            WHERE a.tenant_id = $1
              AND (lower(a.external_ref) = ANY(l.tokens) OR lower(a.id) = ANY(l.tokens)
                   OR regexp_replace(a.external_ref, '\\D', '', 'g') = ANY(l.numbers))
            ORDER BY a.id
            LIMIT 50) c
        ORDER BY l.key, c.id`,
      [tenantId, JSON.stringify(asked)],
    )) as (CandidateRow & { key: number })[];
    for (const { key, ...row } of rows) {
      const list = byKey.get(key);
      if (list) list.push(row);
      else byKey.set(key, [row]);
    }
    return byKey;
  }

  /**
   * For each line, an earlier item of another file with the same bank transaction id, amount and
   * direction (overlapping statements carry the same transaction twice). Keyed by the caller's key.
   */
  async findSameTransactions(
    tx: EntityManager,
    tenantId: string,
    fileId: string,
    lines: {
      key: number;
      bankReference: string;
      amountMinor: number;
      currency: string;
      direction: 'credit' | 'debit';
    }[],
  ): Promise<Map<number, { file_id: string; file_name: string; entry_index: number }>> {
    const asked = lines
      .filter((l) => l.bankReference)
      .map((l) => ({
        key: l.key,
        bank_reference: l.bankReference,
        amount_minor: l.amountMinor,
        currency: l.currency,
        direction: l.direction,
      }));
    if (asked.length === 0) return new Map();
    const rows = (await tx.query(
      `SELECT l.key, m.file_id, m.file_name, m.entry_index
         FROM jsonb_to_recordset($3::jsonb) AS l(key int, bank_reference text, amount_minor bigint, currency text, direction text)
         CROSS JOIN LATERAL (
           SELECT i.file_id, f.name AS file_name, i.entry_index
             FROM recon_item i JOIN recon_file f ON f.tenant_id = i.tenant_id AND f.id = i.file_id
            WHERE i.tenant_id = $1 AND i.bank_reference = l.bank_reference AND i.file_id <> $2
              AND i.amount_minor = l.amount_minor AND i.currency = l.currency AND i.direction = l.direction
            ORDER BY i.seq LIMIT 1) m`,
      [tenantId, fileId, JSON.stringify(asked)],
    )) as { key: number; file_id: string; file_name: string; entry_index: number }[];
    return new Map(rows.map(({ key, ...row }) => [key, row]));
  }

  /**
   * Imports of one tenant run one at a time (until commit): two files posting to the same
   * accounts in different orders would otherwise deadlock on the account locks.
   */
  async serializeImports(tx: EntityManager, tenantId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ledger.recon_import'), hashtext($1))`, [tenantId]);
  }

  async findItem(tx: EntityManager, tenantId: string, id: string, lock = false): Promise<ReconItemRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = (await tx.query(
      `SELECT ${ITEM_COLUMNS} FROM recon_item i JOIN recon_file f ON f.tenant_id = i.tenant_id AND f.id = i.file_id
        WHERE i.tenant_id = $1 AND i.id = $2 ${lock ? 'FOR UPDATE OF i' : ''}`,
      [tenantId, id],
    )) as StoredItemRow[];
    return row && this.itemOf(row);
  }

  async resolveItem(
    tx: EntityManager,
    tenantId: string,
    id: string,
    r: { status: 'resolved' | 'ignored'; accountId?: string; paymentId?: string; reason: string; at: Date },
  ): Promise<void> {
    await tx.query(
      `UPDATE recon_item SET status = $3, matched_account_id = $4, posted_payment_id = $5, reason = $6, resolved_at = $7,
         match_rule = CASE WHEN $3 = 'resolved' THEN 'manual' ELSE match_rule END
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, r.status, r.accountId ?? null, r.paymentId ?? null, r.reason, r.at],
    );
  }

  async listUnmatched(
    tx: EntityManager,
    tenantId: string,
    afterSeq: number,
    limit: number,
    fileId?: string,
  ): Promise<ReconItemRow[]> {
    return (
      (await tx.query(
        `SELECT ${ITEM_COLUMNS} FROM recon_item i JOIN recon_file f ON f.tenant_id = i.tenant_id AND f.id = i.file_id
        WHERE i.tenant_id = $1 AND i.status = 'unmatched' AND i.seq > $2 AND ($4::uuid IS NULL OR i.file_id = $4)
        ORDER BY i.seq LIMIT $3`,
        [tenantId, afterSeq, limit, fileId ?? null],
      )) as StoredItemRow[]
    ).map((row) => this.itemOf(row));
  }

  async itemCounts(tx: EntityManager, tenantId: string, fileId: string): Promise<Record<ReconItemStatus, number>> {
    const rows = (await tx.query(
      `SELECT status, count(*)::int AS n FROM recon_item WHERE tenant_id = $1 AND file_id = $2 GROUP BY status`,
      [tenantId, fileId],
    )) as { status: ReconItemStatus; n: number }[];
    const counts = { matched: 0, unmatched: 0, resolved: 0, ignored: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }
}
