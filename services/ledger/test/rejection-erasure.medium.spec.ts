import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenericImporter } from '../src/imports/generic-importer';
import { openFundedAccount } from './support/accounts';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const HEADER =
  'record,external_ref,debtor_id,debtor_kind,debtor_name,debtor_time_zone,debtor_language,debtor_country,product,currency,credit_limit,opening_balance,opened_on,cycle,statement_date,due_date,amount_due,minimum_due,reported_status,reference,kind,amount,date';
/** A payment line of the generic format for the account `externalRef` whose currency is `currency`. */
const payment = (externalRef: string, currency: string, reference: string) =>
  `payment,${externalRef},,,,,,,,${currency},,,,,,,,,,${reference},,10.00,2026-02-20`;

const ANA = { id: 'ana-1', debtorId: 'd-ana-1', externalRef: 'crm-ana-1', nationalId: '5550001111' };
const BEA = { id: 'bea-1', debtorId: 'd-bea-1', externalRef: 'crm-bea-1', nationalId: '5550002222' };

/**
 * A rejected line's raw text and the value its reason quotes are each erased when they name the
 * erased debtor, whichever of the two does: the line of another debtor's account keeps the value
 * that names nobody erased, and the value naming a debtor is erased even where the line's text
 * was erased before (it named another debtor erased earlier).
 */
describe("EraseDebtor erases a rejected line's raw text and quoted value each where it names the debtor (real PostgreSQL)", () => {
  let api: LedgerApi;
  let jobId: string;
  const lines = {
    /** Bea's account, with Bea's national id for a currency: both texts name Bea. */
    both: payment(BEA.externalRef, BEA.nationalId, 'P-1'),
    /** Ana's account, with Bea's national id for a currency: the text names both, the value only Bea. */
    anaWithBeasValue: payment(ANA.externalRef, BEA.nationalId, 'P-2'),
    /** Bea's account with an unknown currency: only the text names Bea. */
    textOnly: payment(BEA.externalRef, 'XXX', 'P-3'),
    /** Nobody's. */
    neither: payment('crm-nadie', 'ZZZ', 'P-4'),
  };

  const report = async () =>
    (await new GenericImporter(api.sut.context).rejections(api.sut.tenant, jobId)).map((r) => [r.reason, r.raw]);

  beforeAll(async () => {
    api = await startLedgerApi();
    for (const person of [ANA, BEA])
      await openFundedAccount(api.client, api.md, { id: person.id, opening: 10_000, nationalId: person.nationalId });
    const file = join(mkdtempSync(join(tmpdir(), 'rejection-erasure-')), 'payments.csv');
    writeFileSync(file, `${HEADER}\n${Object.values(lines).join('\n')}\n`);
    jobId = (await new GenericImporter(api.sut.context).run('csv', { tenantId: api.sut.tenant, file })).jobId;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('erases the text of the line naming Ana and keeps the value in it that names only Bea', async () => {
    await api.client.eraseDebtor({ debtorId: ANA.debtorId, reason: 'data-subject request 71' }, api.md());

    expect(await report()).toEqual([
      [`unknown currency "${BEA.nationalId}"`, lines.both],
      [`unknown currency "${BEA.nationalId}"`, 'erased'],
      ['unknown currency "XXX"', lines.textOnly],
      ['unknown currency "ZZZ"', lines.neither],
    ]);
  });

  it("then erases Bea's: both texts, the value alone, the text alone; the line naming nobody stays", async () => {
    await api.client.eraseDebtor({ debtorId: BEA.debtorId, reason: 'data-subject request 72' }, api.md());

    expect(await report()).toEqual([
      ['unknown currency "erased"', 'erased'],
      ['unknown currency "erased"', 'erased'],
      ['unknown currency "XXX"', 'erased'],
      ['unknown currency "ZZZ"', lines.neither],
    ]);
  });
});
