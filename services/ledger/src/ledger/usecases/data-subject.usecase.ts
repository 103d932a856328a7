import { EntityManager } from 'typeorm';
import { ledger } from '@collections/contracts';
import { AppError, ERASURE_ROLES, currentPrincipal, requireRole } from '@collections/platform';
import { accountStatusChangeView, journalEntryView } from '../balance-view';
import { ServiceContext } from '@collections/runtime';
import { erasurePatterns } from '../domain/erasure';
import { LedgerRepository, StoredMemo, memoOf } from '../ledger.repository';
import { PiiCipher, PiiUnreadableError, decryptFreeText } from '../pii';
import { requireLedgerText } from '../text-limits';

interface DebtorRow {
  id: string;
  kind: string;
  display_name_enc: Buffer;
  national_id_enc: Buffer | null;
  time_zone: string;
  language: string;
  country: string;
  region: string;
  erased_at: Date | null;
  inconvenient_times: ledger.InconvenientTime[] | null;
}

/**
 * Who may answer a data-subject request (export everything held on a debtor, or erase it): the
 * compliance officer, who answers them, or the administrator; an API key (the tenant's trusted
 * integration, as the orchestrator calls with for every contact it sends) passes `requireRole`.
 * Not an agent: an agent reads the number to dial through the orchestrator's claim, which asks
 * the ledger with the tenant's key and hands the agent only that.
 */
export const DATA_SUBJECT_ROLES = ERASURE_ROLES;

/** Encrypted texts an erasure decrypts and looks at per statement (bank references, rejected lines). */
const BATCH_ROWS = 1_000;

/** A debtor's accounts ($1 tenant, $2 debtor), by index (migration 1763900012200). */
export const ACCOUNTS_OF_DEBTOR_SQL = `SELECT account_id FROM account_debtor WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY account_id`;

/**
 * Data-subject rights: export everything held on a debtor; erase = pseudonymise the personal
 * data (name, national id, contact points, and every free text that may hold them: see `erase`)
 * while accounts and journal entries keep their amounts, dates and kinds, so the books remain
 * whole and balanced.
 */
