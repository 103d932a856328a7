import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, columnsHolding } from '@collections/testing';
import { UciImporter } from '../src/imports/uci-importer';
import { LedgerRepository } from '../src/ledger/ledger.repository';
import { PiiCipher, PiiUnreadableError } from '../src/ledger/pii';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const UCI_TRAIN = join(__dirname, '..', '..', '..', '..', 'shared', 'datasets', 'uci-credit-default', 'train.csv');

/** What collectors write: health and work, the debtor's family, in their own words. */
const TEXTS = {
  chargeMemo: 'deudora dice que perdió su empleo en ACME, esposo hospitalizado',
  adjustmentReason: 'ajuste por enfermedad grave de Lucía Textolibre, certificado médico',
  holdSource: 'abogado Ramiro Fuentes, tel 3001234567',
  restHoldSource: 'hermana de la deudora, llamó llorando',
  liftReason: 'Lucía Textolibre retiró la disputa: ya consiguió trabajo en Globex',
  erasureReason: 'solicitud de supresión 2026-0042 de Marta Suprimida por correo',
};

/**
 * The callers' free texts (journal memos, holds' sources and lift reasons, erasure reasons) are
 * stored encrypted, like the debtor's name: a backup, a replica or a `SELECT` shows none of them;
 * the APIs (history and export, gRPC and REST) answer them in clear, as they were given.
 */
describe("callers' free texts are encrypted at rest (gRPC, REST, importer, real PostgreSQL)", () => {
  let api: LedgerApi;
  let sut: ServiceUnderTest;
  const uciId = '917364';

  const placesHolding = (needle: string) => columnsHolding(sut.dataSource, needle);
  const rest = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sut.app.httpUrl}${path}`, {
      method,
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    api = await startLedgerApi();
    sut = api.sut;
    const { client, md } = api;
    for (const debtorId of ['d-textos', 'd-suprimida'])
      await client.upsertDebtor(
        {
          debtor: ledger.Debtor.fromPartial({
            debtorId,
            kind: 'person',
            displayName: debtorId === 'd-textos' ? 'Lucía Textolibre' : 'Marta Suprimida',
            country: 'CO',
            timeZone: 'America/Bogota',
          }),
        },
        md(),
      );
    await client.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId: 'acct-textos',
        externalRef: 'crm-textos',
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        openedOn: '2026-01-01',
        timeZone: 'America/Bogota',
        debtors: [{ debtorId: 'd-textos', role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      }),
      md(),
    );
    await client.postCharge(
      {
        accountId: 'acct-textos',
        kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
        amount: { amountMinor: 40_000, currency: 'USD' },
        idempotencyKey: 'charge-textos',
        effectiveDate: '2026-01-05',
        memo: TEXTS.chargeMemo,
      },
      md(),
    );
    await rest('POST', '/v1/ledger/accounts/acct-textos/adjustments', {
      kind: 'ENTRY_KIND_ADJUSTMENT',
      effectiveDate: '2026-01-06',
      amount: { amountMinor: -1_000, currency: 'USD' },
      idempotencyKey: 'adjust-textos',
      reason: TEXTS.adjustmentReason,
    });
    const hold = await client.setHold(
      {
        debtorId: 'd-textos',
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        source: TEXTS.holdSource,
        startsOn: '2026-02-20',
        endsOn: '',
        idempotencyKey: 'hold-textos',
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
      md(),
    );
    await client.liftHold({ holdId: hold.holdId, reason: TEXTS.liftReason }, md());
    await rest('POST', '/v1/ledger/debtors/d-textos/holds', {
      kind: 'HOLD_KIND_ATTORNEY',
      source: TEXTS.restHoldSource,
      startsOn: '2026-03-01',
      idempotencyKey: 'rest-hold-textos',
    });
    await client.eraseDebtor({ debtorId: 'd-suprimida', reason: TEXTS.erasureReason }, md());

    // One client of the UCI file (the importer's COPY path), under an id no other line has.
    const [header, first] = readFileSync(UCI_TRAIN, 'utf8').split('\n');
    const uci = join(mkdtempSync(join(tmpdir(), 'ledger-texts-')), 'uci.csv');
    writeFileSync(uci, `${header}\n${first.replace(/^\d+,/, `${uciId},`)}\n`);
    expect(await new UciImporter(sut.context).run({ tenantId: sut.tenant, file: uci })).toMatchObject({
      status: 'completed',
      createdAccounts: 1,
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('keeps no memo, adjustment reason, hold source, lift reason or erasure reason in clear in any table, the outbox included', async () => {
    expect({
      chargeMemo: await placesHolding(TEXTS.chargeMemo),
      liftReason: await placesHolding(TEXTS.liftReason),
      erasureReason: await placesHolding(TEXTS.erasureReason),
      // Not on AdjustmentPosted.reason nor HoldChanged.source either (free-texts-off-events.medium.spec.ts).
      adjustmentReason: await placesHolding(TEXTS.adjustmentReason),
      holdSource: await placesHolding(TEXTS.holdSource),
      restHoldSource: await placesHolding(TEXTS.restHoldSource),
    }).toEqual({
      chargeMemo: [],
      liftReason: [],
      erasureReason: [],
      adjustmentReason: [],
      holdSource: [],
      restHoldSource: [],
    });
  });

  it('answers the memos in the account history (gRPC and REST) and every text in the export, as they were given', async () => {
    const history = await api.client.getAccountHistory({ accountId: 'acct-textos' }, api.md());
    expect(history.entries.map((e) => e.memo)).toEqual([TEXTS.chargeMemo, TEXTS.adjustmentReason]);
    const overRest = (await rest('GET', '/v1/ledger/accounts/acct-textos/history')) as { entries: { memo: string }[] };
    expect(overRest.entries.map((e) => e.memo)).toEqual([TEXTS.chargeMemo, TEXTS.adjustmentReason]);

    const exported = await api.client.exportDebtor({ debtorId: 'd-textos' }, api.md());
    expect(exported.entries.map((e) => e.memo)).toEqual([TEXTS.chargeMemo, TEXTS.adjustmentReason]);
    expect(exported.holds.map((h) => [h.source, h.liftReason])).toEqual([
      [TEXTS.holdSource, TEXTS.liftReason],
      [TEXTS.restHoldSource, ''],
    ]);
    const exportedOverRest = (await rest('GET', '/v1/ledger/debtors/d-textos/export')) as {
      holds: { source: string; liftReason?: string }[];
    };
    expect(exportedOverRest.holds.map((h) => h.source)).toEqual([TEXTS.holdSource, TEXTS.restHoldSource]);
  });

  it("writes an imported entry's memo encrypted (the importer's COPY) and reads it back", async () => {
    const history = await api.client.getAccountHistory({ accountId: `uci-${uciId}` }, api.md());
    expect(history.entries.length).toBeGreaterThan(0);
    expect(new Set(history.entries.map((e) => e.memo))).toEqual(new Set(['uci import']));
    expect((await placesHolding('uci import')).filter((c) => c.startsWith('ledger.journal_entry'))).toEqual([]);
  });

  it('refuses to read a memo with another key, saying the key is wrong, instead of answering garbage', async () => {
    const read = new LedgerRepository(new PiiCipher('not-the-ledger-key')).history(
      sut.dataSource.manager,
      sut.tenant,
      'acct-textos',
    );
    await expect(read).rejects.toBeInstanceOf(PiiUnreadableError);
    await expect(read).rejects.toThrow(/LEDGER_PII_KEY is not the key it was encrypted with/);
  });
});
