import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reconciliation } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, scrapeSeries, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import {
  UNMATCHED_AMOUNT_METRIC,
  UNMATCHED_CREDITS_METRIC,
  UNMATCHED_OLDEST_METRIC,
} from '../src/reconciliation/reconciliation-metrics';

const { StatementFileKind: Kind } = reconciliation;
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

/**
 * Unapplied cash as an operator reads it in Prometheus: the credits of bank and gateway files the
 * ledger matched to no account, waiting in the review queue, by tenant and currency, scraped from
 * the ledger's /metrics; checked against the queue the reviewers see (ListUnmatched).
 */
describe('unmatched bank credits in the ledger’s /metrics (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof reconciliation.ReconciliationServiceService>>;
  const md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  const other = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });

  beforeAll(async () => {
    // No accounts: every credit of the files is matched to none and waits for review.
    sut = await startServiceUnderTest(ledgerService);
    client = grpcClient(reconciliation.ReconciliationServiceService, sut.app.grpcAddress);
  });
  afterAll(async () => {
    client.close();
    await sut?.close();
  });

  /** The three gauges, as `metric tenant currency` → value. */
  const scrape = async () => {
    const all: Record<string, number> = {};
    for (const metric of [UNMATCHED_CREDITS_METRIC, UNMATCHED_AMOUNT_METRIC, UNMATCHED_OLDEST_METRIC])
      for (const [labels, value] of Object.entries(
        await scrapeSeries(sut.app.httpUrl, metric, ['tenant_id', 'currency']),
      ))
        all[`${metric} ${labels}`] = value;
    return all;
  };
  /** What the reviewers' queue holds, in the gauges' terms, for the tenant and currency. */
  const fromQueue = async (tenant: string, meta = md()) => {
    const items = (await client.listUnmatched({ pageSize: 100, pageToken: '', fileId: '' }, meta)).items;
    const usd = items.filter((i) => i.credit && i.amount!.currency === 'USD');
    const oldest = usd.map((i) => i.valueDate).sort()[0];
    return {
      [`${UNMATCHED_CREDITS_METRIC} ${tenant} USD`]: usd.length,
      [`${UNMATCHED_AMOUNT_METRIC} ${tenant} USD`]: usd.reduce((sum, i) => sum + Number(i.amount!.amountMinor), 0),
      ...(oldest ? { [`${UNMATCHED_OLDEST_METRIC} ${tenant} USD`]: Date.parse(`${oldest}T00:00:00Z`) / 1000 } : {}),
    };
  };
  const ofTenant = (series: Record<string, number>, tenant: string) =>
    Object.fromEntries(Object.entries(series).filter(([k]) => k.split(' ')[1] === tenant));

  it('exports nothing before any file, then the credits a statement could not match, their sum and the oldest value date', async () => {
    expect(await scrape()).toEqual({});
    const summary = await client.importStatement(
      { content: fixture('camt053-001-02.xml'), kind: Kind.STATEMENT_FILE_KIND_CAMT053, name: 'camt.xml' },
      md(),
    );
    expect(summary.unmatched).toBeGreaterThan(1);
    const queue = await fromQueue(sut.tenant);
    expect(queue[`${UNMATCHED_CREDITS_METRIC} ${sut.tenant} USD`]).toBe(summary.unmatched);
    expect(await scrape()).toEqual(queue);
  });

  it('follows the review: an ignored credit leaves the figures, and an emptied queue reads 0 with no oldest date', async () => {
    const items = (await client.listUnmatched({ pageSize: 100, pageToken: '', fileId: '' }, md())).items;
    const oldestFirst = [...items].sort((a, b) => a.valueDate.localeCompare(b.valueDate));
    await client.resolveItem(
      { itemId: oldestFirst[0].itemId, accountId: '', ignoreReason: 'refund to a supplier' },
      md(),
    );
    expect(await scrape()).toEqual(await fromQueue(sut.tenant));
    expect((await scrape())[`${UNMATCHED_CREDITS_METRIC} ${sut.tenant} USD`]).toBe(items.length - 1);

    for (const item of oldestFirst.slice(1))
      await client.resolveItem({ itemId: item.itemId, accountId: '', ignoreReason: 'not a debtor payment' }, md());
    expect(await scrape()).toEqual({
      [`${UNMATCHED_CREDITS_METRIC} ${sut.tenant} USD`]: 0,
      [`${UNMATCHED_AMOUNT_METRIC} ${sut.tenant} USD`]: 0,
    });
  });

  it("keeps each tenant's queue under its own label", async () => {
    const before = ofTenant(await scrape(), sut.tenant);
    await client.importStatement(
      { content: fixture('bank-statement.csv'), kind: Kind.STATEMENT_FILE_KIND_BANK_CSV, name: 'bank.csv' },
      other(),
    );
    const after = await scrape();
    expect(ofTenant(after, sut.tenant)).toEqual(before);
    const otherTenants = [...new Set(Object.keys(after).map((k) => k.split(' ')[1]))].filter((t) => t !== sut.tenant);
    expect(otherTenants).toHaveLength(1);
    expect(ofTenant(after, otherTenants[0])).toEqual(await fromQueue(otherTenants[0], other()));
  });
});