export class DataSubjectUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly cipher: PiiCipher,
  ) {}

  async export(tenantId: string, debtorId: string): Promise<ledger.ExportDebtorResponse> {
    requireRole(currentPrincipal(), DATA_SUBJECT_ROLES, "exporting a debtor's personal data");
    const [d] = (await this.ctx.dataSource.query(`SELECT * FROM debtor WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      debtorId,
    ])) as DebtorRow[];
    if (!d) throw AppError.notFound(`debtor ${debtorId} does not exist`);
    const contacts = (await this.ctx.dataSource.query(
      `SELECT type, value_enc, verified, consented_channels, workplace_forbidden FROM contact_point
        WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY seq`,
      [tenantId, debtorId],
    )) as {
      type: string;
      value_enc: Buffer;
      verified: boolean;
      consented_channels: string[];
      workplace_forbidden: boolean;
    }[];
    const accounts = (await this.ctx.dataSource.query(ACCOUNTS_OF_DEBTOR_SQL, [tenantId, debtorId])) as {
      account_id: string;
    }[];
    const entries = (await this.ctx.dataSource.query(
      `SELECT id, kind, amount_minor, currency, to_char(effective_date, 'YYYY-MM-DD') AS effective_date, posted_at, reverses_entry_id,
              memo_enc, memo_erased
         FROM journal_entry WHERE tenant_id = $1 AND account_id = ANY($2) ORDER BY seq`,
      [tenantId, accounts.map((a) => a.account_id)],
    )) as ({
      id: string;
      kind: number;
      amount_minor: string;
      currency: string;
      effective_date: string;
      posted_at: Date;
      reverses_entry_id: string | null;
    } & StoredMemo)[];
    const statusChanges = await new LedgerRepository(this.cipher).statusChanges(
      this.ctx.dataSource.manager,
      tenantId,
      accounts.map((a) => a.account_id),
    );
    const holds = (await this.ctx.dataSource.query(
      `SELECT id, kind, source_enc, to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on,
              created_at, lifted_at, lift_reason_enc, bankruptcy_chapter
         FROM debtor_hold WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY created_at, id`,
      [tenantId, debtorId],
    )) as {
      id: string;
      kind: number;
      source_enc: Buffer;
      starts_on: string;
      ends_on: string | null;
      created_at: Date;
      lifted_at: Date | null;
      lift_reason_enc: Buffer | null;
      bankruptcy_chapter: number | null;
    }[];
    return {
      debtor: {
        debtorId: d.id,
        kind: d.kind,
        displayName: this.cipher.decrypt(d.display_name_enc),
        nationalId: d.national_id_enc ? this.cipher.decrypt(d.national_id_enc) : '',
        contactPoints: contacts.map((c) => ({
          type: c.type,
          value: this.cipher.decrypt(c.value_enc),
          verified: c.verified,
          consentedChannels: c.consented_channels,
          // Only where set: a debtor without the flag or the times is exported as before them.
          ...(c.workplace_forbidden ? { workplaceForbidden: true } : {}),
        })),
        timeZone: d.time_zone,
        language: d.language,
        country: d.country.trim(),
        region: d.region,
        ...(d.inconvenient_times?.length ? { contactPreferences: { inconvenientTimes: d.inconvenient_times } } : {}),
      },
      accountIds: accounts.map((a) => a.account_id),
      entries: entries.map((e) => journalEntryView(e, memoOf(this.cipher, e))),
      erased: d.erased_at !== null,
      holds: holds.map((h) => ({
        holdId: h.id,
        kind: h.kind,
        source: this.cipher.decrypt(h.source_enc),
        startsOn: h.starts_on,
        endsOn: h.ends_on ?? '',
        setAt: h.created_at,
        liftedAt: h.lifted_at ?? undefined,
        liftReason: decryptFreeText(this.cipher, h.lift_reason_enc),
        bankruptcyChapter: h.bankruptcy_chapter ?? ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      })),
      statusChanges: statusChanges.map(accountStatusChangeView),
    };
  }

  /**
   * Pseudonymises the debtor's personal data everywhere the ledger holds a copy, in one
   * transaction. The debtor's identifiers are read (under the debtor's lock) before any is
   * overwritten, to find the copies that are not linked to the debtor:
   * - the debtor: the name becomes 'erased', the national id is dropped;
   * - contact points: each value becomes 'erased:<seq>', without consent (both placeholders are
   *   stored encrypted like any name or value and read back as before; in SQL, `erased_at` tells
   *   an erased debtor apart);
   * - rejected import lines of the tenant (`import_rejection.raw_enc`, quarantined raw CSV/NDJSON text,
   *   linked to no debtor): the raw text of every line that names the debtor becomes 'erased',
   *   its line number and reason stay; the value the reason quotes (`value_enc`, 1763900017800) is
   *   looked at on its own, the same way and in the same pass over the lines, and becomes 'erased'
   *   when it names the debtor (whether the raw text does or not). "Names the
   *   debtor" is the rule of `erasurePatterns`
   *   (domain/erasure.ts), looked for in every line: the name, the national id, each contact point
   *   value (all three in clear: decrypted here), the debtor id and the ids and external references of its
   *   accounts, case-insensitively, as a whole token (4 characters or more), as a whole field
   *   (shorter values: a 1-character name must not erase every line with that letter), or as the
   *   same digits however written (phones, national ids);
   * - journal entries of the debtor's accounts (joint accounts included): a memo (the caller's free
   *   text: a charge's memo, an adjustment's or charge-off's reason) becomes 'erased'; amounts,
   *   dates, kinds and keys stay, the books need them (migration 1763900014700);
   * - status changes of the debtor's accounts (joint accounts included): the reason of a charge-off,
   *   settlement or closure becomes 'erased' as a memo does (`reason_erased`, no ciphertext kept);
   *   who, when and from which status to which stay (migration 1763900019600);
   * - holds on the debtor: who reported them (`source`) and why they were lifted (`lift_reason`),
   *   free texts, become 'erased'; kind and dates stay;
   * - reconciliation: the payer's bank account and the bank's free-text reference of every item
   *   matched to the debtor's accounts, and of any other item of the tenant whose reference names
   *   the debtor (same rule), become 'erased'. Both the rejected lines and the bank's texts are stored
   *   encrypted (migration 1763900017710): each of the tenant's is decrypted to be looked at
   *   (`eraseNaming`), and the erased ones are 'erased' encrypted;
   * - dead letters of the debtor's and their accounts' records: erased (eraseDeadLetters).
   * The erasure's own reason is kept with the debtor (the audit), encrypted, never logged. Memos,
   * holds' texts and the reason are stored encrypted (migration 1763900016700), so the erased ones
   * are 'erased' encrypted like any text.
   */
  async erase(tenantId: string, debtorId: string, reason: string): Promise<ledger.EraseDebtorResponse> {
    requireRole(currentPrincipal(), DATA_SUBJECT_ROLES, "erasing a debtor's personal data");
    if (!reason) throw AppError.invalid('reason is required: erasures are audited');
    requireLedgerText({ reason });
    return this.ctx.dataSource.transaction(async (tx) => {
      const [debtor] = (await tx.query(
        `SELECT display_name_enc, national_id_enc FROM debtor WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        [tenantId, debtorId],
      )) as Pick<DebtorRow, 'display_name_enc' | 'national_id_enc'>[];
      if (!debtor) throw AppError.notFound(`debtor ${debtorId} does not exist`);
      const contacts = (await tx.query(
        `SELECT seq, type, value_enc FROM contact_point WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY seq`,
        [tenantId, debtorId],
      )) as { seq: number; type: string; value_enc: Buffer }[];
      const unreadable = new Set<string>();
      const clear = (stored: Buffer | null, what: string) => this.clearOr(stored, () => unreadable.add(what));
      const accounts = (await tx.query(
        `SELECT a.id, a.external_ref FROM account_debtor ad JOIN account a ON a.tenant_id = ad.tenant_id AND a.id = ad.account_id
          WHERE ad.tenant_id = $1 AND ad.debtor_id = $2 ORDER BY a.id`,
        [tenantId, debtorId],
      )) as { id: string; external_ref: string }[];
      const accountIds = accounts.map((a) => a.id);
      const patterns = erasurePatterns({
        debtorId,
        displayName: clear(debtor.display_name_enc, 'name'),
        nationalId: clear(debtor.national_id_enc, 'national id'),
        contactValues: contacts.map((c) => ({ type: c.type, value: clear(c.value_enc, 'contact points') })),
        accountRefs: accounts.flatMap((a) => [a.id, a.external_ref]),
      });
      if (unreadable.size > 0) {
        this.ctx.logger.warn(
          { tenantId, debtorId, unreadable: [...unreadable] },
          "some of the erased debtor's personal data could not be decrypted (another LEDGER_PII_KEY): its copies in rejected import lines and bank references are not looked for",
        );
      }

      // The copies not linked to the debtor first, while the values that find them are known. Both
      // texts are stored encrypted (migration 1763900017710): each is decrypted here and the
      // patterns tried on it by PostgreSQL, in batches, without storing it.
      const erased = this.cipher.encrypt('erased');
      if (patterns.length > 0) {
        let unreadableTexts = 0;
        const texts = { erased, unreadable: () => unreadableTexts++ };
        // A rejected line's raw text, and the value its reason quotes (1763900017800), a piece of the
        // line, looked at on its own: each erased when it names the debtor, the value kept
        // (`unknown currency "XXX"`) when it does not, whatever the line's text.
        await this.eraseNaming(tx, tenantId, patterns, {
          ...texts,
          table: 'import_rejection',
          key: [
            ['job_id', 'uuid'],
            ['line_no', 'int'],
          ],
          texts: [
            { column: 'raw_enc', erases: ['raw_enc'] },
            { column: 'value_enc', erases: ['value_enc'] },
          ],
        });
        await this.eraseNaming(tx, tenantId, patterns, {
          ...texts,
          table: 'recon_item',
          key: [['id', 'uuid']],
          texts: [{ column: 'reference_enc', erases: ['reference_enc', 'counterparty_account_enc'] }],
        });
        if (unreadableTexts > 0) {
          this.ctx.logger.warn(
            { tenantId, debtorId, unreadable: unreadableTexts },
            'some bank references or rejected import lines could not be decrypted (another LEDGER_PII_KEY): they were not looked at',
          );
        }
      }
      // The bank account a matched payment came from (reconciliation) is the payer's: not the books'.
      // The bank's reference is the payer's free text (it may name them).
      await tx.query(
        `UPDATE recon_item SET counterparty_account_enc = $3, reference_enc = $3
          WHERE tenant_id = $1 AND matched_account_id = ANY($2)`,
        [tenantId, accountIds, erased],
      );
      const rows = (await tx.query(
        `UPDATE debtor SET display_name_enc = $5, national_id_enc = NULL, erased_at = coalesce(erased_at, $3), inconvenient_times = '[]',
                erasure_reason_enc = coalesce(erasure_reason_enc, $4), updated_at = now()
          WHERE tenant_id = $1 AND id = $2 RETURNING id`,
        [tenantId, debtorId, this.ctx.clock.now(), this.cipher.encrypt(reason), this.cipher.encrypt('erased')],
      )) as [unknown[], number];
      if (rows[1] === 0) throw AppError.notFound(`debtor ${debtorId} does not exist`);
      await tx.query(
        `UPDATE contact_point c SET value_enc = u.value_enc, verified = false, consented_channels = '{}'
           FROM unnest($3::int[], $4::bytea[]) AS u (seq, value_enc)
          WHERE c.tenant_id = $1 AND c.debtor_id = $2 AND c.seq = u.seq`,
        [tenantId, debtorId, contacts.map((c) => c.seq), contacts.map((c) => this.cipher.encrypt(`erased:${c.seq}`))],
      );
      // A memo is erased by dropping its ciphertext (`memo_erased`, read as 'erased'): the one change
      // the journal takes besides a rotation's (migration 1763900016700). An empty memo stays empty.
      await tx.query(
        `UPDATE journal_entry SET memo_enc = NULL, memo_erased = true WHERE tenant_id = $1 AND account_id = ANY($2) AND memo_enc IS NOT NULL`,
        [tenantId, accountIds],
      );
      // A status change's reason is erased as a memo is: the one change its row takes besides a
      // rotation's (migration 1763900019600).
      await tx.query(
        `UPDATE account_status_change SET reason_enc = NULL, reason_erased = true
          WHERE tenant_id = $1 AND account_id = ANY($2) AND reason_enc IS NOT NULL`,
        [tenantId, accountIds],
      );
      // The holds' texts are stored encrypted (no SQL can tell an erased one): each becomes 'erased', encrypted.
      await tx.query(
        `UPDATE debtor_hold SET source_enc = $3, lift_reason_enc = CASE WHEN lift_reason_enc IS NULL THEN NULL ELSE $3::bytea END
          WHERE tenant_id = $1 AND debtor_id = $2`,
        [tenantId, debtorId, erased],
      );
      // Dead letters of the debtor's records (keyed by the debtor's id or an account's): their payloads and errors.
      await this.ctx.backbone.deadLetters.erase(tx, tenantId, [debtorId, ...accountIds]);
      // The reason is the caller's free text (it may name the person): kept with the debtor, never logged.
      this.ctx.logger.info({ tenantId, debtorId }, 'debtor personal data erased (pseudonymised)');
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.DebtorUpserted',
        key: debtorId,
        tenantId,
        payload: {
          debtorId,
          timeZone: '',
          language: '',
          country: '',
          region: '',
          consentedChannels: [],
          erased: true,
        },
      });
      return { erased: true };
    });
  }

  /**
   * Overwrites with `erased` (the encrypted 'erased'), in one pass over the tenant's `table`, what
   * each of a row's encrypted `texts` erases when that text names the debtor (`patterns`,
   * PostgreSQL regular expressions: domain/erasure.ts); each text is looked at on its own. The
   * texts are decrypted here, BATCH_ROWS rows at a time in key order, and the patterns tried on
   * them by PostgreSQL, so the rule is the one it always was; a text that is absent, already
   * 'erased' or that the ledger's key cannot decrypt (said through `unreadable`) is skipped.
   */
  private async eraseNaming(
    tx: EntityManager,
    tenantId: string,
    patterns: string[],
    t: {
      table: string;
      key: [string, 'uuid' | 'int'][];
      texts: { column: string; erases: string[] }[];
      erased: Buffer;
      unreadable: () => void;
    },
  ): Promise<void> {
    const key = t.key.map(([name]) => name).join(', ');
    const columns = t.texts.map((x) => x.column);
    // One UPDATE a batch, each named row once: a column becomes `erased` where a text that erases
    // it names the debtor (`u.hit<k>`, the k-th text's), and stays as it is otherwise.
    const sets = [...new Set(t.texts.flatMap((x) => x.erases))].map((column) => {
      const namedBy = t.texts.flatMap((x, k) => (x.erases.includes(column) ? [`u.hit${k}`] : []));
      return `${column} = CASE WHEN ${namedBy.join(' OR ')} THEN $2::bytea ELSE r.${column} END`;
    });
    const keyParams = t.key.map(([, type], i) => `$${i + 3}::${type}[]`);
    const hitParams = columns.map((_, k) => `$${t.key.length + 3 + k}::bool[]`);
    const keyOf = (alias: string) => t.key.map(([name]) => `${alias}.${name}`).join(', ');
    const update = `UPDATE ${t.table} AS r SET ${sets.join(', ')}
       FROM unnest(${[...keyParams, ...hitParams].join(', ')})
         AS u (${[key, ...columns.map((_, k) => `hit${k}`)].join(', ')})
      WHERE r.tenant_id = $1 AND (${keyOf('r')}) = (${keyOf('u')})`;
    let after: unknown[] | undefined;
    for (;;) {
      const from = after ? ` AND (${key}) > (${t.key.map(([, type], i) => `$${i + 2}::${type}`).join(', ')})` : '';
      const rows = (await tx.query(
        `SELECT ${key}, ${columns.join(', ')} FROM ${t.table}
          WHERE tenant_id = $1 AND (${columns.map((c) => `${c} IS NOT NULL`).join(' OR ')})${from}
          ORDER BY ${key} LIMIT ${BATCH_ROWS}`,
        [tenantId, ...(after ?? [])],
      )) as Record<string, unknown>[];
      if (rows.length === 0) return;
      after = t.key.map(([name]) => rows[rows.length - 1][name]);
      // Row after row, each of its texts in clear (null where it has none: it names no one).
      const texts = rows.flatMap((r) => columns.map((c) => (r[c] ? this.clearOr(r[c] as Buffer, t.unreadable) : null)));
      const hits = (await tx.query(
        `SELECT u.i::int - 1 AS i FROM unnest($1::text[]) WITH ORDINALITY AS u (t, i)
          WHERE u.t <> 'erased' AND u.t ~ ANY($2::text[])`,
        [texts, patterns],
      )) as { i: number }[];
      if (hits.length === 0) continue;
      const naming = rows.map(() => columns.map(() => false));
      for (const { i } of hits) naming[Math.floor(i / columns.length)][i % columns.length] = true;
      const named = rows.flatMap((r, j) => (naming[j].includes(true) ? [{ r, hit: naming[j] }] : []));
      await tx.query(update, [
        tenantId,
        t.erased,
        ...t.key.map(([name]) => named.map(({ r }) => r[name])),
        ...columns.map((_, k) => named.map(({ hit }) => hit[k])),
      ]);
    }
  }

  /**
   * A stored value in clear, to find its copies; '' when there is none, or when it cannot be
   * decrypted (another key, said through `unreadable`): the erasure goes on without it rather than
   * not at all.
   */
  private clearOr(stored: Buffer | null, unreadable: () => void): string {
    if (!stored) return '';
    try {
      return this.cipher.decrypt(stored);
    } catch (err) {
      if (!(err instanceof PiiUnreadableError)) throw err;
      unreadable();
      return '';
    }
  }
}
