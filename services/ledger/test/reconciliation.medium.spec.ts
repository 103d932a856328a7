import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger, ledgerLifecycle, reconciliation } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { configuredPiiCipher } from '../src/ledger/pii';
import { openFundedAccount } from './support/accounts';

const { StatementFileKind: Kind, ReconciliationItemStatus: Status } = reconciliation;
const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

describe('reconciliation of bank statements and gateway files (gRPC + REST, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let ledgerClient: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let client: ReturnType<typeof grpcClient<typeof reconciliation.ReconciliationServiceService>>;
  let md: () => Metadata;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    ledgerClient = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    client = grpcClient(reconciliation.ReconciliationServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    // Accounts the fixtures pay: A by its reference, B by account number and amount due,
    // C is paid an amount it does not owe (review queue), D by its account id.
    await openAccount('acct-a', 'LN-5001-0001', 100_000);
    await openAccount('acct-b', 'LN-5001-0002', 50_000);
    await ledgerClient.issueStatement(
      {
        accountId: 'acct-b',
        cycle: 1,
        statementDate: '2026-01-10',
        dueDate: '2026-02-01',
        amountDue: USD(12_000),
        minimumDue: USD(5_000),
      },
      md(),
    );
    await openAccount('acct-c', 'LN-5001-0003', 30_000);
    await openAccount('acct-d', 'LN-7002-0004', 80_000);
  });
  afterAll(async () => {
    client.close();
    ledgerClient.close();
    await sut.close();
  });

  const openAccount = (id: string, externalRef: string, opening: number) =>
    openFundedAccount(ledgerClient, md, { id, externalRef, opening, product: ledger.Product.PRODUCT_PERSONAL_LOAN });

  const balanceOf = async (id: string) =>
    (await ledgerClient.getBalance({ accountId: id, asOfDate: '' }, md())).balance!.amountMinor;
  const balances = async () =>
    Object.fromEntries(
      await Promise.all(['acct-a', 'acct-b', 'acct-c', 'acct-d'].map(async (id) => [id, await balanceOf(id)])),
    );
  const rowCounts = async () =>
    (
      await sut.dataSource.query(`SELECT (SELECT count(*) FROM ledger.recon_file)::int AS files,
        (SELECT count(*) FROM ledger.recon_item)::int AS items, (SELECT count(*) FROM ledger.journal_entry)::int AS entries,
        (SELECT count(*) FROM ledger.outbox)::int AS events`)
    )[0] as { files: number; items: number; entries: number; events: number };
  const importFile = (name: string, kind: reconciliation.StatementFileKind) =>
    client.importStatement({ content: fixture(name), kind, name }, md());
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => status.OK,
      (err: ServiceError) => err.code,
    );

  let camtFileId = '';
  let csvFileId = '';

  it('posts the camt.053 credits it can match, by reference and by account number and amount, and queues the rest', async () => {
    const before = await balances();
    const summary = await importFile('camt053-001-02.xml', Kind.STATEMENT_FILE_KIND_CAMT053);
    expect(summary).toMatchObject({
      alreadyImported: false,
      matched: 2,
      unmatched: 1,
      posted: 2,
      ignored: 2,
      rejected: 0,
    });
    expect(summary.errors).toEqual([]);
    camtFileId = summary.fileId;
    // Balances move by exactly the matched credits: 250.00 to A (reference), 120.00 to B (number + amount due).
    expect(await balances()).toEqual({
      ...before,
      'acct-a': before['acct-a'] - 25_000,
      'acct-b': before['acct-b'] - 12_000,
    });
    const history = await ledgerClient.getAccountHistory({ accountId: 'acct-a' }, md());
    expect(history.entries.filter((e) => e.kind === ledger.EntryKind.ENTRY_KIND_PAYMENT)).toEqual([
      expect.objectContaining({ amount: USD(25_000), effectiveDate: '2026-03-01' }),
    ]);
    const events = (await sut.dataSource.query(
      `SELECT key FROM ledger.outbox WHERE headers->>'ce_type' = 'collections.ledger.v1.PaymentPosted' ORDER BY id`,
    )) as { key: string }[];
    expect(events.map((e) => e.key)).toEqual(['acct-a', 'acct-b']);
  });

  it('changes nothing when the same statement is imported again, and answers with the first result', async () => {
    const before = { balances: await balances(), rows: await rowCounts() };
    const again = await importFile('camt053-001-02.xml', Kind.STATEMENT_FILE_KIND_CAMT053);
    expect(again).toMatchObject({ fileId: camtFileId, alreadyImported: true, matched: 2, unmatched: 1, posted: 2 });
    expect({ balances: await balances(), rows: await rowCounts() }).toEqual(before);
  });

  it('imports a bank CSV: matched by account id, a number with the wrong amount queued, the debit recorded only', async () => {
    const before = await balances();
    const summary = await importFile('bank-statement.csv', Kind.STATEMENT_FILE_KIND_BANK_CSV);
    expect(summary).toMatchObject({ matched: 1, unmatched: 1, posted: 1, ignored: 1, rejected: 0 });
    csvFileId = summary.fileId;
    expect(await balances()).toEqual({ ...before, 'acct-d': before['acct-d'] - 15_000 });
    const file = await client.getFile({ fileId: csvFileId }, md());
    expect(file).toMatchObject({ kind: Kind.STATEMENT_FILE_KIND_BANK_CSV, name: 'bank-statement.csv', totalItems: 3 });
    expect(file).toMatchObject({ matched: 1, unmatched: 1, resolved: 0, ignored: 1 });
  });

  it('lists the unmatched credits for review, with the reason and the payer account masked', async () => {
    const page = await client.listUnmatched({ pageSize: 1, pageToken: '', fileId: '' }, md());
    expect(page.items).toEqual([
      expect.objectContaining({
        fileId: camtFileId,
        entryIndex: 3,
        path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]',
        amount: USD(7_770),
        reference: 'transferencia',
        counterpartyAccountMasked: '****6789',
        status: Status.RECONCILIATION_ITEM_STATUS_UNMATCHED,
        reason: 'no account reference or account number in the payment reference',
      }),
    ]);
    const next = await client.listUnmatched({ pageSize: 1, pageToken: page.nextPageToken, fileId: '' }, md());
    expect(next.items).toEqual([
      expect.objectContaining({
        fileId: csvFileId,
        line: 3,
        amount: USD(4_550),
        counterpartyAccountMasked: '****9876',
        reason: 'the reference carries an account number but the amount is not within tolerance of what it owes',
      }),
    ]);
    expect(next.nextPageToken).toBe('');
  });

  it('posts a resolved item once: resolving it again gives the same answer and the balance moves once', async () => {
    const [item] = (await client.listUnmatched({ pageSize: 10, pageToken: '', fileId: csvFileId }, md())).items;
    const before = await balanceOf('acct-c');
    const first = await client.resolveItem({ itemId: item.itemId, accountId: 'acct-c', ignoreReason: '' }, md());
    expect(first.replayed).toBe(false);
    expect(first.item).toMatchObject({ status: Status.RECONCILIATION_ITEM_STATUS_RESOLVED, accountId: 'acct-c' });
    expect(first.item!.paymentId).not.toBe('');
    const second = await client.resolveItem({ itemId: item.itemId, accountId: 'acct-c', ignoreReason: '' }, md());
    expect(second).toEqual({ ...first, replayed: true });
    expect(await balanceOf('acct-c')).toBe(before - 4_550);
    expect(await codeOf(client.resolveItem({ itemId: item.itemId, accountId: 'acct-a', ignoreReason: '' }, md()))).toBe(
      status.ABORTED,
    );
    expect(await client.getFile({ fileId: csvFileId }, md())).toMatchObject({ unmatched: 0, resolved: 1 });
  });

  it('ignores an unmatched credit with a reason, over REST, and the review queue empties', async () => {
    const headers = { 'x-api-key': sut.apiKey, 'content-type': 'application/json' };
    const queue = (await (
      await fetch(`${sut.app.httpUrl}/v1/ledger/reconciliation/items/unmatched`, { headers })
    ).json()) as { items: { itemId: string }[] };
    expect(queue.items).toHaveLength(1);
    const res = await fetch(`${sut.app.httpUrl}/v1/ledger/reconciliation/items/${queue.items[0].itemId}/resolution`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ignoreReason: 'refund of a supplier, not a debtor payment' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      item: { status: Status.RECONCILIATION_ITEM_STATUS_IGNORED, reason: 'refund of a supplier, not a debtor payment' },
    });
    expect((await client.listUnmatched({ pageSize: 10, pageToken: '', fileId: '' }, md())).items).toEqual([]);
  });

  it('imports a camt.053.001.08 statement sent raw over REST', async () => {
    const before = await balanceOf('acct-d');
    const res = await fetch(`${sut.app.httpUrl}/v1/ledger/reconciliation/files?kind=camt053&name=camt053-001-08.xml`, {
      method: 'POST',
      headers: { 'x-api-key': sut.apiKey, 'content-type': 'application/xml' },
      body: fixture('camt053-001-08.xml'),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ matched: 1, posted: 1, unmatched: 0 });
    expect(await balanceOf('acct-d')).toBe(before - 30_000);
  });

  it('refuses a camt.053 that does not validate with the XML path and reason, and writes nothing', async () => {
    const before = { balances: await balances(), rows: await rowCounts() };
    const summary = await importFile('camt053-invalid.xml', Kind.STATEMENT_FILE_KIND_CAMT053);
    expect(summary).toMatchObject({ fileId: '', alreadyImported: false, matched: 0, posted: 0, rejected: 5 });
    expect(summary.errors).toContainEqual({
      line: 0,
      path: '/Document/BkToCstmrStmt/GrpHdr/MsgId',
      reason: 'required element is missing',
    });
    expect(summary.errors).toContainEqual({
      line: 0,
      path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt/@Ccy',
      reason: 'required currency attribute is missing',
    });
    expect({ balances: await balances(), rows: await rowCounts() }).toEqual(before);
  });

  it('reports each bad CSV line by number, and imports none of the file', async () => {
    const before = { balances: await balances(), rows: await rowCounts() };
    const summary = await importFile('bank-statement-bad.csv', Kind.STATEMENT_FILE_KIND_BANK_CSV);
    expect(summary).toMatchObject({ fileId: '', rejected: 2, matched: 0 });
    expect(summary.errors).toEqual([
      { line: 3, path: '', reason: 'amount "12,50" is not a decimal like 1234.56 (no sign, no grouping)' },
      { line: 4, path: '', reason: 'booking_date "2026-13-01" is not a date YYYY-MM-DD' },
    ]);
    expect({ balances: await balances(), rows: await rowCounts() }).toEqual(before);
  });

  it("keeps one tenant's files and review queue out of another tenant's sight", async () => {
    const other = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    expect(await codeOf(client.getFile({ fileId: camtFileId }, other()))).toBe(status.NOT_FOUND);
    expect((await client.listUnmatched({ pageSize: 10, pageToken: '', fileId: '' }, other())).items).toEqual([]);
    // The same content is a new file for another tenant (whose accounts it does not name).
    const summary = await client.importStatement(
      { content: fixture('gateway-settlement.csv'), kind: Kind.STATEMENT_FILE_KIND_GATEWAY_CSV, name: 'g.csv' },
      other(),
    );
    expect(summary).toMatchObject({ alreadyImported: false, matched: 0, unmatched: 1, ignored: 2 });
  });

  it('holds back a transaction already imported in another file (overlapping statements) instead of paying it twice', async () => {
    const before = await balances();
    const summary = await importFile('bank-statement-overlap.csv', Kind.STATEMENT_FILE_KIND_BANK_CSV);
    expect(summary).toMatchObject({ alreadyImported: false, matched: 1, unmatched: 1, posted: 1 });
    expect(await balances()).toEqual({ ...before, 'acct-a': before['acct-a'] - 6_000 });
    const [held] = (await client.listUnmatched({ pageSize: 10, pageToken: '', fileId: summary.fileId }, md())).items;
    expect(held).toMatchObject({ bankReference: 'BNK-0001', amount: USD(15_000) });
    expect(held.reason).toBe(
      `possible duplicate: entry 1 of file bank-statement.csv (${csvFileId}) has the same bank reference and amount`,
    );
  });
  it('matches a line against what the earlier lines of the same file left owing', async () => {
    await openAccount('acct-f', 'LN-8003-0006', 30_000);
    // 100.00 by reference, then 200.00 naming only the account number: 200.00 is what the account
    // owes once the first line is posted (300.00 before it, and nothing past due).
    const csv = [
      'booking_date,value_date,amount,currency,reference,counterparty_account,bank_reference',
      '2026-03-02,2026-03-02,100.00,USD,Pago acct-f,CO11112222333366,BNK-0200',
      '2026-03-02,2026-03-02,200.00,USD,Abono credito 80030006,CO11112222333366,BNK-0201',
    ].join('\n');
    const summary = await client.importStatement(
      { content: Buffer.from(csv), kind: Kind.STATEMENT_FILE_KIND_BANK_CSV, name: 'two-lines-one-account.csv' },
      md(),
    );
    expect(summary).toMatchObject({ matched: 2, unmatched: 0, posted: 2, rejected: 0 });
    expect(await balanceOf('acct-f')).toBe(0);
    const items = (await sut.dataSource.query(
      `SELECT entry_index, status, match_rule, matched_account_id FROM ledger.recon_item WHERE file_id = $1 ORDER BY seq`,
      [summary.fileId],
    )) as { entry_index: number; status: string; match_rule: string; matched_account_id: string }[];
    expect(items.map((i) => [i.status, i.match_rule, i.matched_account_id])).toEqual([
      ['matched', 'reference', 'acct-f'],
      ['matched', 'account_number_amount', 'acct-f'],
    ]);
  });

  it('queues a credit matched to a closed account instead of failing the file, and posts the rest', async () => {
    await openAccount('acct-e', 'LN-5001-0005', 20_000);
    await ledgerClient.postPayment(
      { accountId: 'acct-e', amount: USD(20_000), idempotencyKey: 'payoff-e', reference: '', effectiveDate: '' },
      md(),
    );
    const lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, sut.app.grpcAddress);
    await lifecycle.closeAccount({ accountId: 'acct-e', reason: 'paid' }, md());
    lifecycle.close();
    const before = await balances();
    const csv = [
      'booking_date,value_date,amount,currency,reference,counterparty_account,bank_reference',
      '2026-03-02,2026-03-02,50.00,USD,Pago acct-e,CO11112222333344,BNK-0100',
      '2026-03-02,2026-03-02,10.00,USD,Pago acct-d,CO11112222333355,BNK-0101',
    ].join('\n');
    const summary = await client.importStatement(
      { content: Buffer.from(csv), kind: Kind.STATEMENT_FILE_KIND_BANK_CSV, name: 'after-closure.csv' },
      md(),
    );
    expect(summary).toMatchObject({ matched: 1, unmatched: 1, posted: 1, rejected: 0 });
    expect(await balances()).toEqual({ ...before, 'acct-d': before['acct-d'] - 1_000 });
    const [held] = (await client.listUnmatched({ pageSize: 10, pageToken: '', fileId: summary.fileId }, md())).items;
    expect(held).toMatchObject({ bankReference: 'BNK-0100', amount: USD(5_000) });
    expect(held.reason).toMatch(/^matched acct-e but not posted: account acct-e is closed/);
  });
  it('queues a credit value-dated after tomorrow instead of posting it ahead of its date', async () => {
    await openAccount('acct-g', 'LN-5001-0007', 40_000);
    // The clock: 2026-03-02, 10:00 in Bogotá. A value date of tomorrow posts; next week waits for a person.
    const csv = [
      'booking_date,value_date,amount,currency,reference,counterparty_account,bank_reference',
      '2026-03-02,2026-03-09,70.00,USD,Pago acct-g,CO11112222333377,BNK-0300',
      '2026-03-02,2026-03-03,30.00,USD,Pago acct-g,CO11112222333377,BNK-0301',
    ].join('\n');
    const summary = await client.importStatement(
      { content: Buffer.from(csv), kind: Kind.STATEMENT_FILE_KIND_BANK_CSV, name: 'forward-valued.csv' },
      md(),
    );
    expect(summary).toMatchObject({ matched: 1, unmatched: 1, posted: 1, rejected: 0 });
    // Posted with its value date: in the balance from tomorrow on.
    const asOf = async (asOfDate: string) =>
      (await ledgerClient.getBalance({ accountId: 'acct-g', asOfDate }, md())).balance!.amountMinor;
    expect([await asOf('2026-03-02'), await asOf('2026-03-03')]).toEqual([40_000, 40_000 - 3_000]);
    const [held] = (await client.listUnmatched({ pageSize: 10, pageToken: '', fileId: summary.fileId }, md())).items;
    expect(held).toMatchObject({ bankReference: 'BNK-0300', valueDate: '2026-03-09' });
    expect(held.reason).toMatch(/^matched acct-g but not posted: effective_date 2026-03-09 is too far in the future/);
  });

  it("erases the payer's bank account from the items matched to an erased debtor's accounts, and no other", async () => {
    // Stored encrypted (migration 1763900017710), read with the service's key.
    const payerOf = async (accountId: string) =>
      (
        (await sut.dataSource.query(
          `SELECT counterparty_account_enc FROM ledger.recon_item WHERE matched_account_id = $1 ORDER BY seq`,
          [accountId],
        )) as { counterparty_account_enc: Buffer }[]
      ).map((r) => configuredPiiCipher().decrypt(r.counterparty_account_enc));
    expect(await payerOf('acct-f')).toEqual(['CO11112222333366', 'CO11112222333366']);
    await ledgerClient.eraseDebtor({ debtorId: 'd-acct-f', reason: 'data-subject request 7' }, md());
    expect(await payerOf('acct-f')).toEqual(['erased', 'erased']);
    expect(await payerOf('acct-g')).toEqual(['CO11112222333377']);
  });
});
