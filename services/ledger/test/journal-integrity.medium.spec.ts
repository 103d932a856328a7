import { randomUUID } from 'node:crypto';
import { ledger } from '@collections/contracts';
import { grpcClient, loadConfig, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, sqlFailure, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src';
import { PiiCipher, piiKeyConfig } from '../src/ledger/pii';
import { LedgerClient, openFundedAccount } from './support/accounts';

/** The keys the service under test runs with (LEDGER_PII_KEY, else the development key). */
const serviceKeys = loadConfig({ piiKey: piiKeyConfig() }).piiKey;
const serviceCipher = new PiiCipher(serviceKeys);

/**
 * What the database itself guarantees about the books, whatever code writes to them: every
 * journal line has its entry, every entry and statement its account (checked per statement,
 * migration 1763900011900), and none of those parents can go away or change its key afterwards.
 */
describe('journal integrity in the database (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: LedgerClient;
  let accountId: string;
  let entryId: string;
  const md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    accountId = await openFundedAccount(client, md, { id: `acct-${randomUUID().slice(0, 8)}`, opening: 50_000 });
    const posted = await client.postPayment(
      {
        accountId,
        amount: { amountMinor: 10_000, currency: 'USD' },
        idempotencyKey: 'pay-1',
        reference: 'r',
        effectiveDate: '',
      },
      md(),
    );
    entryId = posted.paymentId;
  });
  afterAll(async () => {
    client.close();
    await sut.close();
  });

  /** Runs SQL in the service's schema; resolves to the error PostgreSQL raised, or undefined. */
  const failure = (sql: string, params: unknown[] = []) => sqlFailure(sut.dataSource, sql, params);
  const count = async (sql: string, params: unknown[]) =>
    ((await sut.dataSource.query(sql, params)) as { n: number }[])[0].n;
  const entryColumns = `tenant_id, id, account_id, kind, amount_minor, currency, effective_date, posted_at, idempotency_key`;

  it('refuses a journal line without its entry, and the whole statement with it', async () => {
    const stray = randomUUID();
    const refused = await failure(
      `INSERT INTO journal_line (tenant_id, entry_id, line_no, ledger_account, debit_minor, credit_minor)
       VALUES ($1, $2, 9, 'cash', 1, 0), ($1, $3, 1, 'cash', 1, 0)`,
      [sut.tenant, entryId, stray],
    );
    expect(refused?.code).toBe('23503');
    expect(refused?.message).toContain('journal_line row references journal_entry');
    expect(refused?.message).toContain(stray);
    // The valid row of the statement did not stay either.
    expect(
      await count(`SELECT count(*)::int AS n FROM journal_line WHERE entry_id = $1 AND line_no = 9`, [entryId]),
    ).toBe(0);
  });

  it('refuses entries and statements of an account that does not exist, and of another tenant', async () => {
    const entry = (account: string, tenant = sut.tenant) =>
      failure(
        `INSERT INTO journal_entry (${entryColumns}) VALUES ($1, $2, $3, 1, 100, 'USD', '2026-03-01', now(), $4)`,
        [tenant, randomUUID(), account, `k-${randomUUID()}`],
      );
    expect((await entry('no-such-account'))?.code).toBe('23503');
    expect((await entry(accountId, 'another-tenant'))?.code).toBe('23503');
    const statement = await failure(
      `INSERT INTO statement (tenant_id, account_id, cycle, statement_date, due_date, amount_due_minor, minimum_due_minor)
       VALUES ($1, 'no-such-account', 1, '2026-03-01', '2026-03-20', 100, 10)`,
      [sut.tenant],
    );
    expect(statement?.code).toBe('23503');
    expect(statement?.message).toContain('statement row references account');
  });

  it('takes an entry with its lines, in one statement or in two of one transaction', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    expect(
      await failure(
        `WITH e AS (INSERT INTO journal_entry (${entryColumns})
                    VALUES ($1, $2, $3, 1, 100, 'USD', '2026-03-01', now(), $4) RETURNING tenant_id, id)
         INSERT INTO journal_line (tenant_id, entry_id, line_no, ledger_account, debit_minor, credit_minor)
         SELECT tenant_id, id, 1, 'receivable', 100, 0 FROM e UNION ALL SELECT tenant_id, id, 2, 'revenue', 0, 100 FROM e`,
        [sut.tenant, a, accountId, `k-${a}`],
      ),
    ).toBeUndefined();
    await sut.dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO journal_entry (${entryColumns}) VALUES ($1, $2, $3, 1, 100, 'USD', '2026-03-01', now(), $4)`,
        [sut.tenant, b, accountId, `k-${b}`],
      );
      await tx.query(
        `INSERT INTO journal_line (tenant_id, entry_id, line_no, ledger_account, debit_minor, credit_minor)
         VALUES ($1, $2, 1, 'receivable', 100, 0), ($1, $2, 2, 'revenue', 0, 100)`,
        [sut.tenant, b],
      );
    });
    expect(await count(`SELECT count(*)::int AS n FROM journal_line WHERE entry_id = ANY($1)`, [[a, b]])).toBe(4);
  });

  it("lets an entry's memo be erased (EraseDebtor) and nothing else about it change, nor the memo become another text", async () => {
    const immutable = 'the journal is immutable';
    // Memos are stored encrypted (migration 1763900016700): erased, no ciphertext is kept.
    const entry = () =>
      sut.dataSource.query(`SELECT amount_minor, memo_enc, memo_erased FROM journal_entry WHERE id = $1`, [
        entryId,
      ]) as Promise<unknown[]>;
    const before = await entry();
    expect(
      (
        await failure(`UPDATE journal_entry SET memo_enc = $2 WHERE id = $1`, [
          entryId,
          serviceCipher.encrypt('another text'),
        ])
      )?.message,
    ).toContain(immutable);
    expect(
      (
        await failure(
          `UPDATE journal_entry SET memo_enc = NULL, memo_erased = true, amount_minor = amount_minor + 1 WHERE id = $1`,
          [entryId],
        )
      )?.message,
    ).toContain(immutable);
    expect(await entry()).toEqual(before);
    expect(
      await failure(`UPDATE journal_entry SET memo_enc = NULL, memo_erased = true WHERE id = $1`, [entryId]),
    ).toBeUndefined();
    expect(await entry()).toEqual([{ ...(before[0] as object), memo_erased: true }]);
  });

  it('lets a memo be re-encrypted under another key (the key rotation), never rewritten under the same one', async () => {
    const immutable = 'the journal is immutable';
    const other = await openFundedAccount(client, md, { id: `acct-${randomUUID().slice(0, 8)}`, opening: 1_000 });
    const charged = await client.postCharge(
      {
        accountId: other,
        kind: ledger.EntryKind.ENTRY_KIND_FEE,
        amount: { amountMinor: 100, currency: 'USD' },
        idempotencyKey: 'fee-memo',
        effectiveDate: '',
        memo: 'cargo acordado',
      },
      md(),
    );
    const rewrite = (memo: Buffer) =>
      failure(`UPDATE journal_entry SET memo_enc = $2 WHERE id = $1`, [charged.entryId, memo]);
    expect((await rewrite(serviceCipher.encrypt('otro texto')))?.message).toContain(immutable);
    const rotated = new PiiCipher([{ id: 'k2099', secret: 'the-ledger-key-after-the-rotation-2099' }, ...serviceKeys]);
    expect(await rewrite(rotated.encrypt('cargo acordado'))).toBeUndefined();
  });

  it('keeps the journal immutable and accounts undeletable, so no reference can break later', async () => {
    const immutable = 'the journal is immutable';
    expect((await failure(`UPDATE journal_entry SET amount_minor = 1 WHERE id = $1`, [entryId]))?.message).toContain(
      immutable,
    );
    expect((await failure(`DELETE FROM journal_line WHERE entry_id = $1`, [entryId]))?.message).toContain(immutable);
    expect((await failure(`DELETE FROM journal_entry WHERE id = $1`, [entryId]))?.message).toContain(immutable);
    expect((await failure(`TRUNCATE journal_line`))?.message).toContain(immutable);
    expect((await failure(`DELETE FROM account WHERE id = $1`, [accountId]))?.message).toContain('never deleted');
    expect((await failure(`UPDATE account SET id = 'renamed' WHERE id = $1`, [accountId]))?.message).toContain(
      'keeps its tenant and id',
    );
    // Everything else about an account still moves.
    expect(await failure(`UPDATE account SET credit_limit_minor = 1 WHERE id = $1`, [accountId])).toBeUndefined();
    const balance = await client.getBalance({ accountId, asOfDate: '' }, md());
    expect(balance.balance).toEqual({ amountMinor: 40_000, currency: 'USD' });
  });
});
