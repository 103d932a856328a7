import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ledger, reconciliation } from '@collections/contracts';
import { createLogger, grpcClient } from '@collections/platform';
import { columnsHolding } from '@collections/testing';
import { GenericImporter } from '../src/imports/generic-importer';
import { openFundedAccount } from './support/accounts';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const { StatementFileKind: Kind } = reconciliation;

/** The payer, as their bank wrote them: in the remittance text, and their account. */
const PAYER = { name: 'Rocío Remesa Quintero', nationalId: '79123456', iban: 'CO44000012345678901234' };
const REMITTANCE = `Pago cuota de ${PAYER.name} cc ${PAYER.nationalId}`;

/** A camt.053 statement with one credit the ledger cannot match: it waits in the review queue. */
const CAMT053 = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-REMESA</MsgId><CreDtTm>2026-03-02T07:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-REMESA</Id>
      <CreDtTm>2026-03-02T07:00:00+01:00</CreDtTm>
      <Acct><Id><Othr><Id>0532013000</Id></Othr></Id></Acct>
      <Ntry>
        <Amt Ccy="USD">75.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-03-02</Dt></BookgDt>
        <ValDt><Dt>2026-03-02</Dt></ValDt>
        <AcctSvcrRef>REMESA-TX-1</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <RltdPties><DbtrAcct><Id><IBAN>${PAYER.iban}</IBAN></Id></DbtrAcct></RltdPties>
          <RmtInf><Ustrd>${REMITTANCE}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;

const GENERIC_HEADER =
  'record,external_ref,debtor_id,debtor_kind,debtor_name,debtor_time_zone,debtor_language,debtor_country,product,currency,credit_limit,opening_balance,opened_on,cycle,statement_date,due_date,amount_due,minimum_due,reported_status,reference,kind,amount,date';
/** A payment line of an account nobody opened, naming the payer: quarantined whole. */
const REJECTED_LINE = `payment,crm-nadie,,,,,,,,USD,,,,,,,,,,pago de ${PAYER.name} tel 3017778899,,100.00,2026-02-20`;

/**
 * What a bank wrote about a payer — the remittance text of a camt.053 or CSV statement line and the
 * payer's account — and the raw text of a rejected import line are stored encrypted (migration
 * 1763900017710): a backup, a replica or a `SELECT` shows none of them; the review queue and the
 * importer answer them as they were read; an erasure still finds the debtor in them; and no log
 * line carries them.
 */
describe("bank statements' remittance texts and rejected import lines are encrypted at rest (real PostgreSQL)", () => {
  let api: LedgerApi;
  let recon: ReturnType<typeof grpcClient<typeof reconciliation.ReconciliationServiceService>>;
  let log = '';
  let jobId = '';
  let fileId = '';

  beforeAll(async () => {
    api = await startLedgerApi();
    // Every line the service logs from here on, at every level.
    api.sut.context.logger = createLogger({
      service: 'ledger',
      level: 'trace',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          log += chunk.toString('utf8');
          done();
        },
      }),
    });
    recon = grpcClient(reconciliation.ReconciliationServiceService, api.sut.app.grpcAddress);
    // The payer is a debtor of the ledger, under another account than the bank line says.
    await openFundedAccount(api.client, api.md, { id: 'rq-1', opening: 50_000, nationalId: PAYER.nationalId });
    await api.client.upsertDebtor(
      {
        debtor: ledger.Debtor.fromPartial({
          debtorId: 'd-rq-1',
          kind: 'person',
          displayName: PAYER.name,
          country: 'CO',
          timeZone: 'America/Bogota',
          nationalId: PAYER.nationalId,
        }),
      },
      api.md(),
    );
    const summary = await recon.importStatement(
      { content: Buffer.from(CAMT053), kind: Kind.STATEMENT_FILE_KIND_CAMT053, name: 'remesa.xml' },
      api.md(),
    );
    expect(summary).toMatchObject({ matched: 0, unmatched: 1, rejected: 0, errors: [] });
    fileId = summary.fileId;
    const file = join(mkdtempSync(join(tmpdir(), 'bank-texts-')), 'portfolio.csv');
    writeFileSync(file, `${GENERIC_HEADER}\n${REJECTED_LINE}\n`);
    const job = await new GenericImporter(api.sut.context).run('csv', { tenantId: api.sut.tenant, file });
    expect(job).toMatchObject({ status: 'completed', rejectedRows: 1 });
    jobId = job.jobId;
  });
  afterAll(async () => {
    recon?.close();
    await api?.close();
  });

  it("keeps no copy of the payer's remittance text, bank account or rejected line in any column", async () => {
    const placesHolding = (needle: string) => columnsHolding(api.sut.dataSource, needle);
    expect({
      remittance: await placesHolding('Pago cuota de'),
      account: await placesHolding(PAYER.iban),
      name: await placesHolding(PAYER.name),
      phone: await placesHolding('3017778899'),
    }).toEqual({ remittance: [], account: [], name: [], phone: [] });
  });

  it('answers the remittance text as the bank wrote it in the review queue, and the payer’s account masked', async () => {
    const { items } = await recon.listUnmatched({ pageSize: 10, pageToken: '', fileId }, api.md());
    expect(items.map((i) => [i.reference, i.counterpartyAccountMasked, i.bankReference])).toEqual([
      [REMITTANCE, '****1234', 'REMESA-TX-1'],
    ]);
  });

  it('answers the rejected line as it was read', async () => {
    expect(await new GenericImporter(api.sut.context).rejections(api.sut.tenant, jobId)).toEqual([
      { lineNo: 2, reason: expect.stringContaining('unknown account') as string, raw: REJECTED_LINE },
    ]);
  });

  it('still finds the debtor in them when they are erased, and no log line carries them', async () => {
    await api.client.eraseDebtor({ debtorId: 'd-rq-1', reason: 'data-subject request 31' }, api.md());
    const { items } = await recon.listUnmatched({ pageSize: 10, pageToken: '', fileId }, api.md());
    expect(items.map((i) => [i.reference, i.counterpartyAccountMasked])).toEqual([['erased', '****ased']]);
    expect((await new GenericImporter(api.sut.context).rejections(api.sut.tenant, jobId)).map((r) => r.raw)).toEqual([
      'erased',
    ]);
    expect(log).toContain('debtor personal data erased');
    for (const text of [PAYER.name, PAYER.iban, PAYER.nationalId, '3017778899', 'Pago cuota'])
      expect(log).not.toContain(text);
  });
});
