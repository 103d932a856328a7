import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger } from '@collections/contracts';
import { ServiceUnderTest, columnsHolding } from '@collections/testing';
import { GenericImporter } from '../src/imports/generic-importer';
import { erasurePatterns } from '../src/ledger/domain/erasure';
import { memoOf } from '../src/ledger/ledger.repository';
import { configuredPiiCipher } from '../src/ledger/pii';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const HEADER =
  'record,external_ref,debtor_id,debtor_kind,debtor_name,debtor_time_zone,debtor_language,debtor_country,product,currency,credit_limit,opening_balance,opened_on,cycle,statement_date,due_date,amount_due,minimum_due,reported_status,reference,kind,amount,date';
/** A payment line of the generic format whose reference opens a quote it never closes: quarantined whole. */
const unclosed = (text: string) => `payment,X-1,,,,,,,,USD,,,,,,,,,,"${text},,10.00,2026-02-01`;
const MALFORMED = 'malformed CSV: a quoted field is not closed on this line';

/** A person in Bogotá with a national id, an e-mail and a mobile, and a card account `acct-<n>` (external ref `crm-<n>`). */
function person(n: string, name: string, nationalId: string, phone: string) {
  return { n, debtorId: `d-${n}`, accountId: `acct-${n}`, name, nationalId, email: `${n}.mail@example.co`, phone };
}

