import { ledger } from '@collections/contracts';
import { AppError, canonicalTimeZone, isCurrencyCode, localDate, money } from '@collections/platform';
import { DatabaseTimeZones, ServiceContext } from '@collections/runtime';
import { validDate } from '../balance-view';
import { debtorUpserted } from '../debtor-upserted';
import { lockDebtorsToLink } from '../debtor-links';
import { DAYS_AHEAD_OF_TODAY, DUE_DAYS_AHEAD_OF_TODAY, openedOnProblem, tooFarAhead } from '../domain/dates';
import { validInconvenientTimes } from '../domain/contact-preferences';
import { refuseErased } from '../domain/erasure';
import { isLanguageTag } from '../domain/language';
import { PiiCipher } from '../pii';
import { requireLedgerText } from '../text-limits';

const CHANNELS = new Set(['call', 'sms', 'whatsapp', 'email', 'letter', 'visit']);
const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The statement's `cycle` column is an integer. */
const MAX_CYCLE = 2_147_483_647;

/** Refuses `date` (a valid calendar date) when it is more than `daysAhead` days after `today`. */
function notTooFarAhead(field: string, date: string, today: string, daysAhead: number): void {
  const problem = tooFarAhead(field, date, today, daysAhead);
  if (problem) throw AppError.invalid(problem, { [field]: date });
}

