import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { EventType, ledger, ledgerLifecycle, reconciliation } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, scrapeSeries, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import {
  UNMATCHED_CREDITS_METRIC,
  UNMATCHED_RETURNS_AMOUNT_METRIC,
  UNMATCHED_RETURNS_METRIC,
} from '../src/reconciliation/reconciliation-metrics';
import { openFundedAccount } from './support/accounts';
import { outboxEventsOf } from './support/outbox';

const { StatementFileKind: Kind, ReconciliationItemStatus: Status } = reconciliation;
const { ACCOUNT_STATUS_CLOSED, ACCOUNT_STATUS_CURRENT } = ledger.AccountStatus;

const GATEWAY_HEADER = 'id,type,amount,fee,net,currency,reference,created';

/** A camt.053.001.02 statement of these entries (booked on 2026-03-02). */
function camt(id: string, entries: string[]): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>${id}</MsgId><CreDtTm>2026-03-02T06:00:00Z</CreDtTm></GrpHdr>
    <Stmt>
      <Id>${id}</Id>
      <CreDtTm>2026-03-02T06:00:00Z</CreDtTm>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>USD</Ccy></Acct>
      ${entries.join('\n')}
    </Stmt>
  </BkToCstmrStmt>
</Document>`);
}

/** A booked credit paying `reference`, sent with this EndToEndId. */
const credit = (bankRef: string, amount: string, endToEndId: string, reference: string) => `
      <Ntry>
        <Amt Ccy="USD">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>${bankRef}</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><EndToEndId>${endToEndId}</EndToEndId></Refs><RmtInf><Ustrd>${reference}</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>`;

/** The bank's return of the credit sent with this EndToEndId: a booked debit, reversal, reason AM04. */
const returned = (bankRef: string, amount: string, endToEndId: string) => `
      <Ntry>
        <Amt Ccy="USD">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>${bankRef}</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>${endToEndId}</EndToEndId></Refs>
          <RtrInf><Rsn><Cd>AM04</Cd></Rsn><AddtlInf>insufficient funds</AddtlInf></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>`;

/**
 * Returns in reconciliation files: a bank's return of a credit (camt.053) and a gateway's
 * chargeback take back the payment of the credit they name, through the ledger's reversal, once;
 * one that names no posted credit waits for a person, who cannot assign it as a payment.
 */
describe('returns and chargebacks in bank and gateway files reverse the payment they take back (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let ledgerClient: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let lifecycle: ReturnType<typeof grpcClient<typeof ledgerLifecycle.LedgerLifecycleServiceService>>;
  let client: ReturnType<typeof grpcClient<typeof reconciliation.ReconciliationServiceService>>;
  let md: () => Metadata;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    ledgerClient = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, sut.app.grpcAddress);
    client = grpcClient(reconciliation.ReconciliationServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  });
  afterAll(async () => {
    client.close();
    lifecycle.close();
    ledgerClient.close();
    await sut.close();
  });

  const open = (id: string, externalRef: string, opening: number) =>
    openFundedAccount(ledgerClient, md, { id, externalRef, opening, product: ledger.Product.PRODUCT_PERSONAL_LOAN });
  const balanceOf = async (id: string) =>
    (await ledgerClient.getBalance({ accountId: id, asOfDate: '' }, md())).balance!.amountMinor;
  const importFile = (content: Buffer | string, kind: reconciliation.StatementFileKind, name: string) =>
    client.importStatement({ content: Buffer.from(content), kind, name }, md());
  const itemsOf = async (fileId: string) =>
    (await sut.dataSource.query(
      `SELECT entry_index, direction, status, match_rule, matched_account_id, posted_payment_id, reason
         FROM ledger.recon_item WHERE file_id = $1 ORDER BY seq`,
      [fileId],
    )) as {
      entry_index: number;
      direction: string;
      status: string;
      match_rule: string | null;
      matched_account_id: string | null;
      posted_payment_id: string | null;
      reason: string;
    }[];
  const eventsOf = <T extends EventType>(accountId: string, type: T) => outboxEventsOf(sut, accountId, type);
  const unmatchedOf = async (fileId: string) =>
    (await client.listUnmatched({ pageSize: 10, pageToken: '', fileId }, md())).items;

  it('reverses the charge a gateway chargeback names, once, and answers a re-import with the first result', async () => {
    await open('gw-a', 'LN-6001-0001', 50_000);
    const charges = await importFile(
      [GATEWAY_HEADER, 'ch_1001,charge,99.90,3.20,96.70,USD,LN-6001-0001,2026-03-01T14:05:00Z'].join('\n'),
      Kind.STATEMENT_FILE_KIND_GATEWAY_CSV,
      'gateway-0301.csv',
    );
    expect(charges).toMatchObject({ matched: 1, posted: 1, reversed: 0 });
    expect(await balanceOf('gw-a')).toBe(50_000 - 9_990);
    const [charged] = await itemsOf(charges.fileId);

    const disputes = [GATEWAY_HEADER, 'dp_2001,chargeback,-99.90,15.00,-114.90,USD,ch_1001,2026-03-05T09:00:00Z'].join(
      '\n',
    );
    const summary = await importFile(disputes, Kind.STATEMENT_FILE_KIND_GATEWAY_CSV, 'gateway-0305.csv');
    expect(summary).toMatchObject({ matched: 1, unmatched: 0, ignored: 0, posted: 0, reversed: 1, rejected: 0 });
    expect(await balanceOf('gw-a')).toBe(50_000);
    expect(await client.getFile({ fileId: summary.fileId }, md())).toMatchObject({
      totalItems: 1,
      matched: 1,
      unmatched: 0,
      reversed: 1,
    });
    const [chargeback] = await itemsOf(summary.fileId);
    expect(chargeback).toMatchObject({
      direction: 'debit',
      status: 'matched',
      match_rule: 'return',
      matched_account_id: 'gw-a',
      reason: `a return of payment ${charged.posted_payment_id}: reversed (chargeback)`,
    });
    expect(await eventsOf('gw-a', 'collections.ledger.v1.PaymentReversed')).toEqual([
      {
        entryId: chargeback.posted_payment_id,
        paymentId: charged.posted_payment_id,
        accountId: 'gw-a',
        amount: { amountMinor: 9_990, currency: 'USD' },
        reason: 'chargeback',
      },
    ]);

    const again = await importFile(disputes, Kind.STATEMENT_FILE_KIND_GATEWAY_CSV, 'gateway-0305-again.csv');
    expect(again).toMatchObject({ fileId: summary.fileId, alreadyImported: true, matched: 1, reversed: 1 });
    expect(await balanceOf('gw-a')).toBe(50_000);
    expect(await eventsOf('gw-a', 'collections.ledger.v1.PaymentReversed')).toHaveLength(1);
  });

  it("reverses a bank's return of a credit by its EndToEndId, reopening the account the credit had closed", async () => {
    await open('bk-a', 'LN-6002-0001', 25_000);
    const paid = await importFile(
      camt('STMT-0302', [credit('BANK-RT-1', '250.00', 'E2E-6002-1', 'Pago LN-6002-0001')]),
      Kind.STATEMENT_FILE_KIND_CAMT053,
      'stmt-0302.xml',
    );
    expect(paid).toMatchObject({ matched: 1, posted: 1 });
    await lifecycle.closeAccount({ accountId: 'bk-a', reason: 'paid in full' }, md());

    const summary = await importFile(
      camt('STMT-0306', [returned('BANK-RT-2', '250.00', 'E2E-6002-1')]),
      Kind.STATEMENT_FILE_KIND_CAMT053,
      'stmt-0306.xml',
    );
    expect(summary).toMatchObject({ matched: 1, unmatched: 0, reversed: 1 });
    const [item] = await itemsOf(summary.fileId);
    expect(item).toMatchObject({ status: 'matched', matched_account_id: 'bk-a' });
    expect(item.reason).toMatch(/^a return \(AM04\) of payment [0-9a-f-]{36}: reversed \(nsf\)$/);
    expect(await balanceOf('bk-a')).toBe(25_000);
    expect((await lifecycle.getAccountStatus({ accountId: 'bk-a' }, md())).status).toBe(ACCOUNT_STATUS_CURRENT);
    expect(await eventsOf('bk-a', 'collections.ledger.v1.AccountReopened')).toMatchObject([
      { entryId: item.posted_payment_id, previousStatus: ACCOUNT_STATUS_CLOSED, balanceAfter: { amountMinor: 25_000 } },
    ]);
  });

  it('takes back a credit returned in the same file; the same return in an overlapping statement waits for a person', async () => {
    await open('bk-b', 'LN-6003-0001', 40_000);
    const summary = await importFile(
      camt('STMT-0307', [
        credit('BANK-RT-3', '100.00', 'E2E-6003-1', 'Pago LN-6003-0001'),
        returned('BANK-RT-4', '100.00', 'E2E-6003-1'),
      ]),
      Kind.STATEMENT_FILE_KIND_CAMT053,
      'stmt-0307.xml',
    );
    expect(summary).toMatchObject({ matched: 2, posted: 1, reversed: 1, unmatched: 0 });
    expect(await balanceOf('bk-b')).toBe(40_000);

    // An overlapping statement carries the return again: the payment is reversed already.
    const overlap = await importFile(
      camt('STMT-0307-B', [returned('BANK-RT-4', '100.00', 'E2E-6003-1')]),
      Kind.STATEMENT_FILE_KIND_CAMT053,
      'stmt-0307-overlap.xml',
    );
    expect(overlap).toMatchObject({ matched: 0, unmatched: 1, reversed: 0 });
    const [held] = await unmatchedOf(overlap.fileId);
    expect(held).toMatchObject({ credit: false, status: Status.RECONCILIATION_ITEM_STATUS_UNMATCHED });
    expect(held.reason).toMatch(/^a return \(AM04\) of payment [0-9a-f-]{36} of bk-b, not reversed: .*already/);
    expect(await balanceOf('bk-b')).toBe(40_000);
  });

  it('queues a return that names no posted credit, which a person ignores and cannot assign as a payment', async () => {
    await open('bk-c', 'LN-6004-0001', 30_000);
    const before = await balanceOf('bk-c');
    const summary = await importFile(
      [
        GATEWAY_HEADER,
        'dp_3001,chargeback,-20.00,15.00,-35.00,USD,ch_unknown,2026-03-05T09:00:00Z',
        'dp_3002,chargeback,-20.00,15.00,-35.00,USD,,2026-03-05T09:05:00Z',
      ].join('\n'),
      Kind.STATEMENT_FILE_KIND_GATEWAY_CSV,
      'gateway-unknown.csv',
    );
    expect(summary).toMatchObject({ matched: 0, unmatched: 2, reversed: 0, posted: 0 });
    const held = await unmatchedOf(summary.fileId);
    expect(held.map((i) => i.reason)).toEqual([
      'a return of a credit no imported file shows posted: if its payment was posted otherwise, reverse it with ReversePayment, then ignore this item',
      'a return of a credit no imported file shows posted: if its payment was posted otherwise, reverse it with ReversePayment, then ignore this item',
    ]);

    const refused = await client
      .resolveItem({ itemId: held[0].itemId, accountId: 'bk-c', ignoreReason: '' }, md())
      .catch((e: ServiceError) => e);
    expect((refused as ServiceError).code).toBe(status.FAILED_PRECONDITION);
    expect((refused as ServiceError).details).toMatch(/is a return \(money out\), not a payment to assign/);
    expect(await balanceOf('bk-c')).toBe(before);

    // Waiting returns have their own figures, apart from the unmatched credits (none here).
    const scrape = async (metric: string) =>
      (await scrapeSeries(sut.app.httpUrl, metric, ['tenant_id', 'currency']))[`${sut.tenant} USD`];
    const waiting = (await client.listUnmatched({ pageSize: 100, pageToken: '', fileId: '' }, md())).items;
    const returnsWaiting = waiting.filter((i) => !i.credit);
    expect(returnsWaiting.length).toBeGreaterThanOrEqual(2);
    expect(await scrape(UNMATCHED_RETURNS_METRIC)).toBe(returnsWaiting.length);
    expect(await scrape(UNMATCHED_RETURNS_AMOUNT_METRIC)).toBe(
      returnsWaiting.reduce((sum, i) => sum + Number(i.amount!.amountMinor), 0),
    );
    expect(await scrape(UNMATCHED_CREDITS_METRIC)).toBeUndefined();

    const ignored = await client.resolveItem(
      { itemId: held[0].itemId, accountId: '', ignoreReason: 'disputed charge of another processor' },
      md(),
    );
    expect(ignored.item?.status).toBe(Status.RECONCILIATION_ITEM_STATUS_IGNORED);
    expect((await unmatchedOf(summary.fileId)).map((i) => i.itemId)).toEqual([held[1].itemId]);
    expect(await scrape(UNMATCHED_RETURNS_METRIC)).toBe(returnsWaiting.length - 1);
  });

  it('leaves a payment a person reversed already alone, and says so', async () => {
    await open('gw-b', 'LN-6005-0001', 60_000);
    const charges = await importFile(
      [GATEWAY_HEADER, 'ch_4001,charge,45.00,1.50,43.50,USD,LN-6005-0001,2026-03-01T10:00:00Z'].join('\n'),
      Kind.STATEMENT_FILE_KIND_GATEWAY_CSV,
      'gateway-4001.csv',
    );
    const [charged] = await itemsOf(charges.fileId);
    await ledgerClient.reversePayment(
      { paymentId: charged.posted_payment_id!, reason: 'chargeback', idempotencyKey: 'by-hand-4001' },
      md(),
    );
    const summary = await importFile(
      [GATEWAY_HEADER, 'dp_4002,chargeback,-45.00,15.00,-60.00,USD,ch_4001,2026-03-04T10:00:00Z'].join('\n'),
      Kind.STATEMENT_FILE_KIND_GATEWAY_CSV,
      'gateway-4002.csv',
    );
    expect(summary).toMatchObject({ matched: 0, unmatched: 1, reversed: 0 });
    const [held] = await unmatchedOf(summary.fileId);
    expect(held.reason).toBe(
      `a return of payment ${charged.posted_payment_id} of gw-b, not reversed: payment ${charged.posted_payment_id} was already reversed by entry ${
        (await eventsOf('gw-b', 'collections.ledger.v1.PaymentReversed'))[0].entryId
      }`,
    );
    expect(await balanceOf('gw-b')).toBe(60_000);
  });
});