describe('EraseDebtor reaches every copy of the debtor in the ledger (gRPC, real import, real PostgreSQL)', () => {
  let api: LedgerApi;
  let sut: ServiceUnderTest;
  let client: LedgerApi['client'];
  let md: LedgerApi['md'];
  const erased = person('olvido', 'Ana Olvido Pérez', '1020304050', '+573001119001');
  const kept = person('sigue', 'Berta Sigue Ruiz', '9080706050', '+573001119002');
  let exportedBefore: ledger.ExportDebtorResponse;
  let jobId: string;

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;

  /** Where in the service's database `needle` is held, in any letter case (`schema.table.column`). */
  const placesHolding = (needle: string) => columnsHolding(sut.dataSource, needle);

  /** The rejected lines as the importer answers them (their raw text stored encrypted, migration 1763900017710). */
  const rejected = async () =>
    (await new GenericImporter(sut.context).rejections(sut.tenant, jobId)).map((r) => ({
      line_no: r.lineNo,
      reason: r.reason,
      raw: r.raw,
    }));
  /** The journal's memos as stored (encrypted, migration 1763900016700), read with the service's key. */
  const memos = async (accountId: string) =>
    (
      await q<{ kind: number; amount_minor: string; memo_enc: Buffer | null; memo_erased: boolean }>(
        `SELECT kind, amount_minor, memo_enc, memo_erased FROM ledger.journal_entry WHERE account_id = $1 ORDER BY seq`,
        [accountId],
      )
    ).map(({ memo_enc, memo_erased, ...e }) => ({
      ...e,
      memo: memoOf(configuredPiiCipher(), { memo_enc, memo_erased }),
    }));

  async function onboard(p: ReturnType<typeof person>) {
    await client.upsertDebtor(
      {
        debtor: ledger.Debtor.fromPartial({
          debtorId: p.debtorId,
          kind: 'person',
          displayName: p.name,
          nationalId: p.nationalId,
          country: 'CO',
          timeZone: 'America/Bogota',
          contactPoints: [
            { type: 'email', value: p.email, verified: true, consentedChannels: ['email'] },
            { type: 'phone', value: p.phone, verified: true, consentedChannels: ['sms'] },
          ],
        }),
      },
      md(),
    );
    await client.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId: p.accountId,
        externalRef: `crm-${p.n}`,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        openedOn: '2026-01-01',
        timeZone: 'America/Bogota',
        debtors: [{ debtorId: p.debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      }),
      md(),
    );
    const charge = (kind: ledger.EntryKind, amountMinor: number, key: string, memo: string) =>
      client.postCharge(
        {
          accountId: p.accountId,
          kind,
          amount: { amountMinor, currency: 'USD' },
          idempotencyKey: key,
          effectiveDate: '2026-01-05',
          memo,
        },
        md(),
      );
    await charge(ledger.EntryKind.ENTRY_KIND_CHARGE, 40_000, `open-${p.n}`, '');
    // An agent's memo naming the person, with their e-mail.
    await charge(ledger.EntryKind.ENTRY_KIND_FEE, 1_500, `fee-${p.n}`, `cargo acordado con ${p.name} (${p.email})`);
    await client.postPayment(
      {
        accountId: p.accountId,
        amount: { amountMinor: 5_000, currency: 'USD' },
        idempotencyKey: `pay-${p.n}`,
        reference: 'BNK-1',
        effectiveDate: '',
      },
      md(),
    );
    const hold = await client.setHold(
      {
        debtorId: p.debtorId,
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        source: 'debtor',
        startsOn: '2026-02-20',
        endsOn: '',
        idempotencyKey: `hold-${p.n}`,
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
      md(),
    );
    await client.liftHold({ holdId: hold.holdId, reason: `${p.name} retiró la disputa por teléfono` }, md());
  }

  beforeAll(async () => {
    api = await startLedgerApi();
    ({ sut, client, md } = api);
    await onboard(erased);
    await onboard(kept);
    // The bank's portfolio file: the lines the importer quarantines keep their raw text.
    const file = join(mkdtempSync(join(tmpdir(), 'ledger-erasure-')), 'portfolio.csv');
    const lines = [
      HEADER,
      `account,crm-olvido-2,d-olvido,person,${erased.name},America/Bogota,es,CO,credit_card,XXX,1000,100.00,2026-01-01,,,,,,,,,,`,
      unclosed('pago de ANA OLVIDO PÉREZ'),
      unclosed('titular cc 1.020.304.050'),
      unclosed('contacto OLVIDO.MAIL@EXAMPLE.CO'),
      unclosed('llamar al 300 111 9001'),
      'payment,crm-olvido,,,,,,,,XXX,,,,,,,,,,P-9,,10.00,2026-02-01',
      `account,crm-sigue-2,d-sigue,person,${kept.name},America/Bogota,es,CO,credit_card,XXX,1000,100.00,2026-01-01,,,,,,,,,,`,
      unclosed(`contacto ${kept.email} ${kept.phone} cc ${kept.nationalId}`),
      unclosed('pago de Ana María Olvidado, cc 1020304051'),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const job = await new GenericImporter(sut.context).run('csv', { tenantId: sut.tenant, file });
    expect(job).toMatchObject({ status: 'completed', rejectedRows: 9 });
    jobId = job.jobId;
    exportedBefore = await client.exportDebtor({ debtorId: erased.debtorId }, md());
    expect(exportedBefore.entries.map((e) => e.memo)).toEqual([
      '',
      `cargo acordado con ${erased.name} (${erased.email})`,
      '',
    ]);
    await client.eraseDebtor({ debtorId: erased.debtorId, reason: 'data-subject request 77' }, md());
  });

  afterAll(async () => {
    await api?.close();
  });

  it("keeps no copy of the erased debtor's name, national id, e-mail or phone, however it was written", async () => {
    expect({
      name: await placesHolding(erased.name),
      nationalId: await placesHolding(erased.nationalId),
      nationalIdDotted: await placesHolding('1.020.304.050'),
      email: await placesHolding(erased.email),
      phone: await placesHolding(erased.phone),
      localPhone: await placesHolding('300 111 9001'),
    }).toEqual({ name: [], nationalId: [], nationalIdDotted: [], email: [], phone: [], localPhone: [] });
  });

  it('erases the raw text of every rejected line naming the debtor or their account, keeping its line and reason', async () => {
    expect(await rejected()).toEqual([
      { line_no: 2, reason: 'unknown currency "XXX"', raw: 'erased' },
      { line_no: 3, reason: MALFORMED, raw: 'erased' },
      { line_no: 4, reason: MALFORMED, raw: 'erased' },
      { line_no: 5, reason: MALFORMED, raw: 'erased' },
      { line_no: 6, reason: MALFORMED, raw: 'erased' },
      { line_no: 7, reason: 'unknown currency "XXX"', raw: 'erased' },
      expect.objectContaining({ line_no: 8, raw: expect.stringContaining(kept.name) }),
      { line_no: 9, reason: MALFORMED, raw: unclosed(`contacto ${kept.email} ${kept.phone} cc ${kept.nationalId}`) },
      // Not the erased debtor: another name, another number.
      { line_no: 10, reason: MALFORMED, raw: unclosed('pago de Ana María Olvidado, cc 1020304051') },
    ]);
  });

  it("erases the memos of the debtor's entries and the free texts of their holds; amounts, dates and kinds stay", async () => {
    expect(await memos(erased.accountId)).toEqual([
      { kind: ledger.EntryKind.ENTRY_KIND_CHARGE, amount_minor: '40000', memo: '' },
      { kind: ledger.EntryKind.ENTRY_KIND_FEE, amount_minor: '1500', memo: 'erased' },
      { kind: ledger.EntryKind.ENTRY_KIND_PAYMENT, amount_minor: '5000', memo: '' },
    ]);
    const balance = await client.getBalance({ accountId: erased.accountId, asOfDate: '' }, md());
    expect(balance.balance).toEqual({ amountMinor: 40_000 + 1_500 - 5_000, currency: 'USD' });
  });

  it("leaves another debtor's rejected lines, memos and holds as they were", async () => {
    expect(await memos(kept.accountId)).toEqual([
      { kind: ledger.EntryKind.ENTRY_KIND_CHARGE, amount_minor: '40000', memo: '' },
      {
        kind: ledger.EntryKind.ENTRY_KIND_FEE,
        amount_minor: '1500',
        memo: `cargo acordado con ${kept.name} (${kept.email})`,
      },
      { kind: ledger.EntryKind.ENTRY_KIND_PAYMENT, amount_minor: '5000', memo: '' },
    ]);
    // The name and phone the ledger was given, the memos, the holds' texts and the raw lines of
    // rejected imports are stored encrypted.
    expect(await placesHolding(kept.name)).toEqual([]);
    expect(await placesHolding(kept.phone)).toEqual([]);
    const other = await client.exportDebtor({ debtorId: kept.debtorId }, md());
    expect(other.erased).toBe(false);
    expect(other.holds.map((h) => [h.source, h.liftReason])).toEqual([
      ['debtor', `${kept.name} retiró la disputa por teléfono`],
    ]);
  });

  it('exports the erased debtor with the erased values, and the same entries otherwise', async () => {
    const after = await client.exportDebtor({ debtorId: erased.debtorId }, md());
    expect(after.erased).toBe(true);
    expect(after.debtor).toMatchObject({ displayName: 'erased', nationalId: '' });
    expect(after.debtor!.contactPoints.map((c) => c.value)).toEqual(['erased:1', 'erased:2']);
    expect(after.entries).toEqual(exportedBefore.entries.map((e) => ({ ...e, memo: e.memo === '' ? '' : 'erased' })));
    expect(after.holds.map((h) => [h.kind, h.startsOn, h.source, h.liftReason])).toEqual([
      [ledger.HoldKind.HOLD_KIND_DISPUTE, '2026-02-20', 'erased', 'erased'],
    ]);
    // Erasing again changes nothing more and still answers.
    await client.eraseDebtor({ debtorId: erased.debtorId, reason: 'data-subject request 77' }, md());
    expect(await client.exportDebtor({ debtorId: erased.debtorId }, md())).toEqual(after);
  });

  it('finds a value of fewer than 4 characters only as a whole field, a longer one as a whole token, a number however written', async () => {
    const patterns = erasurePatterns({
      debtorId: 'd-17',
      displayName: 'Bo',
      nationalId: '1020304050',
      contactValues: [{ type: 'phone', value: '+573001119001' }],
      accountRefs: [],
    });
    const finds = async (text: string) =>
      (await q<{ hit: boolean }>(`SELECT $1::text ~ ANY($2::text[]) AS hit`, [text, patterns]))[0].hit;
    expect({
      wholeField: await finds('account,A-1,d-9,person,Bo,America/Bogota'),
      quotedField: await finds('{"debtor_name":"bo","debtor_id":"x"}'),
      idToken: await finds('pago D-17 marzo'),
      dottedId: await finds('titular cc 1.020.304.050'),
      localPhone: await finds('llamar al (300) 111-9001'),
      insideWord: await finds('account,A-1,d-9,person,Bogotá Bo Ruiz,CO'),
      longerId: await finds('account,A-1,d-170,person,Ana,CO'),
      longerNumber: await finds('cc 10203040501'),
    }).toEqual({
      wholeField: true,
      quotedField: true,
      idToken: true,
      dottedId: true,
      localPhone: true,
      insideWord: false,
      longerId: false,
      longerNumber: false,
    });
  });

  it('finds a name with or without its accents, in any case', async () => {
    const finds = async (displayName: string, text: string) => {
      const patterns = erasurePatterns({
        debtorId: 'd-18',
        displayName,
        nationalId: '',
        contactValues: [],
        accountRefs: [],
      });
      return (await q<{ hit: boolean }>(`SELECT $1::text ~ ANY($2::text[]) AS hit`, [text, patterns]))[0].hit;
    };
    expect({
      bankReferenceWithoutAccents: await finds('José Muñoz Gómez', 'TRANSF JOSE MUNOZ GOMEZ 0312'),
      csvFieldWithOtherAccents: await finds('José Muñoz Gómez', 'account,A-1,d-9,person,josé muñóz gomez,CO'),
      nameStoredWithoutAccents: await finds('Jose Munoz', 'pago de José Muñoz, marzo'),
      otherName: await finds('José Muñoz Gómez', 'TRANSF JOSE MUNIZ GOMEZ 0312'),
    }).toEqual({
      bankReferenceWithoutAccents: true,
      csvFieldWithOtherAccents: true,
      nameStoredWithoutAccents: true,
      otherName: false,
    });
  });
});
