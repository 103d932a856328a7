import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError, status } from '@grpc/grpc-js';
import { decodePayload, ledger } from '@collections/contracts';
import { GenericImporter } from '../src/imports/generic-importer';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

/**
 * A debtor's language is recorded as the source gives it, and left unknown ('') where it gives
 * none: the orchestrator then writes in the language of the debtor's country (a French debtor
 * imported without one is written to in French, not in an invented Spanish).
 */
describe('a debtor’s language (ledger API and generic import, real PostgreSQL)', () => {
  let api: LedgerApi;

  beforeAll(async () => {
    api = await startLedgerApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const stored = async (debtorId: string) =>
    (
      (await api.sut.dataSource.query(`SELECT language FROM ledger.debtor WHERE tenant_id = $1 AND id = $2`, [
        api.sut.tenant,
        debtorId,
      ])) as { language: string }[]
    ).map((r) => r.language);

  const published = async (debtorId: string) =>
    (
      (await api.sut.dataSource.query(
        `SELECT payload FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = $2 ORDER BY id`,
        [debtorId, 'collections.ledger.v1.DebtorUpserted'],
      )) as { payload: Buffer }[]
    ).map((r) => decodePayload('collections.ledger.v1.DebtorUpserted', r.payload).language);

  const debtor = (debtorId: string, language: string) =>
    ledger.Debtor.fromPartial({
      debtorId,
      kind: 'person',
      displayName: 'Claire Martin',
      timeZone: 'Europe/Paris',
      language,
      country: 'FR',
      contactPoints: [],
    });

  it('upserts a debtor without a language as one with none: stored, exported and published empty', async () => {
    await api.client.upsertDebtor({ debtor: debtor('lang-none', '') }, api.md());

    expect(await stored('lang-none')).toEqual(['']);
    expect((await api.client.exportDebtor({ debtorId: 'lang-none' }, api.md())).debtor?.language).toBe('');
    expect(await published('lang-none')).toEqual(['']);
  });

  it('keeps a language that is given, on upsert and on a later upsert that changes it', async () => {
    await api.client.upsertDebtor({ debtor: debtor('lang-given', 'fr-BE') }, api.md());
    await api.client.upsertDebtor({ debtor: debtor('lang-given', 'nl') }, api.md());

    expect(await stored('lang-given')).toEqual(['nl']);
    expect((await api.client.exportDebtor({ debtorId: 'lang-given' }, api.md())).debtor?.language).toBe('nl');
    expect(await published('lang-given')).toEqual(['fr-BE', 'nl']);
  });

  it('refuses a language that is not a language tag, naming the field, and records nothing', async () => {
    for (const language of ['French', 'fr_FR', 'f']) {
      const answer = await api.client.upsertDebtor({ debtor: debtor(`lang-bad-${language}`, language) }, api.md()).then(
        () => ({ code: status.OK, details: '' }),
        (err: ServiceError) => ({ code: err.code, details: err.details }),
      );
      expect(answer).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/debtor\.language/) });
      expect(await stored(`lang-bad-${language}`)).toEqual([]);
      expect(await published(`lang-bad-${language}`)).toEqual([]);
    }
  });

  it('imports a debtor whose row gives no language with none, and one whose row gives it with it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ledger-language-')), 'portfolio.csv');
    writeFileSync(
      file,
      [
        'record,external_ref,debtor_id,debtor_kind,debtor_name,debtor_language,debtor_country,product,currency,opened_on',
        'account,L-1,lang-import-none,person,Claire Martin,,FR,credit_card,EUR,2025-01-10',
        'account,L-2,lang-import-de,person,Jonas Weber,de,DE,credit_card,EUR,2025-01-10',
        '',
      ].join('\n'),
    );
    const job = await new GenericImporter(api.sut.context).run('csv', { tenantId: api.sut.tenant, file });
    expect(job).toMatchObject({ status: 'completed', rejectedRows: 0, createdAccounts: 2 });

    expect(await stored('lang-import-none')).toEqual(['']);
    expect(await stored('lang-import-de')).toEqual(['de']);
  });
});
