import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { GenericImporter } from '../src/imports/generic-importer';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

/**
 * Node's ICU and PostgreSQL carry their own tzdata, which can differ by version. No real zone
 * differs between this machine's two (Node 20's ICU 2025c and PostgreSQL's system tzdata 2025b), so
 * this runtime is made to know one more zone, `Mars/Olympus`, that PostgreSQL really refuses
 * (`time zone "Mars/Olympus" not recognized`): as a Node newer than its database would.
 */
jest.mock('@collections/platform', () => {
  const actual = jest.requireActual<typeof import('@collections/platform')>('@collections/platform');
  return {
    ...actual,
    canonicalTimeZone: (zone: string) =>
      zone.toLowerCase() === 'mars/olympus' ? 'Mars/Olympus' : actual.canonicalTimeZone(zone),
  };
});

describe('the ledger refuses a time zone its database does not know (real PostgreSQL)', () => {
  let api: LedgerApi;

  beforeAll(async () => {
    api = await startLedgerApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const putDebtor = async (debtorId: string, timeZone: string) => {
    const res = await fetch(`${api.sut.app.httpUrl}/v1/ledger/debtors/${debtorId}`, {
      method: 'PUT',
      headers: { [API_KEY_HEADER]: api.sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'person', displayName: 'Ana', country: 'CO', timeZone }),
    });
    return { status: res.status, message: ((await res.json()) as { message?: string }).message };
  };
  const rows = async (sql: string, params: unknown[]) =>
    Number(((await api.sut.dataSource.query(sql, params)) as { n: number }[])[0].n);

  it('refuses the debtor with 400 naming debtor.time_zone, and stores nothing', async () => {
    expect(await putDebtor('d-mars', 'Mars/Olympus')).toEqual({
      status: 400,
      message: expect.stringMatching(/^debtor\.time_zone "Mars\/Olympus" .*database/),
    });
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.debtor WHERE id = $1`, ['d-mars'])).toBe(0);
  });

  it('refuses the account with INVALID_ARGUMENT naming time_zone, and opens nothing', async () => {
    expect((await putDebtor('d-earth', 'America/Bogota')).status).toBe(200);
    const refused = await api.client
      .openAccount(
        ledger.OpenAccountRequest.fromPartial({
          accountId: 'acct-mars',
          externalRef: 'crm-acct-mars',
          product: ledger.Product.PRODUCT_CREDIT_CARD,
          currency: 'USD',
          openedOn: '2026-01-01',
          timeZone: 'mars/olympus',
          debtors: [{ debtorId: 'd-earth', role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
        }),
        api.md(),
      )
      .then(
        () => ({ code: status.OK, details: '' }),
        (err: ServiceError) => ({ code: err.code, details: err.details }),
      );
    expect(refused).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^time_zone /) });
    expect(await rows(`SELECT count(*)::int AS n FROM ledger.account WHERE id = $1`, ['acct-mars'])).toBe(0);
  });

  it("rejects an imported account's line naming debtor_time_zone, and imports the file's other lines", async () => {
    const tenantId = api.sut.tenant;
    const file = join(mkdtempSync(join(tmpdir(), 'tz-import-')), 'portfolio.ndjson');
    const account = (ref: string, zone: string) =>
      JSON.stringify({
        record: 'account',
        external_ref: ref,
        debtor_id: `D-${ref}`,
        debtor_kind: 'person',
        debtor_name: 'Ana',
        debtor_country: 'CO',
        debtor_time_zone: zone,
        product: 'credit_card',
        currency: 'USD',
        credit_limit: '500.00',
        opening_balance: '100.00',
        opened_on: '2025-01-01',
      });
    writeFileSync(file, `${account('TZ-EARTH', 'America/Bogota')}\n${account('TZ-MARS', 'Mars/Olympus')}\n`);
    const importer = new GenericImporter(api.sut.context);
    const job = await importer.run('ndjson', { tenantId, file });
    expect((await importer.rejections(tenantId, job.jobId)).map((r) => [r.lineNo, r.reason])).toEqual([
      [2, expect.stringMatching(/^debtor_time_zone "Mars\/Olympus" .*database/)],
    ]);
    const refs = (await api.sut.dataSource.query(
      `SELECT external_ref FROM ledger.account WHERE tenant_id = $1 AND external_ref LIKE 'TZ-%' ORDER BY 1`,
      [tenantId],
    )) as { external_ref: string }[];
    expect(refs.map((r) => r.external_ref)).toEqual(['TZ-EARTH']);
  });
});
