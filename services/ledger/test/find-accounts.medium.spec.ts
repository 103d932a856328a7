import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { API_KEY_HEADER, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { ACCOUNTS_BY_DEBTOR_SQL, ACCOUNT_BY_EXTERNAL_REF_SQL } from '../src/ledger/usecases/find-accounts.usecase';
import { LedgerClient } from './support/accounts';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { DEBTOR_ROLE_PRIMARY, DEBTOR_ROLE_GUARANTOR } = ledger.DebtorRole;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodesOf = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodesOf)];

describe('FindAccounts: accounts by the integrator reference, and a debtor’s accounts (real PostgreSQL, gRPC and REST)', () => {
  let sut: ServiceUnderTest;
  let client: LedgerClient;
  let md: () => Metadata;
  let mdOther: () => Metadata;

  const debtor = (debtorId: string) =>
    ledger.Debtor.fromPartial({ debtorId, kind: 'person', displayName: 'Ana Pérez', country: 'CO', timeZone: 'UTC' });
  async function open(
    meta: () => Metadata,
    a: { id: string; ref: string; openedOn: string; debtors: ledger.AccountDebtor[]; charged: number },
  ) {
    await client.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId: a.id,
        externalRef: a.ref,
        product: ledger.Product.PRODUCT_PERSONAL_LOAN,
        currency: 'USD',
        openedOn: a.openedOn,
        timeZone: 'America/Bogota',
        debtors: a.debtors,
      }),
      meta(),
    );
    await client.postCharge(
      {
        accountId: a.id,
        kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
        amount: USD(a.charged),
        idempotencyKey: `charge-${a.id}`,
        effectiveDate: a.openedOn,
        memo: '',
      },
      meta(),
    );
  }
  const find = (request: Partial<ledger.FindAccountsRequest>, meta = md) =>
    client.findAccounts(ledger.FindAccountsRequest.fromPartial(request), meta());
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'OK',
      (e: ServiceError) => status[e.code],
    );
  const rest = async (query: string) => {
    const res = await fetch(`${sut.app.httpUrl}/v1/ledger/accounts?${query}`, {
      headers: { [API_KEY_HEADER]: sut.apiKey },
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService, new Date('2026-03-02T15:00:00Z'));
    client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    mdOther = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    for (const id of ['find-ana', 'find-luis']) await client.upsertDebtor({ debtor: debtor(id) }, md());
    // Ana owns the loan and guarantees Luis's, opened earlier.
    await open(md, {
      id: 'find-loan-ana',
      ref: 'CRM-1001',
      openedOn: '2026-01-10',
      debtors: [{ debtorId: 'find-ana', role: DEBTOR_ROLE_PRIMARY }],
      charged: 150_000,
    });
    await open(md, {
      id: 'find-loan-luis',
      ref: 'CRM-1002',
      openedOn: '2026-01-02',
      debtors: [
        { debtorId: 'find-luis', role: DEBTOR_ROLE_PRIMARY },
        { debtorId: 'find-ana', role: DEBTOR_ROLE_GUARANTOR },
      ],
      charged: 80_000,
    });
    await client.postPayment(
      {
        accountId: 'find-loan-ana',
        amount: USD(25_000),
        idempotencyKey: 'pay-find-ana',
        reference: '',
        effectiveDate: '',
      },
      md(),
    );
    // Another tenant with the same reference and the same debtor id: none of it is ours.
    await client.upsertDebtor({ debtor: debtor('find-ana') }, mdOther());
    await open(mdOther, {
      id: 'find-loan-other',
      ref: 'CRM-1001',
      openedOn: '2026-01-05',
      debtors: [{ debtorId: 'find-ana', role: DEBTOR_ROLE_PRIMARY }],
      charged: 999_000,
    });
  });
  afterAll(async () => {
    client.close();
    await sut.close();
  });

  it("finds the caller's own account by its external reference, never another tenant's with the same reference", async () => {
    expect(await find({ externalRef: 'CRM-1001' })).toEqual({
      accounts: [
        {
          accountId: 'find-loan-ana',
          externalRef: 'CRM-1001',
          product: ledger.Product.PRODUCT_PERSONAL_LOAN,
          currency: 'USD',
          status: ledger.AccountStatus.ACCOUNT_STATUS_CURRENT,
          openedOn: '2026-01-10',
          timeZone: 'America/Bogota',
          debtors: [{ debtorId: 'find-ana', role: DEBTOR_ROLE_PRIMARY }],
          balance: USD(125_000),
        },
      ],
      nextPageToken: '',
    });
    expect((await find({ externalRef: 'CRM-1001' }, mdOther)).accounts.map((a) => a.accountId)).toEqual([
      'find-loan-other',
    ]);
  });

  it('lists every account a debtor is linked to, in any role, by opening date, with the balance GetBalance answers', async () => {
    const found = await find({ debtorId: 'find-ana' });
    expect(found.accounts.map((a) => [a.accountId, a.openedOn, a.debtors])).toEqual([
      [
        'find-loan-luis',
        '2026-01-02',
        [
          { debtorId: 'find-luis', role: DEBTOR_ROLE_PRIMARY },
          { debtorId: 'find-ana', role: DEBTOR_ROLE_GUARANTOR },
        ],
      ],
      ['find-loan-ana', '2026-01-10', [{ debtorId: 'find-ana', role: DEBTOR_ROLE_PRIMARY }]],
    ]);
    for (const account of found.accounts) {
      const { balance } = await client.getBalance({ accountId: account.accountId, asOfDate: '' }, md());
      expect(account.balance).toEqual(balance);
    }
    expect(found.accounts.map((a) => a.balance)).toEqual([USD(80_000), USD(125_000)]);
    expect(found.nextPageToken).toBe('');
    // The other tenant's debtor of the same id has only its own account.
    expect((await find({ debtorId: 'find-ana' }, mdOther)).accounts.map((a) => a.accountId)).toEqual([
      'find-loan-other',
    ]);
  });

  it('answers an unknown reference or debtor with no accounts, not an error', async () => {
    expect(await find({ externalRef: 'CRM-unknown' })).toEqual({ accounts: [], nextPageToken: '' });
    expect(await find({ debtorId: 'nobody' })).toEqual({ accounts: [], nextPageToken: '' });
  });

  it('refuses both filters, neither, a page too large and a forged page token (INVALID_ARGUMENT)', async () => {
    expect(await codeOf(find({ externalRef: 'CRM-1001', debtorId: 'find-ana' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(find({}))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(find({ debtorId: 'find-ana', pageSize: 501 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(find({ debtorId: 'find-ana', pageToken: 'not-a-token' }))).toBe('INVALID_ARGUMENT');
  });

  it("pages a debtor's accounts: each account once, in order, the last page without a token", async () => {
    const first = await find({ debtorId: 'find-ana', pageSize: 1 });
    expect(first.accounts.map((a) => a.accountId)).toEqual(['find-loan-luis']);
    expect(first.nextPageToken).not.toBe('');
    const second = await find({ debtorId: 'find-ana', pageSize: 1, pageToken: first.nextPageToken });
    expect(second.accounts.map((a) => a.accountId)).toEqual(['find-loan-ana']);
    expect(second.nextPageToken).toBe('');
  });

  it('answers the same over REST: GET /v1/ledger/accounts?externalRef= or ?debtorId=, 400 for both or neither', async () => {
    const byRef = await rest('externalRef=CRM-1001');
    expect(byRef.status).toBe(200);
    expect(byRef.json).toMatchObject({
      accounts: [
        {
          accountId: 'find-loan-ana',
          externalRef: 'CRM-1001',
          debtors: [{ debtorId: 'find-ana', role: DEBTOR_ROLE_PRIMARY }],
          balance: { amountMinor: 125_000, currency: 'USD' },
        },
      ],
    });
    const byDebtor = await rest('debtorId=find-ana');
    expect(byDebtor.status).toBe(200);
    expect((byDebtor.json.accounts as { accountId: string }[]).map((a) => a.accountId)).toEqual([
      'find-loan-luis',
      'find-loan-ana',
    ]);
    expect(await rest('debtorId=nobody')).toEqual({ status: 200, json: { accounts: [], nextPageToken: '' } });
    expect((await rest('externalRef=CRM-1001&debtorId=find-ana')).status).toBe(400);
    expect((await rest('')).status).toBe(400);
  });

  it('reads by index, never scanning the accounts or the debtor links of a large tenant', async () => {
    const bulk = 'find-bulk-tenant';
    const q = (sql: string) => sut.dataSource.query(sql, [bulk, 5_000]);
    await q(`INSERT INTO debtor (tenant_id, id, kind, display_name_enc, time_zone, language, country)
             SELECT $1, 'd' || g, 'person', '\\x00', 'UTC', 'es', 'CO' FROM generate_series(1, $2::int) g`);
    await q(`INSERT INTO account (tenant_id, id, external_ref, product, currency, opened_on)
             SELECT $1, 'a' || g, 'r' || g, 1, 'USD', '2026-01-01' FROM generate_series(1, $2::int) g`);
    await q(`INSERT INTO account_debtor (tenant_id, account_id, debtor_id, role)
             SELECT $1, 'a' || g, 'd' || g, 1 FROM generate_series(1, $2::int) g`);
    await sut.dataSource.query('ANALYZE account; ANALYZE account_debtor');
    const planOf = async (sql: string, params: unknown[]) => {
      const [{ 'QUERY PLAN': explained }] = (await sut.dataSource.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)) as {
        'QUERY PLAN': { Plan: PlanNode }[];
      }[];
      return nodesOf(explained[0].Plan);
    };
    for (const nodes of [
      await planOf(ACCOUNT_BY_EXTERNAL_REF_SQL, [bulk, 'r42']),
      await planOf(ACCOUNTS_BY_DEBTOR_SQL, [bulk, 'd42', null, '', 51]),
      await planOf(ACCOUNTS_BY_DEBTOR_SQL, [bulk, 'd42', '2026-01-01', 'a1', 51]),
    ]) {
      expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name'])).toEqual([]);
    }
    expect((await planOf(ACCOUNTS_BY_DEBTOR_SQL, [bulk, 'd42', null, '', 51])).map((n) => n['Index Name'])).toContain(
      'account_debtor_by_debtor',
    );
  });
});