/** Debtors and accounts: validated when the command is built, then written with their events. */
export class AccountsUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly cipher: PiiCipher,
    private readonly databaseZones = DatabaseTimeZones.of(ctx.dataSource),
  ) {}

  /**
   * An IANA time zone, in its canonical spelling (`america/bogota` is stored as `America/Bogota`),
   * that both this runtime and PostgreSQL know: every service computes local days with it, some in
   * SQL (`AT TIME ZONE`), where a zone PostgreSQL's tzdata lacks would fail every query reading it.
   */
  private async validTimeZone(zone: string, field: string): Promise<string> {
    const canonical = canonicalTimeZone(zone);
    if (!canonical) throw AppError.invalid(`${field} "${zone}" is not an IANA time zone`);
    if (!(await this.databaseZones.knows(canonical)))
      throw AppError.invalid(`${field} "${zone}" is not a time zone the ledger's database knows`);
    return canonical;
  }

  async upsertDebtor(tenantId: string, d: ledger.Debtor | undefined): Promise<ledger.UpsertDebtorResponse> {
    if (!d?.debtorId) throw AppError.invalid('debtor.debtor_id is required');
    requireLedgerText(
      {
        debtor_id: d.debtorId,
        display_name: d.displayName,
        national_id: d.nationalId,
        time_zone: d.timeZone,
        language: d.language,
        region: d.region,
      },
      'debtor.',
    );
    d.contactPoints.forEach((c, i) => requireLedgerText({ value: c.value }, `contact_points[${i}].`));
    if (d.kind !== 'person' && d.kind !== 'company')
      throw AppError.invalid('debtor.kind must be "person" or "company"');
    if (!d.displayName) throw AppError.invalid('debtor.display_name is required');
    if (!/^[A-Z]{2}$/.test(d.country)) throw AppError.invalid('debtor.country must be an ISO 3166 alpha-2 code');
    if (d.language && !isLanguageTag(d.language))
      throw AppError.invalid('debtor.language must be a BCP 47 language tag (es, pt-BR), or empty when unknown', {
        language: d.language,
      });
    const timeZone = await this.validTimeZone(d.timeZone || 'UTC', 'debtor.time_zone');
    d.contactPoints.forEach((c, i) => {
      if (c.type === 'phone' && !E164.test(c.value))
        throw AppError.invalid(`contact_points[${i}]: a phone must be E.164 (+573001234567)`);
      if (c.type === 'email' && !EMAIL.test(c.value))
        throw AppError.invalid(`contact_points[${i}]: not an email address`);
      if (!['phone', 'email', 'address'].includes(c.type))
        throw AppError.invalid(`contact_points[${i}].type must be phone, email or address`);
      const unknown = c.consentedChannels.filter((ch) => !CHANNELS.has(ch));
      if (unknown.length) throw AppError.invalid(`contact_points[${i}]: unknown channels ${unknown.join(', ')}`);
    });
    // Absent (a client that predates them, e.g. a CRM sync): the times on record stay.
    const given = d.contactPreferences != null; // the gRPC loader writes an absent message as null
    // Stored and published as given, but each window's channels once and in order.
    const times = validInconvenientTimes(
      d.contactPreferences?.inconvenientTimes ?? [],
      'debtor.contact_preferences.inconvenient_times',
    );
    return this.ctx.dataSource.transaction(async (tx) => {
      const [row] = (await tx.query(
        `INSERT INTO debtor (tenant_id, id, kind, display_name_enc, national_id_enc, time_zone, language, country, region,
                             inconvenient_times)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id, id) DO UPDATE SET kind = EXCLUDED.kind, display_name_enc = EXCLUDED.display_name_enc,
           national_id_enc = coalesce(EXCLUDED.national_id_enc, debtor.national_id_enc), time_zone = EXCLUDED.time_zone,
           language = EXCLUDED.language, country = EXCLUDED.country, region = EXCLUDED.region,
           inconvenient_times = CASE WHEN $11 THEN EXCLUDED.inconvenient_times ELSE debtor.inconvenient_times END,
           updated_at = now()
         WHERE debtor.erased_at IS NULL
         RETURNING (xmax = 0) AS created, inconvenient_times`,
        [
          tenantId,
          d.debtorId,
          d.kind,
          this.cipher.encrypt(d.displayName),
          d.nationalId ? this.cipher.encrypt(d.nationalId) : null,
          timeZone,
          d.language ?? '', // '' when not given: unknown, never guessed (the orchestrator falls back on the country)
          d.country,
          d.region,
          JSON.stringify(times),
          given,
        ],
      )) as { created: boolean; inconvenient_times: ledger.InconvenientTime[] }[];
      // No row: the debtor is on record and erased (the row is locked, left as it is). Writing the
      // personal data again and publishing the debtor would bring the person back to the
      // orchestrator, which forgot them: a sync that still has them is refused, nothing written.
      if (!row) throw refuseErased(d.debtorId, 'its personal data is not written again');
      // A contact point given without the workplace flag keeps the one on record for the same
      // type and value (a client that predates the flag must not clear what an agent recorded).
      const flagged = new Set<string>();
      for (const p of (await tx.query(
        `SELECT type, value_enc FROM contact_point WHERE tenant_id = $1 AND debtor_id = $2 AND workplace_forbidden`,
        [tenantId, d.debtorId],
      )) as { type: string; value_enc: Buffer }[])
        flagged.add(`${p.type}:${this.cipher.decrypt(p.value_enc)}`);
      const workplaceForbidden = d.contactPoints.map(
        (c) => c.workplaceForbidden ?? flagged.has(`${c.type}:${c.value}`),
      );
      await tx.query(`DELETE FROM contact_point WHERE tenant_id = $1 AND debtor_id = $2`, [tenantId, d.debtorId]);
      for (const [i, c] of d.contactPoints.entries()) {
        await tx.query(
          `INSERT INTO contact_point (tenant_id, debtor_id, seq, type, value_enc, verified, consented_channels, workplace_forbidden)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            tenantId,
            d.debtorId,
            i + 1,
            c.type,
            this.cipher.encrypt(c.value),
            c.verified,
            c.consentedChannels,
            workplaceForbidden[i],
          ],
        );
      }
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.DebtorUpserted',
        key: d.debtorId,
        tenantId,
        payload: debtorUpserted(
          { debtorId: d.debtorId, timeZone, language: d.language ?? '', country: d.country, region: d.region },
          d.contactPoints.map((c, i) => ({
            type: c.type,
            consentedChannels: c.consentedChannels,
            workplaceForbidden: workplaceForbidden[i],
          })),
          row.inconvenient_times,
        ),
      });
      return { debtorId: d.debtorId, created: row.created };
    });
  }

  async openAccount(tenantId: string, r: ledger.OpenAccountRequest): Promise<ledger.OpenAccountResponse> {
    if (!r.accountId) throw AppError.invalid('account_id is required');
    if (!r.externalRef) throw AppError.invalid('external_ref is required');
    requireLedgerText({ account_id: r.accountId, external_ref: r.externalRef, time_zone: r.timeZone });
    if (!isCurrencyCode(r.currency)) throw AppError.invalid(`currency "${r.currency}" is not an ISO 4217 code`);
    if (!(r.product > 0) || !ledger.Product[r.product]) throw AppError.invalid('product must be a Product');
    money(r.creditLimitMinor, r.currency);
    if (r.creditLimitMinor < 0) throw AppError.invalid('credit_limit_minor cannot be negative');
    const openedOn = validDate(r.openedOn, 'opened_on');
    const timeZone = await this.validTimeZone(r.timeZone || 'UTC', 'time_zone');
    // Opened by tomorrow in the account's time zone (as anything that happens on it), not before 1900.
    const openedOnInvalid = openedOnProblem(openedOn, localDate(this.ctx.clock.now(), timeZone));
    if (openedOnInvalid) throw AppError.invalid(openedOnInvalid, { opened_on: openedOn });
    if (r.debtors.length === 0) throw AppError.invalid('an account needs at least one debtor');
    r.debtors.forEach((d, i) => {
      if (!d.debtorId) throw AppError.invalid(`debtors[${i}].debtor_id is required`);
      requireLedgerText({ debtor_id: d.debtorId }, `debtors[${i}].`);
      if (d.role !== 0 && !(d.role > 0 && ledger.DebtorRole[d.role]))
        throw AppError.invalid(`debtors[${i}].role must be a DebtorRole`);
      if (r.debtors.findIndex((e) => e.debtorId === d.debtorId) !== i)
        throw AppError.invalid(`debtors[${i}]: debtor ${d.debtorId} is listed twice`);
    });
    return this.ctx.dataSource.transaction(async (tx) => {
      const [byRef] = (await tx.query(`SELECT id FROM account WHERE tenant_id = $1 AND external_ref = $2`, [
        tenantId,
        r.externalRef,
      ])) as {
        id: string;
      }[];
      if (byRef && byRef.id !== r.accountId) {
        throw AppError.conflict(`external_ref ${r.externalRef} already belongs to account ${byRef.id}`);
      }
      if (byRef) return { accountId: r.accountId, created: false };
      // Shared locks: an erasure (or an upsert) of a listed debtor waits for the account, or the
      // account for it, so no account is linked to a debtor erased in between.
      const known = await lockDebtorsToLink(
        tx,
        tenantId,
        r.debtors.map((d) => d.debtorId),
      );
      const missing = r.debtors.map((d) => d.debtorId).filter((id) => !known.some((k) => k.id === id));
      if (missing.length) throw AppError.invalid(`unknown debtors: ${missing.join(', ')}`);
      // A new account is a new relationship: not with an erased person's record.
      const erased = known.find((k) => k.erased);
      if (erased) throw refuseErased(erased.id, 'no account is opened for it');
      const inserted = (await tx.query(
        `INSERT INTO account (tenant_id, id, external_ref, product, currency, credit_limit_minor, opened_on, time_zone)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id`,
        [tenantId, r.accountId, r.externalRef, r.product, r.currency, r.creditLimitMinor, openedOn, timeZone],
      )) as unknown[];
      if (inserted.length === 0)
        throw AppError.conflict(`account ${r.accountId} already exists with another external_ref`);
      for (const d of r.debtors) {
        await tx.query(`INSERT INTO account_debtor (tenant_id, account_id, debtor_id, role) VALUES ($1, $2, $3, $4)`, [
          tenantId,
          r.accountId,
          d.debtorId,
          d.role || ledger.DebtorRole.DEBTOR_ROLE_PRIMARY,
        ]);
      }
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.AccountOpened',
        key: r.accountId,
        tenantId,
        payload: { ...r, openedOn, timeZone },
      });
      return { accountId: r.accountId, created: true };
    });
  }

  async issueStatement(tenantId: string, r: ledger.IssueStatementRequest): Promise<ledger.IssueStatementResponse> {
    if (!r.accountId) throw AppError.invalid('account_id is required');
    if (!Number.isInteger(r.cycle) || r.cycle < 1 || r.cycle > MAX_CYCLE)
      throw AppError.invalid(`cycle must be an integer from 1 to ${MAX_CYCLE}`);
    const statementDate = validDate(r.statementDate, 'statement_date');
    const dueDate = validDate(r.dueDate, 'due_date');
    if (dueDate < statementDate) throw AppError.invalid('due_date cannot be before statement_date');
    if (!r.amountDue || !r.minimumDue) throw AppError.invalid('amount_due and minimum_due are required');
    const amountDue = money(r.amountDue.amountMinor, r.amountDue.currency);
    const minimumDue = money(r.minimumDue.amountMinor, r.minimumDue.currency);
    if (minimumDue.amountMinor < 0) throw AppError.invalid('minimum_due cannot be negative');
    // A credit statement (negative amount due, a credit balance) asks for nothing.
    if (minimumDue.currency === amountDue.currency && minimumDue.amountMinor > Math.max(amountDue.amountMinor, 0)) {
      throw AppError.invalid(
        amountDue.amountMinor > 0
          ? 'minimum_due cannot be more than amount_due'
          : 'minimum_due must be zero when amount_due is zero or negative (a credit balance)',
        { minimumDue, amountDue },
      );
    }
    return this.ctx.dataSource.transaction(async (tx) => {
      const [account] = (await tx.query(`SELECT currency, time_zone FROM account WHERE tenant_id = $1 AND id = $2`, [
        tenantId,
        r.accountId,
      ])) as {
        currency: string;
        time_zone: string;
      }[];
      if (!account) throw AppError.notFound(`account ${r.accountId} does not exist`);
      if (amountDue.currency !== account.currency.trim() || minimumDue.currency !== account.currency.trim()) {
        throw AppError.invalid(`statement currency differs from the account currency ${account.currency.trim()}`);
      }
      // Issued by today (tomorrow at the latest, as postings), due within a year of today.
      const today = localDate(this.ctx.clock.now(), account.time_zone);
      notTooFarAhead('statement_date', statementDate, today, DAYS_AHEAD_OF_TODAY);
      notTooFarAhead('due_date', dueDate, today, DUE_DAYS_AHEAD_OF_TODAY);
      const rows = (await tx.query(
        `INSERT INTO statement (tenant_id, account_id, cycle, statement_date, due_date, amount_due_minor, minimum_due_minor)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING cycle`,
        [tenantId, r.accountId, r.cycle, statementDate, dueDate, amountDue.amountMinor, minimumDue.amountMinor],
      )) as unknown[];
      if (rows.length === 1) {
        await this.ctx.backbone.outbox.add(tx, {
          type: 'collections.ledger.v1.StatementIssued',
          key: r.accountId,
          tenantId,
          payload: {
            accountId: r.accountId,
            cycle: r.cycle,
            statementDate,
            dueDate,
            amountDue,
            minimumDue,
            hasReportedStatus: false,
            reportedStatus: 0,
          },
        });
      }
      return { created: rows.length === 1 };
    });
  }
}
